//! The voice processing stage between the microphone and the encoder: echo cancellation,
//! noise suppression, automatic gain control and a high-pass filter — WebRTC's audio
//! processing module (AEC3, NS, AGC2), through `sonora`, its pure-Rust port. Pure: frames
//! in, frames out, no devices; `devices` feeds it from the microphone and the speakers.
//!
//! Why `sonora` and not the C++ module's wrapper (`webrtc-audio-processing`): both were
//! run on the same recordings (docs/audio.md); the wrapper's bundled build needs meson ≥ 1.1
//! and abseil 20240722, which Debian 12 does not have, so it downloads them at build time —
//! which our builds may not do — and the port builds with cargo alone.

use sonora::config::{
    AdaptiveDigital, EchoCanceller, GainController2, HighPassFilter, NoiseSuppression,
    NoiseSuppressionLevel, TransparentModeType,
};
use sonora::{AudioProcessing, Config, StreamConfig};

use crate::tone::SAMPLE_RATE;

/// Samples in the module's 10 ms frame at 48 kHz.
pub const PROCESSING_FRAME: usize = SAMPLE_RATE as usize / 100;

/// Which parts of the stage run. Each is on by default; all off is "raw audio", for
/// people who play music into a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoiceSettings {
    /// Removes what the speakers play from what the microphone hears.
    pub echo_cancel: bool,
    /// Removes steady background noise (fans, hum, traffic).
    pub noise_suppression: bool,
    /// Brings a quiet or loud voice to a steady level.
    pub auto_gain: bool,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            echo_cancel: true,
            noise_suppression: true,
            auto_gain: true,
        }
    }
}

impl VoiceSettings {
    /// Everything off: the microphone as it is.
    pub const RAW: VoiceSettings = VoiceSettings {
        echo_cancel: false,
        noise_suppression: false,
        auto_gain: false,
    };

    pub fn is_raw(&self) -> bool {
        *self == VoiceSettings::RAW
    }

    /// The module's configuration. The high-pass filter (it removes rumble and DC, which
    /// every other part works better without) runs unless the audio is raw.
    fn config(&self) -> Config {
        Config {
            high_pass_filter: (!self.is_raw()).then(HighPassFilter::default),
            // The HMM detector of "no echo here" (a headset, or a microphone that does not
            // hear the speakers). With the counter-based default, such a user's voice was
            // cut to nothing while the far end spoke, for 4–7 s after it started and again
            // now and then; the HMM let it through after 2 s in the same meeting of CLIs
            // (docs/audio.md). Echo through a room is removed as well (room test: 68, 72 dB).
            echo_canceller: self.echo_cancel.then(|| EchoCanceller {
                transparent_mode: TransparentModeType::Hmm,
                ..EchoCanceller::default()
            }),
            // High, as Chromium sets it for calls: in the room test (docs/audio.md) it
            // took 17 dB off a fan where Moderate took 11.
            noise_suppression: self.noise_suppression.then(|| NoiseSuppression {
                level: NoiseSuppressionLevel::High,
                ..NoiseSuppression::default()
            }),
            gain_controller2: self.auto_gain.then(|| GainController2 {
                adaptive_digital: Some(AdaptiveDigital::default()),
                ..GainController2::default()
            }),
            ..Config::default()
        }
    }
}

/// What the stage reports about itself, for logs, statistics and the UI.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoiceStats {
    pub settings: VoiceSettings,
    /// Render→capture delay reported to the echo canceller (device latencies plus what
    /// waits in the buffers), ms.
    pub reported_delay_ms: Option<i32>,
    /// The echo canceller's own estimate of that delay, ms.
    pub estimated_delay_ms: Option<i32>,
    /// Echo return loss enhancement: how much the canceller took off the echo, dB.
    pub erle_db: Option<f64>,
}

/// One processing stage for one microphone, with what the speakers play as its echo
/// reference. Feed it [`render`](Self::render) before each [`capture`](Self::capture).
pub struct VoiceProcessor {
    apm: AudioProcessing,
    settings: VoiceSettings,
    reported_delay_ms: Option<i32>,
    scratch: Vec<i16>,
}

impl VoiceProcessor {
    pub fn new(settings: VoiceSettings) -> VoiceProcessor {
        let mono = StreamConfig::new(SAMPLE_RATE, 1);
        VoiceProcessor {
            apm: AudioProcessing::builder()
                .config(settings.config())
                .capture_config(mono)
                .render_config(mono)
                .build(),
            settings,
            reported_delay_ms: None,
            scratch: vec![0; PROCESSING_FRAME],
        }
    }

    pub fn settings(&self) -> VoiceSettings {
        self.settings
    }

    /// Switches parts on or off. The module starts its parts afresh when one changes, so
    /// the echo canceller relearns the room (a second or two).
    pub fn apply(&mut self, settings: VoiceSettings) {
        if settings != self.settings {
            self.apm.apply_config(settings.config());
            self.settings = settings;
        }
    }

