//! Where call audio comes from and goes to: 20 ms mono frames at 48 kHz. Tones and WAV
//! files serve tests and the CLI; real devices plug in behind the same traits.

use crate::tone::{FRAME_SAMPLES, SAMPLE_RATE, ToneGenerator};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;

/// Produces one frame of [`FRAME_SAMPLES`] samples at a time.
pub trait AudioSource: Send {
    fn fill(&mut self, frame: &mut [i16]);

    /// For a source that keeps its own time (a sound device): signalled when a whole
    /// frame is waiting, so the frame is sent at once rather than at the next 20 ms tick,
    /// which cost a call 10 ms on average. `None`: the source is read every 20 ms.
    fn frame_ready(&self) -> Option<Arc<Notify>> {
        None
    }

    /// Whether a whole frame is waiting now (asked only of sources with `frame_ready`).
    fn has_frame(&self) -> bool {
        true
    }
}

/// Takes each decoded frame from the far end.
pub trait AudioSink: Send {
    fn push(&mut self, frame: &[i16]);
}

/// A sine tone.
pub struct ToneSource(ToneGenerator);

impl ToneSource {
    pub fn new(frequency: f64) -> Self {
        ToneSource(ToneGenerator::new(frequency, 0.3))
    }
}

impl AudioSource for ToneSource {
    fn fill(&mut self, frame: &mut [i16]) {
        self.0.fill(frame);
    }
}

/// Silence.
pub struct Silence;

impl AudioSource for Silence {
    fn fill(&mut self, frame: &mut [i16]) {
        frame.fill(0);
    }
}

/// A WAV file, looped; stereo is mixed down, and other rates are converted to 48 kHz.
pub struct WavSource {
    samples: Vec<i16>,
    position: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is {rate} Hz and cannot be converted to 48000 Hz: {reason}")]
    Rate {
        path: String,
        rate: u32,
        reason: String,
    },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

impl WavSource {
    pub fn open(path: &Path) -> Result<Self, WavError> {
        let shown = path.display().to_string();
        let read_error = |e: hound::Error| WavError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        };
        let mut reader = hound::WavReader::open(path).map_err(read_error)?;
        let spec = reader.spec();
        let channels = usize::from(spec.channels.max(1));
        let raw: Vec<i32> = match spec.sample_format {
            hound::SampleFormat::Int => {
                let shift = spec.bits_per_sample.saturating_sub(16);
                reader
                    .samples::<i32>()
                    .map(|s| s.map(|v| v >> shift))
                    .collect::<Result<_, _>>()
                    .map_err(read_error)?
            }
            hound::SampleFormat::Float => reader
                .samples::<f32>()
                .map(|s| s.map(|v| (v.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i32))
                .collect::<Result<_, _>>()
                .map_err(read_error)?,
        };
        let mono: Vec<i16> = raw
            .chunks(channels)
            .map(|c| {
                (c.iter().sum::<i32>() / c.len() as i32)
                    .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
            })
            .collect();
        let samples = if spec.sample_rate == SAMPLE_RATE || mono.is_empty() {
            mono
        } else {
            to_call_rate(&mono, spec.sample_rate).map_err(|reason| WavError::Rate {
                path: shown.clone(),
                rate: spec.sample_rate,
                reason,
            })?
        };
        if samples.is_empty() {
            return Err(WavError::Read {
                path: shown,
                reason: "it holds no audio".into(),
            });
        }
        Ok(WavSource {
            samples,
            position: 0,
        })
    }
}

/// A whole recording converted to 48 kHz (rubato's FFT resampler: a fixed ratio, done
/// once, at full quality).
pub fn to_call_rate(samples: &[i16], from_hz: u32) -> Result<Vec<i16>, String> {
    use rubato::audioadapter::Adapter;
    use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
    use rubato::{Fft, FixedSync, Resampler};
    let mut resampler = Fft::<f32>::new(
        from_hz as usize,
        SAMPLE_RATE as usize,
        1024,
        1,
        FixedSync::Input,
    )
    .map_err(|e| e.to_string())?;
    let input = [samples
        .iter()
        .map(|s| f32::from(*s) / 32768.0)
        .collect::<Vec<f32>>()];
    let frames = samples.len();
    let adapter = SequentialSliceOfVecs::new(&input, 1, frames).map_err(|e| e.to_string())?;
    let out = resampler
        .process_all(&adapter, frames, None)
        .map_err(|e| e.to_string())?;
    Ok((0..out.frames())
        .map(|f| {
            let v = out.read_sample(0, f).unwrap_or(0.0);
            (v.clamp(-1.0, 1.0) * 32767.0) as i16
        })
        .collect())
}

impl AudioSource for WavSource {
    fn fill(&mut self, frame: &mut [i16]) {
        for sample in frame.iter_mut() {
            *sample = self.samples[self.position];
            self.position = (self.position + 1) % self.samples.len();
        }
    }
}

/// Writes what it hears to a 48 kHz mono 16-bit WAV file.
pub struct WavRecorder {
    writer: Option<hound::WavWriter<std::io::BufWriter<std::fs::File>>>,
}

impl WavRecorder {
    pub fn create(path: &Path) -> Result<Self, WavError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(path, spec).map_err(|e| WavError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(WavRecorder {
            writer: Some(writer),
        })
    }
}

impl AudioSink for WavRecorder {
    fn push(&mut self, frame: &[i16]) {
        if let Some(writer) = &mut self.writer {
            for sample in frame {
                if writer.write_sample(*sample).is_err() {
                    tracing::warn!("recording stopped: cannot write the WAV file");
                    self.writer = None;
                    return;
                }
            }
        }
    }
}

impl Drop for WavRecorder {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take()
            && let Err(e) = writer.finalize()
        {
            tracing::warn!(error = %e, "the WAV recording could not be finished");
        }
    }
}

