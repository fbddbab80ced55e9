//! Real sound devices through cpal: a microphone as an [`AudioSource`], speakers as an
//! [`AudioSink`], chosen by name or the system default, and switchable mid-call.
//!
//! On Linux the devices are ALSA's (on a desktop, through the sound server's ALSA plugin).
//! cpal's PulseAudio host, which speaks the sound server's protocol itself and lists the
//! server's own devices, is there to choose with `SWITCHBOARD_SOUND_HOST=pulseaudio`; it
//! is not the default yet (docs/audio.md, "Which sound system").
//!
//! cpal streams are not `Send`, so each device runs on a thread of its own that owns the
//! stream; the call side and that thread share a short ring of samples. The thread also
//! handles hot swap: [`DeviceHandle::switch_to`] reopens another device in place, and a
//! device that fails (unplugged) is replaced by the system default, while the call keeps
//! its source or sink throughout.
//!
//! A microphone can carry a [`VoicePath`]: its audio then goes through the voice
//! processing stage in the device callback, as it is captured, with what the speakers
//! played (every output opened with the same [`EchoReference`]: the call's mix, the
//! ringtone) as the echo canceller's reference, tapped at the playout point, and the
//! render→capture delay taken from the devices' timestamps.
//!
//! Devices that cannot run at 48 kHz mono are converted: channels are averaged (input) or
//! copied (output), and the rate is converted by [`Resampler`] (rubato). Beside this:
//! `sound_host` (hosts, names), `capture`/`playout` (the callbacks), `device_moves`.

use crate::audio::{AudioSink, AudioSource};
use crate::capture::Captured;
pub use crate::device_moves::{DeviceSwitch, OnSwitch, SwitchReason};
use crate::device_moves::{Shared, WatchMove, watch_step};
use crate::playout::playout;
use crate::resample::Resampler;
pub use crate::ring::QueueStats;
use crate::ring::Ring;
use crate::sound_host::{Direction, default_device, named_devices};
use crate::tone::SAMPLE_RATE;
use crate::voice_path::Processing;
pub use crate::voice_path::{
    EchoReference, ProcessedSource, ReferenceSink, VoiceControl, VoicePath,
};
use cpal::traits::{DeviceTrait, StreamTrait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Wait before reopening a device that failed.
const REOPEN_AFTER: Duration = Duration::from_millis(500);
/// A stream that reported a glitch and then exchanged no audio for this long is taken for
/// dead and reopened: after an error the driver may or may not recover from, whether
/// audio still moves is what decides. (Without a glitch, a quiet second is no sign: a
/// device's period can be that long.)
const STALLED_AFTER: Duration = Duration::from_secs(1);
/// How often the device thread looks at the device list (an unplugged device is left
/// within this, and the stream reopened on the default).
const WATCH_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("no sound {0} device is available on this computer")]
    NoDevice(&'static str),
    #[error("there is no sound {kind} device named {name:?}; available: {available}")]
    NotFound {
        kind: &'static str,
        name: String,
        available: String,
    },
    #[error("the sound {kind} device {name:?} cannot be used: {reason}")]
    Unusable {
        kind: &'static str,
        name: String,
        reason: String,
    },
}

/// The system's sound devices by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceList {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub default_input: Option<String>,
    pub default_output: Option<String>,
}

/// Lists input and output devices by the names [`open_microphone`] and [`open_speakers`]
/// take.
pub fn list_devices() -> DeviceList {
    // One listing a direction: on a sound server each is a round trip.
    let listed = |direction| -> (Vec<String>, Option<String>) {
        let Ok(devices) = named_devices(direction) else {
            return (Vec::new(), None);
        };
        let names = devices.iter().map(|(name, _)| name.clone()).collect();
        let default = default_device(direction, devices).map(|(name, _)| name);
        (names, default)
    };
    let (inputs, default_input) = listed(Direction::Input);
    let (outputs, default_output) = listed(Direction::Output);
    DeviceList {
        inputs,
        outputs,
        default_input,
        default_output,
    }
}