    /// The render→capture delay: how long after being given to [`render`](Self::render)
    /// a sound's echo reaches [`capture`](Self::capture).
    pub fn set_delay_ms(&mut self, delay_ms: i32) {
        // Out of range is clamped to 0..=500 ms, which is what we want.
        let _ = self.apm.set_stream_delay_ms(delay_ms);
        self.reported_delay_ms = Some(delay_ms.clamp(0, 500));
    }

    /// Audio that reached the speakers (48 kHz mono, whole 10 ms frames; a partial frame
    /// at the end is ignored).
    pub fn render(&mut self, played: &[i16]) {
        if !self.settings.echo_cancel {
            return;
        }
        for frame in played.chunks_exact(PROCESSING_FRAME) {
            if let Err(e) = self.apm.process_render_i16(frame, &mut self.scratch) {
                tracing::debug!(error = %e, "echo reference frame not analysed");
            }
        }
    }

    /// Processes microphone audio in place (48 kHz mono, whole 10 ms frames).
    pub fn capture(&mut self, heard: &mut [i16]) {
        if self.settings.is_raw() {
            return;
        }
        for frame in heard.chunks_exact_mut(PROCESSING_FRAME) {
            self.scratch.copy_from_slice(frame);
            if let Err(e) = self.apm.process_capture_i16(&self.scratch, frame) {
                // The frame keeps what was captured: unprocessed sound beats silence.
                tracing::debug!(error = %e, "microphone frame not processed");
            }
        }
    }

