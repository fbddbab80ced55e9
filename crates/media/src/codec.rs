//! Opus at 48 kHz mono, 20 ms frames (libopus through the `opus` crate).

use crate::tone::{FRAME_SAMPLES, SAMPLE_RATE};

#[derive(Debug, thiserror::Error)]
#[error("Opus {0}")]
pub struct CodecError(String);

pub struct Encoder(opus::Encoder);

impl Encoder {
    pub fn new() -> Result<Self, CodecError> {
        let mut encoder =
            opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)
                .map_err(|e| CodecError(format!("encoder: {e}")))?;
        encoder
            .set_bitrate(opus::Bitrate::Bits(32_000))
            .map_err(|e| CodecError(format!("bitrate: {e}")))?;
        // In-band FEC: each packet also carries a coarse copy of the previous frame, so
        // one lost packet can be rebuilt from the next.
        encoder
            .set_inband_fec(true)
            .and_then(|()| encoder.set_packet_loss_perc(10))
            .map_err(|e| CodecError(format!("FEC: {e}")))?;
        // Complexity 5 (libwebrtc's choice on mobile) instead of 10: measured here, encode
        // goes from 226 to 177 µs per frame (1.13 % → 0.88 % of a core), and at 32 kbit/s
        // mono voice the difference is not audible.
        encoder
            .set_complexity(5)
            .map_err(|e| CodecError(format!("complexity: {e}")))?;
        // Wideband (speech up to 7 kHz, "HD voice") instead of fullband: all of speech's
        // intelligibility and most of its character, in SILK alone instead of SILK+CELT
        // hybrid, so both encoder and decoder work less (measured in docs/benchmarks.md).
        encoder
            .set_max_bandwidth(opus::Bandwidth::Wideband)
            .map_err(|e| CodecError(format!("bandwidth: {e}")))?;
        Ok(Encoder(encoder))
    }

    /// Encodes one 20 ms frame.
    pub fn encode(&mut self, frame: &[i16]) -> Result<Vec<u8>, CodecError> {
        let mut out = vec![0u8; 1275];
        let len = self
            .0
            .encode(frame, &mut out)
            .map_err(|e| CodecError(format!("encode: {e}")))?;
        out.truncate(len);
        Ok(out)
    }
}

pub struct Decoder(opus::Decoder);

impl Decoder {
    pub fn new() -> Result<Self, CodecError> {
        opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono)
            .map(Decoder)
            .map_err(|e| CodecError(format!("decoder: {e}")))
    }

    /// Rebuilds one lost 20 ms frame: from the FEC data in `next` (the packet after the
    /// loss) when there is one, else by concealment.
    pub fn decode_lost(&mut self, next: Option<&[u8]>) -> Result<Vec<i16>, CodecError> {
        let mut out = vec![0i16; FRAME_SAMPLES];
        let len = match next {
            Some(packet) => self.0.decode(packet, &mut out, true),
            None => self.0.decode(&[], &mut out, false),
        }
        .map_err(|e| CodecError(format!("loss recovery: {e}")))?;
        out.truncate(len);
        Ok(out)
    }

    /// Decodes one packet (a browser may send 10–60 ms; all are returned).
    pub fn decode(&mut self, packet: &[u8]) -> Result<Vec<i16>, CodecError> {
        let mut out = vec![0i16; FRAME_SAMPLES * 6];
        let len = self
            .0
            .decode(packet, &mut out, false)
            .map_err(|e| CodecError(format!("decode: {e}")))?;
        out.truncate(len);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{ToneGenerator, has_tone, rms};

    #[test]
    fn a_tone_survives_encoding_and_silence_stays_silent() -> Result<(), CodecError> {
        let (mut enc, mut dec) = (Encoder::new()?, Decoder::new()?);
        let mut tone = ToneGenerator::new(440.0, 0.3);
        let mut frame = vec![0i16; FRAME_SAMPLES];
        let mut detected = 0;
        for n in 0..50 {
            tone.fill(&mut frame);
            let packet = enc.encode(&frame)?;
            assert!(
                packet.len() < 200,
                "32 kbit/s is ~80 bytes a frame, got {}",
                packet.len()
            );
            let out = dec.decode(&packet)?;
            assert_eq!(out.len(), FRAME_SAMPLES);
            if n > 2 && has_tone(&out, 440.0) {
                detected += 1;
            }
        }
        assert!(detected >= 46, "{detected} of 47 frames");
        // After the tone, the codec's memory decays for a few frames; then silence.
        for n in 0..20 {
            let out = dec.decode(&enc.encode(&[0; FRAME_SAMPLES])?)?;
            if n >= 10 {
                assert!(rms(&out) < 1e-3, "frame {n}: {}", rms(&out));
            }
        }
        Ok(())
    }

    #[test]
    fn a_lost_packet_is_rebuilt_from_the_next_one() -> Result<(), CodecError> {
        let (mut enc, mut dec) = (Encoder::new()?, Decoder::new()?);
        let mut tone = ToneGenerator::new(440.0, 0.3);
        let mut frame = vec![0i16; FRAME_SAMPLES];
        let packets: Vec<Vec<u8>> = (0..30)
            .map(|_| {
                tone.fill(&mut frame);
                enc.encode(&frame)
            })
            .collect::<Result<_, _>>()?;
        for p in &packets[..20] {
            dec.decode(p)?;
        }
        // Packet 20 is lost: packet 21's FEC data rebuilds it.
        let rebuilt = dec.decode_lost(Some(&packets[21]))?;
        assert_eq!(rebuilt.len(), FRAME_SAMPLES);
        assert!(
            has_tone(&rebuilt, 440.0),
            "the rebuilt frame carries the tone"
        );
        assert!(has_tone(&dec.decode(&packets[21])?, 440.0));
        // A longer gap is concealed rather than left silent.
        let concealed = dec.decode_lost(None)?;
        assert_eq!(concealed.len(), FRAME_SAMPLES);
        assert!(rms(&concealed) > 0.01);
        Ok(())
    }
}
