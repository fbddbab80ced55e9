//! Two real `switchboard-cli` processes in a video call through the real server: each
//! sends the test pattern (`--video pattern`) and reads the other's frame numbers and
//! time stamps back out of the decoded pictures; `--stats-json` says what arrived.

use crate::common::{backend, cli, cli_with_env, finish, stats_json, token};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use switchboard_capture::test_screen::VirtualScreen;
use switchboard_video::pattern::TestPattern;
use switchboard_video::source::clock_ms;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_call_between_two_clis_shows_each_the_others_pattern() {
    let (server, dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let (alice, bob) = (token(&url, "alice").await, token(&url, "bob").await);
    let (a_json, b_json) = (dir.path().join("alice.json"), dir.path().join("bob.json"));
    let listener = pattern_listener(&url, &alice, &a_json);
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
    succeeded(&[("bob", &caller), ("alice", &listener)]);
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

/// The test machines have no camera (no /dev/video*): asking for one is refused in
/// words that say what to do, before the call is answered; `devices` lists none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_camera_asking_for_one_says_so_and_devices_lists_none() {
    if std::fs::read_dir("/dev").is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("video"))
    }) {
        return; // a machine with a camera: this test is for one without
    }
    let (server, _dir) = backend(&["alice"]).await;
    let url = server.url();
    let alice = token(&url, "alice").await;
    for camera in ["camera", "camera:c920"] {
        let out = finish(cli(
            &url,
            &alice,
            &["listen", "--auto-answer", "--video", camera],
        ))
        .await;
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no camera found") && err.contains("`pattern`"),
            "{camera}: {err}"
        );
    }
    let out = finish(cli(&url, &alice, &["listen", "--video", "camera:"])).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("camera:NAME"), "{err}");
    let out = finish(cli(&url, &alice, &["devices"])).await;
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("Cameras:\n  (none found)"), "{listed}");
}

/// Alice answering with the pattern and a 1 kHz tone, her figures written to `json`.
fn pattern_listener(url: &str, token: &str, json: &std::path::Path) -> std::process::Child {
    cli(
        url,
        token,
        &[
            "listen",
            "--auto-answer",
            "--video",
            "pattern",
            "--tone",
            "1000",
            "--duration",
            "20",
            "--stats-json",
            json.to_str().expect("path"),
        ],
    )
}

fn succeeded(outs: &[(&str, &std::process::Output)]) {
    for (who, out) in outs {
        assert!(
            out.status.success(),
            "{who} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Screen sharing end to end: the test pattern is drawn on a virtual X screen (Xvfb), ten
/// pictures a second with the time each was drawn; `call --video screen` shares that
/// screen; the callee reads the pattern's numbers and stamps out of what it decodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_screen_arrives_as_it_was_drawn() {
    let screen = VirtualScreen::start(1280, 720).expect("Xvfb");
    let display = screen.display().to_owned();
    let drawing = Arc::new(AtomicBool::new(true));
    let painter = {
        let drawing = drawing.clone();
        std::thread::spawn(move || {
            let mut pattern = TestPattern::new(1280, 720).expect("a size");
            while drawing.load(Ordering::Relaxed) {
                let frame = pattern.next_frame(clock_ms());
                screen.paint(screen.root(), &frame).expect("drawn");
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let (server, dir) = backend(&["alice", "bob"]).await;
    let url = server.url();
    let (alice, bob) = (token(&url, "alice").await, token(&url, "bob").await);
    let a_json = dir.path().join("alice.json");
    let listener = pattern_listener(&url, &alice, &a_json);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let caller = cli_with_env(
        &url,
        &bob,
        &[
            "call",
            "alice",
            "--video",
            "screen",
            "--tone",
            "440",
            "--duration",
            "4",
        ],
        &[("DISPLAY", &display)],
    );
    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    drawing.store(false, Ordering::Relaxed);
    painter.join().expect("painter");
    succeeded(&[("bob", &caller), ("alice", &listener)]);
    let stats = stats_json(&a_json);
    let v = &stats["video"];
    eprintln!("alice saw bob's screen: {v}");
    let n = |key: &str| v[key].as_f64().unwrap_or(-1.0);
    assert_eq!((n("width"), n("height")), (1280.0, 720.0), "{v}");
    // Four seconds at 15 pictures a second, less the first keyframe's wait.
    assert!(n("frames_decoded") >= 30.0, "{v}");
    assert!(n("fps") >= 12.0, "{v}");
    // Every picture shows the pattern (a screen read mid-paint shows the last whole
    // strip's rows, but the cells sit in the top rows, painted first).
    assert_eq!(n("pattern_frames"), n("frames_decoded"), "{v}");
    // Drawn ten times a second and read fifteen: a picture may repeat, never go back.
    assert_eq!(n("out_of_order"), 0.0, "{v}");
    assert!((0.0..500.0).contains(&n("glass_to_glass_ms")), "{v}");
}
