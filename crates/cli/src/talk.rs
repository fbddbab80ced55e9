//! `call` and `listen`: real calls with audio from a tone or a WAV file, recorded to WAV.

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_capture::{CaptureError, ScreenSource, ScreenTarget};
use switchboard_client::call::{MediaCall, MediaEnd, MediaOptions};
use switchboard_client::meeting::{MeetingMedia, PeerState};
use switchboard_client::meter::CallQuality;
use switchboard_client::{Api, Engine, EngineConfig, Event};
use switchboard_media::audio::{
    AudioSink, AudioSource, Silence, ToneSource, WavRecorder, WavSource,
};
use switchboard_media::devices::{
    DeviceHandle, DeviceSwitch, SwitchReason, VoiceControl, VoicePath, open_microphone,
    open_speakers,
};
use switchboard_media::processing::VoiceSettings;
use switchboard_media::video::{PatternSource, VideoOptions};
use switchboard_protocol::api::{CallSession, InitiateCall};
use switchboard_protocol::crm::Regarding;
use switchboard_protocol::{CallStatus, CallType};
use switchboard_video::vp8::EncoderSettings;
use tokio::sync::broadcast;

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
    duration: Option<f64>,
    /// Write call statistics (setup time, duration, who ended, quality) as JSON.
    #[arg(long)]
    stats_json: Option<PathBuf>,
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
    /// 640×480 at 30 fps; also what `--video` alone means), `screen` (the whole X11
    /// screen, 15 fps, scaled to fit 1280×720) or `window:ID` (one X11 window, by the id
    /// `xwininfo` prints). A call placed with it is a video call.
    #[arg(long, value_name = "SOURCE", value_parser = parse_video, num_args = 0..=1,
          default_missing_value = "pattern")]
    video: Option<VideoChoice>,
}

/// Where a call's video comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoChoice {
    Pattern,
    Screen(ScreenTarget),
}

