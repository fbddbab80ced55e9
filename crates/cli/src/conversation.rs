//! A conversation: one call, and whatever it turns into (a transfer, a meeting), with
//! its sound kept across them; and a meeting's mesh, talked in.

use crate::sound::{AudioArgs, queues};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_client::call::{MediaCall, MediaEnd, MediaOptions};
use switchboard_client::meeting::{MeetingMedia, MeetingVideo, PeerState};
use switchboard_client::meter::CallQuality;
use switchboard_client::{Api, ClientError, Engine, Event};
use switchboard_media::Hold;
use switchboard_media::audio::{AudioSink, AudioSource};
use switchboard_media::devices::{DeviceHandle, DeviceSwitch, VoiceControl};
use switchboard_protocol::CallStatus;
use switchboard_protocol::api::CallSession;
use tokio::sync::{Notify, broadcast};

/// The call `call_id`, placed to `name`, once they answer; or why not, in words.
pub(crate) async fn answered(
    events: &mut broadcast::Receiver<Event>,
    call_id: i64,
    name: &str,
) -> Result<CallSession> {
    let call = wait_status(
        events,
        call_id,
        Duration::from_secs(120),
        &[CallStatus::Active],
    )
    .await?;
    if call.status != CallStatus::Active {
        bail!("{}", why_not(&call, name));
    }
    println!("{name} answered.");
    Ok(call)
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

/// How a call this side talked in came to an end.
enum End {
    /// This side hung up (the duration passed, or Ctrl-C).
    Local,
    /// The other side hung up, or the call ended on the server.
    Remote,
    /// The other side put this one through to someone: this call (ringing, for a blind
    /// transfer; under way, for an attended one) goes on in its place.
    TransferredTo(Box<CallSession>),
    /// Someone was added and the call became this meeting.
    Meeting(i64),
}

/// How long after the other side leaves a call to wait for the call that may follow it
/// (a transfer's): the server sends the end and the new call back to back.
const SUCCESSOR_GRACE: Duration = Duration::from_secs(1);

/// Whether `call` takes over from `ended` for `me`: the other side transferred it and
/// `me` now calls someone (blind), or `me` was the one consulted and is now in it with
/// the held party (attended).
fn takes_over(call: &CallSession, ended: i64, me: i64) -> bool {
    if call.status.is_final() || call.transferred_from.is_none() {
        return false;
    }
    let blind = call.initiator == me && call.transferred_from == Some(ended);
    let consulted = call.recipient == me && call.status == CallStatus::Active;
    blind || consulted
}

/// Who holds `call`, seen from `me`.
fn hold_of(call: &CallSession, me: i64) -> Hold {
    match call.on_hold_by {
        None => Hold::Off,
        Some(holder) if holder == me => Hold::ByUs,
        Some(_) => Hold::ByThem,
    }
}

/// A conversation's sound, kept across the calls it goes through (a transfer, a call that
/// becomes a meeting): one recording, one open microphone, one set of statistics.
pub(crate) struct Line {
    source: SharedSource,
    sink: SharedSink,
    devices: Vec<DeviceHandle>,
    voice: Option<VoiceControl>,
    switches: Arc<Mutex<Vec<DeviceSwitch>>>,
}

impl Line {
    pub(crate) fn open(audio: &AudioArgs) -> Result<Line> {
        let ends = audio.open()?;
        Ok(Line {
            source: SharedSource(Arc::new(Mutex::new(ends.source))),
            sink: SharedSink(Arc::new(Mutex::new(ends.sink))),
            devices: ends.devices,
            voice: ends.voice,
            switches: ends.switches,
        })
    }

    /// Writes `stats` (a JSON object) with what the sound devices did added: the voice
    /// processing's figures, the queues, the devices' own moves.
    fn write_stats(&self, path: &Path, mut stats: serde_json::Value) -> Result<()> {
        if let Some(fields) = stats.as_object_mut() {
            fields.insert(
                "voice".into(),
                json!(self.voice.as_ref().map(VoiceControl::stats)),
            );
            fields.insert("queues".into(), queues(&self.devices));
            fields.insert(
                "device_switches".into(),
                json!(self.switches.lock().map(|s| s.clone()).unwrap_or_default()),
            );
        }
        std::fs::write(path, serde_json::to_vec_pretty(&stats)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    fn source(&self) -> Box<dyn AudioSource> {
        Box::new(self.source.clone())
    }

    fn sink(&self) -> Box<dyn AudioSink> {
        Box::new(self.sink.clone())
    }
}

/// One source lent to each call of a conversation in turn.
#[derive(Clone)]
struct SharedSource(Arc<Mutex<Box<dyn AudioSource>>>);

impl AudioSource for SharedSource {
    fn fill(&mut self, frame: &mut [i16]) {
        if let Ok(mut source) = self.0.lock() {
            source.fill(frame);
        }
    }

    fn frame_ready(&self) -> Option<Arc<Notify>> {
        self.0.lock().ok()?.frame_ready()
    }

    fn has_frame(&self) -> bool {
        self.0.lock().map(|s| s.has_frame()).unwrap_or(true)
    }
}

/// One sink (a recording, the speakers) lent to each call of a conversation in turn.
#[derive(Clone)]
struct SharedSink(Arc<Mutex<Box<dyn AudioSink>>>);

impl AudioSink for SharedSink {
    fn push(&mut self, frame: &[i16]) {
        if let Ok(mut sink) = self.0.lock() {
            sink.push(frame);
        }
    }
}

/// Talks in `call`, and in whatever it turns into: a transfer (this side is put through
/// to someone, or is the one a held caller is joined with) or a meeting (someone was
/// added). Until the duration passes, or the last of them ends.
pub(crate) async fn converse(
    engine: &Engine,
    events: &mut broadcast::Receiver<Event>,
    call: CallSession,
    audio: &AudioArgs,
    mute_after: Option<f64>,
) -> Result<()> {
    let line = match Line::open(audio) {
        Ok(line) => line,
        Err(e) => return Err(hang_up_after(engine, call.id, e).await),
    };
    let mut call = call;
    let mut until = None;
    loop {
        let end = match talk(engine, events, &call, audio, &line, &mut until, mute_after).await {
            Ok(end) => end,
            Err(e) => return Err(hang_up_after(engine, call.id, e).await),
        };
        let left = until.map(|until: Instant| until.saturating_duration_since(Instant::now()));
        match end {
            End::Local | End::Remote => return Ok(()),
            End::Meeting(meeting_id) => {
                println!("The call became a meeting; joining it.");
                return meet(engine.api(), meeting_id, &line, audio, left).await;
            }
            End::TransferredTo(next) if next.status == CallStatus::Active => {
                println!(
                    "Transferred: now talking with {}.",
                    other_name(&next, engine.me().id)
                );
                call = *next;
            }
            End::TransferredTo(next) => {
                let name = other_name(&next, engine.me().id);
                println!("Transferred: calling {name}…");
                call = answered(events, next.id, &name).await?;
            }
        }
    }
}

/// A call this side cannot talk in (no sound device, no audio path) is ended, not left
/// active: otherwise both sides stay busy ("already in a call") until the presence
/// feed notices one of them gone. Returns `error`, for the caller to report.
async fn hang_up_after(engine: &Engine, call_id: i64, error: anyhow::Error) -> anyhow::Error {
    match engine.end(call_id).await {
        Ok(_) => println!("Hung up."),
        // Over already (the other side hung up first): nothing to end.
        Err(ClientError::Refused { status, .. }) if status.as_u16() == 409 => {}
        Err(e) => eprintln!(
            "The call could not be ended either ({e}); it ends when the server sees this side gone."
        ),
    }
    error
}

/// The name of `call`'s other party, seen from `me`.
fn other_name(call: &CallSession, me: i64) -> String {
    let other = if call.initiator == me {
        &call.recipient_details
    } else {
        &call.initiator_details
    };
    if other.full_name.is_empty() {
        other.username.clone()
    } else {
        other.full_name.clone()
    }
}

/// Talks in one call until the duration passes (counted from the conversation's first
/// connected call, `until`), the other side hangs up, or the call ends or moves on; then
/// hangs up if it was us. Says how it ended.
async fn talk(
    engine: &Engine,
    events: &mut broadcast::Receiver<Event>,
    call: &CallSession,
    audio: &AudioArgs,
    line: &Line,
    until: &mut Option<Instant>,
    mute_after: Option<f64>,
) -> Result<End> {
    let api = engine.api();
    let me = engine.me().id;
    let options = MediaOptions::for_server(api.base());
    let video = audio.video_options()?;
    let mut media =
        MediaCall::start_with_video(api, me, call, line.source(), line.sink(), options, video)
            .await?;
    // Events that come while the audio connects are kept for the talk below, which says
    // how the call went on: a call that ends meanwhile (hung up, grown into a meeting,
    // transferred) stops the wait, else this side waited out the 15 s.
    let mut early = VecDeque::new();
    let setup = tokio::select! {
        setup = media.connected(Duration::from_secs(15)) => {
            Some(setup.context("the audio did not connect")?)
        }
        () = until_ended(events, call.id, &mut early) => None,
    };
    match setup {
        Some(setup) => println!(
            "Connected: audio is flowing (set up in {} ms).",
            setup.as_millis()
        ),
        None => println!("The audio had not connected yet."),
    }
    let talk_started = Instant::now();
    let until = *until.get_or_insert_with(|| {
        audio
            .duration
            .and_then(|d| talk_started.checked_add(Duration::from_secs_f64(d)))
            .unwrap_or_else(|| talk_started + Duration::from_secs(86_400 * 365))
    });
    let mute_at = mute_after.map(|after| talk_started + Duration::from_secs_f64(after));
    let mut muted = false;
    let mut hold = hold_of(call, me);
    let apply = |media: &MediaCall, muted: bool, hold: Hold| {
        // On hold nothing is sent either way, whatever mute says.
        media.set_muted(muted || hold != Hold::Off);
        media.set_hold(hold);
    };
    apply(&media, muted, hold);
    // When the other side went: a call that follows this one may still come until
    // SUCCESSOR_GRACE after it, but the talk ended then.
    let mut gone: Option<tokio::time::Instant> = None;
    let far = tokio::time::Instant::now() + Duration::from_secs(86_400);
    let end = loop {
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => break End::Local,
            _ = tokio::time::sleep_until(mute_at.map_or(far, Into::into)), if mute_at.is_some() && !muted => {
                muted = true;
                apply(&media, muted, hold);
                println!("Muted.");
            }
            _ = tokio::time::sleep_until(gone.map_or(far, |at| at + SUCCESSOR_GRACE)), if gone.is_some() => break End::Remote,
            end = media.remote_end(), if gone.is_none() => {
                if end == MediaEnd::MediaLost {
                    eprintln!("switchboard-cli: the connection to the other side was lost");
                    break End::Remote;
                }
                gone = Some(tokio::time::Instant::now());
            }
            event = next_event(&mut early, events) => match event {
                Ok(Event::CallUpdated { call: update }) if update.id == call.id => {
                    if let Some(meeting) = update.escalated_to_meeting.filter(|_| update.status.is_final()) {
                        break End::Meeting(meeting);
                    }
                    if update.status.is_final() {
                        gone.get_or_insert_with(tokio::time::Instant::now);
                        continue;
                    }
                    let now = hold_of(&update, me);
                    if now != hold {
                        hold = now;
                        apply(&media, muted, hold);
                        match hold {
                            Hold::Off => println!("Off hold."),
                            Hold::ByUs => println!("On hold (held from another device)."),
                            Hold::ByThem => println!("On hold: {} holds the call.", other_name(&update, me)),
                        }
                    }
                }
                Ok(Event::CallUpdated { call: update }) if takes_over(&update, call.id, me) => {
                    break End::TransferredTo(update);
                }
                _ => {}
            },
            _ = tokio::signal::ctrl_c() => break End::Local,
        }
    };
    let talked = match gone {
        Some(at) if matches!(end, End::Remote) => at.into_std().duration_since(talk_started),
        _ => talk_started.elapsed(),
    };
    let quality = media.quality().await;
    let media_video = media.video_stats();
    media.hang_up().await;
    let ended_here = match &end {
        End::Local => engine.end(call.id).await.ok(),
        // Already ended by the other side, or moved on.
        _ => None,
    };
    let record = match ended_here {
        Some(record) => record,
        None => engine.api().call(call.id).await?,
    };
    let by = match &end {
        End::Local => "you",
        End::Remote => "the other side",
        End::TransferredTo(_) => "a transfer",
        End::Meeting(_) => "adding someone",
    };
    println!("Call ended by {by} ({}).", record.duration_formatted);
    println!("{}", describe_quality(&quality));
    let video = audio.wants_video().then_some(media_video);
    if let Some(v) = &video {
        println!(
            "Video: {} pictures sent; {} received at {} fps, {}×{}.",
            v.frames_sent, v.frames_decoded, v.fps, v.width, v.height
        );
    }
    if let Some(path) = &audio.stats_json {
        let ended_by = if matches!(end, End::Local) {
            "local"
        } else {
            "remote"
        };
        let stats = json!({
            "call_id": call.id,
            "video": video,
            "setup_ms": setup.map(|s| s.as_millis() as u64),
            "talk_ms": talked.as_millis() as u64,
            "ended_by": ended_by,
            "status": record.status,
            "duration_seconds": record.duration_seconds,
            "quality": quality,
        });
        line.write_stats(path, stats)?;
    }
    Ok(end)
}

/// Keeps every event in `early` until one says call `call_id` is over.
async fn until_ended(
    events: &mut broadcast::Receiver<Event>,
    call_id: i64,
    early: &mut VecDeque<Event>,
) {
    loop {
        match events.recv().await {
            Ok(event) => {
                let over = matches!(&event, Event::CallUpdated { call } if call.id == call_id && call.status.is_final());
                early.push_back(event);
                if over {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

/// The next event: those kept while the audio connected first.
async fn next_event(
    early: &mut VecDeque<Event>,
    events: &mut broadcast::Receiver<Event>,
) -> Result<Event, broadcast::error::RecvError> {
    match early.pop_front() {
        Some(event) => Ok(event),
        None => events.recv().await,
    }
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

/// Talks in the meeting for `until` (or until Ctrl-C, or the meeting ends).
pub(crate) async fn meet(
    api: &Api,
    meeting_id: i64,
    line: &Line,
    audio: &AudioArgs,
    until: Option<Duration>,
) -> Result<()> {
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
    // With --video every member's pictures are decoded and counted (no window to show
    // them in); ours go to everyone through one encoder.
    let video = audio.video_source()?.map(|source| MeetingVideo {
        source: Some(source),
        sink_for: Arc::new(|_| None),
    });
    let media = MeetingMedia::join_with_video(
        api,
        me.id,
        meeting_id,
        line.source(),
        line.sink(),
        options,
        video,
    )
    .await?;
    println!(
        "Joined \"{}\" ({} invited); waiting for the others.",
        meeting.title,
        names.len()
    );
    let started = Instant::now();
    let until = until.unwrap_or(Duration::MAX);
    let mut peers = media.watch();
    let mut closed = media.closed();
    let mut shown = std::collections::BTreeMap::new();
    let mut setups = serde_json::Map::new();
    // Each member's video as last seen: read every second, so that the pictures of one
    // who left before us are still counted.
    let mut video = std::collections::BTreeMap::new();
    let mut read_video = tokio::time::interval(Duration::from_secs(1));
    loop {
        let left = until.saturating_sub(started.elapsed());
        tokio::select! {
            // The room's close before the peers' end: both come when the host deletes it.
            biased;
            _ = tokio::time::sleep(left.min(Duration::from_secs(86_400))) => break,
            _ = read_video.tick(), if audio.wants_video() => video.extend(media.video_stats()),
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
    video.extend(media.video_stats());
    let video: serde_json::Map<String, serde_json::Value> = video
        .into_iter()
        .map(|(id, stats)| (name_of(id), json!(stats)))
        .collect();
    media.leave().await;
    println!("Left the meeting.");
    if audio.wants_video() {
        for (name, v) in &video {
            println!(
                "Video from {name}: {} received at {} fps, {}×{}; {} of ours sent.",
                v["frames_decoded"], v["fps"], v["width"], v["height"], v["frames_sent"]
            );
        }
    }
    if let Some(path) = &audio.stats_json {
        let stats = json!({
            "meeting_id": meeting_id,
            "talk_ms": talked.as_millis() as u64,
            "setup_ms": setups,
            "video": audio.wants_video().then_some(video),
        });
        line.write_stats(path, stats)?;
    }
    Ok(())
}
