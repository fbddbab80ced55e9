//! Calls through real sound devices: `tests/sound-check.sh` runs these inside a PulseAudio
//! server whose default microphone carries a tone and whose default speakers are
//! recorded, so a call made without --tone/--play can be heard both ways.

use crate::common::{backend, cli, finish, recorded_frames, token, write_wav};
use std::process::{Command, Stdio};
use std::time::Duration;
use switchboard_media::devices::{DeviceError, DeviceHandle, open_microphone, open_speakers};
use switchboard_media::devices::{open_preferred_microphone, open_preferred_speakers};
use switchboard_media::tone::{FRAME_SAMPLES, ToneGenerator, has_tone};

const MIC_TONE: f64 = 700.0;
const CALLER_TONE: f64 = 440.0;

/// A 48 kHz mono WAV of `seconds` of `hz`.
fn tone_wav(path: &std::path::Path, hz: f64, seconds: usize) {
    let mut samples = vec![0i16; seconds * 48_000];
    ToneGenerator::new(hz, 0.3).fill(&mut samples);
    write_wav(path, &samples);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
async fn a_call_with_the_default_devices_is_heard_both_ways() {
    call_with_the_default_devices(0).await;
}

/// The callee's process freezes four times for 150 ms mid-call (a busy machine, a
/// swapped-out page), so its sound streams under- and overrun and the sound server
/// reports errors. The call must keep playing: before, each error reopened the device
/// after half a second, failures queued for replaced streams ended their successors, and
/// the speakers could stay silent for the whole call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
async fn a_call_is_still_heard_when_the_callee_stalls() {
    call_with_the_default_devices(4).await;
}

/// A process stopped with SIGSTOP until this is dropped: also when the test fails while
/// it is stopped, so no frozen process outlives the test.
struct Stopped<'a>(&'a str);

impl<'a> Stopped<'a> {
    fn new(pid: &'a str) -> Self {
        let _ = Command::new("kill").args(["-STOP", pid]).status();
        Stopped(pid)
    }
}

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-CONT", self.0]).status();
    }
}

