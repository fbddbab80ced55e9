//! Compares the two candidates for the voice processing stage — `sonora` (pure Rust) and
//! `webrtc-audio-processing` (the C++ module, built from source) — on the same recordings
//! through the same simulated room, and prints one JSON line per candidate.
//!
//! Usage: `compare <far.wav> <near.wav>` (48 kHz mono speech; `run.sh` makes them with
//! espeak-ng). The room: the far end's voice leaves the speakers, comes back into the
//! microphone 80 ms later at −6 dB with a short reverberant tail; the near end's own
//! voice and a steady fan-like noise go into the same microphone.

// Built with no candidate (run.sh's size baseline), most of this is unused.
#![cfg_attr(not(any(feature = "sonora", feature = "webrtc-apm")), allow(dead_code))]

use std::time::{Duration, Instant};

const RATE: usize = 48_000;
const FRAME: usize = RATE / 100;

/// The processing stage under test, 10 ms at a time.
trait Stage {
    fn name(&self) -> &'static str;
    fn render(&mut self, frame: &mut [f32]);
    fn capture(&mut self, frame: &mut [f32]);
}

#[cfg(feature = "sonora")]
mod with_sonora {
    use sonora::config::{
        AdaptiveDigital, EchoCanceller, GainController2, HighPassFilter, NoiseSuppression,
    };
    use sonora::{AudioProcessing, Config, StreamConfig};

    pub struct Sonora(AudioProcessing);

    impl Sonora {
        pub fn new(echo: bool, noise: bool, gain: bool) -> Self {
            let config = Config {
                high_pass_filter: Some(HighPassFilter::default()),
                echo_canceller: echo.then(EchoCanceller::default),
                noise_suppression: noise.then(|| NoiseSuppression {
                    level: sonora::config::NoiseSuppressionLevel::High,
                    ..Default::default()
                }),
                gain_controller2: gain.then(|| GainController2 {
                    adaptive_digital: Some(AdaptiveDigital::default()),
                    ..Default::default()
                }),
                ..Default::default()
            };
            Sonora(
                AudioProcessing::builder()
                    .config(config)
                    .capture_config(StreamConfig::new(48_000, 1))
                    .render_config(StreamConfig::new(48_000, 1))
                    .build(),
            )
        }
    }

    impl super::Stage for Sonora {
        fn name(&self) -> &'static str {
            "sonora 0.2.0"
        }
        fn render(&mut self, frame: &mut [f32]) {
            let input = frame.to_vec();
            if let Err(e) = self.0.process_render_f32(&[&input], &mut [frame]) {
                eprintln!("render frame not processed: {e}");
            }
        }
        fn capture(&mut self, frame: &mut [f32]) {
            let input = frame.to_vec();
            if let Err(e) = self.0.process_capture_f32(&[&input], &mut [frame]) {
                eprintln!("capture frame not processed: {e}");
            }
        }
    }
}

#[cfg(feature = "webrtc-apm")]
mod with_webrtc {
    use webrtc_audio_processing::Processor;
    use webrtc_audio_processing::config::{
        AdaptiveDigital, Config, EchoCanceller, GainController, GainController2, HighPassFilter,
        NoiseSuppression,
    };

    pub struct WebrtcApm(Processor);

    impl WebrtcApm {
        pub fn new(echo: bool, noise: bool, gain: bool) -> Self {
            let processor = match Processor::new(48_000) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("cannot create the C++ module's processor: {e}");
                    std::process::exit(1);
                }
            };
            processor.set_config(Config {
                high_pass_filter: Some(HighPassFilter::default()),
                echo_canceller: echo.then(EchoCanceller::default),
                noise_suppression: noise.then(|| NoiseSuppression {
                    level: webrtc_audio_processing::config::NoiseSuppressionLevel::High,
                    ..Default::default()
                }),
                gain_controller: gain.then(|| {
                    GainController::GainController2(GainController2 {
                        adaptive_digital: Some(AdaptiveDigital::default()),
                        ..Default::default()
                    })
                }),
                ..Default::default()
            });
            WebrtcApm(processor)
        }
    }

    impl super::Stage for WebrtcApm {
        fn name(&self) -> &'static str {
            "webrtc-audio-processing 2.1.0 (bundled)"
        }
        fn render(&mut self, frame: &mut [f32]) {
            if let Err(e) = self.0.process_render_frame([frame]) {
                eprintln!("render frame not processed: {e}");
            }
        }
        fn capture(&mut self, frame: &mut [f32]) {
            if let Err(e) = self.0.process_capture_frame([frame]) {
                eprintln!("capture frame not processed: {e}");
            }
        }
    }
}

