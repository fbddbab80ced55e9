//! Calls in a room, through real sound devices: `tests/sound-check.sh` runs these inside
//! a PulseAudio server where bob's speakers (`spk`) feed back into his microphone (the
//! monitor of `mic`) through a delayed, attenuated loopback, while what bob says is
//! played into the same microphone. Ann sends and records WAV files (no devices); bob
//! uses the default devices, so his voice processing stage is what is under test.
//!
//! Speech, not tones: espeak-ng's voices (an echo canceller finds a tone too easy).

use crate::common::{backend, cli, finish, token, write_wav};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use switchboard_media::audio::to_call_rate;
use switchboard_media::tone::FRAME_SAMPLES;

/// The room: the echo comes back this much later ...
const ECHO_DELAY_MS: u32 = 80;
/// ... at this PulseAudio volume: volumes are cubic, so 79 % is about −6 dB.
const ECHO_VOLUME: &str = "79%";
/// How long each call talks, and how much of its start is left to the stage to settle.
const TALK_SECONDS: &str = "10";
const SETTLE_SECONDS: f64 = 4.0;
/// How soon a soft voice must be brought up.
const GAIN_WITHIN_SECONDS: f64 = 3.0;

const ANN_SAYS: &str = "Hello Bob, this is Ann from the accounts team. I am calling about \
    the renewal for ACME. They asked whether the discount still applies if they sign before \
    the end of the month. I told them I would check with you first. Also, the invoice for \
    last quarter went out twice, so please ignore the second one.";
const BOB_SAYS: &str = "Hi Ann. Yes, the discount applies until the thirtieth. I will send \
    you the new contact details after this call. The numbers look fine to me, but let us go \
    over them tomorrow morning. Does ten o'clock work for you?";

/// Speech from espeak-ng, at 48 kHz.
fn speak(voice: &str, text: &str, dir: &Path) -> Vec<i16> {
    let raw = dir.join(format!("{voice}.raw.wav"));
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("espeak-ng (apt install espeak-ng)");
    assert!(status.success(), "espeak-ng failed");
    let mut reader = hound::WavReader::open(&raw).expect("espeak's WAV");
    let rate = reader.spec().sample_rate;
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    to_call_rate(&samples, rate).expect("converted to 48 kHz")
}

fn power(frame: &[i16]) -> f64 {
    let sum: f64 = frame
        .iter()
        .map(|s| (f64::from(*s) / 32768.0).powi(2))
        .sum();
    sum / frame.len().max(1) as f64
}

fn dbfs(power: f64) -> f64 {
    10.0 * power.max(1e-12).log10()
}

/// Mean power of the frames that carry speech (within 30 dB of the loudest frame).
fn speech_power(samples: &[i16]) -> f64 {
    let frames: Vec<f64> = samples.chunks_exact(FRAME_SAMPLES).map(power).collect();
    let loudest = frames.iter().copied().fold(0.0, f64::max);
    let active: Vec<f64> = frames
        .into_iter()
        .filter(|p| *p > loudest / 1000.0)
        .collect();
    active.iter().sum::<f64>() / active.len().max(1) as f64
}

/// Scales `samples` so their speech is at `level` dBFS.
fn at_level(samples: &[i16], level: f64) -> Vec<i16> {
    let gain = (10f64.powf(level / 10.0) / speech_power(samples)).sqrt();
    samples
        .iter()
        .map(|s| (f64::from(*s) * gain).clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// The same recording over and over, for `seconds`.
fn repeated(samples: &[i16], seconds: usize) -> Vec<i16> {
    samples
        .iter()
        .copied()
        .cycle()
        .take(seconds * 48_000)
        .collect()
}

/// What ann recorded from `seconds` into the call on.
fn heard(path: &Path, seconds: f64) -> Vec<i16> {
    let mut reader = hound::WavReader::open(path).expect("ann's recording");
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    samples
        .get((seconds * 48_000.0) as usize..)
        .unwrap_or(&[])
        .to_vec()
}

/// The mean power of all of it.
fn level(samples: &[i16]) -> f64 {
    dbfs(power(samples))
}

/// Loudness of speech over the floor between words: the mean of the loudest 30 % of
/// frames over the mean of the quietest 15 %.
fn speech_to_floor_db(samples: &[i16]) -> f64 {
    let mut frames: Vec<f64> = samples.chunks_exact(FRAME_SAMPLES).map(power).collect();
    frames.sort_by(f64::total_cmp);
    let n = frames.len();
    let floor = frames[..n * 15 / 100].iter().sum::<f64>() / (n * 15 / 100).max(1) as f64;
    let speech = frames[n * 70 / 100..].iter().sum::<f64>() / (n - n * 70 / 100).max(1) as f64;
    dbfs((speech - floor).max(1e-12)) - dbfs(floor)
}

/// The loopback from bob's speakers into his microphone; unloaded when dropped.
struct Room(String);

impl Room {
    fn build() -> Room {
        let out = Command::new("pactl")
            .args([
                "load-module",
                "module-loopback",
                "source=spk.monitor",
                "sink=mic",
            ])
            .arg(format!("latency_msec={ECHO_DELAY_MS}"))
            .output()
            .expect("pactl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let module = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        // The loopback's stream, by its owner module, set to −6 dB.
        let list = Command::new("pactl")
            .args(["list", "sink-inputs"])
            .output()
            .expect("pactl");
        let list = String::from_utf8_lossy(&list.stdout);
        let mut input = None;
        let mut current = None;
        for line in list.lines() {
            if let Some(n) = line.strip_prefix("Sink Input #") {
                current = Some(n.trim().to_owned());
            } else if line.trim() == format!("Owner Module: {module}") {
                input = current.clone();
            }
        }
        let input = input.expect("the loopback's sink input");
        let status = Command::new("pactl")
            .args(["set-sink-input-volume", &input, ECHO_VOLUME])
            .status()
            .expect("pactl");
        assert!(status.success());
        Room(module)
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        let _ = Command::new("pactl")
            .args(["unload-module", &self.0])
            .status();
    }
}

/// Threads that keep the cores busy until dropped.
struct Busy(Arc<AtomicBool>, Vec<std::thread::JoinHandle<()>>);

impl Busy {
    fn start(threads: usize) -> Busy {
        let stop = Arc::new(AtomicBool::new(false));
        let spinners = (0..threads)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                    }
                })
            })
            .collect();
        Busy(stop, spinners)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
        for spinner in self.1.drain(..) {
            let _ = spinner.join();
        }
    }
}