/// Ann (tone, recorded) calls bob (the default devices), whose process is stopped
/// `stalls` times mid-call; each side must hear the other for most of the call.
async fn call_with_the_default_devices(stalls: usize) {
    let (server, dir) = backend(&["ann", "bob"]).await;
    let url = server.url();
    let d = dir.path();
    let mic_wav = d.join("mic.wav");
    tone_wav(&mic_wav, MIC_TONE, 30);
    // What bob says: the tone, played into the sink whose monitor is his microphone.
    let mut talking = Command::new("paplay")
        .args(["--device=mic"])
        .arg(&mic_wav)
        .spawn()
        .expect("paplay");
    // What bob's speakers play.
    let speakers_raw = d.join("speakers.raw");
    let mut listening = Command::new("parecord")
        .args([
            "--device=spk.monitor",
            // Small fragments: the default lets the server hold seconds of audio.
            "--latency-msec=100",
            "--raw",
            "--format=s16le",
            "--rate=48000",
            "--channels=1",
        ])
        .arg(&speakers_raw)
        .stdout(Stdio::null())
        .spawn()
        .expect("parecord");

    let (ann, bob) = (token(&url, "ann").await, token(&url, "bob").await);
    let ann_wav = d.join("ann.wav");
    // While a steady tone plays on the speakers, the echo canceller holds down a steady
    // tone in the microphone (it cannot tell one from the echo of the other; speech is
    // what it is for, and the room tests check it with speech). The rest of the voice
    // processing stays on, so it runs through the stalls too.
    let listener = cli(
        &url,
        &bob,
        &[
            "listen",
            "--auto-answer",
            "--duration",
            "20",
            "--no-echo-cancel",
        ],
    );
    let bob_pid = listener.id().to_string();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let stalling = tokio::spawn(async move {
        // Into the call's talking time (it lasts 5 s from the answer).
        tokio::time::sleep(Duration::from_millis(2500)).await;
        for _ in 0..stalls {
            let stopped = Stopped::new(&bob_pid);
            tokio::time::sleep(Duration::from_millis(150)).await;
            drop(stopped);
            tokio::time::sleep(Duration::from_millis(350)).await;
        }
    });
    let caller = cli(
        &url,
        &ann,
        &[
            "call",
            "bob",
            "--tone",
            &CALLER_TONE.to_string(),
            "--record",
            ann_wav.to_str().expect("path"),
            "--duration",
            "5",
        ],
    );
    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    let _ = stalling.await;
    let _ = talking.kill();
    // SIGINT, not SIGKILL: parecord then writes out what it still holds.
    let _ = Command::new("kill")
        .args(["-INT", &listening.id().to_string()])
        .status();
    let _ = (talking.wait(), listening.wait());
    for (who, out) in [("ann", &caller), ("bob", &listener)] {
        assert!(
            out.status.success(),
            "{who} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let said = String::from_utf8_lossy(&listener.stdout);
    assert!(
        said.contains("Microphone:") && said.contains("Speakers:"),
        "{said}"
    );

    // Ann hears bob's microphone.
    let frames = recorded_frames(&ann_wav, 1.0);
    let heard = frames.iter().filter(|f| has_tone(f, MIC_TONE)).count();
    assert!(
        frames.len() >= 150 && heard * 10 >= frames.len() * 8,
        "ann heard bob's microphone in {heard} of {} frames; bob's log:\n{}",
        frames.len(),
        String::from_utf8_lossy(&listener.stderr)
    );
    // Bob's speakers played ann's tone for most of the call.
    let bytes = std::fs::read(&speakers_raw).expect("speakers recording");
    let samples: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let played = samples
        .chunks_exact(FRAME_SAMPLES)
        .filter(|f| has_tone(f, CALLER_TONE))
        .count();
    let loudest = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    assert!(
        played >= 150,
        "bob's speakers played ann's tone in only {played} of {} frames, loudest sample {loudest}, bob said:\n{said}\nbob's log:\n{}",
        samples.len() / FRAME_SAMPLES,
        String::from_utf8_lossy(&listener.stderr)
    );
    server.shutdown().await.expect("shutdown");
}

#[test]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
fn devices_are_chosen_by_name_and_switched_in_place() {
    let list = switchboard_media::devices::list_devices();
    assert!(
        !list.inputs.is_empty() && !list.outputs.is_empty(),
        "{list:?}"
    );
    match open_speakers(Some("no such speakers"), None) {
        Err(DeviceError::NotFound { available, .. }) => {
            assert!(available.contains(&list.outputs[0]), "{available}")
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("opened a device that does not exist"),
    }
    let (mic, _source) = open_microphone(None, None).expect("default microphone");
    let default = mic.current();
    let other = list
        .inputs
        .iter()
        // Over PulseAudio's protocol the other null sink's monitor; through ALSA, the
        // pulse plugin's entry (not another plugin that may not open).
        .find(|n| **n != default && (n.contains("Monitor of") || n.contains("PulseAudio")))
        .cloned()
        .expect("another input by name");
    mic.switch_to(Some(other.clone()));
    until_on(&mic, &other);
}

/// A device saved in the settings that is not plugged in (a headset left at home) must
/// not stop a call: the default plays until it is there. A name typed in still fails.
#[test]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
fn a_saved_device_that_is_not_plugged_in_gives_way_to_the_default() {
    let list = switchboard_media::devices::list_devices();
    let (speakers, _sink) = open_preferred_speakers(Some("Headset left at home"), None)
        .expect("the default speakers instead");
    let (mic, _source) = open_preferred_microphone(Some("Headset left at home"), None)
        .expect("the default microphone instead");
    for (device, default) in [
        (&speakers, &list.default_output),
        (&mic, &list.default_input),
    ] {
        let default = default.clone().expect("a default device");
        until_on(device, &default);
    }
    assert!(matches!(
        open_microphone(Some("Headset left at home"), None),
        Err(DeviceError::NotFound { .. })
    ));
}

/// Waits up to 5 s for `device` to be on `name`.
fn until_on(device: &DeviceHandle, name: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while device.current() != name {
        assert!(
            std::time::Instant::now() < deadline,
            "on {}, not {name}",
            device.current()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