/// A received frame and when it arrived.
pub type TimedFrame = (Instant, Vec<i16>);

/// Keeps every received frame with its arrival time, for tests and statistics.
#[derive(Clone, Default)]
pub struct FrameLog(Arc<Mutex<Vec<TimedFrame>>>);

impl FrameLog {
    pub fn frames(&self) -> Vec<TimedFrame> {
        self.0.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

impl AudioSink for FrameLog {
    fn push(&mut self, frame: &[i16]) {
        if let Ok(mut frames) = self.0.lock() {
            frames.push((Instant::now(), frame.to_vec()));
        }
    }
}

/// Every frame a sink gets, also given to a second sink.
pub struct Tee(pub Box<dyn AudioSink>, pub Box<dyn AudioSink>);

impl AudioSink for Tee {
    fn push(&mut self, frame: &[i16]) {
        self.0.push(frame);
        self.1.push(frame);
    }
}

/// Frames per second of audio, for sizing buffers.
pub const FRAMES_PER_SECOND: usize = SAMPLE_RATE as usize / FRAME_SAMPLES;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{FRAME_SAMPLES, has_tone};

    #[test]
    fn a_wav_at_another_rate_is_converted_keeping_length_and_pitch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("speech-rate.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).expect("wav");
        // Two seconds of 440 Hz, the same in both channels.
        let mut tone = ToneGenerator::new(440.0 * 48_000.0 / 22_050.0, 0.3);
        let mut chunk = vec![0i16; 22_050];
        for _ in 0..2 {
            tone.fill(&mut chunk);
            for s in &chunk {
                writer.write_sample(*s).expect("left");
                writer.write_sample(*s).expect("right");
            }
        }
        writer.finalize().expect("finalize");

        let mut source = WavSource::open(&path).expect("converted");
        assert!(
            source.samples.len().abs_diff(96_000) <= 960,
            "{} samples for two seconds",
            source.samples.len()
        );
        let mut frame = vec![0i16; FRAME_SAMPLES];
        source.fill(&mut frame);
        source.fill(&mut frame);
        assert!(has_tone(&frame, 440.0), "the pitch survives conversion");
    }
}
