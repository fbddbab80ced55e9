//! The phone's video calls against the real server with real webrtc-rs peers: a video
//! call placed by one phone carries its camera (the test pattern) to the other, which has
//! no camera and still sees it; the voice goes on beside it; a voice call between the same
//! phones carries no pictures.

mod common;

use common::{Host, PASSWORD, next};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_client::phone::{CallAudio, CallVideo, OpenAudio, OpenVideo, Phone};
use switchboard_client::{Engine, EngineConfig, Event, MediaState};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::video::{PatternSource, VideoSink};
use switchboard_protocol::CallType;
use switchboard_video::Frame;
use switchboard_video::pattern::read_stamp;
use switchboard_video::vp8::EncoderSettings;
use tokio::sync::broadcast;

/// The pattern numbers of the pictures a phone was shown, in order.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Option<u32>>>>);

impl VideoSink for Seen {
    fn show(&mut self, frame: &Frame) {
        if let Ok(mut seen) = self.0.lock() {
            seen.push(read_stamp(frame).map(|s| s.number));
        }
    }
}

impl Seen {
    fn numbers(&self) -> Vec<Option<u32>> {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

struct Handset {
    phone: Phone,
    events: broadcast::Receiver<Event>,
    heard: FrameLog,
    seen: Seen,
    id: i64,
}

/// A phone that sends a tone and, with `camera`, the test pattern in video calls.
async fn handset(host: &Host, name: &str, camera: bool) -> Handset {
    let mut api = host.api();
    let id = api.login(name, PASSWORD).await.expect("login").user.id;
    let engine = Arc::new(
        Engine::start(api, EngineConfig::default())
            .await
            .expect("engine"),
    );
    let events = engine.events();
    let (heard, seen) = (FrameLog::default(), Seen::default());
    let log = heard.clone();
    let open_audio: OpenAudio = Arc::new(move || {
        Ok(CallAudio {
            source: Box::new(ToneSource::new(440.0)),
            sink: Box::new(log.clone()),
            keep: Box::new(()),
        })
    });
    let shown = seen.clone();
    let open_video: OpenVideo = Arc::new(move || CallVideo {
        source: Ok(camera.then(|| {
            Box::new(PatternSource::new(EncoderSettings::VGA).expect("pattern")) as Box<_>
        })),
        sink: Some(Box::new(shown.clone())),
    });
    Handset {
        phone: Phone::with_video(engine, open_audio, Some(open_video)),
        events,
        heard,
        seen,
        id,
    }
}

/// Places a call of `call_type` from `from` to `to`, answers it, waits for both sides'
/// media, talks for two seconds and hangs up.
async fn talk(from: &mut Handset, to: &mut Handset, call_type: CallType) {
    let call = from
        .phone
        .call_with(to.id, call_type, None)
        .await
        .expect("call");
    assert_eq!(call.call_type, call_type);
    let call_id = next(&mut to.events, Duration::from_secs(5), |e| match e {
        Event::IncomingCall { call_id, .. } => Some(*call_id),
        _ => None,
    })
    .await;
    to.phone.answer(call_id).await.expect("answer");
    for side in [&mut *from, &mut *to] {
        let state = next(&mut side.events, Duration::from_secs(10), |e| match e {
            Event::Media { call_id: id, media } if *id == call_id => {
                Some(media.clone()).filter(|m| !matches!(m, MediaState::Connecting))
            }
            _ => None,
        })
        .await;
        assert!(matches!(state, MediaState::Connected { .. }), "{state:?}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    from.phone.hang_up().await.expect("hang up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_call_shows_the_callers_camera_to_a_callee_without_one() {
    let host = Host::start(&["ann", "bob"]).await;
    let mut ann = handset(&host, "ann", true).await;
    let mut bob = handset(&host, "bob", false).await;
    talk(&mut ann, &mut bob, CallType::Video).await;

    let seen = bob.seen.numbers();
    let read: Vec<u32> = seen.iter().flatten().copied().collect();
    // Two seconds at 30 pictures a second, less the first keyframe's wait.
    assert!(
        read.len() >= 30,
        "bob saw {} pictures: {seen:?}",
        read.len()
    );
    assert_eq!(read.len(), seen.len(), "every picture is ann's pattern");
    assert!(read.windows(2).all(|w| w[0] < w[1]), "in order: {read:?}");
    assert!(
        ann.seen.numbers().is_empty(),
        "bob has no camera: ann sees nothing"
    );
    for (who, heard) in [("ann", &ann.heard), ("bob", &bob.heard)] {
        assert!(
            heard.frames().len() >= 80,
            "{who}'s voice path runs beside the video"
        );
    }

    // A voice call between the same two phones carries no pictures.
    let before = bob.seen.numbers().len();
    talk(&mut ann, &mut bob, CallType::Audio).await;
    assert_eq!(
        bob.seen.numbers().len(),
        before,
        "no pictures in a voice call"
    );
}
