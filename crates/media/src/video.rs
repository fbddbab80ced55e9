//! Video in a call: a source's pictures coded as VP8 and sent on the peer's video track
//! (a keyframe whenever the far end reports a lost picture), and the far end's track
//! reassembled, decoded and counted, with the test pattern's stamps read back so a call
//! can say what arrived, in what order, how fast, and how late.

use crate::error::MediaError;
use crate::rate::RateControl;
use crate::send_times::SendLog;
pub use crate::video_coding::VideoStats;
pub(crate) use crate::video_coding::{
    AbortOnDrop, EncodeControls, MIN_KBPS, SharedCounters, Steering, encode, read_feedback,
    scopeguard, send_picture,
};
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use switchboard_video::Frame;
pub use switchboard_video::source::{PatternSource, VideoSource, clock_ms};
use switchboard_video::vp8::Vp8Decoder;
use webrtc::api::media_engine::MIME_TYPE_VP8;
use webrtc::media::io::sample_builder::SampleBuilder;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtp::codecs::vp8::Vp8Packet;
use webrtc::rtp_transceiver::rtp_codec::RTCRtpCodecCapability;
use webrtc::rtp_transceiver::rtp_sender::RTCRtpSender;
use webrtc::track::track_local::track_local_static_sample::TrackLocalStaticSample;
use webrtc::track::track_remote::TrackRemote;

/// Where the far end's pictures go (a window, a canvas).
pub trait VideoSink: Send {
    fn show(&mut self, frame: &Frame);
}

/// What a peer does with video: send a source's pictures, receive the far end's.
#[derive(Default)]
pub struct VideoOptions {
    pub source: Option<Box<dyn VideoSource>>,
    /// Send what this shared uplink codes (a meeting: one encoder for every member), in
    /// place of a source of this peer's own.
    pub uplink: Option<Arc<crate::video_uplink::VideoUplink>>,
    /// Receive and decode the far end's video (counted in [`VideoStats`]) from the start:
    /// without a source, the first offer asks for video only one way.
    pub receive: bool,
    /// Video may start later in the call (either side turns a camera or a share on, see
    /// `AudioPeer::set_video_source`): NACK is on from the start, since the peer's
    /// interceptors cannot change, and video the far end adds is decoded when it comes.
    /// Without it and `receive`, video the far end adds is left unread.
    pub later: bool,
    /// Also hand each decoded picture to this.
    pub sink: Option<Box<dyn VideoSink>>,
}

impl VideoOptions {
    /// Whether the peer must be set up for video at all.
    pub fn is_on(&self) -> bool {
        self.source.is_some() || self.uplink.is_some() || self.receive || self.later
    }
}

/// This side's video track and the task coding a source onto it, if one runs.
pub(crate) struct VideoOut {
    pub(crate) track: Arc<TrackLocalStaticSample>,
    pub(crate) sender: Arc<RTCRtpSender>,
    pub(crate) task: Option<tokio::task::JoinHandle<()>>,
    /// The call's hold (the peer's): no picture goes while the call is on hold.
    pub(crate) hold: Arc<AtomicU8>,
    pub(crate) send_log: Option<SendLog>,
}

impl VideoOut {
    pub(crate) fn start(&mut self, source: Box<dyn VideoSource>, counters: &SharedCounters) {
        self.stop();
        self.task = Some(tokio::spawn(send(
            source,
            self.track.clone(),
            self.sender.clone(),
            counters.clone(),
            self.hold.clone(),
            self.send_log.clone(),
        )));
    }

