//! Three real `switchboard-cli` processes in one meeting: each sends its own tone and
//! records the mix it hears, which must hold both others' tones and never its own.

use crate::common;

use crate::common::{cli, finish, recorded_frames, signed_in};
use std::path::Path;
use switchboard_media::tone::{energy_share, rms};

/// Share of the frames (after the first `skip_s` seconds) in which `hz` carries at least
/// a fifth of the energy, and how many frames there were.
fn heard(path: &Path, hz: f64, skip_s: f64) -> (f64, usize) {
    let frames = recorded_frames(path, skip_s);
    let with = frames
        .iter()
        .filter(|f| rms(f) > 0.01 && energy_share(f, hz) > 0.2)
        .count();
    (with as f64 / frames.len().max(1) as f64, frames.len())
}

/// A server with three users signed in, the first hosting a meeting of all three.
struct Three {
    server: switchboard_server::Server,
    dir: tempfile::TempDir,
    url: String,
    apis: Vec<switchboard_client::Api>,
    /// The meeting's id, as the CLI takes it.
    meeting: String,
}

async fn three_in_a_meeting(names: [&str; 3], title: &str) -> Three {
    let (server, dir) = common::backend(&names).await;
    let url = server.url();
    let mut apis = Vec::new();
    for name in names {
        apis.push(signed_in(&url, name).await);
    }
    let mut ids = Vec::new();
    for api in &apis[1..] {
        ids.push(api.me().await.expect("me").id);
    }
    let meeting = apis[0].create_meeting(title, &ids).await.expect("meeting");
    Three {
        server,
        dir,
        url,
        apis,
        meeting: meeting.id.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_cli_users_meet_and_each_hears_the_other_two() {
    let names = ["ann", "bob", "cat"];
    let Three {
        server,
        dir,
        url,
        apis,
        meeting: id,
    } = three_in_a_meeting(names, "pipeline review").await;

    // A meeting that does not exist: one sentence, non-zero exit.
    let missing = finish(cli(
        &url,
        apis[0].token().expect("token"),
        &["join-meeting", "999", "--tone", "300", "--duration", "1"],
    ))
    .await;
    assert!(!missing.status.success());
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(said.contains("999"), "{said}");

    let tones = [400.0, 650.0, 1000.0];
    let d = dir.path();
    let mut children = Vec::new();
    for (n, api) in apis.iter().enumerate() {
        let wav = d.join(format!("{n}.wav"));
        let stats = d.join(format!("{n}.json"));
        children.push(cli(
            &url,
            api.token().expect("token"),
            &[
                "join-meeting",
                &id,
                "--tone",
                &tones[n].to_string(),
                "--record",
                wav.to_str().expect("path"),
                "--duration",
                "5",
                "--stats-json",
                stats.to_str().expect("path"),
            ],
        ));
    }
    let mut outputs = Vec::new();
    for child in children {
        outputs.push(finish(child).await);
    }
    for (n, out) in outputs.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{} failed:\n{stdout}\n{}",
            names[n],
            String::from_utf8_lossy(&out.stderr)
        );
        let stats: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(format!("{n}.json"))).expect("stats"))
                .expect("json");
        assert_eq!(
            stats["setup_ms"].as_object().map(|o| o.len()),
            Some(2),
            "{}: {stats}",
            names[n]
        );
    }
    // Everyone talks for 5 s; the first second or so is set-up.
    for (n, name) in names.iter().enumerate() {
        let wav = d.join(format!("{n}.wav"));
        for (m, hz) in tones.iter().enumerate() {
            let (share, frames) = heard(&wav, *hz, 1.5);
            assert!(frames >= 100, "{name}: only {frames} frames");
            if m == n {
                assert_eq!(share, 0.0, "{name} hears itself");
            } else {
                assert!(
                    share >= 0.8,
                    "{name} hears {hz} Hz in only {share:.2} of frames"
                );
            }
        }
    }
    server.shutdown().await.expect("shutdown");
}

/// `join-meeting --video`: each of three CLIs sends the pattern through one encoder and
/// decodes both others', as its `--stats-json` says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_cli_users_meet_with_video_and_each_sees_the_other_two() {
    let names = ["ann", "bob", "cat"];
    let Three {
        server,
        dir,
        url,
        apis,
        meeting: id,
    } = three_in_a_meeting(names, "demo").await;
    let d = dir.path();
    let mut children = Vec::new();
    for (n, api) in apis.iter().enumerate() {
        let stats = d.join(format!("{n}.json"));
        children.push(cli(
            &url,
            api.token().expect("token"),
            &[
                "join-meeting",
                &id,
                "--video",
                "pattern:320x240",
                "--tone",
                &(400 + 250 * n).to_string(),
                "--record",
                d.join(format!("{n}.wav")).to_str().expect("path"),
                "--duration",
                "5",
                "--stats-json",
                stats.to_str().expect("path"),
            ],
        ));
    }
    for (n, child) in children.into_iter().enumerate() {
        let out = finish(child).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{} failed:\n{stdout}\n{}",
            names[n],
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("Video from "), "{stdout}");
        let stats: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(format!("{n}.json"))).expect("stats"))
                .expect("json");
        eprintln!("{}: {stdout}\n{stats}", names[n]);
        let video = stats["video"].as_object().expect("video by member");
        let others: Vec<&str> = names.iter().copied().filter(|m| *m != names[n]).collect();
        assert_eq!(
            video.keys().map(String::as_str).collect::<Vec<_>>(),
            others,
            "{}: {stats}",
            names[n]
        );
        for (from, v) in video {
            // About 3 s of pictures after set-up, at 30 a second.
            let decoded = v["frames_decoded"].as_u64().unwrap_or(0);
            assert!(
                decoded >= 45,
                "{} decoded {decoded} of {from}'s: {v}",
                names[n]
            );
            assert_eq!(
                (v["width"].as_u64(), v["height"].as_u64()),
                (Some(320), Some(240))
            );
            assert_eq!(
                v["pattern_frames"], v["frames_decoded"],
                "all the pattern: {v}"
            );
        }
    }
    server.shutdown().await.expect("shutdown");
}
