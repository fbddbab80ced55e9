//! The voice path: what the voice processing stage hears as echo (everything the
//! speakers play, tapped at the playout point and summed) and how a source's frames go
//! through the stage, with the render→capture delay worked out from the buffers.
//!
//! A microphone's frames are processed in its device callback, as they are captured, with
//! whatever the speakers played since then given to the echo canceller first: both sides
//! then keep the pace of the sound server, and a call thread that is late (a busy
//! machine) can no longer shift the echo against its reference, which cost the canceller
//! its grip for seconds at a time.

use crate::audio::{AudioSink, AudioSource};
use crate::processing::{PROCESSING_FRAME, VoiceProcessor, VoiceSettings, VoiceStats};
use crate::ring::Ring;
use crate::tone::SAMPLE_RATE;
use std::sync::{Arc, Mutex, Weak};

/// Everything the speakers play that a microphone may hear back: each output opened with
/// it adds its own tap, and the taps are summed, as the air sums them.
#[derive(Clone, Default)]
pub struct EchoReference(Arc<Mutex<Vec<Weak<Ring>>>>);

/// What the reference played since it was last taken.
pub(crate) struct Played {
    pub(crate) samples: Vec<i16>,
    /// Played but not yet taken, in samples (the most of any tap).
    pub(crate) waiting: usize,
    /// The output devices' latency (the most of any tap), ms.
    pub(crate) device_latency_ms: f64,
}

impl EchoReference {
    /// A sink whose frames join the reference, as what speakers play does.
    pub fn sink(&self) -> ReferenceSink {
        ReferenceSink(self.tap())
    }

    pub(crate) fn tap(&self) -> Arc<Ring> {
        let ring = Arc::new(Ring::default());
        if let Ok(mut taps) = self.0.lock() {
            taps.retain(|t| t.strong_count() > 0);
            taps.push(Arc::downgrade(&ring));
        }
        ring
    }

    /// Everything the outputs played since last taken, in whole 10 ms frames, summed (an
    /// output that played less is padded with silence); outputs that are gone drop out.
    pub(crate) fn take_played(&self) -> Played {
        let most = match self.0.lock() {
            Ok(taps) => taps
                .iter()
                .filter_map(Weak::upgrade)
                .map(|t| t.len())
                .max()
                .unwrap_or(0),
            Err(_) => 0,
        };
        self.take(most - most % PROCESSING_FRAME)
    }

    /// The next `n` samples each output played, summed; outputs that are gone drop out.
    pub(crate) fn take(&self, n: usize) -> Played {
        let mut played = Played {
            samples: vec![0; n],
            waiting: 0,
            device_latency_ms: 0.0,
        };
        let taps: Vec<Arc<Ring>> = match self.0.lock() {
            Ok(taps) => taps.iter().filter_map(Weak::upgrade).collect(),
            Err(_) => return played,
        };
        let mut chunk = vec![0; n];
        for tap in taps {
            played.waiting = played.waiting.max(tap.len().saturating_sub(n));
            played.device_latency_ms = played.device_latency_ms.max(tap.latency_ms());
            tap.pop_into(&mut chunk);
            for (sum, s) in played.samples.iter_mut().zip(&chunk) {
                *sum = sum.saturating_add(*s);
            }
        }
        played
    }
}

/// A running processing stage's settings (changeable mid-call) and what it reports.
#[derive(Clone, Default)]
pub struct VoiceControl(Arc<Mutex<VoiceStats>>);

impl VoiceControl {
    pub fn new(settings: VoiceSettings) -> VoiceControl {
        VoiceControl(Arc::new(Mutex::new(VoiceStats {
            settings,
            ..VoiceStats::default()
        })))
    }

    /// Takes effect from the next frame.
    pub fn set(&self, settings: VoiceSettings) {
        if let Ok(mut stats) = self.0.lock() {
            stats.settings = settings;
        }
    }

    /// The latest figures (refreshed every second) and the settings in force.
    pub fn stats(&self) -> VoiceStats {
        self.0.lock().map(|s| *s).unwrap_or_default()
    }
}

/// How a microphone's audio is processed: the stage's control and what the speakers
/// played.
#[derive(Clone, Default)]
pub struct VoicePath {
    pub control: VoiceControl,
    pub reference: EchoReference,
}

impl VoicePath {
    pub fn new(settings: VoiceSettings) -> VoicePath {
        VoicePath {
            control: VoiceControl::new(settings),
            reference: EchoReference::default(),
        }
    }
}

