//! Where a call's sound and pictures come from and go to: the flags every talking command
//! shares (a tone, a WAV file or the microphone; a recording or the speakers; video).

use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use switchboard_capture::{CameraChoice, CameraSource, CaptureError, ScreenSource, ScreenTarget};
use switchboard_media::audio::{
    AudioSink, AudioSource, Silence, ToneSource, WavRecorder, WavSource,
};
use switchboard_media::devices::{
    DeviceHandle, DeviceSwitch, SwitchReason, VoiceControl, VoicePath, open_microphone,
    open_speakers,
};
use switchboard_media::processing::VoiceSettings;
use switchboard_media::video::{PatternSource, VideoOptions, VideoSource};
use switchboard_video::vp8::EncoderSettings;

/// Where the call's audio comes from and goes to.
#[derive(Args, Clone, Debug)]
pub struct AudioArgs {
    /// Send a sine tone of this frequency (Hz).
    #[arg(long, conflicts_with = "play")]
    tone: Option<f64>,
    /// Send this 48 kHz WAV file, looped.
    #[arg(long)]
    play: Option<PathBuf>,
    /// Record what the other side sends to this WAV file.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Hang up after this many seconds of talk.
    #[arg(long)]
    pub(crate) duration: Option<f64>,
    /// Write call statistics (setup time, duration, who ended, quality) as JSON.
    #[arg(long)]
    pub(crate) stats_json: Option<PathBuf>,
    /// Microphone to use when no --tone/--play is given (`switchboard-cli devices`).
    #[arg(long, env = "SWITCHBOARD_INPUT_DEVICE")]
    input_device: Option<String>,
    /// Speakers to use when nothing is recorded.
    #[arg(long, env = "SWITCHBOARD_OUTPUT_DEVICE")]
    output_device: Option<String>,
    /// Do not cancel the echo of the speakers in the microphone (with a headset there is none).
    #[arg(long)]
    no_echo_cancel: bool,
    /// Do not suppress steady background noise in the microphone.
    #[arg(long)]
    no_noise_suppression: bool,
    /// Do not adjust the microphone's level automatically.
    #[arg(long)]
    no_auto_gain: bool,
    /// Send the microphone as it is, with no processing at all (for music).
    #[arg(long)]
    raw_audio: bool,
    /// Video as well, from this source: `pattern` (a test pattern with a frame counter,
    /// 640×480 at 30 fps; also what `--video` alone means; `pattern:1280x720` for
    /// another size, up to 1280×720), `camera` (the first camera, 640×480 or the
    /// nearest it gives; `camera:NAME` picks one by part of its name or its device,
    /// as `switchboard-cli devices` lists them), `screen` (the whole X11
    /// screen, 15 fps, scaled to fit 1280×720) or `window:ID` (one X11 window, by the id
    /// `xwininfo` prints). A call placed with it is a video call.
    #[arg(long, value_name = "SOURCE", value_parser = parse_video, num_args = 0..=1,
          default_missing_value = "pattern")]
    video: Option<VideoChoice>,
}

/// Where a call's video comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VideoChoice {
    /// The test pattern at this size.
    Pattern {
        width: u32,
        height: u32,
    },
    Camera(CameraChoice),
    Screen(ScreenTarget),
}

/// The pattern's sizes: even (the encoder's 4:2:0 pictures), from this smallest one to
/// the largest a call sends.
const SMALLEST_PATTERN: (u32, u32) = (160, 120);
const LARGEST_PATTERN: (u32, u32) = (1280, 720);

