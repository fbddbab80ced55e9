//! A meeting's video: the camera captured and coded once, and the same pictures sent to
//! every other member, as [`crate::Uplink`] does for the microphone. A mesh peer per
//! member coding its own copy would cost a 640×480 encode per member per picture.
//!
//! What that costs the members: a keyframe asked for by any of them is coded for all, and
//! the bitrate is the lowest any member's reports allow, so the member on the worst link
//! sets it for everyone (an SFU with simulcast would give each what its link takes).

use crate::hold::Hold;
use crate::rate::RateControl;
use crate::send_times::SendLog;
use crate::video_coding::{
    AbortOnDrop, EncodeControls, MIN_KBPS, SharedCounters, Steering, encode, read_feedback,
    scopeguard, send_picture,
};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_video::source::VideoSource;
use switchboard_video::vp8::EncoderSettings;
use tokio::sync::broadcast;
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::track::track_local::track_local_static_sample::TrackLocalStaticSample;

/// One coded picture, as every member's track sends it.
#[derive(Clone)]
struct Picture {
    data: Bytes,
    duration: Duration,
    keyframe: bool,
}

/// Members' bitrates are reckoned as for a VGA camera, and scaled to the source sent:
/// a member's link that takes 80 % of a VGA camera's start takes 80 % of a 720p one's,
/// and a source switched mid-meeting needs no member's reckoning redone.
const REFERENCE_KBPS: u32 = EncoderSettings::VGA.bitrate_kbps;

/// Pictures a member's track may fall behind by before it skips to the next keyframe.
const BACKLOG: usize = 8;

/// The video sent to every member of a meeting: one source, one encoder.
pub struct VideoUplink {
    pictures: broadcast::Sender<Picture>,
    keyframe: Arc<AtomicBool>,
    /// What the encoder codes at: the lowest of the members' targets, scaled to the source.
    bitrate: Arc<AtomicU32>,
    /// Each attached member's target, by attachment, in [`REFERENCE_KBPS`] terms.
    targets: Mutex<BTreeMap<u64, u32>>,
    /// Those terms per 1,000 kbit/s of the current source's: what a member's far end
    /// measures arriving is scaled by it before it steers that member's target.
    scale: Arc<AtomicU32>,
    next_attachment: AtomicU64,
    /// The current source's own settings: its bitrate is what a member whose link is
    /// fine gets.
    settings: Mutex<Option<EncoderSettings>>,
    /// Moves the current source's pictures from its encoder's thread to the members;
    /// dropping it stops that thread (and with it the source) within a picture.
    pump: Mutex<Option<AbortOnDrop>>,
    /// Whether any member is attached: alone in a meeting, pictures are taken (my own
    /// preview shows them) but not coded, which cost 15 % of a core at VGA for nobody.
    /// The first coded after is a keyframe, which a newcomer needs anyway.
    anyone_attached: Arc<AtomicBool>,
}