    pub fn stats(&self) -> VoiceStats {
        let stats = self.apm.statistics();
        let echo = self.settings.echo_cancel;
        VoiceStats {
            settings: self.settings,
            reported_delay_ms: self.reported_delay_ms.filter(|_| echo),
            estimated_delay_ms: stats.delay_ms.filter(|_| echo),
            erle_db: stats.echo_return_loss_enhancement.filter(|_| echo),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::rms;

    /// A speech-like signal, deterministic: a 120–220 Hz voice with harmonics shaped by
    /// two moving formants, in syllables of ~200 ms with pauses between words.
    fn speech_like(seconds: f64, seed: u64) -> Vec<i16> {
        let n = (seconds * f64::from(SAMPLE_RATE)) as usize;
        let rate = f64::from(SAMPLE_RATE);
        let mut phase = 0.0f64;
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let syllables: Vec<(f64, f64, f64)> = (0..(seconds * 5.0) as usize + 1)
            .map(|_| (next(), next(), next()))
            .collect();
        (0..n)
            .map(|i| {
                let t = i as f64 / rate;
                let syllable = (t * 5.0) as usize;
                let (pitch, formant, pause) = syllables[syllable];
                // One syllable in four is a pause between words.
                if pause < 0.25 {
                    return 0;
                }
                let within = t * 5.0 - syllable as f64;
                let envelope = (std::f64::consts::PI * within).sin().powi(2);
                let f0 = 120.0 + 100.0 * pitch;
                phase += f0 / rate;
                let (f1, f2) = (300.0 + 500.0 * formant, 1200.0 + 1200.0 * formant);
                let mut v = 0.0;
                for h in 1..30 {
                    let f = f0 * f64::from(h);
                    let gain = (-((f - f1) / 150.0).powi(2)).exp()
                        + 0.5 * (-((f - f2) / 250.0).powi(2)).exp();
                    v += gain * (std::f64::consts::TAU * phase * f64::from(h)).sin();
                }
                (v * envelope * 6000.0).clamp(-32000.0, 32000.0) as i16
            })
            .collect()
    }

    /// The echo path of a room: 60 ms, −6 dB.
    fn echo_of(far: &[i16]) -> Vec<i16> {
        let delay = SAMPLE_RATE as usize * 60 / 1000;
        (0..far.len())
            .map(|i| if i >= delay { far[i - delay] / 2 } else { 0 })
            .collect()
    }

    fn power(samples: &[i16]) -> f64 {
        rms(samples).powi(2).max(1e-12)
    }

    fn db(ratio: f64) -> f64 {
        10.0 * ratio.log10()
    }

    /// Runs the stage over `mic` with `far` as the reference, 20 ms at a time as a call does.
    fn process(settings: VoiceSettings, far: &[i16], mic: &[i16]) -> Vec<i16> {
        let mut stage = VoiceProcessor::new(settings);
        stage.set_delay_ms(60);
        let mut out = Vec::with_capacity(mic.len());
        for (far, mic) in far.chunks_exact(960).zip(mic.chunks_exact(960)) {
            stage.render(far);
            let mut frame = mic.to_vec();
            stage.capture(&mut frame);
            out.extend(frame);
        }
        out
    }

    #[test]
    fn the_echo_of_the_far_end_is_removed() {
        let far = speech_like(8.0, 1);
        let mic = echo_of(&far);
        let out = process(VoiceSettings::default(), &far, &mic);
        // After 3 s to converge.
        let from = 3 * SAMPLE_RATE as usize;
        let removed = db(power(&mic[from..]) / power(&out[from..]));
        assert!(removed >= 25.0, "echo only {removed:.1} dB down");
        // Raw audio passes untouched.
        assert_eq!(process(VoiceSettings::RAW, &far, &mic), mic);
    }

    #[test]
    fn the_near_voice_survives_double_talk() {
        let far = speech_like(8.0, 2);
        let near: Vec<i16> = speech_like(8.0, 3).iter().map(|s| s / 2).collect();
        let mic: Vec<i16> = echo_of(&far)
            .iter()
            .zip(&near)
            .map(|(e, n)| e.saturating_add(*n))
            .collect();
        let echo_only = VoiceSettings {
            echo_cancel: true,
            ..VoiceSettings::RAW
        };
        let alone = process(echo_only, &vec![0; far.len()], &near);
        let together = process(echo_only, &far, &mic);
        let from = 3 * SAMPLE_RATE as usize;
        let change = db(power(&together[from..]) / power(&alone[from..]));
        assert!(change.abs() <= 6.0, "near voice changed {change:.1} dB");
    }

    /// A headset: the far end talks, the microphone never hears it. Once the canceller
    /// has found there is no echo, the near voice passes as if it were off. The default
    /// detector still cut it by 4–16 dB in some half seconds past 6 s.
    #[test]
    fn a_voice_with_no_echo_is_left_alone_once_the_canceller_sees_there_is_none() {
        let far = speech_like(10.0, 2);
        let near: Vec<i16> = speech_like(10.0, 3).iter().map(|s| s / 2).collect();
        let echo_off = VoiceSettings {
            echo_cancel: false,
            ..VoiceSettings::default()
        };
        let alone = process(echo_off, &far, &near);
        let with_far_end = process(VoiceSettings::default(), &far, &near);
        let half_second = SAMPLE_RATE as usize / 2;
        for k in 12..20 {
            let span = k * half_second..(k + 1) * half_second;
            let change = db(power(&with_far_end[span.clone()]) / power(&alone[span]));
            assert!(
                change.abs() <= 3.0,
                "the near voice changed {change:.1} dB at {:.1} s",
                k as f64 / 2.0
            );
        }
    }

    #[test]
    fn steady_noise_is_suppressed_and_a_quiet_voice_raised() {
        let voice: Vec<i16> = speech_like(8.0, 4).iter().map(|s| s / 8).collect();
        let mut seed = 7u32;
        let (mut low, mut noise) = (0.0f64, Vec::with_capacity(voice.len()));
        for _ in 0..voice.len() {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            low = 0.97 * low + 0.03 * ((seed >> 8) as f64 / f64::from(1u32 << 24) - 0.5);
            noise.push(low);
        }
        // `rms` is of full scale (0–1); the noise is wanted in samples.
        let scale = (power(&voice) / 10.0).sqrt() * 32768.0 / rms_f64(&noise);
        let noise: Vec<i16> = noise.iter().map(|n| (n * scale) as i16).collect();
        let silent = vec![0; voice.len()];
        let noise_only = VoiceSettings {
            noise_suppression: true,
            ..VoiceSettings::RAW
        };
        // The noise alone, through the suppressor, after 2 s to learn it.
        let from = 2 * SAMPLE_RATE as usize;
        let left = process(noise_only, &silent, &noise);
        let reduced = db(power(&noise[from..]) / power(&left[from..]));
        assert!(reduced >= 10.0, "noise only {reduced:.1} dB down");

        let gain_only = VoiceSettings {
            auto_gain: true,
            ..VoiceSettings::RAW
        };
        let quiet: Vec<i16> = voice.iter().map(|s| s / 8).collect();
        let raised = process(gain_only, &silent, &quiet);
        let gained = db(power(&raised[from..]) / power(&quiet[from..]));
        assert!(gained >= 10.0, "a quiet voice raised only {gained:.1} dB");
    }

    fn rms_f64(samples: &[f64]) -> f64 {
        (samples.iter().map(|s| s * s).sum::<f64>() / samples.len() as f64).sqrt()
    }

    #[test]
    fn settings_change_mid_stream_and_stats_follow() {
        let far = speech_like(2.0, 5);
        let mut stage = VoiceProcessor::new(VoiceSettings::default());
        stage.set_delay_ms(900);
        assert_eq!(stage.stats().reported_delay_ms, Some(500), "clamped");
        let mut frame = far[..960].to_vec();
        stage.render(&far[..960]);
        stage.capture(&mut frame);
        stage.apply(VoiceSettings::RAW);
        assert!(stage.settings().is_raw());
        assert_eq!(stage.stats().erle_db, None, "no canceller, no ERLE");
        let before = far[960..1920].to_vec();
        let mut frame = before.clone();
        stage.capture(&mut frame);
        assert_eq!(frame, before);
    }
}