/// A 48 kHz WAV file's samples, or what is wrong with it.
fn read_wav(path: &str) -> Result<Vec<f32>, String> {
    let mut reader = hound::WavReader::open(path).map_err(|e| format!("{path}: {e}"))?;
    if reader.spec().sample_rate as usize != RATE {
        return Err(format!("{path}: use a 48 kHz WAV file (run.sh makes them)"));
    }
    reader
        .samples::<i16>()
        .map(|s| s.map(|v| f32::from(v) / 32768.0))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{path}: {e}"))
}

/// Scales `signal` so its active (non-silent) frames have RMS `dbfs`.
fn set_level(signal: &mut [f32], dbfs: f64) {
    let active: Vec<f64> = signal
        .chunks(FRAME)
        .map(power)
        .filter(|p| *p > 1e-6)
        .collect();
    let mean = active.iter().sum::<f64>() / active.len().max(1) as f64;
    let gain = (10f64.powf(dbfs / 10.0) / mean.max(1e-12)).sqrt() as f32;
    signal.iter_mut().for_each(|s| *s *= gain);
}

fn power(frame: &[f32]) -> f64 {
    frame.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / frame.len().max(1) as f64
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.max(1e-20).log10()
}

/// The room's echo path: 80 ms, −6 dB, and a 120 ms exponentially decaying tail.
fn room(far: &[f32]) -> Vec<f32> {
    let delay = RATE * 80 / 1000;
    let mut taps = vec![(0usize, 0.5f32)];
    let mut seed = 12345u32;
    for i in 1..40 {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let jitter = (seed >> 16) as usize % 100;
        let at = i * 144 + jitter; // every ~3 ms for 120 ms
        let sign = if seed & 1 == 0 { 1.0 } else { -1.0 };
        taps.push((at, sign * 0.2 * (-(at as f32) / (RATE as f32 * 0.04)).exp()));
    }
    let mut out = vec![0.0; far.len()];
    for (n, s) in far.iter().enumerate() {
        for (at, g) in &taps {
            if let Some(o) = out.get_mut(n + delay + at) {
                *o += s * g;
            }
        }
    }
    out
}

/// Brown-ish noise (a fan): white noise through a one-pole low-pass.
fn fan_noise(len: usize) -> Vec<f32> {
    let (mut seed, mut state) = (987_654_321u32, 0.0f32);
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let white = (seed >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            state = 0.97 * state + 0.03 * white;
            state
        })
        .collect()
}

/// Runs the stage over the whole signal; returns the output and the CPU time per frame.
fn run(stage: &mut dyn Stage, far: &[f32], mic: &[f32]) -> (Vec<f32>, Duration) {
    let mut out = Vec::with_capacity(mic.len());
    let started = Instant::now();
    let frames = mic.len() / FRAME;
    for i in 0..frames {
        let mut render = far[i * FRAME..(i + 1) * FRAME].to_vec();
        stage.render(&mut render);
        let mut capture = mic[i * FRAME..(i + 1) * FRAME].to_vec();
        stage.capture(&mut capture);
        out.extend(capture);
    }
    (out, started.elapsed() / frames.max(1) as u32)
}

/// Mean power of `signal` over the frames where `mask` holds, from `from` seconds on.
fn power_where(signal: &[f32], mask: &[bool], from_s: usize) -> f64 {
    let skip = from_s * 100;
    let chosen: Vec<f64> = signal
        .chunks(FRAME)
        .zip(mask)
        .skip(skip)
        .filter(|(_, m)| **m)
        .map(|(f, _)| power(f))
        .collect();
    chosen.iter().sum::<f64>() / chosen.len().max(1) as f64
}

fn activity(signal: &[f32]) -> Vec<bool> {
    signal.chunks(FRAME).map(|f| db(power(f)) > -45.0).collect()
}

