//! A headset pulled out mid-call and plugged in again, through real sound devices:
//! `tests/sound-check.sh` runs this in a PulseAudio server with a null sink `headset`,
//! offered to ALSA as "Switchboard test headset" by a user-level ALSA configuration,
//! beside the default speakers `spk`. Unplugging is what a USB headset does to a desktop:
//! its sink leaves the sound server and its entry leaves ALSA's device list. Where bob's
//! call plays is read from the sound server (the sink his stream is connected to).

#[path = "../../../tests/support/pulse.rs"]
mod pulse;

use crate::common::{backend, cli, finish, token};
use pulse::{pactl_list, sinks_playing};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const HEADSET: &str = "Switchboard test headset";

/// How long until bob's speakers play to `sink` alone, if within `limit`.
async fn until_playing_on(sink: &str, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if sinks_playing() == [sink] {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// The headset as the sound server and ALSA know it; plugged in again when dropped, so
/// a failed test leaves the server as it found it.
struct Headset {
    alsa_config: PathBuf,
    alsa_entry: String,
    module: Option<String>,
}

impl Headset {
    fn find() -> Headset {
        let config = std::env::var_os("XDG_CONFIG_HOME").expect("XDG_CONFIG_HOME (sound-check.sh)");
        let alsa_config = PathBuf::from(config).join("alsa/asoundrc");
        let alsa_entry = std::fs::read_to_string(&alsa_config).expect("the headset's ALSA entry");
        let module = pactl_list("modules")
            .into_iter()
            .find(|m| {
                m.get(2)
                    .is_some_and(|args| args.contains("sink_name=headset"))
            })
            .and_then(|m| m.first().cloned())
            .expect("the headset's null sink");
        Headset {
            alsa_config,
            alsa_entry,
            module: Some(module),
        }
    }

    fn unplug(&mut self) {
        if let Some(module) = self.module.take() {
            let status = Command::new("pactl")
                .args(["unload-module", &module])
                .status()
                .expect("pactl");
            assert!(status.success());
        }
        write_whole(&self.alsa_config, "");
    }

    fn plug_in(&mut self) {
        if self.module.is_none() {
            let out = Command::new("pactl")
                .args(["load-module", "module-null-sink", "sink_name=headset"])
                .output()
                .expect("pactl");
            assert!(out.status.success());
            self.module = Some(String::from_utf8_lossy(&out.stdout).trim().to_owned());
        }
        write_whole(&self.alsa_config, &self.alsa_entry);
    }
}

/// Replaces the ALSA configuration in one step (a new file renamed over it): a device
/// list read between a truncate and a write would see the headset gone for a moment,
/// which no real unplug does.
fn write_whole(path: &std::path::Path, text: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, text).expect("ALSA config");
    std::fs::rename(&next, path).expect("ALSA config");
}

impl Drop for Headset {
    fn drop(&mut self) {
        self.plug_in();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
async fn a_call_moves_off_an_unplugged_headset_and_back_when_it_returns() {
    let mut headset = Headset::find();
    let (server, dir) = backend(&["ann", "bob"]).await;
    let url = server.url();
    let stats_path = dir.path().join("bob.json");
    let (ann, bob) = (token(&url, "ann").await, token(&url, "bob").await);
    let listener = cli(
        &url,
        &bob,
        &[
            "listen",
            "--auto-answer",
            "--duration",
            "20",
            "--output-device",
            HEADSET,
            "--stats-json",
            stats_path.to_str().expect("path"),
        ],
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let record = dir.path().join("ann.wav");
    let caller = cli(
        &url,
        &ann,
        &[
            "call",
            "bob",
            "--tone",
            "440",
            "--record",
            record.to_str().expect("path"),
            "--duration",
            "10",
        ],
    );
    let on_headset = until_playing_on("headset", Duration::from_secs(10)).await;

    // Pulled out: the call plays on the default speakers at once.
    headset.unplug();
    let to_default = until_playing_on("spk", Duration::from_secs(1)).await;
    // And stays there while the headset is out.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let while_out = sinks_playing();

    // Plugged in again: the call goes back to it, as it was the user's choice.
    headset.plug_in();
    let back = until_playing_on("headset", Duration::from_secs(3)).await;

    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    let said = String::from_utf8_lossy(&listener.stdout);
    let logged = String::from_utf8_lossy(&listener.stderr);
    for (who, out) in [("ann", &caller), ("bob", &listener)] {
        assert!(
            out.status.success(),
            "{who} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!(
        "on the headset after {on_headset:?}; unplugged → default speakers in {to_default:?}; \
         plugged in → headset in {back:?}"
    );
    assert!(on_headset.is_some(), "the call never played on the headset");
    assert!(
        to_default.is_some(),
        "still not on the default 1 s after the unplug: {:?}",
        sinks_playing()
    );
    assert_eq!(while_out, ["spk"], "while the headset was out");
    assert!(
        back.is_some(),
        "not back on the headset 3 s after it returned: {said}"
    );
    // Bob is told both moves, in words and in his statistics.
    assert!(
        said.contains(&format!("Speakers: {HEADSET} is gone"))
            && said.contains(&format!("Speakers: {HEADSET} is back")),
        "bob was not told: {said}"
    );
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats_path).expect("bob's statistics"))
            .expect("json");
    let moves: Vec<(String, String)> = stats["device_switches"]
        .as_array()
        .expect("device_switches")
        .iter()
        .map(|s| {
            (
                s["reason"].as_str().unwrap_or("").into(),
                s["to"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        moves.len(),
        2,
        "{moves:?}\nbob said:\n{said}\nbob logged:\n{logged}"
    );
    assert_eq!(moves[0].0, "gone");
    assert_eq!(moves[1], ("back".to_owned(), HEADSET.to_owned()));
    server.shutdown().await.expect("shutdown");
}