fn parse_pattern_size(size: &str) -> Result<VideoChoice, String> {
    let wrong = || {
        format!(
            "pattern:{size}: give the size as WIDTHxHEIGHT, even numbers from 160x120 to \
             1280x720 (e.g. pattern:1280x720)"
        )
    };
    let (width, height) = size.split_once('x').ok_or_else(wrong)?;
    let (width, height): (u32, u32) = (
        width.parse().map_err(|_| wrong())?,
        height.parse().map_err(|_| wrong())?,
    );
    let (low, high) = (SMALLEST_PATTERN, LARGEST_PATTERN);
    let fits = (low.0..=high.0).contains(&width) && (low.1..=high.1).contains(&height);
    if !fits || width % 2 == 1 || height % 2 == 1 {
        return Err(wrong());
    }
    Ok(VideoChoice::Pattern { width, height })
}

fn parse_video(s: &str) -> Result<VideoChoice, String> {
    match s {
        "pattern" => Ok(VideoChoice::Pattern {
            width: EncoderSettings::VGA.width,
            height: EncoderSettings::VGA.height,
        }),
        other if other.starts_with("pattern:") => parse_pattern_size(&other["pattern:".len()..]),
        other if other.starts_with("camera") => other
            .parse()
            .map(VideoChoice::Camera)
            .map_err(|e: CaptureError| e.to_string()),
        other if other == "screen" || other.starts_with("window:") => other
            .parse()
            .map(VideoChoice::Screen)
            .map_err(|e: CaptureError| e.to_string()),
        other => Err(format!(
            "{other}: not a video source; use `pattern`, `camera`, `screen` or `window:ID`"
        )),
    }
}

/// A call's audio ends, and the sound devices behind them (kept open while held).
pub struct Endpoints {
    pub source: Box<dyn AudioSource>,
    pub sink: Box<dyn AudioSink>,
    pub devices: Vec<DeviceHandle>,
    /// The microphone's processing stage, when the microphone is used.
    pub voice: Option<VoiceControl>,
    /// Moves the devices made on their own (unplugged, plugged in again), in order.
    pub switches: Arc<Mutex<Vec<DeviceSwitch>>>,
}

/// Says a device's own move and keeps it for the statistics.
fn watch(handle: &DeviceHandle, switches: &Arc<Mutex<Vec<DeviceSwitch>>>) {
    let switches = switches.clone();
    handle.on_switch(move |switch| {
        let what = if switch.direction == "input" {
            "Microphone"
        } else {
            "Speakers"
        };
        match switch.reason {
            SwitchReason::Gone => println!(
                "{what}: {} is gone (unplugged?); now using {}.",
                switch.from, switch.to
            ),
            SwitchReason::Back => println!("{what}: {} is back; using it again.", switch.to),
        }
        if let Ok(mut switches) = switches.lock() {
            switches.push(switch);
        }
    });
}

impl AudioArgs {
    /// Says what is wrong with the audio options (an unreadable file) before anyone
    /// rings, without opening sound devices yet.
    pub fn check(&self) -> Result<()> {
        if let Some(path) = &self.play {
            WavSource::open(path)?;
        }
        if let Some(VideoChoice::Camera(choice)) = &self.video {
            switchboard_capture::camera::find(choice)?;
        }
        Ok(())
    }

    /// Whether the call carries video.
    pub fn wants_video(&self) -> bool {
        self.video.is_some()
    }

    /// The call's video: the chosen source sent, the far end's received and counted.
    pub(crate) fn video_options(&self) -> Result<VideoOptions> {
        Ok(match self.video_source()? {
            None => VideoOptions::default(),
            Some(source) => VideoOptions {
                source: Some(source),
                receive: true,
                ..Default::default()
            },
        })
    }

    /// The chosen video source, opened; `None` without `--video`.
    pub(crate) fn video_source(&self) -> Result<Option<Box<dyn VideoSource>>> {
        Ok(match &self.video {
            None => None,
            Some(VideoChoice::Pattern { width, height }) => Some(Box::new(PatternSource::new(
                EncoderSettings::sized(*width, *height),
            )?)),
            Some(VideoChoice::Camera(choice)) => {
                Some(Box::new(CameraSource::open(choice, EncoderSettings::VGA)?))
            }
            Some(VideoChoice::Screen(target)) => Some(Box::new(ScreenSource::open(None, *target)?)),
        })
    }

