//! A speaker's side of a device stream: what its callback does, converting the call's
//! 48 kHz audio to the device's rate and sample type on every channel, and handing what
//! it played to the echo canceller as the reference.

use crate::resample::Resampler;
use crate::ring::Ring;
use crate::tone::SAMPLE_RATE;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// An output stream's data callback: the call's audio converted to the device's rate and
/// sample type, on every channel.
pub(crate) fn playout<T: Copy>(
    ring: Arc<Ring>,
    played: Option<Arc<Ring>>,
    callbacks: Arc<AtomicU64>,
    rate: u32,
    channels: usize,
    sample: impl Fn(i16) -> T,
) -> impl FnMut(&mut [T], &cpal::OutputCallbackInfo) {
    let mut convert = Resampler::new(SAMPLE_RATE, rate);
    let mut pending = VecDeque::new();
    move |data, info| {
        callbacks.fetch_add(1, Ordering::Relaxed);
        let frames = data.len() / channels;
        let at = info.timestamp();
        let latency = at.playback.duration_since(at.callback);
        fill_output(
            &ring,
            played.as_deref(),
            latency,
            &mut convert,
            &mut pending,
            frames,
        );
        for (out, s) in data.chunks_mut(channels).zip(pending.drain(..frames)) {
            out.fill(sample(s));
        }
    }
}

/// Tops `pending` up to `frames` device samples, converted from the call's 48 kHz, and
/// copies what it took to `played`: the playout point, where the echo starts.
fn fill_output(
    ring: &Ring,
    played: Option<&Ring>,
    latency: Duration,
    convert: &mut Resampler,
    pending: &mut VecDeque<i16>,
    frames: usize,
) {
    while pending.len() < frames {
        let mut chunk = [0i16; 240];
        ring.pop_into(&mut chunk);
        if let Some(played) = played {
            played.push(chunk);
        }
        pending.extend(convert.run(chunk));
    }
    ring.taken();
    if let Some(played) = played {
        played.set_latency(latency);
    }
}
