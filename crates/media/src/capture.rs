//! A microphone's side of a device stream: what its callback does with captured audio
//! (into the voice processing stage in whole 10 ms frames, then the ring the call reads),
//! and how a microphone that falls behind real time catches up.

use crate::processing::PROCESSING_FRAME;
use crate::ring::Ring;
use crate::tone::SAMPLE_RATE;
use crate::voice_path::Processing;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How far a microphone may fall behind its best latency before what it captured is
/// dropped to catch up: past this the talk is already broken by the delay.
const MOST_BEHIND: Duration = Duration::from_millis(300);

/// Whether a microphone keeps real time. A callback that takes longer than the audio it
/// carries (voice processing on a starved machine) makes the sound server hold the rest,
/// and without this the delay grows for as long as the call lasts; dropping audio until
/// the backlog is read brings the talk back to now.
#[derive(Default)]
struct CatchUp {
    /// The lowest capture latency seen: what the device itself costs. Measured against
    /// it, so a device that always reports a long latency is not taken for late.
    best: Option<Duration>,
    dropping: bool,
    /// Samples dropped in the current episode.
    dropped: usize,
}

impl CatchUp {
    /// Whether a callback's audio, captured `latency` ago, is kept.
    fn keep(&mut self, latency: Duration, samples: usize) -> bool {
        let best = self.best.map_or(latency, |best| best.min(latency));
        self.best = Some(best);
        let behind = latency.saturating_sub(best);
        if self.dropping && behind <= MOST_BEHIND / 3 {
            self.dropping = false;
            tracing::warn!(
                dropped_ms = self.dropped / (SAMPLE_RATE as usize / 1000),
                "the microphone caught up with the sound server"
            );
        } else if !self.dropping && behind > MOST_BEHIND {
            self.dropping = true;
            self.dropped = 0;
            tracing::warn!(
                behind_ms = behind.as_millis() as u64,
                "the microphone fell behind (the machine is too busy to process its audio \
                 in time); dropping captured audio to catch up"
            );
        }
        if self.dropping {
            self.dropped += samples;
        }
        !self.dropping
    }
}

/// A microphone callback's side: 48 kHz audio, through the voice processing stage in
/// whole 10 ms frames when there is one, into the ring the call reads.
pub(crate) struct Captured {
    ring: Arc<Ring>,
    processing: Option<Arc<Mutex<Processing>>>,
    /// Captured audio short of a whole frame.
    partial: Vec<i16>,
    catch_up: CatchUp,
}

impl Captured {
    pub(crate) fn new(ring: Arc<Ring>, processing: Option<Arc<Mutex<Processing>>>) -> Captured {
        Captured {
            ring,
            processing,
            partial: Vec::with_capacity(2 * PROCESSING_FRAME),
            catch_up: CatchUp::default(),
        }
    }

    /// `latency`: capture → this callback.
    pub(crate) fn push(&mut self, samples: Vec<i16>, latency: Duration) {
        self.ring.set_latency(latency);
        if !self.catch_up.keep(latency, samples.len()) {
            // What the speakers played meanwhile goes too, so the echo canceller's
            // reference stays in step with the microphone when it resumes.
            if let Some(Ok(mut processing)) = self.processing.as_ref().map(|p| p.lock()) {
                processing.skip_played();
            }
            return;
        }
        let Some(processing) = &self.processing else {
            self.ring.push(samples);
            return;
        };
        self.partial.extend(samples);
        let whole = self.partial.len() - self.partial.len() % PROCESSING_FRAME;
        if whole == 0 {
            return;
        }
        // The audio thread never waits on a poisoned lock: the frames go on unprocessed.
        if let Ok(mut processing) = processing.lock() {
            let latency_ms = latency.as_secs_f64() * 1000.0;
            for frame in self.partial[..whole].chunks_exact_mut(PROCESSING_FRAME) {
                processing.run_captured(frame, latency_ms);
            }
        }
        self.ring.push(self.partial.drain(..whole));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice_path::VoicePath;

    #[test]
    fn a_microphone_that_falls_behind_drops_audio_until_it_has_caught_up() {
        let ms = Duration::from_millis;
        let mut catch_up = CatchUp::default();
        // A device whose own latency is long is not late.
        assert!(catch_up.keep(ms(400), 480));
        assert!(catch_up.keep(ms(420), 480));
        assert!(catch_up.keep(ms(700), 480), "300 ms behind is still kept");
        assert!(!catch_up.keep(ms(701), 480), "more is dropped");
        assert!(!catch_up.keep(ms(600), 480), "until the backlog is read");
        assert!(!catch_up.keep(ms(501), 480));
        assert_eq!(catch_up.dropped, 3 * 480);
        assert!(
            catch_up.keep(ms(500), 480),
            "within 100 ms of the best it resumes"
        );
        assert!(
            catch_up.keep(ms(650), 480),
            "and keeps what is not too late again"
        );
    }

    #[test]
    fn dropped_audio_reaches_neither_the_call_nor_the_echo_canceller() {
        let path = VoicePath::default();
        let speakers = path.reference.tap();
        let processing = Arc::new(Mutex::new(Processing::new(path.clone())));
        let ring = Arc::new(Ring::default());
        let mut captured = Captured::new(ring.clone(), Some(processing));
        captured.push(vec![1; PROCESSING_FRAME], Duration::from_millis(10));
        assert_eq!(ring.len(), PROCESSING_FRAME);
        // The machine stalls: the next callback's audio is 400 ms old, and the speakers
        // played 200 ms meanwhile.
        speakers.push(std::iter::repeat_n(5, 20 * PROCESSING_FRAME));
        captured.push(vec![1; PROCESSING_FRAME], Duration::from_millis(400));
        assert_eq!(ring.len(), PROCESSING_FRAME, "the late audio is dropped");
        assert_eq!(
            speakers.len(),
            0,
            "and so is what the speakers played meanwhile"
        );
        captured.push(vec![1; PROCESSING_FRAME], Duration::from_millis(20));
        assert_eq!(
            ring.len(),
            2 * PROCESSING_FRAME,
            "caught up, it is kept again"
        );
    }
}