enum Control {
    Switch(Option<String>),
    /// Stream number `stream` (counted per device thread) stopped working.
    Failed {
        stream: u64,
        reason: String,
    },
    Stop,
}

/// Whether `command` is for the stream now open: a stream reports each of its failures,
/// and those still queued when it has been replaced must not end its successor.
fn applies_to(command: &Control, current_stream: u64) -> bool {
    match command {
        Control::Failed { stream, .. } => *stream == current_stream,
        _ => true,
    }
}

/// Whether a stream error means the stream is gone for certain. Anything else (an
/// underrun on a busy machine, an I/O error from a sound server that was slow to answer)
/// is often recovered by the driver, and reopening for it cost half a second of silence
/// each time; the stall watch reopens a stream that really stopped.
fn ends_the_stream(kind: cpal::ErrorKind) -> bool {
    matches!(
        kind,
        cpal::ErrorKind::DeviceNotAvailable
            | cpal::ErrorKind::HostUnavailable
            | cpal::ErrorKind::StreamInvalidated
    )
}

/// Controls a running device: switch it or stop it. Dropping the handle stops it.
pub struct DeviceHandle {
    control: mpsc::Sender<Control>,
    shared: Shared,
    /// The ring between the device and the call, for its queue's figures.
    ring: Arc<Ring>,
    direction: Direction,
}

impl DeviceHandle {
    /// Moves to another device (`None`: the system default) without ending the call.
    pub fn switch_to(&self, name: Option<String>) {
        let _ = self.control.send(Control::Switch(name));
    }

    /// The device in use now.
    pub fn current(&self) -> String {
        self.shared
            .current
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// `"input"` (a microphone) or `"output"` (speakers).
    pub fn kind(&self) -> &'static str {
        self.direction.word()
    }

    /// How long audio waits between the device and the call, and what was trimmed.
    pub fn queue(&self) -> QueueStats {
        self.ring.stats()
    }

    /// Calls `f` whenever the device moves without being asked: unplugged (to the
    /// default), or the chosen one plugged in again.
    pub fn on_switch(&self, f: impl Fn(DeviceSwitch) + Send + 'static) {
        if let Ok(mut on_switch) = self.shared.on_switch.lock() {
            *on_switch = Some(Box::new(f));
        }
    }
}

impl Drop for DeviceHandle {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
    }
}

/// The microphone `name` (or the default) as a call's audio source, through the voice
/// processing stage when `voice` is given.
pub fn open_microphone(
    name: Option<&str>,
    voice: Option<VoicePath>,
) -> Result<(DeviceHandle, DeviceSource), DeviceError> {
    open_input(name, Absent::Fail, voice)
}

/// The microphone `name` when it is plugged in, else the default until it is: for a
/// saved choice, where a headset left at home must not stop a call.
pub fn open_preferred_microphone(
    name: Option<&str>,
    voice: Option<VoicePath>,
) -> Result<(DeviceHandle, DeviceSource), DeviceError> {
    open_input(name, Absent::UseDefault, voice)
}

/// What opening a named device that is not plugged in does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Absent {
    /// Fails, naming the devices there are (a name typed in).
    Fail,
    /// Opens the default, and moves to the named one when it is plugged in.
    UseDefault,
}

fn open_input(
    name: Option<&str>,
    absent: Absent,
    voice: Option<VoicePath>,
) -> Result<(DeviceHandle, DeviceSource), DeviceError> {
    let ring = Arc::new(Ring::bounded());
    let processing = voice.map(|path| Arc::new(Mutex::new(Processing::new(path))));
    let rings = Rings {
        ring: ring.clone(),
        played: None,
        processing,
    };
    let handle = start_with(Direction::Input, name, absent, rings)?;
    Ok((handle, DeviceSource { ring }))
}