    /// What the microphone's processing stage runs, from the flags.
    pub fn voice_settings(&self) -> VoiceSettings {
        if self.raw_audio {
            return VoiceSettings::RAW;
        }
        VoiceSettings {
            echo_cancel: !self.no_echo_cancel,
            noise_suppression: !self.no_noise_suppression,
            auto_gain: !self.no_auto_gain,
        }
    }

    /// The microphone unless a tone or a file is sent (or only a recording is wanted);
    /// the speakers unless the far end is recorded. Tones and files bypass the voice
    /// processing; the microphone goes through it, with the speakers as its echo reference.
    pub fn open(&self) -> Result<Endpoints> {
        let mut devices = Vec::new();
        let switches = Arc::default();
        let path = VoicePath::new(self.voice_settings());
        let mut voice = None;
        let source: Box<dyn AudioSource> = match (&self.tone, &self.play) {
            (Some(hz), _) => Box::new(ToneSource::new(*hz)),
            (None, Some(path)) => Box::new(WavSource::open(path)?),
            (None, None) if self.record.is_some() => Box::new(Silence),
            (None, None) => {
                let (handle, mic) =
                    open_microphone(self.input_device.as_deref(), Some(path.clone()))?;
                println!("Microphone: {}.", handle.current());
                watch(&handle, &switches);
                println!(
                    "Voice processing: {}.",
                    describe_voice(&self.voice_settings())
                );
                devices.push(handle);
                voice = Some(path.control.clone());
                Box::new(mic)
            }
        };
        let sink: Box<dyn AudioSink> = match &self.record {
            Some(file) => Box::new(WavRecorder::create(file)?),
            None if self.tone.is_some() || self.play.is_some() => Box::new(Discard),
            None => {
                let (handle, speakers) =
                    open_speakers(self.output_device.as_deref(), Some(&path.reference))?;
                println!("Speakers: {}.", handle.current());
                watch(&handle, &switches);
                devices.push(handle);
                Box::new(speakers)
            }
        };
        Ok(Endpoints {
            source,
            sink,
            devices,
            voice,
            switches,
        })
    }
}

/// How long audio waited between each sound device and the call, by `input`/`output`.
pub(crate) fn queues(devices: &[DeviceHandle]) -> serde_json::Value {
    devices
        .iter()
        .map(|d| (d.kind().to_owned(), json!(d.queue())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// `echo cancellation, noise suppression, auto gain` or `off (raw audio)`.
fn describe_voice(settings: &VoiceSettings) -> String {
    let on: Vec<&str> = [
        (settings.echo_cancel, "echo cancellation"),
        (settings.noise_suppression, "noise suppression"),
        (settings.auto_gain, "auto gain"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if on.is_empty() {
        "off (raw audio)".into()
    } else {
        on.join(", ")
    }
}

struct Discard;

impl AudioSink for Discard {
    fn push(&mut self, _frame: &[i16]) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_takes_a_size_within_what_a_call_sends() {
        assert_eq!(
            parse_video("pattern"),
            Ok(VideoChoice::Pattern {
                width: 640,
                height: 480
            })
        );
        assert_eq!(
            parse_video("pattern:1280x720"),
            Ok(VideoChoice::Pattern {
                width: 1280,
                height: 720
            })
        );
        assert_eq!(
            parse_video("pattern:160x120"),
            Ok(VideoChoice::Pattern {
                width: 160,
                height: 120
            })
        );
        for wrong in [
            "pattern:",
            "pattern:1280",
            "pattern:1920x1080",
            "pattern:100x100",
            "pattern:641x480",
            "pattern:axb",
            "pattern:-640x480",
        ] {
            let said = parse_video(wrong).expect_err(wrong);
            assert!(said.contains("WIDTHxHEIGHT"), "{wrong}: {said}");
        }
    }
}
