//! The incoming side of a meeting: each remote peer's decoded frames go into its own
//! short queue, and every 20 ms one frame from each is summed into the output (a device,
//! a recorder). The queues absorb network jitter; a queue past [`MAX_QUEUED`] frames drops
//! its oldest, so a peer whose clock runs fast cannot build up delay.

use crate::audio::AudioSink;
use crate::tone::{FRAME_SAMPLES, rms};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Most frames (of 20 ms) kept per input: 120 ms of jitter.
pub const MAX_QUEUED: usize = 6;

#[derive(Default)]
struct Input {
    queue: VecDeque<Vec<i16>>,
    level: f32,
}

type Inputs = Arc<Mutex<BTreeMap<i64, Input>>>;

/// Mixes any number of labelled inputs into one sink. Dropping it stops the mixing.
pub struct Mixer {
    inputs: Inputs,
    task: tokio::task::JoinHandle<()>,
}

impl Mixer {
    pub fn start(output: Box<dyn AudioSink>) -> Mixer {
        let inputs: Inputs = Arc::default();
        let task = tokio::spawn(mix(inputs.clone(), output));
        Mixer { inputs, task }
    }

    /// A sink for one remote participant (`label`: its user id). A second input with the
    /// same label replaces the first (a peer renegotiated).
    pub fn input(&self, label: i64) -> MixerInput {
        if let Ok(mut inputs) = self.inputs.lock() {
            inputs.insert(label, Input::default());
        }
        MixerInput {
            label,
            inputs: self.inputs.clone(),
        }
    }

    /// Stops mixing `label` (the participant left).
    pub fn remove(&self, label: i64) {
        if let Ok(mut inputs) = self.inputs.lock() {
            inputs.remove(&label);
        }
    }

    /// Each input's level (RMS of its last frame, 0–1): who is speaking.
    pub fn levels(&self) -> Vec<(i64, f32)> {
        self.inputs
            .lock()
            .map(|inputs| inputs.iter().map(|(k, v)| (*k, v.level)).collect())
            .unwrap_or_default()
    }
}

impl Drop for Mixer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One participant's decoded audio, fed to the [`Mixer`].
pub struct MixerInput {
    label: i64,
    inputs: Inputs,
}

impl AudioSink for MixerInput {
    fn push(&mut self, frame: &[i16]) {
        let Ok(mut inputs) = self.inputs.lock() else {
            return;
        };
        // Removed (the participant left): a straggling frame is dropped.
        let Some(input) = inputs.get_mut(&self.label) else {
            return;
        };
        input.level = rms(frame) as f32;
        if input.queue.len() >= MAX_QUEUED {
            input.queue.pop_front();
        }
        input.queue.push_back(frame.to_vec());
    }
}

/// Sums one frame per input, saturating; nothing is written while every queue is empty.
fn mix_once(inputs: &mut BTreeMap<i64, Input>, out: &mut [i32]) -> bool {
    out.fill(0);
    let mut any = false;
    for input in inputs.values_mut() {
        if let Some(frame) = input.queue.pop_front() {
            any = true;
            for (o, s) in out.iter_mut().zip(frame) {
                *o += i32::from(s);
            }
        }
    }
    any
}

async fn mix(inputs: Inputs, mut output: Box<dyn AudioSink>) {
    let mut sum = vec![0i32; FRAME_SAMPLES];
    let mut frame = vec![0i16; FRAME_SAMPLES];
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let any = match inputs.lock() {
            Ok(mut inputs) => mix_once(&mut inputs, &mut sum),
            Err(_) => return,
        };
        if !any {
            continue;
        }
        for (f, s) in frame.iter_mut().zip(&sum) {
            *f = (*s).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
        output.push(&frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_with(frames: &[i16]) -> Input {
        Input {
            queue: frames.iter().map(|v| vec![*v; FRAME_SAMPLES]).collect(),
            level: 0.0,
        }
    }

    #[test]
    fn one_frame_from_each_input_is_summed() {
        let mut inputs = BTreeMap::from([(1, input_with(&[100, 7])), (2, input_with(&[-30]))]);
        let mut out = vec![0; FRAME_SAMPLES];
        assert!(mix_once(&mut inputs, &mut out));
        assert!(out.iter().all(|s| *s == 70));
        assert!(mix_once(&mut inputs, &mut out));
        assert!(out.iter().all(|s| *s == 7), "an empty input adds nothing");
        assert!(!mix_once(&mut inputs, &mut out), "all empty: no frame");
    }

    #[tokio::test]
    async fn a_fast_input_cannot_build_up_delay_and_a_removed_one_is_dropped() {
        let mixer = Mixer::start(Box::new(crate::audio::FrameLog::default()));
        let mut input = mixer.input(5);
        for n in 0..20 {
            input.push(&[n; FRAME_SAMPLES]);
        }
        {
            let inputs = mixer.inputs.lock().unwrap();
            let queue = &inputs[&5].queue;
            assert_eq!(queue.len(), MAX_QUEUED);
            assert_eq!(queue.back().unwrap()[0], 19, "the newest frames are kept");
        }
        assert!(mixer.levels()[0].1 > 0.0);
        mixer.remove(5);
        input.push(&[1; FRAME_SAMPLES]);
        assert!(mixer.levels().is_empty());
    }
}
