//! Two real `switchboard-cli` processes talk through the real server over WebRTC: each
//! sends a tone and records what it hears; the recordings must hold the other's tone in
//! at least 90 % of frames over at least 2 s, and never their own.

use crate::common::{
    backend, backend_with_config, cli, finish, recorded_frames, stats_json, token,
};
use std::path::Path;
use std::time::Duration;
use switchboard_media::tone::{FRAME_SAMPLES, has_tone};
use switchboard_server::Server;

/// (frames with `tone`, frames with `other`, frames) after skipping `skip_s` seconds.
fn analyse(path: &Path, tone: f64, other: f64, skip_s: f64) -> (usize, usize, usize) {
    let frames = recorded_frames(path, skip_s);
    let with = frames.iter().filter(|f| has_tone(f, tone)).count();
    let wrong = frames.iter().filter(|f| has_tone(f, other)).count();
    (with, wrong, frames.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_cli_users_talk_hear_each_other_and_hang_up() {
    let (server, dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let (alice, bob) = (token(&url, "alice").await, token(&url, "bob").await);
    let d = dir.path();

    for round in 1..=2 {
        let (a_wav, b_wav) = (
            d.join(format!("alice{round}.wav")),
            d.join(format!("bob{round}.wav")),
        );
        let (a_json, b_json) = (
            d.join(format!("alice{round}.json")),
            d.join(format!("bob{round}.json")),
        );
        let listener = cli(
            &url,
            &alice,
            &[
                "listen",
                "--auto-answer",
                "--tone",
                "1000",
                "--record",
                a_wav.to_str().expect("path"),
                "--duration",
                "20",
                "--stats-json",
                a_json.to_str().expect("path"),
            ],
        );
        tokio::time::sleep(Duration::from_millis(800)).await;
        let caller = cli(
            &url,
            &bob,
            &[
                "call",
                "alice",
                "--tone",
                "440",
                "--record",
                b_wav.to_str().expect("path"),
                "--duration",
                "4",
                "--stats-json",
                b_json.to_str().expect("path"),
            ],
        );
        let (caller, listener) = tokio::join!(finish(caller), finish(listener));
        for (who, out) in [("bob", &caller), ("alice", &listener)] {
            assert!(
                out.status.success(),
                "round {round}: {who} failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let (b_stats, a_stats) = (stats_json(&b_json), stats_json(&a_json));
        assert_eq!(
            (b_stats["ended_by"].as_str(), a_stats["ended_by"].as_str()),
            (Some("local"), Some("remote"))
        );
        // The other side learned of the hang-up within a second.
        let (b_talk, a_talk) = (
            b_stats["talk_ms"].as_i64().unwrap_or(0),
            a_stats["talk_ms"].as_i64().unwrap_or(0),
        );
        assert!(
            (a_talk - b_talk).abs() < 1000,
            "round {round}: talked {b_talk} ms vs {a_talk} ms"
        );
        assert_eq!(b_stats["status"], "completed");
        // On loopback: nothing lost, a short round trip, Opus at about 32 kbit/s.
        for stats in [&a_stats, &b_stats] {
            let q = &stats["quality"];
            assert_eq!(q["score"], 5, "{q}");
            assert!(q["loss_pct"].as_f64().is_some_and(|l| l < 1.0), "{q}");
            assert!(q["rtt_ms"].as_f64().is_some_and(|r| r < 50.0), "{q}");
            assert!(
                q["recv_kbps"]
                    .as_f64()
                    .is_some_and(|k| (10.0..80.0).contains(&k)),
                "{q}"
            );
        }
        let duration = b_stats["duration_seconds"].as_i64().unwrap_or(-1);
        assert!(
            (3..=6).contains(&duration),
            "round {round}: recorded duration {duration} s"
        );

        // Each heard the other's tone in >= 90 % of frames over >= 2 s, and never their own.
        let (heard, own, frames) = analyse(&a_wav, 440.0, 1000.0, 0.5);
        assert!(
            frames >= 100,
            "round {round}: alice recorded {frames} frames"
        );
        assert!(
            heard * 10 >= frames * 9,
            "round {round}: alice heard bob in {heard} of {frames} frames"
        );
        assert_eq!(own, 0, "round {round}: alice heard her own tone");
        let (heard, own, frames) = analyse(&b_wav, 1000.0, 440.0, 0.5);
        assert!(frames >= 100, "round {round}: bob recorded {frames} frames");
        assert!(
            heard * 10 >= frames * 9,
            "round {round}: bob heard alice in {heard} of {frames} frames"
        );
        assert_eq!(own, 0, "round {round}: bob heard his own tone");
    }
}

/// The server restarts in the middle of a call: the audio flows peer to peer and never
/// stops; signaling reconnects, and the call still ends normally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_call_does_not_stop_the_audio() {
    let (server, dir, config) = backend_with_config(&["alice", "bob"]).await;
    let addr = server.local_addr();
    let url = server.url();
    let (alice, bob) = (token(&url, "alice").await, token(&url, "bob").await);
    let d = dir.path();
    let (a_wav, b_wav, b_json) = (d.join("a.wav"), d.join("b.wav"), d.join("b.json"));
    let listener = cli(
        &url,
        &alice,
        &[
            "listen",
            "--auto-answer",
            "--tone",
            "1000",
            "--record",
            a_wav.to_str().expect("path"),
            "--duration",
            "30",
        ],
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let caller = cli(
        &url,
        &bob,
        &[
            "call",
            "alice",
            "--tone",
            "440",
            "--record",
            b_wav.to_str().expect("path"),
            "--duration",
            "8",
            "--stats-json",
            b_json.to_str().expect("path"),
        ],
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    server.shutdown().await.expect("shutdown");
    let restarted = loop {
        match Server::bind(addr, config.clone()).await {
            Ok(server) => break server,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    for (who, out) in [("bob", &caller), ("alice", &listener)] {
        assert!(
            out.status.success(),
            "{who} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Every stretch of the call, before and after the restart, carried audio both ways.
    for (path, tone, own) in [(&a_wav, 440.0, 1000.0), (&b_wav, 1000.0, 440.0)] {
        let (heard, wrong, frames) = analyse(path, tone, own, 0.5);
        assert!(frames >= 300, "{}: {frames} frames", path.display());
        assert!(
            heard * 10 >= frames * 9,
            "{}: the far tone in {heard} of {frames} frames",
            path.display()
        );
        assert_eq!(wrong, 0);
    }
    let stats = stats_json(&b_json);
    assert_eq!(stats["status"], "completed", "{stats}");
    drop(restarted);
}

/// `--mute-after`: the far end hears the tone, then (after a 300 ms guard) neither tone
/// nor sound; the muted side keeps hearing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn muting_silences_the_caller_for_the_far_end() {
    let (server, dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let (alice, bob) = (token(&url, "alice").await, token(&url, "bob").await);
    let d = dir.path();
    let (a_wav, b_wav) = (d.join("alice.wav"), d.join("bob.wav"));
    let listener = cli(
        &url,
        &alice,
        &[
            "listen",
            "--auto-answer",
            "--tone",
            "1000",
            "--record",
            a_wav.to_str().expect("path"),
            "--duration",
            "20",
        ],
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let caller = cli(
        &url,
        &bob,
        &[
            "call",
            "alice",
            "--tone",
            "440",
            "--record",
            b_wav.to_str().expect("path"),
            "--duration",
            "5",
            "--mute-after",
            "2.5",
        ],
    );
    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    assert!(
        caller.status.success() && listener.status.success(),
        "{}",
        String::from_utf8_lossy(&caller.stderr)
    );
    assert!(String::from_utf8_lossy(&caller.stdout).contains("Muted."));

    let mut reader = hound::WavReader::open(&a_wav).expect("alice's recording");
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let frames: Vec<&[i16]> = samples.chunks_exact(FRAME_SAMPLES).collect();
    // Where the tone stops is where bob muted: it must have been there before, and after a
    // 300 ms guard (15 frames) there is neither tone nor sound until the call ends.
    let last_tone = frames
        .iter()
        .rposition(|f| has_tone(f, 440.0))
        .expect("alice heard bob at all");
    let before = &frames[..last_tone];
    let heard = before
        .iter()
        .skip(25)
        .filter(|f| has_tone(f, 440.0))
        .count();
    assert!(
        before.len() > 75 && heard * 10 >= (before.len() - 25) * 9,
        "tone before muting: {heard} of {}",
        before.len() - 25
    );
    let after = &frames[(last_tone + 15).min(frames.len())..];
    assert!(
        after.len() >= 75,
        "at least 1.5 s recorded after muting: {} frames",
        after.len()
    );
    let loudest = after
        .iter()
        .map(|f| switchboard_media::tone::rms(f))
        .fold(0.0, f64::max);
    assert!(loudest < 1e-3, "sound after muting: RMS {loudest}");
    // The muted side still heard alice the whole time.
    let (heard, own, n) = analyse(&b_wav, 1000.0, 440.0, 0.5);
    assert!(
        heard * 10 >= n * 9 && own == 0,
        "bob heard alice in {heard} of {n} frames"
    );
}

/// A callee that answers and then cannot open its microphone hangs up: the call ends
/// at once (`completed`), instead of staying active for both until the presence feed
/// notices, with the caller refused ("already in a call") in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callee_without_its_microphone_hangs_up_instead_of_leaving_the_call_active() {
    let (server, dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let (alice, bob) = (token(&url, "alice").await, token(&url, "bob").await);
    let listener = cli(
        &url,
        &alice,
        &[
            "listen",
            "--auto-answer",
            "--input-device",
            "no such microphone",
            "--duration",
            "10",
        ],
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let recording = dir.path().join("bob.wav");
    let caller = cli(
        &url,
        &bob,
        &[
            "call",
            "alice",
            "--tone",
            "440",
            "--record",
            recording.to_str().expect("path"),
            "--duration",
            "4",
        ],
    );
    let listener = finish(listener).await;
    let said = String::from_utf8_lossy(&listener.stdout);
    assert!(
        !listener.status.success() && said.contains("Hung up."),
        "alice should fail to open the microphone and hang up:\n{said}\n{}",
        String::from_utf8_lossy(&listener.stderr)
    );
    // Ended by alice as she gave up, not left to the presence feed: bob's history shows
    // it over while his own command is still waiting for audio.
    let history = finish(cli(&url, &bob, &["history"])).await;
    let history = String::from_utf8_lossy(&history.stdout);
    let latest = history.lines().next().unwrap_or_default();
    assert!(
        latest.contains("completed"),
        "the call should be over: {latest:?}"
    );
    // And bob's command stops at once, rather than waiting out the 15 s for audio.
    let caller = tokio::time::timeout(Duration::from_secs(10), finish(caller))
        .await
        .expect("bob's command should end when alice hangs up, not wait for audio");
    let said = String::from_utf8_lossy(&caller.stdout);
    assert!(
        said.contains("The audio had not connected yet")
            && said.contains("Call ended by the other side"),
        "bob should be told alice hung up:\n{said}\n{}",
        String::from_utf8_lossy(&caller.stderr)
    );
}
