//! The phone's video calls against the real server with real webrtc-rs peers: a video
//! call placed by one phone carries its camera (the test pattern) to the other, which has
//! no camera and still sees it; the voice goes on beside it; a voice call between the same
//! phones carries no pictures, until either side turns video on in it.

use crate::common::{Host, PASSWORD, next};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_client::phone::{CallAudio, CallVideo, OpenAudio, OpenVideo, Phone};
use switchboard_client::{Engine, EngineConfig, Event, MediaState};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::video::{PatternSource, VideoSink, VideoSource};
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
    let open_video: OpenVideo = Arc::new(move |call_type| CallVideo {
        source: Ok((camera && call_type == CallType::Video).then(pattern)),
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

fn pattern() -> Box<dyn VideoSource> {
    Box::new(PatternSource::new(EncoderSettings::VGA).expect("pattern"))
}

/// Places a call of `call_type` from `from` to `to`, answers it, waits for both sides'
/// media, talks for two seconds and hangs up.
async fn talk(from: &mut Handset, to: &mut Handset, call_type: CallType) {
    connect(from, to, call_type).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    from.phone.hang_up().await.expect("hang up");
}

/// Places a call of `call_type` from `from` to `to`, answers it, and waits for both
/// sides' media.
async fn connect(from: &mut Handset, to: &mut Handset, call_type: CallType) {
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

/// Pictures `seen` after waiting `span`, read from the pattern and in order.
async fn seen_over(seen: &Seen, span: Duration) -> Vec<u32> {
    let before = seen.numbers().len();
    tokio::time::sleep(span).await;
    let numbers = seen.numbers()[before..].to_vec();
    let read: Vec<u32> = numbers.iter().flatten().copied().collect();
    assert_eq!(read.len(), numbers.len(), "every picture is the pattern");
    assert!(read.windows(2).all(|w| w[0] < w[1]), "in order: {read:?}");
    read
}

/// Each handset heard ≥ 95 % of the 20 ms voice frames since `talking`.
fn voice_carried_on_since(talking: std::time::Instant, handsets: &[&Handset]) {
    let expected = talking.elapsed().as_millis() as usize / 20;
    for handset in handsets {
        let frames = handset
            .heard
            .frames()
            .iter()
            .filter(|(at, _)| *at >= talking)
            .count();
        assert!(
            frames * 100 >= expected * 95,
            "user {} heard {frames} of {expected} voice frames",
            handset.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_call_turns_into_video_and_back_without_the_voice_stopping() {
    let host = Host::start(&["ann", "bob"]).await;
    let mut ann = handset(&host, "ann", false).await;
    let mut bob = handset(&host, "bob", false).await;
    let e = bob.phone.set_video(Some(pattern())).await.err();
    assert!(
        e.is_some_and(|e| e.to_string().contains("no call to send video in")),
        "not in a call: said in words"
    );
    connect(&mut ann, &mut bob, CallType::Audio).await;
    let talking = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(ann.seen.numbers().is_empty(), "a voice call: no pictures");

    // Bob (who answered) turns his camera on: his phone offers again.
    bob.phone.set_video(Some(pattern())).await.expect("bob on");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let read = seen_over(&ann.seen, Duration::from_secs(1)).await;
    assert!(read.len() >= 25, "ann sees bob: {} in 1 s", read.len());

    // Ann (who called) turns hers on too.
    ann.phone.set_video(Some(pattern())).await.expect("ann on");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let read = seen_over(&bob.seen, Duration::from_secs(1)).await;
    assert!(read.len() >= 25, "bob sees ann: {} in 1 s", read.len());

    // Bob turns his off: ann's picture of him stops, his of her goes on.
    bob.phone.set_video(None).await.expect("bob off");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        seen_over(&ann.seen, Duration::from_secs(1))
            .await
            .is_empty(),
        "bob's video is off"
    );
    assert!(
        seen_over(&bob.seen, Duration::from_secs(1)).await.len() >= 25,
        "ann's goes on"
    );

    // The voice went on through all of it, both ways.
    voice_carried_on_since(talking, &[&ann, &bob]);
    ann.phone.hang_up().await.expect("hang up");
}

/// Both turn their cameras on at the same moment in a voice call, so their offers cross
/// on the server: Bob (the polite side, the higher id) answers Ann's and offers his own
/// again, and each sees the other within seconds, the voice going on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_turning_their_cameras_on_at_once_see_each_other() {
    let host = Host::start(&["ann", "bob"]).await;
    let mut ann = handset(&host, "ann", false).await;
    let mut bob = handset(&host, "bob", false).await;
    assert!(ann.id < bob.id, "bob is the polite side");
    connect(&mut ann, &mut bob, CallType::Audio).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let talking = std::time::Instant::now();

    let (ann_on, bob_on) = tokio::join!(
        ann.phone.set_video(Some(pattern())),
        bob.phone.set_video(Some(pattern()))
    );
    ann_on.expect("ann on");
    bob_on.expect("bob on");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let (bob_seen_by_ann, ann_seen_by_bob) = tokio::join!(
        seen_over(&ann.seen, Duration::from_secs(1)),
        seen_over(&bob.seen, Duration::from_secs(1))
    );
    assert!(
        bob_seen_by_ann.len() >= 25,
        "ann sees bob: {} in 1 s",
        bob_seen_by_ann.len()
    );
    assert!(
        ann_seen_by_bob.len() >= 25,
        "bob sees ann: {} in 1 s",
        ann_seen_by_bob.len()
    );
    voice_carried_on_since(talking, &[&ann, &bob]);
    ann.phone.hang_up().await.expect("hang up");
}
