//! Two real webrtc-rs peers on loopback with VP8 video: each sends the test pattern and
//! reads the other's frame numbers and time stamps back out of the decoded pixels.

use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_media::audio::{FrameLog, ToneSource};
use switchboard_media::video::{PatternSource, VideoOptions, VideoStats};
use switchboard_media::{AudioPeer, PeerConfig, Uplink};
use switchboard_video::vp8::EncoderSettings;

mod common;

use common::{A_TONE, B_TONE, negotiate, tally};

fn config() -> PeerConfig {
    PeerConfig {
        include_loopback: true,
        ..Default::default()
    }
}

fn pattern() -> VideoOptions {
    VideoOptions {
        source: Some(Box::new(
            PatternSource::new(EncoderSettings::VGA).expect("a pattern"),
        )),
        receive: true,
        sink: None,
    }
}

async fn peer(
    tone: f64,
    video: VideoOptions,
) -> (
    AudioPeer,
    FrameLog,
    tokio::sync::mpsc::UnboundedReceiver<switchboard_media::Candidate>,
) {
    let heard = FrameLog::default();
    let uplink = Arc::new(Uplink::start(Box::new(ToneSource::new(tone))));
    let (peer, candidates) =
        AudioPeer::with_video(config(), uplink, Box::new(heard.clone()), video)
            .await
            .expect("a peer");
    (peer, heard, candidates)
}

async fn connect(
    a_video: VideoOptions,
    b_video: VideoOptions,
) -> (AudioPeer, FrameLog, AudioPeer, FrameLog) {
    let (a, heard_by_a, mut a_candidates) = peer(A_TONE, a_video).await;
    let (b, heard_by_b, mut b_candidates) = peer(B_TONE, b_video).await;
    let budget = Duration::from_secs(15);
    negotiate(&a, &mut a_candidates, &b, &mut b_candidates, budget).await;
    (a, heard_by_a, b, heard_by_b)
}

fn check_video(who: &str, s: &VideoStats, seconds: f64) {
    assert_eq!((s.width, s.height), (640, 480), "{who}: {s:?}");
    assert!(
        s.frames_decoded as f64 >= 25.0 * seconds,
        "{who} decoded {} pictures in {seconds} s: {s:?}",
        s.frames_decoded
    );
    assert!(s.fps >= 25.0, "{who}: {s:?}");
    assert_eq!(
        s.pattern_frames, s.frames_decoded,
        "{who}: every picture read back: {s:?}"
    );
    assert_eq!(s.out_of_order, 0, "{who}: {s:?}");
    let delay = s.glass_to_glass_ms.expect("a delay");
    assert!(
        delay < 200.0,
        "{who}: capture to picture {delay} ms on loopback: {s:?}"
    );
    assert!(s.frames_sent > 0, "{who}: {s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_peers_see_each_others_pattern_in_order_and_still_hear_each_other() {
    let (a, heard_by_a, b, heard_by_b) = connect(pattern(), pattern()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Instant::now();
    let (a0, b0) = (a.video_stats(), b.video_stats());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (a1, b1) = (a.video_stats(), b.video_stats());
    eprintln!("a saw {a1:?}\nb saw {b1:?}");
    for (who, before, after) in [("a", &a0, &a1), ("b", &b0, &b1)] {
        check_video(who, after, 3.0);
        assert!(
            after.frames_decoded - before.frames_decoded >= 75,
            "{who}: ≥ 25 pictures a second over the last 3 s: {before:?} → {after:?}"
        );
    }
    let (b_tone_at_a, _, frames_a) = tally(&heard_by_a, window, B_TONE, A_TONE);
    let (a_tone_at_b, _, frames_b) = tally(&heard_by_b, window, A_TONE, B_TONE);
    assert!(
        b_tone_at_a * 10 >= frames_a * 9 && frames_a >= 120,
        "{b_tone_at_a} of {frames_a}"
    );
    assert!(
        a_tone_at_b * 10 >= frames_b * 9 && frames_b >= 120,
        "{a_tone_at_b} of {frames_b}"
    );
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_without_video_takes_a_video_offer_as_audio() {
    let (a, heard_by_a, b, _) = connect(pattern(), VideoOptions::default()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (b_tone_at_a, _, frames_a) = tally(&heard_by_a, window, B_TONE, A_TONE);
    assert!(
        b_tone_at_a * 10 >= frames_a * 9 && frames_a >= 80,
        "{b_tone_at_a} of {frames_a}"
    );
    assert_eq!(a.video_stats().frames_decoded, 0, "b sends no video");
    assert_eq!(
        b.video_stats(),
        VideoStats::default(),
        "b does nothing with video"
    );
    a.close().await;
    b.close().await;
}
