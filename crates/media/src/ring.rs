//! The short buffer between a sound device's thread and the call: the device callback
//! pushes, the call pops (or the other way round for speakers), and a copy of what the
//! speakers played waits in one for the echo canceller.
//!
//! A ring between a device and the call is [`bounded`](Ring::bounded): audio that stands
//! in it for a whole second without the consumer ever needing it is delay and nothing
//! else, and is dropped. Without this a microphone's ring filled while the call was set
//! up and stayed full, and a call carried 200 ms more than it had to, end to end.

use crate::tone::{FRAME_SAMPLES, SAMPLE_RATE};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Most audio a ring holds (10 frames, 200 ms): beyond it the oldest samples go, so a
/// device running slightly fast cannot build up delay.
const RING_CAPACITY: usize = 10 * FRAME_SAMPLES;
/// How much audio a bounded ring's consumer takes between looks at the standing queue.
const WINDOW: usize = SAMPLE_RATE as usize;
/// The first window after audio starts is shorter: whatever stands then is a backlog that
/// came with the call (packets held while it connected), and the first words are said
/// in it.
const FIRST_WINDOW: usize = WINDOW / 5;
/// A bounded ring keeps at least this much spare, 5 ms, for the jitter of its two ends.
const LEAST_SPARE: usize = FRAME_SAMPLES / 4;
/// Each window with an underrun adds this much spare (and five calm ones take it off).
const SPARE_STEP: usize = FRAME_SAMPLES / 4;
/// The most spare a bounded ring keeps, 100 ms: a network that jitters more loses audio.
const MOST_SPARE: usize = 5 * FRAME_SAMPLES;
/// Windows without an underrun before the spare shrinks by a step.
const CALM_WINDOWS: u32 = 5;

/// Samples in flight between a device thread and the call.
#[derive(Default)]
pub(crate) struct Ring {
    inner: Mutex<Inner>,
    /// The device's own latency as its last callback reported it (capture → callback for
    /// a microphone, callback → playback for speakers), µs.
    device_latency_us: AtomicU32,
    /// Mean of the audio queued when the consumer took its share, over the last window, µs.
    queued_us: AtomicU32,
    /// Samples dropped because they stood in the ring for a window.
    trimmed: AtomicU64,
    /// Times the consumer found less than it needed.
    underruns: AtomicU64,
    /// Signalled when a bounded ring holds a whole frame.
    frame_ready: Arc<Notify>,
}

#[derive(Default)]
struct Inner {
    samples: VecDeque<i16>,
    /// The standing-queue watch, on bounded rings.
    bound: Option<Bound>,
}

/// What a bounded ring saw over the current window.
struct Bound {
    /// The spare it keeps now (samples).
    spare: usize,
    /// The least left in the ring after a visit of the consumer, this window.
    least: usize,
    taken: usize,
    /// How much is taken in this window.
    window: usize,
    queued_sum: u64,
    visits: u32,
    underrun: bool,
    calm_windows: u32,
    /// The last take came up short (an underrun lasts until a take is whole again).
    starved: bool,
    /// Anything was ever pushed: an empty ring before the first audio is no underrun.
    started: bool,
}

impl Bound {
    fn new() -> Bound {
        Bound {
            spare: LEAST_SPARE,
            least: usize::MAX,
            taken: 0,
            window: WINDOW,
            queued_sum: 0,
            visits: 0,
            underrun: false,
            calm_windows: 0,
            starved: false,
            started: false,
        }
    }
}

/// How a bounded ring's queue is doing, for a call's statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct QueueStats {
    /// Mean audio waiting in the ring when the consumer took it, over the last second, ms.
    pub queued_ms: f64,
    /// The device's own latency (capture → callback, or callback → playback), ms.
    pub device_latency_ms: f64,
    /// Audio dropped because it stood in the ring without ever being needed, ms.
    pub trimmed_ms: f64,
    /// Times the consumer found less audio than it needed.
    pub underruns: u64,
}

fn ms(samples: u64) -> f64 {
    samples as f64 * 1000.0 / f64::from(SAMPLE_RATE)
}

impl Ring {
    /// A ring between a device and the call, whose standing queue is trimmed.
    pub(crate) fn bounded() -> Ring {
        let ring = Ring::default();
        if let Ok(mut inner) = ring.inner.lock() {
            inner.bound = Some(Bound::new());
        }
        ring
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.lock().map(|r| r.samples.len()).unwrap_or(0)
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let us = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
        self.device_latency_us.store(us, Ordering::Relaxed);
    }

    pub(crate) fn latency_ms(&self) -> f64 {
        f64::from(self.device_latency_us.load(Ordering::Relaxed)) / 1000.0
    }

