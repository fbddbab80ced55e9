//! The outgoing side of a call or a meeting: one capture loop that reads the source every
//! 20 ms, encodes the frame once, and sends the same Opus packet on every peer's track.
//! A mesh of five peers therefore costs one encode per frame, not five, and mute is one
//! switch for all of them.

use crate::audio::AudioSource;
use crate::codec::Encoder;
use crate::tone::{FRAME_SAMPLES, rms};
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use webrtc::media::Sample;
use webrtc::track::track_local::track_local_static_sample::TrackLocalStaticSample;

type Tracks = Arc<Mutex<Vec<Arc<TrackLocalStaticSample>>>>;

/// How long the uplink waits for a device's next frame before sending silence.
const DEVICE_STALL: Duration = Duration::from_millis(60);

/// Captures, encodes and fans out the local audio. Dropping it stops the capture.
pub struct Uplink {
    tracks: Tracks,
    muted: Arc<AtomicBool>,
    level: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Uplink {
    /// Starts reading `source` at once (so it stays in time); frames go nowhere until a
    /// peer attaches its track.
    pub fn start(source: Box<dyn AudioSource>) -> Uplink {
        let tracks: Tracks = Arc::default();
        let muted = Arc::new(AtomicBool::new(false));
        let level = Arc::new(AtomicU32::new(0));
        let task = tokio::spawn(capture(
            source,
            tracks.clone(),
            muted.clone(),
            level.clone(),
        ));
        Uplink {
            tracks,
            muted,
            level,
            task,
        }
    }

    /// Muted, only silence is encoded: no captured sound leaves the machine.
    pub fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }

    pub fn is_muted(&self) -> bool {
        self.muted.load(Ordering::Relaxed)
    }

    /// RMS of the last captured frame (0–1, before mute), for a microphone meter.
    pub fn level(&self) -> f32 {
        f32::from_bits(self.level.load(Ordering::Relaxed))
    }

    pub(crate) fn attach(&self, track: Arc<TrackLocalStaticSample>) {
        if let Ok(mut tracks) = self.tracks.lock() {
            tracks.push(track);
        }
    }

    pub(crate) fn detach(&self, track: &Arc<TrackLocalStaticSample>) {
        if let Ok(mut tracks) = self.tracks.lock() {
            tracks.retain(|t| !Arc::ptr_eq(t, track));
        }
    }
}

impl Drop for Uplink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Every 20 ms (or as a device delivers): a frame from the source (silence when muted),
/// encoded once, sent to all.
async fn capture(
    mut source: Box<dyn AudioSource>,
    tracks: Tracks,
    muted: Arc<AtomicBool>,
    level: Arc<AtomicU32>,
) {
    let mut encoder = match Encoder::new() {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode outgoing audio");
            return;
        }
    };
    let mut frame = vec![0i16; FRAME_SAMPLES];
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let ready = source.frame_ready();
    loop {
        match &ready {
            // A device: each frame goes as soon as it is whole. One that stops delivering
            // (unplugged, moving to another) is read anyway after a while, for silence, so
            // the far end's stream keeps its pace.
            Some(ready) if !source.has_frame() => {
                let _ = tokio::time::timeout(DEVICE_STALL, ready.notified()).await;
            }
            Some(_) => {}
            None => {
                tick.tick().await;
            }
        }
        // The source is read even when muted, so it stays in time; its audio is dropped.
        source.fill(&mut frame);
        level.store((rms(&frame) as f32).to_bits(), Ordering::Relaxed);
        if muted.load(Ordering::Relaxed) {
            frame.fill(0);
        }
        let targets = match tracks.lock() {
            Ok(tracks) if !tracks.is_empty() => tracks.clone(),
            _ => continue,
        };
        let packet = match encoder.encode(&frame) {
            Ok(p) => Bytes::from(p),
            Err(e) => {
                tracing::warn!(error = %e, "audio frame not encoded");
                continue;
            }
        };
        let sample = Sample {
            data: packet,
            timestamp: SystemTime::now(),
            duration: Duration::from_millis(20),
            ..Default::default()
        };
        for track in targets {
            if let Err(e) = track.write_sample(&sample).await {
                tracing::debug!(error = %e, "audio frame not sent");
            }
        }
    }
}