/// The speakers `name` (or the default) as a call's audio sink; what they play is added
/// to `echo` when given.
pub fn open_speakers(
    name: Option<&str>,
    echo: Option<&EchoReference>,
) -> Result<(DeviceHandle, DeviceSink), DeviceError> {
    open_output(name, Absent::Fail, echo)
}

/// The speakers `name` when they are plugged in, else the default until they are.
pub fn open_preferred_speakers(
    name: Option<&str>,
    echo: Option<&EchoReference>,
) -> Result<(DeviceHandle, DeviceSink), DeviceError> {
    open_output(name, Absent::UseDefault, echo)
}

fn open_output(
    name: Option<&str>,
    absent: Absent,
    echo: Option<&EchoReference>,
) -> Result<(DeviceHandle, DeviceSink), DeviceError> {
    let ring = Arc::new(Ring::bounded());
    let rings = Rings {
        ring: ring.clone(),
        played: echo.map(EchoReference::tap),
        processing: None,
    };
    let handle = start_with(Direction::Output, name, absent, rings)?;
    Ok((handle, DeviceSink(ring)))
}

/// What the microphone captured (processed already when it has a voice path), a frame at
/// a time.
pub struct DeviceSource {
    ring: Arc<Ring>,
}

/// Most frames a microphone's ring may hold when the uplink reads it: more is a backlog
/// (captured while the call was set up, or while the machine stalled) that would only
/// be sent in a burst and make the far end's queue stand.
const MOST_WAITING: usize = 3 * crate::tone::FRAME_SAMPLES;

impl AudioSource for DeviceSource {
    fn fill(&mut self, frame: &mut [i16]) {
        if self.ring.len() > MOST_WAITING {
            self.ring.keep_newest(frame.len());
        }
        self.ring.pop_into(frame);
        self.ring.taken();
    }

    fn frame_ready(&self) -> Option<Arc<tokio::sync::Notify>> {
        Some(self.ring.frame_ready())
    }

    fn has_frame(&self) -> bool {
        self.ring.len() >= crate::tone::FRAME_SAMPLES
    }
}

/// What goes to the speakers.
pub struct DeviceSink(Arc<Ring>);

impl AudioSink for DeviceSink {
    fn push(&mut self, frame: &[i16]) {
        self.0.push(frame.iter().copied());
    }
}