    pub(crate) fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub(crate) fn video_track() -> Arc<TrackLocalStaticSample> {
    Arc::new(TrackLocalStaticSample::new(
        RTCRtpCodecCapability {
            mime_type: MIME_TYPE_VP8.to_owned(),
            clock_rate: 90_000,
            ..Default::default()
        },
        "video".to_owned(),
        "switchboard".to_owned(),
    ))
}

/// Codes `source` at its rate onto `track`; a picture loss reported on `sender` makes the
/// next picture a keyframe. Runs until aborted (another source takes the track over, or
/// video stops): the source is then dropped within one picture's time. Capture and encoding run on a thread of
/// their own: a 640×480 picture takes milliseconds to code, and on the runtime's threads
/// that would hold up the audio beside it. While the call is on hold nothing is captured,
/// coded or sent, and the first picture after it is a keyframe.
pub(crate) async fn send(
    source: Box<dyn VideoSource>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<RTCRtpSender>,
    counters: SharedCounters,
    hold: Arc<AtomicU8>,
    send_log: Option<SendLog>,
) {
    let settings = source.settings();
    let period = Duration::from_secs_f64(1.0 / f64::from(settings.fps.max(1)));
    let keyframe = Arc::new(AtomicBool::new(false));
    let rate = RateControl::new(
        settings.bitrate_kbps,
        MIN_KBPS,
        settings.bitrate_kbps.saturating_mul(2),
    );
    let bitrate = Arc::new(AtomicU32::new(rate.target_kbps()));
    if let Ok(mut c) = counters.lock() {
        c.stats.send_kbps = rate.target_kbps();
    }
    let steer = bitrate.clone();
    let feedback = AbortOnDrop(tokio::spawn(read_feedback(
        sender,
        Steering {
            rate,
            send_log,
            scale: None,
        },
        keyframe.clone(),
        counters.clone(),
        move |kbps| steer.store(kbps, Ordering::Relaxed),
    )));
    let (coded_tx, mut coded) = tokio::sync::mpsc::channel(4);
    let encoding = std::thread::Builder::new()
        .name("video-encode".into())
        .spawn(move || {
            let controls = EncodeControls {
                keyframe,
                bitrate,
                hold,
                // A call's other side is always there to receive.
                wanted: Arc::new(AtomicBool::new(true)),
            };
            encode(source, period, &controls, &coded_tx)
        });
    if let Err(e) = encoding {
        tracing::error!(error = %e, "cannot start the video encoder's thread");
        return;
    }
    let stopped = counters.clone();
    let _sends_nothing_after = scopeguard(move || {
        if let Ok(mut c) = stopped.lock() {
            c.stats.send_kbps = 0;
        }
    });
    while let Some(pictures) = coded.recv().await {
        for picture in pictures {
            send_picture(&track, Bytes::from(picture.data), period, &counters).await;
        }
    }
    drop(feedback);
}

/// Least time between two keyframe requests: one lost picture is enough to ask.
const ASK_AGAIN_AFTER: Duration = Duration::from_millis(500);

/// Reassembles, decodes and counts the far end's video until its track ends.
pub(crate) async fn receive(
    remote: Arc<TrackRemote>,
    pc: Weak<RTCPeerConnection>,
    mut sink: Option<Box<dyn VideoSink>>,
    counters: SharedCounters,
) -> Result<(), MediaError> {
    let mut decoder = Vp8Decoder::new().map_err(|e| MediaError::Video(e.to_string()))?;
    let mut builder = SampleBuilder::new(128, Vp8Packet::default(), 90_000);
    let media_ssrc = remote.ssrc();
    let mut asked: Option<Instant> = None;
    // Until a keyframe arrives nothing decodes: ask at once rather than wait for one.
    let mut ask = true;
    loop {
        if ask
            && asked.is_none_or(|at| at.elapsed() >= ASK_AGAIN_AFTER)
            && let Some(pc) = pc.upgrade()
        {
            let pli = PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc,
            };
            if pc.write_rtcp(&[Box::new(pli)]).await.is_ok() {
                asked = Some(Instant::now());
                if let Ok(mut c) = counters.lock() {
                    c.stats.keyframes_we_asked += 1;
                }
            }
        }
        let (packet, _) = match remote.read_rtp().await {
            Ok(p) => p,
            Err(_) => return Ok(()), // the track ended
        };
        builder.push(packet);
        while let Some(sample) = builder.pop() {
            match decoder.decode(&sample.data) {
                Ok(Some(frame)) => {
                    ask = false;
                    if let Ok(mut c) = counters.lock() {
                        c.decoded(&frame, Instant::now());
                    }
                    if let Some(sink) = sink.as_mut() {
                        sink.show(&frame);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "video frame not decoded; asking for a keyframe");
                    ask = true;
                }
            }
        }
    }
}