fn parse_video(s: &str) -> Result<VideoChoice, String> {
    match s {
        "pattern" => Ok(VideoChoice::Pattern),
        other if other.starts_with("camera") => Err(format!(
            "{other}: cameras are not supported yet; `pattern` sends a test pattern, \
             `screen` shares the screen"
        )),
        other if other == "screen" || other.starts_with("window:") => other
            .parse()
            .map(VideoChoice::Screen)
            .map_err(|e: CaptureError| e.to_string()),
        other => Err(format!(
            "{other}: not a video source; use `pattern`, `screen` or `window:ID`"
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
        Ok(())
    }

    /// Whether the call carries video.
    pub fn wants_video(&self) -> bool {
        self.video.is_some()
    }

    /// The call's video: the chosen source sent, the far end's received and counted.
    fn video_options(&self) -> Result<VideoOptions> {
        Ok(match self.video {
            None => VideoOptions::default(),
            Some(VideoChoice::Pattern) => VideoOptions {
                source: Some(Box::new(PatternSource::new(EncoderSettings::VGA)?)),
                receive: true,
                ..Default::default()
            },
            Some(VideoChoice::Screen(target)) => VideoOptions {
                source: Some(Box::new(ScreenSource::open(None, target)?)),
                receive: true,
                ..Default::default()
            },
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
fn queues(devices: &[DeviceHandle]) -> serde_json::Value {
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

/// The next update of `call_id` with a status in `wanted` (or any final one).
async fn wait_status(
    events: &mut broadcast::Receiver<Event>,
    call_id: i64,
    within: Duration,
    wanted: &[CallStatus],
) -> Result<CallSession> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .map_err(|_| anyhow!("no answer within {} s", within.as_secs()))?;
        if let Ok(Event::CallUpdated { call }) = event
            && call.id == call_id
            && (wanted.contains(&call.status) || call.status.is_final())
        {
            return Ok(*call);
        }
    }
}

fn why_not(call: &CallSession, name: &str) -> String {
    match call.status {
        CallStatus::Rejected => match &call.decline_message {
            Some(message) => format!("{name} declined the call: \"{message}\""),
            None => format!("{name} declined the call."),
        },
        CallStatus::Missed => format!("{name} did not answer."),
        CallStatus::Cancelled => "The call was cancelled.".into(),
        CallStatus::Failed => "The call failed.".into(),
        other => format!("The call is {other}."),
    }
}

/// Talks until the duration passes, the other side hangs up, or the call ends; then
/// hangs up if it was us. Returns who ended it.
async fn talk(
    engine: &Engine,
    events: &mut broadcast::Receiver<Event>,
    call: &CallSession,
    audio: &AudioArgs,
    mute_after: Option<f64>,
) -> Result<()> {
    let api = engine.api();
    let options = MediaOptions::for_server(api.base());
    let ends = audio.open()?;
    let (voice, switches) = (ends.voice, ends.switches);
    let video = audio.video_options()?;
    let mut media = MediaCall::start_with_video(
        api,
        engine.me().id,
        call,
        ends.source,
        ends.sink,
        options,
        video,
    )
    .await?;
    let devices = ends.devices;
    let setup = media
        .connected(Duration::from_secs(15))
        .await
        .context("the audio did not connect")?;
    println!(
        "Connected: audio is flowing (set up in {} ms).",
        setup.as_millis()
    );
    let talk_started = Instant::now();
    let until = audio
        .duration
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::MAX);
    let mute_at = mute_after.map(Duration::from_secs_f64);
    let mut muted = false;
    let ended_by = loop {
        let mute_wait = match (mute_at, muted) {
            (Some(at), false) => at.saturating_sub(talk_started.elapsed()),
            _ => Duration::MAX,
        };
        let left = until.saturating_sub(talk_started.elapsed());
        tokio::select! {
            _ = tokio::time::sleep(left.min(Duration::from_secs(86_400))) => break "local",
            _ = tokio::time::sleep(mute_wait.min(Duration::from_secs(86_400))), if mute_at.is_some() && !muted => {
                media.set_muted(true);
                muted = true;
                println!("Muted.");
            }
            end = media.remote_end() => {
                if end == MediaEnd::MediaLost {
                    eprintln!("switchboard-cli: the connection to the other side was lost");
                }
                break "remote";
            }
            event = events.recv() => {
                if let Ok(Event::CallUpdated { call: update }) = event
                    && update.id == call.id
                    && update.status.is_final()
                {
                    break "remote";
                }
            }
            _ = tokio::signal::ctrl_c() => break "local",
        }
    };
    let talked = talk_started.elapsed();
    let quality = media.quality().await;
    let media_video = media.video_stats();
    media.hang_up().await;
    let record = match engine.end(call.id).await {
        Ok(record) => record,
        // Already ended by the other side.
        Err(_) => engine.api().call(call.id).await?,
    };
    println!(
        "Call ended by {} ({}).",
        if ended_by == "local" {
            "you"
        } else {
            "the other side"
        },
        record.duration_formatted
    );
    println!("{}", describe_quality(&quality));
    let video = audio.wants_video().then_some(media_video);
    if let Some(v) = &video {
        println!(
            "Video: {} pictures sent; {} received at {} fps, {}×{}.",
            v.frames_sent, v.frames_decoded, v.fps, v.width, v.height
        );
    }
    if let Some(path) = &audio.stats_json {
        let stats = json!({
            "call_id": call.id,
            "video": video,
            "setup_ms": setup.as_millis() as u64,
            "talk_ms": talked.as_millis() as u64,
            "ended_by": ended_by,
            "status": record.status,
            "duration_seconds": record.duration_seconds,
            "quality": quality,
            "voice": voice.as_ref().map(VoiceControl::stats),
            "queues": queues(&devices),
            "device_switches": switches.lock().map(|s| s.clone()).unwrap_or_default(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&stats)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `Quality 5/5 (MOS 4.41): round trip 1.2 ms, jitter 0.3 ms, 0.0 % lost, 31.8 kbit/s in.`
fn describe_quality(q: &CallQuality) -> String {
    let rtt = q
        .rtt_ms
        .map_or_else(|| "not measured".to_owned(), |r| format!("{r} ms"));
    format!(
        "Quality {}/5 (MOS {:.2}): round trip {rtt}, jitter {} ms, {} % lost, {} kbit/s in.",
        q.score, q.mos, q.jitter_ms, q.loss_pct, q.recv_kbps
    )
}

/// `call USERNAME`.
pub async fn call(
    api: Api,
    username: &str,
    regarding: Option<Regarding>,
    audio: &AudioArgs,
    mute_after: Option<f64>,
) -> Result<()> {
    audio.check()?;
    let users = api.users().await?;
    let callee = users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))
        .ok_or_else(|| {
            anyhow!("there is no user named {username:?}; `switchboard-cli users` lists everyone")
        })?;
    let name = if callee.full_name.is_empty() {
        callee.username.clone()
    } else {
        callee.full_name.clone()
    };
    let engine = Engine::start(api, EngineConfig::default()).await?;
    let mut events = engine.events();
    let about = regarding
        .as_ref()
        .map(|r| format!(" {}", about(r)))
        .unwrap_or_default();
    let call = engine
        .start_call(&InitiateCall {
            recipient_id: callee.id,
            call_type: Some(if audio.wants_video() {
                CallType::Video
            } else {
                CallType::Audio
            }),
            regarding,
        })
        .await?;
    println!("Calling {name}{about}…");
    let answered = wait_status(
        &mut events,
        call.id,
        Duration::from_secs(120),
        &[CallStatus::Active],
    )
    .await?;
    if answered.status != CallStatus::Active {
        bail!("{}", why_not(&answered, &name));
    }
    println!("{name} answered.");
    talk(&engine, &mut events, &answered, audio, mute_after).await
}

/// `about deal 4711: ACME renewal`: a call's record, as every command prints it.
pub fn about(r: &Regarding) -> String {
    format!("about {} {}: {}", r.kind, r.id, r.label)
}

/// What `listen` does with each call.
pub enum Answer {
    Accept,
    Decline,
    /// Decline with this message for the caller.
    DeclineSaying(String),
}

/// `listen`: waits for calls and answers or declines them.
pub async fn listen(api: Api, answer: Answer, count: u32, audio: &AudioArgs) -> Result<()> {
    audio.check()?;
    let engine = Engine::start(api, EngineConfig::default()).await?;
    let mut events = engine.events();
    println!("Listening for calls as {}.", engine.me().username);
    for _ in 0..count.max(1) {
        let (call_id, caller) = loop {
            match events.recv().await {
                Ok(Event::IncomingCall {
                    call_id,
                    caller_name,
                    regarding,
                    ..
                }) => {
                    let about = regarding
                        .map(|r| format!(" {}", about(&r)))
                        .unwrap_or_default();
                    break (call_id, format!("{caller_name}{about}"));
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => bail!("the engine stopped"),
            }
        };
        println!("Incoming call from {caller}.");
        match &answer {
            Answer::Accept => {}
            Answer::Decline => {
                engine.reject(call_id).await?;
                println!("Rejected.");
                continue;
            }
            Answer::DeclineSaying(message) => {
                engine.decline(call_id, message).await?;
                println!("Rejected, saying \"{message}\".");
                continue;
            }
        }
        let call = engine.answer(call_id).await?;
        println!("Answered.");
        talk(&engine, &mut events, &call, audio, None).await?;
    }
    Ok(())
}

/// `join-meeting ID`: talks in the meeting until the duration passes or Ctrl-C.
pub async fn join_meeting(api: Api, meeting_id: i64, audio: &AudioArgs) -> Result<()> {
    let ends = audio.open()?;
    let (voice, switches) = (ends.voice, ends.switches);
    let me = api.me().await?;
    let meeting = api.meeting(meeting_id).await?;
    let names: std::collections::HashMap<i64, String> = std::iter::once(&meeting.host)
        .chain(&meeting.participants)
        .map(|u| (u.id, u.username.clone()))
        .collect();
    let name_of = |id: i64| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    };
    let options = MediaOptions::for_server(api.base());
    let media =
        MeetingMedia::join(&api, me.id, meeting_id, ends.source, ends.sink, options).await?;
    let devices = ends.devices;
    println!(
        "Joined \"{}\" ({} invited); waiting for the others.",
        meeting.title,
        names.len()
    );
    let started = Instant::now();
    let until = audio
        .duration
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::MAX);
    let mut peers = media.watch();
    let mut closed = media.closed();
    let mut shown = std::collections::BTreeMap::new();
    let mut setups = serde_json::Map::new();
    loop {
        let left = until.saturating_sub(started.elapsed());
        tokio::select! {
            // The room's close before the peers' end: both come when the host deletes it.
            biased;
            _ = tokio::time::sleep(left.min(Duration::from_secs(86_400))) => break,
            _ = tokio::signal::ctrl_c() => break,
            Ok(why) = closed.wait_for(Option::is_some) => {
                println!("The meeting is over: {}.", why.as_deref().unwrap_or("the server closed it"));
                break;
            }
            changed = peers.changed() => {
                if changed.is_err() {
                    bail!("the meeting's connection stopped");
                }
                let now = peers.borrow_and_update().clone();
                for (id, state) in &now {
                    if let PeerState::Connected(after) = state
                        && shown.get(id) != Some(state)
                    {
                        println!("Talking with {} (set up in {} ms).", name_of(*id), after.as_millis());
                        setups.insert(name_of(*id), json!(after.as_millis() as u64));
                    }
                }
                for id in shown.keys() {
                    if !now.contains_key(id) {
                        println!("{} left.", name_of(*id));
                    }
                }
                shown = now;
            }
        }
    }
    let talked = started.elapsed();
    media.leave().await;
    println!("Left the meeting.");
    if let Some(path) = &audio.stats_json {
        let stats = json!({
            "meeting_id": meeting_id,
            "talk_ms": talked.as_millis() as u64,
            "setup_ms": setups,
            "voice": voice.as_ref().map(VoiceControl::stats),
            "queues": queues(&devices),
            "device_switches": switches.lock().map(|s| s.clone()).unwrap_or_default(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&stats)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
