//! Test tones: a sine generator and a Goertzel detector over 20 ms frames. Pure.
//!
//! Calls are tested by each side sending its own tone and checking what arrives: the far
//! end's tone in (nearly) every frame and never its own.

use std::f64::consts::PI;

/// Samples per second everywhere in Switchboard's audio path.
pub const SAMPLE_RATE: u32 = 48_000;
/// One 20 ms frame of mono audio.
pub const FRAME_SAMPLES: usize = 960;

/// A sine tone, continuous across frames.
#[derive(Clone, Debug)]
pub struct ToneGenerator {
    step: f64,
    phase: f64,
    amplitude: f64,
}

impl ToneGenerator {
    /// `amplitude` is a share of full scale (0–1).
    pub fn new(frequency: f64, amplitude: f64) -> Self {
        ToneGenerator {
            step: 2.0 * PI * frequency / f64::from(SAMPLE_RATE),
            phase: 0.0,
            amplitude: amplitude.clamp(0.0, 1.0),
        }
    }

    /// Fills `frame` with the next samples.
    pub fn fill(&mut self, frame: &mut [i16]) {
        for sample in frame.iter_mut() {
            *sample = (self.phase.sin() * self.amplitude * f64::from(i16::MAX)) as i16;
            self.phase = (self.phase + self.step) % (2.0 * PI);
        }
    }
}

/// The frequency of [`HoldTone`]'s beeps: apart from the test tones (440 and 1000 Hz), so
/// tests can tell them from a voice.
pub const HOLD_TONE_HZ: f64 = 660.0;

/// What a call on hold sounds like to the side that is held: a soft beep of 300 ms every
/// 3 s, so they know the call is alive (silence would sound like a dropped line).
#[derive(Clone, Debug)]
pub struct HoldTone {
    tone: ToneGenerator,
    frame: u32,
}

/// Frames (20 ms) in one beep, and from one beep's start to the next.
const HOLD_BEEP_FRAMES: u32 = 15;
const HOLD_PERIOD_FRAMES: u32 = 150;

impl Default for HoldTone {
    fn default() -> Self {
        HoldTone {
            tone: ToneGenerator::new(HOLD_TONE_HZ, 0.05),
            frame: 0,
        }
    }
}

impl HoldTone {
    /// Fills the next 20 ms `frame`.
    pub fn fill(&mut self, frame: &mut [i16]) {
        if self.frame % HOLD_PERIOD_FRAMES < HOLD_BEEP_FRAMES {
            self.tone.fill(frame);
        } else {
            frame.fill(0);
        }
        self.frame = self.frame.wrapping_add(1);
    }
}

/// Root mean square of a frame, as a share of full scale.
pub fn rms(frame: &[i16]) -> f64 {
    if frame.is_empty() {
        return 0.0;
    }
    let sum: f64 = frame
        .iter()
        .map(|s| {
            let x = f64::from(*s) / f64::from(i16::MAX);
            x * x
        })
        .sum();
    (sum / frame.len() as f64).sqrt()
}

/// The share of a frame's energy at `frequency` (Goertzel), 0–1.
pub fn energy_share(frame: &[i16], frequency: f64) -> f64 {
    let n = frame.len();
    if n == 0 {
        return 0.0;
    }
    let coeff = 2.0 * (2.0 * PI * frequency / f64::from(SAMPLE_RATE)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut total = 0.0f64;
    for sample in frame {
        let x = f64::from(*sample) / f64::from(i16::MAX);
        total += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if total <= f64::EPSILON {
        return 0.0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // A pure tone of N samples has power ≈ N²·A²/4 and energy ≈ N·A²/2.
    (2.0 * power / (n as f64 * total)).clamp(0.0, 1.0)
}

/// Whether `frequency` is clearly present: most of the frame's energy, and not silence.
pub fn has_tone(frame: &[i16], frequency: f64) -> bool {
    rms(frame) > 0.01 && energy_share(frame, frequency) > 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(frequency: f64) -> Vec<i16> {
        let mut g = ToneGenerator::new(frequency, 0.3);
        let mut f = vec![0; FRAME_SAMPLES];
        g.fill(&mut f);
        f
    }

    #[test]
    fn a_tone_is_found_at_its_frequency_and_not_at_others() {
        let f = frame_of(440.0);
        assert!(has_tone(&f, 440.0));
        assert!(energy_share(&f, 440.0) > 0.9, "{}", energy_share(&f, 440.0));
        assert!(!has_tone(&f, 880.0));
        assert!(!has_tone(&f, 660.0));
        assert!((rms(&f) - 0.3 / 2f64.sqrt()).abs() < 0.01);
    }

    #[test]
    fn silence_and_noise_have_no_tone() {
        assert!(!has_tone(&[0; FRAME_SAMPLES], 440.0));
        let mut state = 12345u32;
        let noise: Vec<i16> = (0..FRAME_SAMPLES)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as i16
            })
            .collect();
        assert!(!has_tone(&noise, 440.0));
        assert_eq!(rms(&[]), 0.0);
    }

    #[test]
    fn a_mix_shows_both_tones_as_shares() {
        let (a, b) = (frame_of(440.0), frame_of(880.0));
        let mix: Vec<i16> = a.iter().zip(&b).map(|(x, y)| x / 2 + y / 2).collect();
        let (sa, sb) = (energy_share(&mix, 440.0), energy_share(&mix, 880.0));
        assert!(
            (0.35..0.65).contains(&sa) && (0.35..0.65).contains(&sb),
            "{sa} {sb}"
        );
    }

    #[test]
    fn the_generator_is_continuous_across_frames() {
        let mut g = ToneGenerator::new(1000.0, 0.5);
        let mut whole = vec![0; 2 * FRAME_SAMPLES];
        g.fill(&mut whole);
        let mut g = ToneGenerator::new(1000.0, 0.5);
        let (mut first, mut second) = (vec![0; FRAME_SAMPLES], vec![0; FRAME_SAMPLES]);
        g.fill(&mut first);
        g.fill(&mut second);
        assert_eq!([first, second].concat(), whole);
    }

    #[test]
    fn the_hold_tone_beeps_softly_for_300_ms_every_3_s() {
        let mut hold = HoldTone::default();
        let frames: Vec<Vec<i16>> = (0..300)
            .map(|_| {
                let mut f = vec![0i16; FRAME_SAMPLES];
                hold.fill(&mut f);
                f
            })
            .collect();
        let beeping: Vec<usize> = (0..300)
            .filter(|&i| has_tone(&frames[i], HOLD_TONE_HZ))
            .collect();
        let expected: Vec<usize> = (0..15).chain(150..165).collect();
        assert_eq!(beeping, expected);
        assert!(frames.iter().all(|f| rms(f) < 0.04), "soft");
        assert!(!has_tone(&frames[0], 440.0) && !has_tone(&frames[0], 1000.0));
    }
}
