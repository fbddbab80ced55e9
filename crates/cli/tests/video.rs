//! Two real `switchboard-cli` processes in a video call through the real server: each
//! sends the test pattern (`--video pattern`) and reads the other's frame numbers and
//! time stamps back out of the decoded pictures; `--stats-json` says what arrived.

mod common;

use common::{backend, cli, finish, stats_json, token};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_call_between_two_clis_shows_each_the_others_pattern() {
    let (server, dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let (alice, bob) = (token(&url, "alice").await, token(&url, "bob").await);
    let (a_json, b_json) = (dir.path().join("alice.json"), dir.path().join("bob.json"));
    let listener = cli(
        &url,
        &alice,
        &[
            "listen",
            "--auto-answer",
            "--video",
            "pattern",
            "--tone",
            "1000",
            "--record",
            dir.path().join("alice.wav").to_str().expect("path"),
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
            "--video",
            "pattern",
            "--tone",
            "440",
            "--record",
            dir.path().join("bob.wav").to_str().expect("path"),
            "--duration",
            "5",
            "--stats-json",
            b_json.to_str().expect("path"),
        ],
    );
    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    for (who, out) in [("bob", &caller), ("alice", &listener)] {
        assert!(
            out.status.success(),
            "{who} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (who, path) in [("alice", &a_json), ("bob", &b_json)] {
        let stats = stats_json(path);
        let v = &stats["video"];
        eprintln!("{who}: {v}");
        let n = |key: &str| v[key].as_f64().unwrap_or(-1.0);
        assert_eq!((n("width"), n("height")), (640.0, 480.0), "{who}: {v}");
        // Five seconds of talk at 30 pictures a second, less the first keyframe's wait.
        assert!(n("frames_decoded") >= 100.0, "{who}: {v}");
        assert!(n("fps") >= 25.0, "{who}: {v}");
        assert_eq!(
            n("pattern_frames"),
            n("frames_decoded"),
            "{who}: every picture read back: {v}"
        );
        assert_eq!(n("out_of_order"), 0.0, "{who}: {v}");
        assert!((0.0..300.0).contains(&n("glass_to_glass_ms")), "{who}: {v}");
        // The audio went on beside it.
        assert!(
            stats["quality"]["recv_kbps"]
                .as_f64()
                .is_some_and(|k| k > 10.0),
            "{who}: {stats}"
        );
    }
    let bob_out = String::from_utf8_lossy(&caller.stdout);
    assert!(bob_out.contains("Video: "), "{bob_out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camera_is_refused_in_words_until_there_is_one() {
    let (server, _dir) = backend(&["alice"]).await;
    let url = server.url();
    let alice = token(&url, "alice").await;
    let out = finish(cli(
        &url,
        &alice,
        &["listen", "--auto-answer", "--video", "camera"],
    ))
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cameras and screens are not supported yet"),
        "{err}"
    );
}