/// Any source through the voice processing stage, as a microphone's audio would go: for
/// tests and benchmarks that process tones and files (which otherwise bypass it).
pub struct ProcessedSource {
    inner: Box<dyn AudioSource>,
    processing: Processing,
}

impl ProcessedSource {
    pub fn new(inner: Box<dyn AudioSource>, path: VoicePath) -> ProcessedSource {
        ProcessedSource {
            inner,
            processing: Processing::new(path),
        }
    }
}

impl AudioSource for ProcessedSource {
    fn fill(&mut self, frame: &mut [i16]) {
        self.inner.fill(frame);
        self.processing.run(frame, 0, 0.0);
    }
}

/// Frames that join an [`EchoReference`] (see [`EchoReference::sink`]).
pub struct ReferenceSink(Arc<Ring>);

impl AudioSink for ReferenceSink {
    fn push(&mut self, frame: &[i16]) {
        self.0.push(frame.iter().copied());
    }
}

/// A voice path's stage at work on one source.
pub(crate) struct Processing {
    path: VoicePath,
    stage: VoiceProcessor,
    /// Frames since the figures were last published.
    frames: u32,
}

/// Frames between two publications of the stage's figures (1 s).
const STATS_EVERY: u32 = 50;

impl Processing {
    pub(crate) fn new(path: VoicePath) -> Processing {
        let stage = VoiceProcessor::new(path.control.stats().settings);
        Processing {
            path,
            stage,
            frames: 0,
        }
    }

    /// Processes a frame just captured (in the device callback), given the capture
    /// device's latency: what the speakers played since the last one is rendered first,
    /// so the reference keeps the devices' pace and not the call thread's.
    pub(crate) fn run_captured(&mut self, frame: &mut [i16], capture_latency_ms: f64) {
        let played = self.path.reference.take_played();
        self.process(frame, played, 0, capture_latency_ms);
    }

    /// Drops what the speakers played since the last frame, for a microphone that drops
    /// what it captured to catch up.
    pub(crate) fn skip_played(&mut self) {
        self.path.reference.take_played();
    }

    /// Processes `frame` against as much reference as it is long, given how many samples
    /// still wait behind it and the capture device's latency: for sources that are not
    /// devices, stepped by whoever reads them.
    pub(crate) fn run(&mut self, frame: &mut [i16], waiting: usize, capture_latency_ms: f64) {
        let played = self.path.reference.take(frame.len());
        self.process(frame, played, waiting, capture_latency_ms);
    }

    fn process(&mut self, frame: &mut [i16], played: Played, waiting: usize, capture_ms: f64) {
        self.stage.apply(self.path.control.stats().settings);
        // How long after the reference samples are handed over now their echo is
        // processed: output latency, then the air (unknown, small), then input latency,
        // plus the difference between what waits in the two buffers.
        let per_ms = f64::from(SAMPLE_RATE) / 1000.0;
        let delay = played.device_latency_ms
            + capture_ms
            + (waiting as f64 - played.waiting as f64) / per_ms;
        self.stage.set_delay_ms(delay.round() as i32);
        self.stage.render(&played.samples);
        self.stage.capture(frame);
        self.frames += 1;
        if self.frames >= STATS_EVERY {
            self.frames = 0;
            let stats = self.stage.stats();
            if let Ok(mut shown) = self.path.control.0.lock() {
                *shown = VoiceStats {
                    settings: shown.settings,
                    ..stats
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_played_is_taken_in_whole_frames_and_summed() {
        let reference = EchoReference::default();
        let (speakers, ringtone) = (reference.tap(), reference.tap());
        speakers.push(std::iter::repeat_n(100, PROCESSING_FRAME + 40));
        ringtone.push(std::iter::repeat_n(7, 300));
        let played = reference.take_played();
        // One whole frame; the ringtone, which played less, is padded with silence.
        assert_eq!(played.samples.len(), PROCESSING_FRAME);
        assert_eq!(played.samples[0], 107);
        assert_eq!(played.samples[299], 107);
        assert_eq!(played.samples[300], 100);
        assert_eq!(played.waiting, 40, "the part of a frame waits for the next");
        assert!(reference.take_played().samples.is_empty());
        // An output that is gone drops out.
        drop(ringtone);
        speakers.push(std::iter::repeat_n(1, PROCESSING_FRAME));
        let played = reference.take_played();
        assert_eq!(played.samples.len(), PROCESSING_FRAME);
        assert_eq!((played.samples[0], played.samples[40]), (100, 1));
    }
}