fn evaluate(make: &dyn Fn(bool, bool, bool) -> Box<dyn Stage>, far: &[f32], near: &[f32]) {
    let len = far.len().min(near.len());
    let (far, near) = (&far[..len], &near[..len]);
    let silent = vec![0.0; len];
    let echo = room(far);
    let far_active = activity(far);
    let near_active = activity(near);
    let far_only: Vec<bool> = far_active
        .iter()
        .zip(&near_active)
        .map(|(f, n)| *f && !*n)
        .collect();
    let both: Vec<bool> = far_active
        .iter()
        .zip(&near_active)
        .map(|(f, n)| *f && *n)
        .collect();

    // Echo: only the far end talks; what is left of its echo (after 3 s to converge).
    let (out, _) = run(&mut *make(true, false, false), far, &echo);
    let erle = db(power_where(&echo, &far_only, 3) / power_where(&out, &far_only, 3));
    let sent = db(power_where(far, &far_only, 3));
    let returned = db(power_where(&out, &far_only, 3));

    // Double talk: the near end's speech through the canceller, with and without the
    // echo on top, measured where both talk.
    let mic: Vec<f32> = echo.iter().zip(near).map(|(e, n)| e + n).collect();
    let (double, _) = run(&mut *make(true, false, false), far, &mic);
    let (single, _) = run(&mut *make(true, false, false), &silent, near);
    let double_talk_db = db(power_where(&double, &both, 3) / power_where(&single, &both, 3));

    // Noise: the near end at 10 dB SNR over fan noise.
    let mut noise = fan_noise(len);
    let speech_power = power_where(near, &near_active, 0);
    let noise_power = power(&noise);
    let g = (speech_power / noise_power / 10.0).sqrt() as f32;
    noise.iter_mut().for_each(|s| *s *= g);
    let noisy: Vec<f32> = near.iter().zip(&noise).map(|(s, n)| s + n).collect();
    let (cleaned, _) = run(&mut *make(false, true, false), &silent, &noisy);
    let quiet: Vec<bool> = near_active.iter().map(|a| !a).collect();
    let snr = |x: &[f32]| {
        let n = power_where(x, &quiet, 2);
        let s = power_where(x, &near_active, 2);
        db((s - n).max(1e-12) / n)
    };
    let (snr_in, snr_out) = (snr(&noisy), snr(&cleaned));

    // Gain: the near end at −45 dBFS; its level after 3 s.
    let mut soft = near.to_vec();
    set_level(&mut soft, -45.0);
    let (raised, _) = run(&mut *make(false, false, true), &silent, &soft);
    let level_after_3s = db(power_where(&raised, &near_active, 3));

    // CPU: everything on, double talk with noise.
    let busy: Vec<f32> = mic.iter().zip(&noise).map(|(m, n)| m + n).collect();
    let (_, per_frame) = run(&mut *make(true, true, true), far, &busy);

    let stage = make(true, true, true);
    println!(
        "{{\"candidate\":\"{}\",\"erle_db\":{erle:.1},\"echo_returned_below_sent_db\":{:.1},\"double_talk_near_change_db\":{double_talk_db:.1},\"snr_in_db\":{snr_in:.1},\"snr_out_db\":{snr_out:.1},\"gain_level_after_3s_dbfs\":{level_after_3s:.1},\"cpu_us_per_10ms_frame\":{:.1}}}",
        stage.name(),
        sent - returned,
        per_frame.as_secs_f64() * 1e6,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, far, near] = &args[..] else {
        eprintln!("usage: compare <far.wav> <near.wav> (48 kHz mono)");
        std::process::exit(2);
    };
    let (mut far, mut near) = match (read_wav(far), read_wav(near)) {
        (Ok(far), Ok(near)) => (far, near),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    set_level(&mut far, -20.0);
    set_level(&mut near, -26.0);
    #[cfg(feature = "sonora")]
    evaluate(
        &|e, n, g| Box::new(with_sonora::Sonora::new(e, n, g)),
        &far,
        &near,
    );
    #[cfg(feature = "webrtc-apm")]
    evaluate(
        &|e, n, g| Box::new(with_webrtc::WebrtcApm::new(e, n, g)),
        &far,
        &near,
    );
    let _ = (&far, &near);
}