/// The device `name` (`None`: the default) and the name it goes by.
fn find_device(
    direction: Direction,
    name: Option<&str>,
) -> Result<(String, cpal::Device), DeviceError> {
    let kind = direction.word();
    let Some(name) = name else {
        return named_devices(direction)
            .ok()
            .and_then(|devices| default_device(direction, devices))
            .ok_or(DeviceError::NoDevice(kind));
    };
    let mut devices = named_devices(direction).unwrap_or_default();
    let available = devices
        .iter()
        .map(|(name, _)| format!("{name:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let position = devices
        .iter()
        .position(|(shown, _)| shown == name)
        // A description saved before a second device with it came: the first of them.
        .or_else(|| devices.iter().position(|(_, d)| d.to_string() == name));
    match position {
        Some(at) => Ok(devices.swap_remove(at)),
        None => Err(DeviceError::NotFound {
            kind,
            name: name.to_owned(),
            available,
        }),
    }
}

/// Opens the device once on its own thread (so a bad name fails here, in words) and
/// keeps it running there.
fn start_with(
    direction: Direction,
    name: Option<&str>,
    absent: Absent,
    rings: Rings,
) -> Result<DeviceHandle, DeviceError> {
    let (control, commands) = mpsc::channel();
    let (opened_tx, opened) = mpsc::channel();
    let ring = rings.ring.clone();
    let shared = Shared::default();
    let (name, failures, shown) = (name.map(str::to_owned), control.clone(), shared.clone());
    std::thread::Builder::new()
        .name(format!("sound-{}", direction.word()))
        .spawn(move || {
            let opened = Opened {
                tell: opened_tx,
                absent,
            };
            run(direction, name, rings, commands, failures, shown, opened)
        })
        .map_err(|e| DeviceError::Unusable {
            kind: direction.word(),
            name: "(any)".into(),
            reason: e.to_string(),
        })?;
    match opened.recv() {
        Ok(Ok(())) => Ok(DeviceHandle {
            control,
            shared,
            ring,
            direction,
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(DeviceError::NoDevice(direction.word())),
    }
}

/// A device thread's buffers: the one it shares with the call, for an output the copy of
/// what it played, and for a microphone with a voice path its processing stage (kept
/// across the streams the thread opens, so a switch keeps the settings and figures).
#[derive(Clone)]
struct Rings {
    ring: Arc<Ring>,
    played: Option<Arc<Ring>>,
    processing: Option<Arc<Mutex<Processing>>>,
}

/// The device thread: owns the stream; reopens on a switch or a failure, and watches
/// the device list: a device in use that is gone from it is left for the default, and the
/// one the user chose is taken again when it is back.
fn run(
    direction: Direction,
    chosen: Option<String>,
    rings: Rings,
    commands: mpsc::Receiver<Control>,
    failures: mpsc::Sender<Control>,
    shared: Shared,
    opened: Opened,
) {
    let mut first = Some(opened);
    let mut stream_number = 0;
    let (mut chosen, mut name) = (chosen.clone(), chosen);
    // Why the next stream is opened, when the thread moved on its own.
    let mut moved: Option<SwitchReason> = None;
    loop {
        stream_number += 1;
        // The stream's callbacks and glitches, for the stall watch.
        let (callbacks, glitches) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let stream = find_device(direction, name.as_deref()).and_then(|(shown, device)| {
            let stream = build(
                direction,
                &device,
                rings.clone(),
                Reporter {
                    failures: failures.clone(),
                    stream: stream_number,
                    callbacks: callbacks.clone(),
                    glitches: glitches.clone(),
                },
            )?;
            Ok((stream, shown))
        });
        let stream = match (stream, first.take()) {
            (Ok((stream, shown)), opened) => {
                if let Some(opened) = opened {
                    let _ = opened.tell.send(Ok(()));
                }
                shared.opened(direction.word(), shown, moved.take());
                Some(stream)
            }
            (Err(e @ DeviceError::NotFound { .. }), Some(opened))
                if opened.absent == Absent::UseDefault =>
            {
                // The watch below takes the chosen device when it is plugged in.
                tracing::warn!(error = %e, "opening the default sound device until then");
                (first, name) = (Some(opened), None);
                continue;
            }
            (Err(e), Some(opened)) => {
                let _ = opened.tell.send(Err(e));
                return;
            }
            (Err(e), None) => {
                tracing::warn!(error = %e, "sound device unavailable; retrying with the default");
                None
            }
        };
        let (mut callbacks_seen, mut since_stall_check) = (0, Duration::ZERO);
        let mut waited = Duration::ZERO;
        let command = loop {
            match commands.recv_timeout(WATCH_EVERY) {
                Ok(command) if !applies_to(&command, stream_number) => continue,
                Ok(command) => break Some(Next::Asked(command)),
                Err(mpsc::RecvTimeoutError::Disconnected) => break None,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            waited += WATCH_EVERY;
            if stream.is_none() {
                if waited >= REOPEN_AFTER {
                    break Some(Next::Move(None, SwitchReason::Gone));
                }
                continue;
            }
            let present = |n: &str| find_device(direction, Some(n)).is_ok();
            match watch_step(name.as_deref(), chosen.as_deref(), present) {
                Some(WatchMove::ToDefault) => {
                    tracing::warn!(device = ?name, "sound device gone; switching to the default");
                    break Some(Next::Move(None, SwitchReason::Gone));
                }
                Some(WatchMove::BackTo(device)) => {
                    tracing::info!(%device, "the chosen sound device is back; switching to it");
                    break Some(Next::Move(Some(device), SwitchReason::Back));
                }
                None => {}
            }
            since_stall_check += WATCH_EVERY;
            if since_stall_check >= STALLED_AFTER {
                since_stall_check = Duration::ZERO;
                let now = callbacks.load(Ordering::Relaxed);
                if now == callbacks_seen && glitches.load(Ordering::Relaxed) > 0 {
                    break Some(Next::Asked(Control::Failed {
                        stream: stream_number,
                        reason: format!("no audio exchanged for {STALLED_AFTER:?} after a glitch"),
                    }));
                }
                callbacks_seen = now;
            }
        };
        drop(stream);
        // The thread's own moves keep the user's choice; the user's replace it.
        match command {
            Some(Next::Move(next, reason)) => (name, moved) = (next, Some(reason)),
            Some(Next::Asked(Control::Switch(next))) => {
                (chosen, name, moved) = (next.clone(), next, None);
            }
            Some(Next::Asked(Control::Failed { reason, .. })) => {
                tracing::warn!(%reason, "sound device failed; switching to the default");
                std::thread::sleep(REOPEN_AFTER);
                (name, moved) = (None, Some(SwitchReason::Gone));
            }
            Some(Next::Asked(Control::Stop)) | None => return,
        }
    }
}

/// Whom a device thread tells whether its first stream opened, and what it does when the
/// device named is not there.
struct Opened {
    tell: mpsc::Sender<Result<(), DeviceError>>,
    absent: Absent,
}

/// Why a device thread's stream is closed.
enum Next {
    /// The handle asked, or the stream reported a failure.
    Asked(Control),
    /// The watch moves to another device.
    Move(Option<String>, SwitchReason),
}

/// What a stream's callbacks tell its device thread.
struct Reporter {
    failures: mpsc::Sender<Control>,
    /// The stream's number on its device thread.
    stream: u64,
    /// Bumped by every data callback.
    callbacks: Arc<AtomicU64>,
    /// Bumped by every error that did not end the stream.
    glitches: Arc<AtomicU64>,
}

/// A 48 kHz stream if the device has one, else its default rate, converted.
fn build(
    direction: Direction,
    device: &cpal::Device,
    rings: Rings,
    reporter: Reporter,
) -> Result<cpal::Stream, DeviceError> {
    let unusable = |reason: String| DeviceError::Unusable {
        kind: direction.word(),
        name: device.to_string(),
        reason,
    };
    let default = match direction {
        Direction::Input => device.default_input_config(),
        Direction::Output => device.default_output_config(),
    }
    .map_err(|e| unusable(e.to_string()))?;
    let supports_48k = match direction {
        Direction::Input => device
            .supported_input_configs()
            .map(|c| c.into_iter().collect::<Vec<_>>()),
        Direction::Output => device
            .supported_output_configs()
            .map(|c| c.into_iter().collect::<Vec<_>>()),
    }
    .map(|ranges| {
        ranges.iter().any(|r| {
            r.channels() == default.channels()
                && r.min_sample_rate() <= SAMPLE_RATE
                && SAMPLE_RATE <= r.max_sample_rate()
        })
    })
    .unwrap_or(false);
    let rate = if supports_48k {
        SAMPLE_RATE
    } else {
        default.sample_rate()
    };
    let config = cpal::StreamConfig {
        channels: default.channels(),
        sample_rate: rate,
        buffer_size: period(default.buffer_size(), rate),
    };
    let channels = usize::from(config.channels.max(1));
    let Rings {
        ring,
        played,
        processing,
    } = rings;
    let Reporter {
        failures,
        stream: stream_number,
        callbacks,
        glitches,
    } = reporter;
    let on_error = move |e: cpal::Error| {
        if ends_the_stream(e.kind()) {
            let _ = failures.send(Control::Failed {
                stream: stream_number,
                reason: e.to_string(),
            });
        } else {
            glitches.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(error = %e, "sound device glitch; the stream carries on");
        }
    };
    let stream = match (direction, default.sample_format()) {
        (Direction::Input, cpal::SampleFormat::F32) => {
            let mut convert = Resampler::new(rate, SAMPLE_RATE);
            let mut captured = Captured::new(ring, processing);
            device.build_input_stream(
                config,
                move |data: &[f32], info: &cpal::InputCallbackInfo| {
                    callbacks.fetch_add(1, Ordering::Relaxed);
                    let at = info.timestamp();
                    let mono = data.chunks(channels).map(|c| {
                        let mean = c.iter().sum::<f32>() / c.len() as f32;
                        (mean.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16
                    });
                    let latency = at.callback.duration_since(at.capture);
                    captured.push(convert.run(mono), latency);
                },
                on_error,
                None,
            )
        }
        (Direction::Input, _) => {
            let mut convert = Resampler::new(rate, SAMPLE_RATE);
            let mut captured = Captured::new(ring, processing);
            device.build_input_stream(
                config,
                move |data: &[i16], info: &cpal::InputCallbackInfo| {
                    callbacks.fetch_add(1, Ordering::Relaxed);
                    let at = info.timestamp();
                    let mono = data.chunks(channels).map(|c| {
                        (c.iter().map(|s| i32::from(*s)).sum::<i32>() / c.len() as i32) as i16
                    });
                    let latency = at.callback.duration_since(at.capture);
                    captured.push(convert.run(mono), latency);
                },
                on_error,
                None,
            )
        }
        (Direction::Output, cpal::SampleFormat::F32) => device.build_output_stream(
            config,
            playout(ring, played, callbacks, rate, channels, |s| {
                f32::from(s) / f32::from(i16::MAX)
            }),
            on_error,
            None,
        ),
        (Direction::Output, _) => device.build_output_stream(
            config,
            playout(ring, played, callbacks, rate, channels, |s| s),
            on_error,
            None,
        ),
    }
    .map_err(|e| unusable(e.to_string()))?;
    stream.play().map_err(|e| unusable(e.to_string()))?;
    Ok(stream)
}

/// Device periods of 10 ms (the voice processing's frame) when the device offers them:
/// the host's default (ALSA through PulseAudio: 21 ms periods for a microphone, a 30 ms
/// buffer for speakers) added a fifth to a call's mouth-to-ear latency. cpal keeps two
/// periods in an output's buffer.
fn period(supported: &cpal::SupportedBufferSize, rate: u32) -> cpal::BufferSize {
    let ten_ms = rate / 100;
    match supported {
        cpal::SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&ten_ms) => {
            cpal::BufferSize::Fixed(ten_ms)
        }
        _ => cpal::BufferSize::Default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glitches_keep_the_stream_and_lost_devices_end_it() {
        for kind in [
            cpal::ErrorKind::Xrun,
            cpal::ErrorKind::RealtimeDenied,
            cpal::ErrorKind::DeviceChanged,
            cpal::ErrorKind::BackendError,
            cpal::ErrorKind::Other,
        ] {
            assert!(!ends_the_stream(kind), "{kind:?}");
        }
        for kind in [
            cpal::ErrorKind::DeviceNotAvailable,
            cpal::ErrorKind::HostUnavailable,
            cpal::ErrorKind::StreamInvalidated,
        ] {
            assert!(ends_the_stream(kind), "{kind:?}");
        }
    }

    #[test]
    fn failures_of_a_replaced_stream_are_ignored() {
        let failed = |stream| Control::Failed {
            stream,
            reason: "gone".into(),
        };
        assert!(applies_to(&failed(3), 3));
        assert!(!applies_to(&failed(2), 3));
        assert!(applies_to(&Control::Switch(None), 3));
        assert!(applies_to(&Control::Stop, 3));
    }
}
