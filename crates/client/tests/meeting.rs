//! A meeting's mesh against the real server and real webrtc-rs peers on loopback:
//! everyone hears everyone else (and never themselves), a leaver is dropped at once,
//! someone not invited is told so, and cameras turned on and off are seen by all.

use crate::common::Host;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_client::ClientError;
use switchboard_client::call::MediaOptions;
use switchboard_client::meeting::{MeetingMedia, MeetingVideo, VideoSinkFor};
use switchboard_media::audio::{FRAMES_PER_SECOND, FrameLog, ToneSource};
use switchboard_media::tone::{energy_share, rms};
use switchboard_media::video::{PatternSource, VideoSink, VideoSource};
use switchboard_video::Frame;
use switchboard_video::pattern::read_stamp;
use switchboard_video::vp8::EncoderSettings;

/// Share of `frames` in which `hz` carries at least `share` of the energy.
fn share_of_frames_with(frames: &[Vec<i16>], hz: f64, share: f64) -> f64 {
    let hits = frames
        .iter()
        .filter(|f| rms(f) > 0.01 && energy_share(f, hz) > share)
        .count();
    hits as f64 / frames.len().max(1) as f64
}

fn received_since(log: &FrameLog, since: Instant) -> Vec<Vec<i16>> {
    log.frames()
        .into_iter()
        .filter(|(at, _)| *at >= since)
        .map(|(_, f)| f)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_people_hear_each_other_and_a_leaver_is_dropped() {
    let names = ["ann", "bob", "cat", "dan"];
    let host = Host::start(&names).await;
    let url = host.url();

    let mut apis = Vec::new();
    for name in names {
        apis.push(host.signed_in(name).await);
    }
    let mut ids = Vec::new();
    for api in &apis {
        ids.push(api.me().await.expect("me").id);
    }
    let meeting = apis[0]
        .create_meeting("stand-up", &ids[1..3])
        .await
        .expect("meeting");

    // Dan was not invited: told so in words before any socket opens.
    let refused = MeetingMedia::join(
        &apis[3],
        ids[3],
        meeting.id,
        Box::new(ToneSource::new(300.0)),
        Box::new(FrameLog::default()),
        MediaOptions::for_server(&url),
    )
    .await;
    match refused {
        Err(ClientError::Refused { status, .. }) => assert!(status == 403 || status == 404),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("an outsider joined the meeting"),
    }

    let tones = [400.0, 650.0, 1000.0];
    let mut logs = Vec::new();
    let mut members = Vec::new();
    for (n, api) in apis.iter().take(3).enumerate() {
        let log = FrameLog::default();
        let media = MeetingMedia::join(
            api,
            ids[n],
            meeting.id,
            Box::new(ToneSource::new(tones[n])),
            Box::new(log.clone()),
            MediaOptions::for_server(&url),
        )
        .await
        .expect("join");
        logs.push(log);
        members.push(media);
    }
    for (n, media) in members.iter().enumerate() {
        let peers = media
            .connected_with(2, Duration::from_secs(20))
            .await
            .unwrap_or_else(|e| panic!("member {n}: {e}"));
        assert!(!peers.contains_key(&ids[n]), "no peer to oneself");
    }

    // Two seconds of the mix, after a short settling time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let since = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (n, log) in logs.iter().enumerate() {
        let frames = received_since(log, since);
        assert!(
            frames.len() >= 2 * FRAMES_PER_SECOND * 9 / 10,
            "member {n} got {} frames in 2 s",
            frames.len()
        );
        for (m, hz) in tones.iter().enumerate() {
            let heard = share_of_frames_with(&frames, *hz, 0.2);
            if m == n {
                assert_eq!(heard, 0.0, "member {n} hears its own tone");
            } else {
                assert!(
                    heard >= 0.9,
                    "member {n} hears {hz} Hz in {heard:.2} of frames"
                );
            }
        }
    }

    // Each connection's counters, for the app's per-person quality: everyone sends to and
    // hears from each of the other two.
    for (n, media) in members.iter().enumerate() {
        let stats = media.stats().await;
        let others: Vec<i64> = ids[..3]
            .iter()
            .copied()
            .filter(|&id| id != ids[n])
            .collect();
        assert_eq!(
            stats.keys().copied().collect::<Vec<_>>(),
            others,
            "member {n}"
        );
        for (user, s) in &stats {
            assert!(
                s.received.received >= 100 && s.packets_sent >= 100,
                "member {n} with {user}: {} received, {} sent",
                s.received.received,
                s.packets_sent
            );
        }
    }

    // Cat leaves: the others drop her peer within a second and stop hearing her.
    let cat = members.pop().expect("cat");
    let left = Instant::now();
    cat.leave().await;
    for media in &members {
        while media.peers().contains_key(&ids[2]) {
            assert!(
                left.elapsed() < Duration::from_secs(1),
                "the leaver's peer is still there"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let since = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (n, log) in logs.iter().take(2).enumerate() {
        let frames = received_since(log, since);
        assert_eq!(share_of_frames_with(&frames, tones[2], 0.2), 0.0);
        assert!(share_of_frames_with(&frames, tones[1 - n], 0.5) >= 0.9);
    }
    // Ann, the host, deletes the meeting while Bob is still in it: the server closes the
    // room and Bob's client stops there, with the reason, instead of reconnecting.
    let bob = members.pop().expect("bob");
    let mut closed = bob.closed();
    apis[0].delete_meeting(meeting.id).await.expect("delete");
    let why = tokio::time::timeout(Duration::from_secs(5), closed.wait_for(Option::is_some))
        .await
        .expect("bob is told within 5 s")
        .expect("told, not dropped")
        .clone();
    assert_eq!(why.as_deref(), Some("the meeting was deleted"));
    assert!(bob.peers().is_empty(), "bob's peers are closed");
    bob.leave().await;
    for media in members {
        media.leave().await;
    }
    host.server.shutdown().await.expect("shutdown");
}

/// When a picture was shown, and the pattern number read from it.
type Shown = (Instant, Option<u32>);

/// The pictures each member (viewer) was shown of each other member (sender).
#[derive(Clone, Default)]
struct Screens(Arc<Mutex<ByViewerAndSender>>);

type ByViewerAndSender = BTreeMap<(i64, i64), Vec<Shown>>;

/// What `viewer` shows of `sender`.
struct Screen {
    screens: Screens,
    viewer: i64,
    sender: i64,
}

impl VideoSink for Screen {
    fn show(&mut self, frame: &Frame) {
        let number = read_stamp(frame).map(|s| s.number);
        if let Ok(mut screens) = self.screens.0.lock() {
            screens
                .entry((self.viewer, self.sender))
                .or_default()
                .push((Instant::now(), number));
        }
    }
}

impl Screens {
    fn sink_for(&self, viewer: i64) -> VideoSinkFor {
        let screens = self.clone();
        Arc::new(move |sender| {
            Some(Box::new(Screen {
                screens: screens.clone(),
                viewer,
                sender,
            }) as Box<dyn VideoSink>)
        })
    }

    /// Pictures `viewer` was shown of `sender` since `since`, pattern read.
    fn shown(&self, viewer: i64, sender: i64, since: Instant) -> usize {
        self.0.lock().map_or(0, |s| {
            s.get(&(viewer, sender)).map_or(0, |pictures| {
                pictures
                    .iter()
                    .filter(|(at, n)| *at >= since && n.is_some())
                    .count()
            })
        })
    }

    /// Over the next second: how many pictures each viewer was shown of each sender.
    async fn over_a_second(&self, ids: &[i64]) -> BTreeMap<(i64, i64), usize> {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let since = Instant::now();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mut seen = BTreeMap::new();
        for &viewer in ids {
            for &sender in ids.iter().filter(|&&s| s != viewer) {
                seen.insert((viewer, sender), self.shown(viewer, sender, since));
            }
        }
        seen
    }
}

fn camera() -> Box<dyn VideoSource> {
    Box::new(PatternSource::new(EncoderSettings::sized(320, 240)).expect("pattern"))
}

/// Everyone sees everyone whose camera is on, through one encoder each; a camera turned
/// on or off mid-meeting is seen by all on the peers they have; and a member who joined
/// without video is told in words that it has none to turn on. (30 pictures a second are
/// sent; ≥ 20 a second shown leaves room for a busy machine, where 1:1 tests check rate.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_each_others_cameras_turned_on_and_off() {
    let names = ["ann", "bob", "cat"];
    let host = Host::start(&names).await;
    let url = host.url();
    let mut apis = Vec::new();
    let mut ids = Vec::new();
    for name in names {
        let api = host.signed_in(name).await;
        ids.push(api.me().await.expect("me").id);
        apis.push(api);
    }
    let meeting = apis[0]
        .create_meeting("video stand-up", &ids[1..])
        .await
        .expect("meeting");
    let screens = Screens::default();
    let mut members = Vec::new();
    // Ann and Bob join with their cameras on, Cat with hers off.
    for (n, api) in apis.iter().enumerate() {
        let video = MeetingVideo {
            source: (n < 2).then(camera),
            sink_for: screens.sink_for(ids[n]),
        };
        let media = MeetingMedia::join_with_video(
            api,
            ids[n],
            meeting.id,
            Box::new(ToneSource::new(400.0 + 250.0 * n as f64)),
            Box::new(FrameLog::default()),
            MediaOptions::for_server(&url),
            Some(video),
        )
        .await
        .expect("join");
        members.push(media);
    }
    for (n, media) in members.iter().enumerate() {
        media
            .connected_with(2, Duration::from_secs(20))
            .await
            .unwrap_or_else(|e| panic!("member {n}: {e}"));
    }
    let (ann, bob, cat) = (ids[0], ids[1], ids[2]);
    let seen = screens.over_a_second(&ids).await;
    eprintln!("ann and bob on: {seen:?}");
    for (viewer, sender) in [(bob, ann), (cat, ann), (ann, bob), (cat, bob)] {
        assert!(
            seen[&(viewer, sender)] >= 20,
            "{viewer} sees {sender}: {seen:?}"
        );
    }
    assert_eq!(
        seen[&(ann, cat)] + seen[&(bob, cat)],
        0,
        "cat's camera is off"
    );

    // Cat turns hers on, Ann turns hers off.
    members[2].set_video(Some(camera())).expect("cat on");
    members[0].set_video(None).expect("ann off");
    assert!(members[2].is_sending_video() && !members[0].is_sending_video());
    let seen = screens.over_a_second(&ids).await;
    eprintln!("bob and cat on: {seen:?}");
    for (viewer, sender) in [(ann, cat), (bob, cat), (ann, bob), (cat, bob)] {
        assert!(
            seen[&(viewer, sender)] >= 20,
            "{viewer} sees {sender}: {seen:?}"
        );
    }
    assert_eq!(
        seen[&(bob, ann)] + seen[&(cat, ann)],
        0,
        "ann's camera is off"
    );
    for (n, media) in members.iter().enumerate() {
        assert_eq!(media.peers().len(), 2, "member {n} kept both peers");
        let stats = media.video_stats();
        assert_eq!(stats.len(), 2, "member {n}: {stats:?}");
    }

    // A member in an audio-only meeting has no video to turn on, and is told so.
    let dan_host = Host::start(&["dan", "eve"]).await;
    let dan = dan_host.signed_in("dan").await;
    let eve_id = dan_host.signed_in("eve").await.me().await.expect("me").id;
    let audio_only = dan
        .create_meeting("call", &[eve_id])
        .await
        .expect("meeting");
    let dan_id = dan.me().await.expect("me").id;
    let media = MeetingMedia::join(
        &dan,
        dan_id,
        audio_only.id,
        Box::new(ToneSource::new(300.0)),
        Box::new(FrameLog::default()),
        MediaOptions::for_server(&dan_host.url()),
    )
    .await
    .expect("join");
    let said = media.set_video(Some(camera())).expect_err("no video");
    assert!(said.to_string().contains("joined without video"), "{said}");
    media.leave().await;
    for media in members {
        media.leave().await;
    }
}
