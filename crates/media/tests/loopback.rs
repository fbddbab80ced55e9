//! Two real webrtc-rs peers on loopback, signaling handed across in-process: each sends
//! its own tone and must hear the other's — and never its own — then mute and unmute.

use std::time::{Duration, Instant};
use switchboard_media::PeerConfig;
use switchboard_media::tone::{has_tone, rms};

mod common;

use common::{A_TONE, B_TONE, connect, tally};

fn config() -> PeerConfig {
    PeerConfig {
        include_loopback: true,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_peers_hear_each_others_tone_and_mute_silences() {
    let common::Pair {
        a,
        heard_by_a,
        b,
        heard_by_b,
        ..
    } = connect(config(), config()).await;

    // Let the jitter settle, then measure 2.5 s of audio both ways.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (b_tone_at_a, own_at_a, frames_a) = tally(&heard_by_a, window, B_TONE, A_TONE);
    let (a_tone_at_b, own_at_b, frames_b) = tally(&heard_by_b, window, A_TONE, B_TONE);
    assert!(
        frames_a >= 100 && frames_b >= 100,
        "2.5 s is ~125 frames: {frames_a} {frames_b}"
    );
    assert!(
        b_tone_at_a * 10 >= frames_a * 9,
        "a heard b's tone in {b_tone_at_a} of {frames_a} frames"
    );
    assert!(
        a_tone_at_b * 10 >= frames_b * 9,
        "b heard a's tone in {a_tone_at_b} of {frames_b} frames"
    );
    assert_eq!((own_at_a, own_at_b), (0, 0), "nobody hears their own tone");

    // Mute a: after a 300 ms guard, b gets no tone and near silence; a still hears b.
    a.set_muted(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let muted_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let frames: Vec<Vec<i16>> = heard_by_b
        .frames()
        .into_iter()
        .filter(|(t, _)| *t >= muted_at)
        .map(|(_, f)| f)
        .collect();
    assert!(
        frames.len() >= 50,
        "audio keeps flowing while muted: {}",
        frames.len()
    );
    assert!(
        frames.iter().all(|f| !has_tone(f, A_TONE)),
        "no tone frames while muted"
    );
    let loudest = frames.iter().map(|f| rms(f)).fold(0.0, f64::max);
    assert!(loudest < 1e-3, "RMS while muted: {loudest}");
    let (b_tone_at_a, _, n) = tally(&heard_by_a, muted_at, B_TONE, A_TONE);
    assert!(
        b_tone_at_a * 10 >= n * 9,
        "the muted side still hears: {b_tone_at_a} of {n}"
    );

    // Unmute: the tone is back within 500 ms.
    a.set_muted(false);
    let unmuted_at = Instant::now();
    let back = loop {
        let first = heard_by_b
            .frames()
            .into_iter()
            .find(|(t, f)| *t >= unmuted_at && has_tone(f, A_TONE))
            .map(|(t, _)| t);
        if let Some(t) = first {
            break t.duration_since(unmuted_at);
        }
        assert!(
            unmuted_at.elapsed() < Duration::from_secs(3),
            "the tone never came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(back < Duration::from_millis(500), "back after {back:?}");

    a.close().await;
    b.close().await;
}