/// Bob talking into his microphone until dropped.
struct Talking(Child);

impl Talking {
    fn play(wav: &Path) -> Talking {
        Talking(
            Command::new("paplay")
                .arg("--device=mic")
                .arg(wav)
                .spawn()
                .expect("paplay"),
        )
    }
}

impl Drop for Talking {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One call: ann sends `ann_plays` (or silence) and records; bob listens on the default
/// devices with `bob_flags`. Returns what ann heard from `skip_s` into the call on, and
/// bob's statistics.
async fn call(
    dir: &Path,
    tag: &str,
    ann_plays: Option<&Path>,
    bob_flags: &[&str],
    skip_s: f64,
) -> (Vec<i16>, serde_json::Value) {
    let (server, _data) = backend(&["ann", "bob"]).await;
    let url = server.url();
    let (ann, bob) = (token(&url, "ann").await, token(&url, "bob").await);
    let recording = dir.join(format!("{tag}.heard.wav"));
    let stats = dir.join(format!("{tag}.bob.json"));
    let mut listen = vec![
        "listen",
        "--auto-answer",
        "--duration",
        "20",
        "--stats-json",
        stats.to_str().expect("path"),
    ];
    listen.extend_from_slice(bob_flags);
    let listener = cli(&url, &bob, &listen);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut calling = vec![
        "call".to_owned(),
        "bob".into(),
        "--record".into(),
        recording.display().to_string(),
        "--duration".into(),
        TALK_SECONDS.into(),
    ];
    if let Some(wav) = ann_plays {
        calling.extend(["--play".into(), wav.display().to_string()]);
    }
    let calling: Vec<&str> = calling.iter().map(String::as_str).collect();
    let caller = cli(&url, &ann, &calling);
    let (caller, listener) = tokio::join!(finish(caller), finish(listener));
    for (who, out) in [("ann", &caller), ("bob", &listener)] {
        assert!(
            out.status.success(),
            "{tag}: {who} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    server.shutdown().await.expect("shutdown");
    // A short or empty recording would pass every "how quiet" check below.
    let talked = hound::WavReader::open(&recording)
        .expect("ann's recording")
        .duration();
    let talk_seconds: f64 = TALK_SECONDS.parse().expect("seconds");
    assert!(
        f64::from(talked) >= (talk_seconds - 1.0) * 48_000.0,
        "{tag}: ann recorded only {talked} samples"
    );
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats).expect("bob's statistics")).expect("json");
    eprintln!("{tag}: bob's voice stage: {}", stats["voice"]);
    (heard(&recording, skip_s), stats)
}

struct Voices {
    dir: tempfile::TempDir,
    ann: PathBuf,
    ann_level: f64,
    bob: Vec<i16>,
}

fn voices() -> Voices {
    let dir = tempfile::tempdir().expect("tempdir");
    let ann_speech = at_level(&speak("en-us", ANN_SAYS, dir.path()), -20.0);
    let ann = dir.path().join("ann.wav");
    write_wav(&ann, &ann_speech);
    let bob = at_level(&speak("en-gb+f3", BOB_SAYS, dir.path()), -24.0);
    Voices {
        ann_level: level(&ann_speech),
        ann,
        bob,
        dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
async fn ann_does_not_hear_herself_and_still_hears_bob_in_a_room() {
    let v = voices();
    let d = v.dir.path();
    let _room = Room::build();

    // Echo: bob is silent; what ann gets back is her own voice through his room.
    let (raw, _) = call(
        d,
        "echo-raw",
        Some(&v.ann),
        &["--raw-audio"],
        SETTLE_SECONDS,
    )
    .await;
    // On a busy machine, as desktops are: the canceller once lost its grip for seconds
    // when the call thread ran late (docs/audio.md), which only showed under load. One
    // core kept busy: with both of a 2-core machine's cores spinning, the canceller fails
    // on some machines and days whatever the build (2–11 dB on 2026-12-06, also at the
    // build that passed it on 12-04): an open defect, docs/audio.md.
    let busy = Busy::start(1);
    let (processed, stats) = call(d, "echo-processed", Some(&v.ann), &[], SETTLE_SECONDS).await;
    drop(busy);
    let (back_raw, back) = (v.ann_level - level(&raw), v.ann_level - level(&processed));
    eprintln!(
        "ann sent speech at {:.1} dBFS; it came back {back_raw:.1} dB down with raw audio, \
         {back:.1} dB down with processing",
        v.ann_level
    );
    assert!(
        back_raw <= 10.0,
        "the room's echo path is not real: only {back_raw:.1} dB down without processing"
    );
    // Raw is ~6 dB; processed, 50–70 dB, loaded or not (docs/audio.md).
    assert!(back >= 25.0, "ann hears herself only {back:.1} dB down");
    assert!(
        stats["voice"]["erle_db"].is_number() && stats["voice"]["reported_delay_ms"].is_number(),
        "bob's stage reports its figures: {}",
        stats["voice"]
    );

    // Double talk: bob talks while ann does, and alone; ann hears him about as well.
    let bob_wav = d.join("bob.wav");
    write_wav(&bob_wav, &repeated(&v.bob, 40));
    let (together, alone) = {
        let _bob = Talking::play(&bob_wav);
        let (together, _) = call(d, "double-talk", Some(&v.ann), &[], SETTLE_SECONDS).await;
        let (alone, _) = call(d, "single-talk", None, &[], SETTLE_SECONDS).await;
        (together, alone)
    };
    assert!(
        level(&alone) > -40.0,
        "ann hardly heard bob alone: {:.1} dBFS",
        level(&alone)
    );
    let change = level(&together) - level(&alone);
    eprintln!("bob's voice at ann: {change:+.1} dB during double talk");
    assert!(
        change.abs() <= 6.0,
        "double talk changed bob's voice at ann by {change:.1} dB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
async fn a_fan_is_quietened_and_a_soft_voice_brought_up() {
    let v = voices();
    let d = v.dir.path();

    // Noise: a fan (low-passed noise, steady) at 10 dB under bob's speech.
    let speech = repeated(&v.bob, 40);
    let (mut seed, mut low) = (12_345u32, 0.0f64);
    let fan: Vec<f64> = speech
        .iter()
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            low = 0.95 * low + 0.05 * ((seed >> 8) as f64 / f64::from(1u32 << 24) - 0.5);
            low
        })
        .collect();
    let fan_power = fan.iter().map(|n| n * n).sum::<f64>() / fan.len() as f64;
    let scale = (speech_power(&speech) / 10.0 / fan_power).sqrt() * 32768.0;
    let noisy: Vec<i16> = speech
        .iter()
        .zip(&fan)
        .map(|(s, n)| (f64::from(*s) + n * scale).clamp(-32768.0, 32767.0) as i16)
        .collect();
    let noisy_wav = d.join("noisy.wav");
    write_wav(&noisy_wav, &noisy);
    let (raw, processed) = {
        let _bob = Talking::play(&noisy_wav);
        let (raw, _) = call(d, "noise-raw", None, &["--raw-audio"], SETTLE_SECONDS).await;
        let (processed, _) = call(d, "noise-processed", None, &[], SETTLE_SECONDS).await;
        (raw, processed)
    };
    let (before, after) = (speech_to_floor_db(&raw), speech_to_floor_db(&processed));
    eprintln!("speech over the fan at ann: {before:.1} dB raw, {after:.1} dB processed");
    assert!(
        after - before >= 10.0,
        "noise suppression gained only {:.1} dB ({before:.1} → {after:.1})",
        after - before
    );

    // Gain: bob speaks softly, at −45 dBFS; within 3 s ann hears him at a normal level.
    let soft_wav = d.join("soft.wav");
    write_wav(&soft_wav, &repeated(&at_level(&v.bob, -45.0), 40));
    let heard = {
        let _bob = Talking::play(&soft_wav);
        call(d, "gain", None, &[], GAIN_WITHIN_SECONDS).await.0
    };
    // `heard` starts 3 s into the call; the level must already be right by then.
    let arrived = dbfs(speech_power(&heard));
    eprintln!("bob spoke at -45 dBFS; ann heard him at {arrived:.1} dBFS");
    assert!(
        (-26.0..=-16.0).contains(&arrived),
        "bob's soft voice arrived at {arrived:.1} dBFS"
    );
}
