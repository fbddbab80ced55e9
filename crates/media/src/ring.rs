//! The short buffer between a sound device's thread and the call: the device callback
//! pushes, the call pops (or the other way round for speakers), and a copy of what the
//! speakers played waits in one for the echo canceller.

use crate::tone::FRAME_SAMPLES;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Most audio a ring holds (10 frames, 200 ms): beyond it the oldest samples go, so a
/// device running slightly fast cannot build up delay.
const RING_CAPACITY: usize = 10 * FRAME_SAMPLES;

/// Samples in flight between a device thread and the call.
#[derive(Default)]
pub(crate) struct Ring {
    samples: Mutex<VecDeque<i16>>,
    /// The device's own latency as its last callback reported it (capture → callback for
    /// a microphone, callback → playback for speakers), µs.
    device_latency_us: AtomicU32,
}

impl Ring {
    pub(crate) fn len(&self) -> usize {
        self.samples.lock().map(|r| r.len()).unwrap_or(0)
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let us = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
        self.device_latency_us.store(us, Ordering::Relaxed);
    }

    pub(crate) fn latency_ms(&self) -> f64 {
        f64::from(self.device_latency_us.load(Ordering::Relaxed)) / 1000.0
    }

    pub(crate) fn push(&self, samples: impl IntoIterator<Item = i16>) {
        if let Ok(mut ring) = self.samples.lock() {
            ring.extend(samples);
            let excess = ring.len().saturating_sub(RING_CAPACITY);
            ring.drain(..excess);
        }
    }

    /// Fills `out`, with silence for whatever is not there (an underrun).
    pub(crate) fn pop_into(&self, out: &mut [i16]) {
        let Ok(mut ring) = self.samples.lock() else {
            out.fill(0);
            return;
        };
        let n = out.len().min(ring.len());
        for (o, s) in out.iter_mut().zip(ring.drain(..n)) {
            *o = s;
        }
        out[n..].fill(0);
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
}