impl Default for VideoUplink {
    fn default() -> Self {
        VideoUplink {
            pictures: broadcast::channel(BACKLOG).0,
            keyframe: Arc::new(AtomicBool::new(true)),
            bitrate: Arc::new(AtomicU32::new(EncoderSettings::VGA.bitrate_kbps)),
            targets: Mutex::new(BTreeMap::new()),
            scale: Arc::new(AtomicU32::new(1000)),
            next_attachment: AtomicU64::new(0),
            settings: Mutex::new(None),
            pump: Mutex::new(None),
            anyone_attached: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl VideoUplink {
    /// An uplink sending nothing until [`VideoUplink::set_source`].
    pub fn new() -> Arc<VideoUplink> {
        Arc::new(VideoUplink::default())
    }

    /// Sends `source`'s pictures to every member from now on, in place of any before;
    /// `None` stops sending (the source is dropped: a camera's light goes off). Members
    /// need no renegotiation: their tracks stay, and see the pictures start, change or
    /// stop. Call inside the runtime.
    pub fn set_source(&self, source: Option<Box<dyn VideoSource>>) {
        let Ok(mut pump) = self.pump.lock() else {
            return;
        };
        pump.take();
        let Some(source) = source else {
            if let Ok(mut settings) = self.settings.lock() {
                *settings = None;
            }
            return;
        };
        let settings = source.settings();
        if let Ok(mut current) = self.settings.lock() {
            *current = Some(settings);
        }
        let scale = u64::from(REFERENCE_KBPS) * 1000 / u64::from(settings.bitrate_kbps.max(1));
        self.scale
            .store(u32::try_from(scale).unwrap_or(u32::MAX), Ordering::Relaxed);
        if let Ok(targets) = self.targets.lock() {
            self.steer(&targets);
        }
        let period = Duration::from_secs_f64(1.0 / f64::from(settings.fps.max(1)));
        let (coded_tx, mut coded) = tokio::sync::mpsc::channel(4);
        let controls = EncodeControls {
            keyframe: self.keyframe.clone(),
            bitrate: self.bitrate.clone(),
            // A meeting has no hold.
            hold: Arc::new(AtomicU8::new(Hold::Off.to_u8())),
            wanted: self.anyone_attached.clone(),
        };
        let encoding = std::thread::Builder::new()
            .name("video-encode".into())
            .spawn(move || encode(source, period, &controls, &coded_tx));
        if let Err(e) = encoding {
            tracing::error!(error = %e, "cannot start the video encoder's thread");
            return;
        }
        let pictures = self.pictures.clone();
        *pump = Some(AbortOnDrop(tokio::spawn(async move {
            while let Some(coded) = coded.recv().await {
                for picture in coded {
                    // Err: no member yet; the picture is for nobody.
                    let _ = pictures.send(Picture {
                        keyframe: picture.keyframe,
                        data: Bytes::from(picture.data),
                        duration: period,
                    });
                }
            }
        })));
    }

    /// Whether a source is being sent.
    pub fn is_sending(&self) -> bool {
        self.pump.lock().is_ok_and(|p| p.is_some())
    }

    /// Sends the pictures on one member's `track` until the returned attachment is
    /// dropped, and reads that member's feedback: its lost pictures ask for a keyframe,
    /// its reports lower (or raise) the bitrate everyone gets.
    pub(crate) fn attach(
        self: &Arc<VideoUplink>,
        track: Arc<TrackLocalStaticSample>,
        sender: Arc<RTCRtpSender>,
        counters: SharedCounters,
        send_log: Option<SendLog>,
    ) -> VideoAttachment {
        let id = self.next_attachment.fetch_add(1, Ordering::Relaxed);
        let rate = RateControl::new(REFERENCE_KBPS, MIN_KBPS, REFERENCE_KBPS * 2);
        self.set_target(id, rate.target_kbps());
        // The newcomer can decode nothing before a keyframe.
        self.keyframe.store(true, Ordering::Relaxed);
        let uplink = Arc::downgrade(self);
        let feedback = AbortOnDrop(tokio::spawn(read_feedback(
            sender,
            Steering {
                rate,
                send_log,
                scale: Some(self.scale.clone()),
            },
            self.keyframe.clone(),
            counters.clone(),
            move |kbps| {
                if let Some(uplink) = uplink.upgrade() {
                    uplink.set_target(id, kbps);
                }
            },
        )));
        let mut pictures = self.pictures.subscribe();
        let keyframe = self.keyframe.clone();
        let writer = AbortOnDrop(tokio::spawn(async move {
            let stopped = counters.clone();
            let _sends_nothing_after = scopeguard(move || {
                if let Ok(mut c) = stopped.lock() {
                    c.stats.send_kbps = 0;
                }
            });
            // After pictures were skipped, the ones that follow refer to what this member
            // never got: none is sent until a keyframe, asked for at once.
            let mut skipping = false;
            loop {
                let picture = match pictures.recv().await {
                    Ok(picture) => picture,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        keyframe.store(true, Ordering::Relaxed);
                        skipping = true;
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if skipping && !picture.keyframe {
                    continue;
                }
                skipping = false;
                send_picture(&track, picture.data, picture.duration, &counters).await;
            }
        }));
        VideoAttachment {
            uplink: self.clone(),
            id,
            _tasks: [feedback, writer],
        }
    }

    fn set_target(&self, id: u64, kbps: u32) {
        if let Ok(mut targets) = self.targets.lock() {
            targets.insert(id, kbps);
            self.steer(&targets);
        }
    }

    fn detach(&self, id: u64) {
        if let Ok(mut targets) = self.targets.lock() {
            targets.remove(&id);
            self.steer(&targets);
        }
    }

    /// The encoder codes at what the worst-placed member can take, for the source sent.
    fn steer(&self, targets: &BTreeMap<u64, u32>) {
        self.anyone_attached
            .store(!targets.is_empty(), Ordering::Relaxed);
        let Some(&lowest) = targets.values().min() else {
            return;
        };
        let source_kbps = self
            .settings
            .lock()
            .ok()
            .and_then(|s| *s)
            .map_or(REFERENCE_KBPS, |s| s.bitrate_kbps);
        let kbps = u64::from(lowest) * u64::from(source_kbps) / u64::from(REFERENCE_KBPS);
        let kbps = u32::try_from(kbps).unwrap_or(u32::MAX).max(MIN_KBPS);
        self.bitrate.store(kbps, Ordering::Relaxed);
    }
}

/// One member's track fed by the uplink; dropping it stops that member's pictures.
pub(crate) struct VideoAttachment {
    uplink: Arc<VideoUplink>,
    id: u64,
    _tasks: [AbortOnDrop; 2],
}

impl Drop for VideoAttachment {
    fn drop(&mut self) {
        self.uplink.detach(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_video::source::PatternSource;

    #[tokio::test]
    async fn the_worst_members_link_sets_the_bitrate_scaled_to_the_source() {
        let uplink = VideoUplink::new();
        let coded_at = || uplink.bitrate.load(Ordering::Relaxed);
        uplink.set_target(0, REFERENCE_KBPS);
        uplink.set_target(1, REFERENCE_KBPS / 2);
        assert_eq!(
            coded_at(),
            REFERENCE_KBPS / 2,
            "the worse link, for a VGA camera"
        );
        let hd = PatternSource::new(EncoderSettings::HD720).expect("a pattern");
        uplink.set_source(Some(Box::new(hd)));
        assert_eq!(
            coded_at(),
            EncoderSettings::HD720.bitrate_kbps / 2,
            "the same share of a 720p source's rate"
        );
        uplink.detach(1);
        assert_eq!(
            coded_at(),
            EncoderSettings::HD720.bitrate_kbps,
            "the worse one left"
        );
        uplink.set_target(0, 1);
        assert_eq!(coded_at(), MIN_KBPS, "never below the least worth sending");
        uplink.set_source(None);
        assert!(!uplink.is_sending());
    }

    /// Counts the pictures taken from the pattern.
    struct Counted(PatternSource, Arc<AtomicU64>);

    impl VideoSource for Counted {
        fn settings(&self) -> EncoderSettings {
            self.0.settings()
        }
        fn capture(
            &mut self,
        ) -> Result<switchboard_video::Frame, switchboard_video::frame::VideoError> {
            self.1.fetch_add(1, Ordering::Relaxed);
            self.0.capture()
        }
    }

    /// Alone in a meeting, the camera's pictures are still taken (my preview shows
    /// them) but none is coded; the first coded once a member is there is a keyframe.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nothing_is_coded_while_no_member_is_attached_though_pictures_are_taken() {
        let uplink = VideoUplink::new();
        let mut coded = uplink.pictures.subscribe();
        let taken = Arc::new(AtomicU64::new(0));
        let pattern = PatternSource::new(EncoderSettings::VGA).expect("a pattern");
        uplink.set_source(Some(Box::new(Counted(pattern, taken.clone()))));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            taken.load(Ordering::Relaxed) >= 5,
            "alone: pictures taken for the preview"
        );
        assert!(
            matches!(coded.try_recv(), Err(broadcast::error::TryRecvError::Empty)),
            "alone: nothing coded"
        );
        uplink.set_target(0, REFERENCE_KBPS);
        let first = tokio::time::timeout(Duration::from_secs(2), coded.recv())
            .await
            .expect("a picture coded once a member is there")
            .expect("the uplink runs");
        assert!(first.keyframe, "the first is a keyframe");
        uplink.detach(0);
        tokio::time::sleep(Duration::from_millis(200)).await;
        while coded.try_recv().is_ok() {}
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            matches!(coded.try_recv(), Err(broadcast::error::TryRecvError::Empty)),
            "the member left: coding stopped"
        );
        uplink.set_source(None);
    }
}