    pub(crate) fn stats(&self) -> QueueStats {
        QueueStats {
            queued_ms: f64::from(self.queued_us.load(Ordering::Relaxed)) / 1000.0,
            device_latency_ms: self.latency_ms(),
            trimmed_ms: ms(self.trimmed.load(Ordering::Relaxed)),
            underruns: self.underruns.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn push(&self, samples: impl IntoIterator<Item = i16>) {
        if let Ok(mut inner) = self.inner.lock() {
            let ring = &mut inner.samples;
            ring.extend(samples);
            let excess = ring.len().saturating_sub(RING_CAPACITY);
            ring.drain(..excess);
            // The first window starts with the first audio, so a backlog that came with
            // it (packets held while the call connected) goes a second later, not two.
            if let Some(bound) = inner.bound.as_mut().filter(|b| !b.started) {
                *bound = Bound {
                    started: true,
                    window: FIRST_WINDOW,
                    ..Bound::new()
                };
            }
            if inner.bound.is_some() && inner.samples.len() >= FRAME_SAMPLES {
                self.frame_ready.notify_one();
            }
        }
    }

    /// Signalled whenever a push leaves a whole frame in a bounded ring.
    pub(crate) fn frame_ready(&self) -> Arc<Notify> {
        self.frame_ready.clone()
    }

    /// Drops all but the newest `keep` samples; they count as trimmed.
    pub(crate) fn keep_newest(&self, keep: usize) {
        if let Ok(mut inner) = self.inner.lock() {
            let excess = inner.samples.len().saturating_sub(keep);
            inner.samples.drain(..excess);
            self.trimmed.fetch_add(excess as u64, Ordering::Relaxed);
        }
    }

    /// Fills `out`, with silence for whatever is not there (an underrun).
    pub(crate) fn pop_into(&self, out: &mut [i16]) {
        let Ok(mut inner) = self.inner.lock() else {
            out.fill(0);
            return;
        };
        let Inner { samples, bound } = &mut *inner;
        let n = out.len().min(samples.len());
        if let Some(bound) = bound {
            bound.queued_sum += samples.len() as u64;
            bound.visits += 1;
            bound.taken += out.len();
            let short = n < out.len();
            if short && bound.started && !bound.starved {
                bound.underrun = true;
                self.underruns.fetch_add(1, Ordering::Relaxed);
            }
            bound.starved = short;
        }
        for (o, s) in out.iter_mut().zip(samples.drain(..n)) {
            *o = s;
        }
        out[n..].fill(0);
    }

    /// The consumer has taken all it needs for now (one uplink frame, one device
    /// callback): what is left is spare. Once a window has been taken, spare that never
    /// went below what the ring keeps is dropped, and the spare it keeps follows the
    /// underruns.
    pub(crate) fn taken(&self) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let Inner { samples, bound } = &mut *inner;
        let Some(bound) = bound else {
            return;
        };
        bound.least = bound.least.min(samples.len());
        if bound.taken < bound.window {
            return;
        }
        if bound.underrun {
            bound.spare = (bound.spare + SPARE_STEP).min(MOST_SPARE);
            bound.calm_windows = 0;
        } else {
            bound.calm_windows += 1;
            if bound.calm_windows >= CALM_WINDOWS {
                bound.spare = bound.spare.saturating_sub(SPARE_STEP).max(LEAST_SPARE);
                bound.calm_windows = 0;
            }
            // Past the spare and a step more, so a queue right at it is left alone.
            if bound.least > bound.spare + SPARE_STEP {
                let excess = bound.least - bound.spare;
                samples.drain(..excess);
                self.trimmed.fetch_add(excess as u64, Ordering::Relaxed);
            }
        }
        let mean = bound.queued_sum / u64::from(bound.visits.max(1));
        self.queued_us
            .store((ms(mean) * 1000.0) as u32, Ordering::Relaxed);
        let (spare, calm, starved, started) = (
            bound.spare,
            bound.calm_windows,
            bound.starved,
            bound.started,
        );
        *bound = Bound {
            spare,
            calm_windows: calm,
            starved,
            started,
            ..Bound::new()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_drops_the_oldest_and_pads_underruns_with_silence() {
        let ring = Ring::default();
        ring.push((0..RING_CAPACITY as i32 + 100).map(|n| (n % 1000) as i16));
        let mut out = vec![1; 4];
        ring.pop_into(&mut out);
        assert_eq!(out, vec![100, 101, 102, 103], "the first 100 were dropped");
        let mut rest = vec![1; RING_CAPACITY];
        ring.pop_into(&mut rest);
        assert_eq!(rest[RING_CAPACITY - 4..], [0, 0, 0, 0]);
    }

    /// A producer and a consumer in step, a frame at a time, for `frames` frames; returns
    /// what the ring held after each take.
    fn in_step(ring: &Ring, frames: usize) -> Vec<usize> {
        let mut out = vec![0; FRAME_SAMPLES];
        (0..frames)
            .map(|_| {
                ring.push(std::iter::repeat_n(7, FRAME_SAMPLES));
                ring.pop_into(&mut out);
                ring.taken();
                ring.len()
            })
            .collect()
    }

    const FIRST_FRAMES: usize = FIRST_WINDOW / FRAME_SAMPLES;
    const FRAMES: usize = WINDOW / FRAME_SAMPLES;

    #[test]
    fn a_standing_queue_is_trimmed_to_the_spare_after_the_first_window() {
        let ring = Ring::bounded();
        ring.push(std::iter::repeat_n(1, 8 * FRAME_SAMPLES));
        let depths = in_step(&ring, FIRST_FRAMES);
        assert_eq!(
            depths[FIRST_FRAMES - 2],
            8 * FRAME_SAMPLES,
            "kept for a window"
        );
        assert_eq!(
            depths[FIRST_FRAMES - 1],
            LEAST_SPARE,
            "then trimmed to the spare"
        );
        let stats = ring.stats();
        assert_eq!(
            stats.trimmed_ms,
            ms((8 * FRAME_SAMPLES - LEAST_SPARE) as u64)
        );
        assert!((stats.queued_ms - 180.0).abs() < 0.1, "{stats:?}");
        assert_eq!(stats.underruns, 0);
        // In step at the spare, nothing more goes, window after window.
        in_step(&ring, 3 * FRAMES);
        assert_eq!(ring.len(), LEAST_SPARE);
        assert_eq!(ring.stats().trimmed_ms, stats.trimmed_ms);
    }

    #[test]
    fn a_queue_that_ran_dry_keeps_its_audio_and_the_spare_grows() {
        let ring = Ring::bounded();
        let mut frame = vec![0; FRAME_SAMPLES];
        // Before any audio an empty ring is not an underrun.
        ring.pop_into(&mut frame);
        ring.taken();
        assert_eq!(ring.stats().underruns, 0);
        // The first window passes in step at the spare.
        ring.push(std::iter::repeat_n(1, LEAST_SPARE));
        in_step(&ring, FIRST_FRAMES);
        // A late packet: two takes find too little, then three frames come at once and
        // the queue stands two frames ahead for the rest of the window.
        ring.pop_into(&mut frame);
        ring.taken();
        ring.pop_into(&mut frame);
        ring.taken();
        assert_eq!(ring.stats().underruns, 1, "one episode, counted once");
        ring.push(std::iter::repeat_n(1, 2 * FRAME_SAMPLES));
        in_step(&ring, FRAMES - 2);
        assert_eq!(ring.len(), 2 * FRAME_SAMPLES);
        assert_eq!(
            ring.stats().trimmed_ms,
            0.0,
            "a window with an underrun keeps all"
        );
        // The next calm window trims, to the larger spare.
        let depths = in_step(&ring, FRAMES);
        assert_eq!(*depths.last().unwrap(), LEAST_SPARE + SPARE_STEP);
    }

    /// Whether a wait on `ready` would end at once.
    fn notified_now(ready: &Notify) -> bool {
        use std::future::Future;
        let mut waiting = std::pin::pin!(ready.notified());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        waiting.as_mut().poll(&mut cx).is_ready()
    }

    #[test]
    fn a_whole_frame_wakes_the_consumer() {
        let ring = Ring::bounded();
        let ready = ring.frame_ready();
        ring.push(std::iter::repeat_n(1, FRAME_SAMPLES - 1));
        assert!(!notified_now(&ready), "not for part of a frame");
        ring.push([1]);
        assert!(notified_now(&ready), "a whole frame wakes it");
        assert!(!notified_now(&ready), "once");
        let unbounded = Ring::default();
        unbounded.push(std::iter::repeat_n(1, FRAME_SAMPLES));
        assert!(
            !notified_now(&unbounded.frame_ready()),
            "only bounded rings signal"
        );
    }

    #[test]
    fn rings_that_are_not_bounded_are_never_trimmed() {
        let ring = Ring::default();
        ring.push(std::iter::repeat_n(1, 8 * FRAME_SAMPLES));
        in_step(&ring, 2 * FRAMES);
        assert_eq!(ring.len(), 8 * FRAME_SAMPLES);
        assert_eq!(ring.stats(), QueueStats::default());
    }
}
