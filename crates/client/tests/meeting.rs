//! A meeting's audio mesh against the real server and real webrtc-rs peers on loopback:
//! everyone hears everyone else (and never themselves), a leaver is dropped at once, and
//! someone not invited is told so.

mod common;

use common::Host;
use std::time::{Duration, Instant};
use switchboard_client::ClientError;
use switchboard_client::call::MediaOptions;
use switchboard_client::meeting::MeetingMedia;
use switchboard_media::audio::{FRAMES_PER_SECOND, FrameLog, ToneSource};
use switchboard_media::tone::{energy_share, rms};

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
