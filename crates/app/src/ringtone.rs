//! The ringtone: two seconds of a 440 + 480 Hz chord, four of silence, on the chosen
//! device, until the call is answered, rejected or missed (dropping the ringtone stops it).

use std::f64::consts::TAU;
use std::time::Duration;
use switchboard_media::audio::AudioSink;
use switchboard_media::devices::{EchoReference, open_speakers};
use switchboard_media::tone::{FRAME_SAMPLES, SAMPLE_RATE};

pub struct Ringtone {
    task: tokio::task::JoinHandle<()>,
}

impl Ringtone {
    /// Starts ringing on `device` (`None`: the default output). A chosen device that is
    /// not there (the headset is unplugged) rings the default output instead; a machine
    /// with no sound device gets no ring, only a warning in the log: the window and
    /// notification remain. What it plays joins `echo`, so a call in progress cancels its
    /// echo too.
    pub fn start(device: Option<String>, echo: &EchoReference) -> Option<Ringtone> {
        let opened = open_speakers(device.as_deref(), Some(echo)).or_else(|e| {
            if device.is_none() {
                return Err(e);
            }
            tracing::warn!(error = %e, "the ringing device is not there; ringing on the default output");
            open_speakers(None, Some(echo))
        });
        let (handle, mut speakers) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                tracing::warn!(error = %e, "cannot ring: no output device");
                return None;
            }
        };
        let task = tokio::spawn(async move {
            let _device = handle;
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let mut n: u64 = 0;
            loop {
                tick.tick().await;
                speakers.push(&ring_frame(n));
                n += 1;
            }
        });
        Some(Ringtone { task })
    }
}

impl Drop for Ringtone {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Frame `n` of the ring cadence (6 s: 2 s on, 4 s off), 48 kHz mono.
pub fn ring_frame(n: u64) -> Vec<i16> {
    let frames_per_second = u64::from(SAMPLE_RATE) / FRAME_SAMPLES as u64;
    let in_cycle = n % (6 * frames_per_second);
    if in_cycle >= 2 * frames_per_second {
        return vec![0; FRAME_SAMPLES];
    }
    let start = n * FRAME_SAMPLES as u64;
    (0..FRAME_SAMPLES as u64)
        .map(|i| {
            let t = (start + i) as f64 / f64::from(SAMPLE_RATE);
            let v = 0.2 * ((TAU * 440.0 * t).sin() + (TAU * 480.0 * t).sin());
            (v * f64::from(i16::MAX)) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_media::tone::{energy_share, rms};

    /// The frame is the ring chord: loud, and nearly all its energy at 440 and 480 Hz.
    fn rings(frame: &[i16]) -> bool {
        rms(frame) > 0.05 && energy_share(frame, 440.0) + energy_share(frame, 480.0) > 0.8
    }

    #[test]
    fn the_cadence_rings_two_seconds_in_six() {
        let ringing: Vec<bool> = (0..300).map(|n| rings(&ring_frame(n))).collect();
        assert!(ringing[..100].iter().all(|r| *r), "first 2 s ring");
        assert!(
            (100..300).all(|n| rms(&ring_frame(n)) == 0.0),
            "next 4 s are silent"
        );
        assert!(rings(&ring_frame(300)), "and it starts again");
    }
}
