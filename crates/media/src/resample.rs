//! Rate conversion between a sound device and the call's 48 kHz.

/// Streaming rate conversion between a device and the call's 48 kHz: rubato's FFT
/// resampler (a fixed ratio, with an anti-aliasing filter) over 10 ms blocks. The linear
/// interpolation it replaced was 41 dB off a band-limited reference at 44.1 ↔ 48 kHz but
/// only 25–27 dB at 16 ↔ 48 kHz (a Bluetooth headset's rate), for 2–3 µs per 10 ms;
/// this costs 4–7 µs (docs/audio.md). Pure.
pub struct Resampler {
    /// `None` when the rates are equal (or cannot be converted: then samples pass as
    /// they are, at the wrong pitch, rather than not at all).
    fft: Option<rubato::Fft<f32>>,
    pending: Vec<f32>,
    out: Vec<f32>,
}

impl Resampler {
    pub fn new(from_hz: u32, to_hz: u32) -> Resampler {
        let fft = (from_hz != to_hz)
            .then(|| {
                let block = (from_hz as usize / 100).max(1);
                rubato::Fft::<f32>::new(
                    from_hz as usize,
                    to_hz as usize,
                    block,
                    1,
                    rubato::FixedSync::Input,
                )
                .map_err(|e| {
                    tracing::warn!(from_hz, to_hz, error = %e, "cannot convert the sound device's rate")
                })
                .ok()
            })
            .flatten();
        let out = vec![0.0; fft.as_ref().map_or(0, rubato::Resampler::output_frames_max)];
        Resampler {
            fft,
            pending: Vec::new(),
            out,
        }
    }

    /// Converts the next stretch of input; what does not fill a block waits for the next
    /// call.
    pub fn run(&mut self, input: impl IntoIterator<Item = i16>) -> Vec<i16> {
        use rubato::Resampler as _;
        use rubato::audioadapter_buffers::direct::SequentialSlice;
        let Some(fft) = &mut self.fft else {
            return input.into_iter().collect();
        };
        self.pending
            .extend(input.into_iter().map(|s| f32::from(s) / 32768.0));
        let mut converted = Vec::new();
        loop {
            let needed = fft.input_frames_next();
            if self.pending.len() < needed {
                return converted;
            }
            let out_len = self.out.len();
            let buffers =
                SequentialSlice::new(&self.pending[..needed], 1, needed).and_then(|input| {
                    SequentialSlice::new_mut(&mut self.out[..], 1, out_len).map(|o| (input, o))
                });
            let Ok((input, mut output)) = buffers else {
                return converted;
            };
            match fft.process_into_buffer(&input, &mut output, None) {
                Ok((_, produced)) => converted.extend(
                    self.out[..produced]
                        .iter()
                        .map(|v| (v.clamp(-1.0, 1.0) * 32767.0) as i16),
                ),
                Err(e) => tracing::debug!(error = %e, "sound block not converted"),
            }
            self.pending.drain(..needed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{FRAME_SAMPLES, ToneGenerator, has_tone};

    #[test]
    fn resampling_keeps_the_rate_and_the_tone() {
        for (from, to) in [
            (44_100, 48_000),
            (48_000, 44_100),
            (16_000, 48_000),
            (48_000, 48_000),
        ] {
            // 440 Hz at the input's rate (the generator counts in 48 kHz samples).
            let mut tone = ToneGenerator::new(440.0 * 48_000.0 / f64::from(from), 0.3);
            let mut input = vec![0i16; from as usize]; // one second
            tone.fill(&mut input);
            let mut r = Resampler::new(from, to);
            let mut out = Vec::new();
            for chunk in input.chunks(333) {
                out.extend(r.run(chunk.iter().copied()));
            }
            // Whole 10 ms blocks: one second in, one second out.
            let expected = to as usize;
            assert!(
                out.len().abs_diff(expected) <= 2,
                "{from}→{to}: {} samples for one second",
                out.len()
            );
            if to == 48_000 {
                // The tone's pitch survives: 440 Hz after conversion to 48 kHz.
                let frame = &out[FRAME_SAMPLES..2 * FRAME_SAMPLES];
                assert!(has_tone(frame, 440.0), "{from}→{to}");
            }
        }
    }
}
