//! The phone: one signed-in user's calls, start to end, for an app with a UI.
//!
//! The engine reports what the server says about calls; the phone acts on it. When this
//! user's call turns `active` (they answered, or the callee did) it opens the sound
//! devices and starts the media; when either side hangs up, the call fails to connect or
//! the link to the other side is lost, it stops the media and records the end. It emits
//! [`Event::Media`], [`Event::Muted`] and [`Event::MissedCalls`] into the engine's stream,
//! so the desktop shell only forwards events and calls these methods.

use crate::call::MediaOptions;
use crate::engine::Engine;
use crate::error::ClientError;
use crate::events::{EndReason, Event, MediaState};
use std::any::Any;
use std::sync::Arc;
use std::time::Duration;
use switchboard_media::Hold;
use switchboard_media::audio::{AudioSink, AudioSource};
use switchboard_media::video::{VideoSink, VideoSource};
use switchboard_protocol::api::{CallSession, InitiateCall};
use switchboard_protocol::crm::Regarding;
use switchboard_protocol::{CallStatus, CallType};
use tokio::sync::{Mutex, broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

mod handover;
mod media;

use media::start_media;

/// A call's sound: where it comes from, where it goes, and whatever must stay alive
/// meanwhile (open device streams).
pub struct CallAudio {
    pub source: Box<dyn AudioSource>,
    pub sink: Box<dyn AudioSink>,
    pub keep: Box<dyn Any + Send>,
}

/// Opens a call's sound when the call connects (devices, or tones in tests).
pub type OpenAudio = Arc<dyn Fn() -> Result<CallAudio, String> + Send + Sync>;

/// A call's pictures: what this side sends (none: it only receives; an error: its camera
/// would not open, said to the user) and where the far end's go once decoded.
pub struct CallVideo {
    pub source: Result<Option<Box<dyn VideoSource>>, String>,
    pub sink: Option<Box<dyn VideoSink>>,
}

/// Opens a call's pictures when it connects: for a video call, a camera, the screen or a
/// window; for a voice call, no source (video may still be turned on later, see
/// [`Phone::set_video`]), and the sink for the far end's, should it turn its own on.
pub type OpenVideo = Arc<dyn Fn(CallType) -> CallVideo + Send + Sync>;

/// How long the media may take to connect before the call is given up.
const CONNECT_WITHIN: Duration = Duration::from_secs(20);

/// This user's calls.
pub struct Phone {
    engine: Arc<Engine>,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

struct Shared {
    engine: Arc<Engine>,
    open_audio: OpenAudio,
    /// `None`: this phone takes video calls as audio only.
    open_video: Option<OpenVideo>,
    options: MediaOptions,
    current: Mutex<Current>,
    missed: std::sync::Mutex<u32>,
}

#[derive(Default)]
struct Current {
    call: Option<CallSession>,
    /// The last call that ended here: a call transferred from it is this phone's next.
    ended: Option<i64>,
    /// A call this phone is transferring: its end is [`Phone::transfer`]'s to report.
    transferring: Option<i64>,
    media: Option<MediaHandle>,
    muted: bool,
    /// A call this side holds while it consults someone (an attended transfer).
    parked: Option<Parked>,
}

/// A held call waiting while this side consults someone: its media keeps running, silent
/// (the other side hears the hold beep).
struct Parked {
    call: CallSession,
    media: Option<MediaHandle>,
    /// The user's mute in it, given back with it.
    muted: bool,
    /// Being joined with the consultation: its end is [`Phone::complete_transfer`]'s.
    transferring: bool,
}

/// The running media task of the current call.
struct MediaHandle {
    stop: oneshot::Sender<()>,
    muted: watch::Sender<bool>,
    hold: watch::Sender<Hold>,
    video: mpsc::UnboundedSender<VideoChange>,
    task: JoinHandle<()>,
}

/// A source to send in place of the current one (`None`: stop sending video).
type VideoChange = Option<Box<dyn VideoSource>>;

impl Phone {
    /// Starts acting on `engine`'s events; video calls are taken as audio only.
    pub fn new(engine: Arc<Engine>, open_audio: OpenAudio) -> Phone {
        Phone::with_video(engine, open_audio, None)
    }

    /// [`new`](Self::new), and a video call (placed or answered here) carries pictures
    /// both ways, as `open_video` opens them.
    pub fn with_video(
        engine: Arc<Engine>,
        open_audio: OpenAudio,
        open_video: Option<OpenVideo>,
    ) -> Phone {
        let options = MediaOptions::for_server(engine.api().base());
        let shared = Arc::new(Shared {
            engine: engine.clone(),
            open_audio,
            open_video,
            options,
            current: Mutex::default(),
            missed: std::sync::Mutex::new(0),
        });
        let events = engine.events();
        let task = tokio::spawn(follow(shared.clone(), events));
        Phone {
            engine,
            shared,
            task,
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The call this user is in or being rung for, if any.
    pub async fn current_call(&self) -> Option<CallSession> {
        self.shared.current.lock().await.call.clone()
    }

    pub async fn muted(&self) -> bool {
        self.shared.current.lock().await.muted
    }

    /// Calls `user_id`. Refused while another call is under way.
    pub async fn call(&self, user_id: i64) -> Result<CallSession, ClientError> {
        self.call_about(user_id, None).await
    }

    /// Calls `user_id` about a CRM record (shown to them with the ring, kept on the call).
    pub async fn call_about(
        &self,
        user_id: i64,
        regarding: Option<Regarding>,
    ) -> Result<CallSession, ClientError> {
        self.call_with(user_id, CallType::Audio, regarding).await
    }

    /// Calls `user_id`, a voice or a video call, about a record if `regarding` says.
    pub async fn call_with(
        &self,
        user_id: i64,
        call_type: CallType,
        regarding: Option<Regarding>,
    ) -> Result<CallSession, ClientError> {
        let mut current = self.shared.current.lock().await;
        if let Some(call) = &current.call {
            return Err(already_in(call, self.engine.me().id));
        }
        let call = self
            .engine
            .start_call(&InitiateCall {
                recipient_id: user_id,
                call_type: Some(call_type),
                regarding,
            })
            .await?;
        current.call = Some(call.clone());
        current.muted = false;
        Ok(call)
    }

    /// Answers a ringing call; the media starts when the engine reports it active.
    pub async fn answer(&self, call_id: i64) -> Result<CallSession, ClientError> {
        // Held across the request: the engine reports the answer as it returns, and the
        // follower must find this call current when it sees it turn active.
        let mut current = self.shared.current.lock().await;
        if let Some(call) = current.call.as_ref().filter(|c| c.id != call_id) {
            return Err(already_in(call, self.engine.me().id));
        }
        if let Some(parked) = &current.parked {
            return Err(ClientError::Busy(format!(
                "{} is waiting on hold: take the call back or end it first.",
                parked.call.peer_of(self.engine.me().id).display_name()
            )));
        }
        let call = self.engine.answer(call_id).await?;
        current.call = Some(call.clone());
        current.muted = false;
        Ok(call)
    }

    pub async fn reject(&self, call_id: i64) -> Result<CallSession, ClientError> {
        self.engine.reject(call_id).await
    }

    /// Ends the current call: hangs up an active one, cancels an outgoing one that still
    /// rings, rejects an incoming one. Nothing to do is not an error.
    pub async fn hang_up(&self) -> Result<(), ClientError> {
        let (call, media) = {
            let mut current = self.shared.current.lock().await;
            match current.call.take() {
                Some(call) => (Some(call), current.media.take()),
                // Only a held call left (the consultation is over): that one ends.
                None => match current.parked.take() {
                    Some(parked) => (Some(parked.call), parked.media),
                    None => (None, None),
                },
            }
        };
        let Some(call) = call else { return Ok(()) };
        if let Some(media) = media {
            media
                .stop(&self.shared.engine, call.id, EndReason::Local, None)
                .await;
        }
        match self.engine.end(call.id).await {
            Ok(_) => Ok(()),
            // The other side ended it at the same moment: it is over either way.
            Err(ClientError::Refused { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Mutes or unmutes this side; kept for the rest of the call.
    pub async fn set_muted(&self, muted: bool) {
        let mut current = self.shared.current.lock().await;
        current.muted = muted;
        if let Some(media) = &current.media {
            let _ = media.muted.send(muted);
        }
        if let Some(call) = &current.call {
            self.shared.emit(Event::Muted {
                call_id: call.id,
                muted,
            });
        }
    }

    /// Sends `source`'s pictures in the current call from now on, in place of what it
    /// sent before (`None`: stops sending; the source is dropped, a camera's light goes
    /// off). A voice call becomes a video call this way, without the voice stopping. Not
    /// in a call, or in one this phone cannot do video in, is an error in words.
    pub async fn set_video(&self, source: Option<Box<dyn VideoSource>>) -> Result<(), ClientError> {
        if self.shared.open_video.is_none() {
            return Err(ClientError::Invalid(
                "This app cannot send video.".to_owned(),
            ));
        }
        let current = self.shared.current.lock().await;
        match &current.media {
            Some(media) if media.video.send(source).is_ok() => Ok(()),
            _ => Err(ClientError::Invalid(
                "There is no call to send video in; start or answer one first.".to_owned(),
            )),
        }
    }

    /// Puts the current call on hold (`true`: no sound either way; the other side hears a
    /// soft beep every few seconds) or takes it back. Only the one who held it can. Not in
    /// an active call is an error in words.
    pub async fn set_held(&self, on: bool) -> Result<CallSession, ClientError> {
        let call_id = {
            let current = self.shared.current.lock().await;
            match &current.call {
                Some(call) if call.status == CallStatus::Active => call.id,
                _ => {
                    return Err(ClientError::Invalid(
                        "There is no call in progress to hold or resume.".to_owned(),
                    ));
                }
            }
        };
        // The server tells both sides (`call_status`); that is what changes the sound.
        self.engine.hold(call_id, on).await
    }

    /// Calls missed since [`Phone::reset_missed`].
    pub fn missed_calls(&self) -> u32 {
        self.shared.missed.lock().map(|m| *m).unwrap_or(0)
    }

    /// The user has seen their missed calls (opened the history).
    pub fn reset_missed(&self) {
        if let Ok(mut missed) = self.shared.missed.lock() {
            *missed = 0;
        }
        self.shared.emit(Event::MissedCalls { count: 0 });
    }

    /// Hangs up whatever runs and stops following events.
    pub async fn shut_down(&self) {
        let _ = self.hang_up().await;
        self.task.abort();
    }
}

impl Drop for Phone {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn already_in(call: &CallSession, me: i64) -> ClientError {
    let other = if call.initiator == me {
        &call.recipient_details
    } else {
        &call.initiator_details
    };
    ClientError::Busy(format!(
        "You are already in a call with {}; end it first.",
        other.display_name()
    ))
}

impl Shared {
    fn emit(&self, event: Event) {
        let _ = self.engine.emitter().send(event);
    }

    fn emit_media(&self, call_id: i64, media: MediaState) {
        self.emit(Event::Media { call_id, media });
    }
}

impl MediaHandle {
    /// Stops the media (hanging up on the signaling room) and reports why.
    async fn stop(self, engine: &Engine, call_id: i64, reason: EndReason, message: Option<String>) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(3), self.task).await;
        let _ = engine.emitter().send(Event::Media {
            call_id,
            media: MediaState::Ended { reason, message },
        });
    }
}

/// Follows the engine's events for as long as the phone lives.
async fn follow(shared: Arc<Shared>, mut events: broadcast::Receiver<Event>) {
    let me = shared.engine.me().id;
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(skipped = n, "phone fell behind the event stream");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let Event::CallUpdated { call } = event else {
            continue;
        };
        if call.initiator != me && call.recipient != me {
            continue;
        }
        if call.recipient == me && call.status == CallStatus::Missed {
            let count = shared
                .missed
                .lock()
                .map(|mut m| {
                    *m += 1;
                    *m
                })
                .unwrap_or(0);
            shared.emit(Event::MissedCalls { count });
        }
        on_call_update(&shared, *call).await;
    }
}

async fn on_call_update(shared: &Arc<Shared>, call: CallSession) {
    let mut current = shared.current.lock().await;
    let me = shared.engine.me().id;
    if let Some(parked) = current.parked.as_mut().filter(|p| p.call.id == call.id) {
        if !call.status.is_final() {
            if let Some(media) = &parked.media {
                let hold = hold_of(&call, me);
                media
                    .hold
                    .send_if_modified(|h| std::mem::replace(h, hold) != hold);
            }
            parked.call = call;
            return;
        }
        if parked.transferring {
            return; // Phone::complete_transfer ends it, saying to whom
        }
        // The held party hung up while we consulted.
        let media = current.parked.take().and_then(|p| p.media);
        drop(current);
        if let Some(media) = media {
            media
                .stop(&shared.engine, call.id, EndReason::Remote, None)
                .await;
        }
        return;
    }
    let ours = current.call.as_ref().is_some_and(|c| c.id == call.id);
    if !ours && transferred_here(&current, &call, me) {
        // The other side put us through to someone: this phone now places that call (a
        // blind transfer), or is in it already (an attended one: both said yes).
        tracing::info!(call_id = call.id, from = ?call.transferred_from, "call transferred here");
        let old = current.call.as_ref().map_or(0, |c| c.id);
        let old_media = current.media.take();
        current.call = Some(call.clone());
        if call.status == CallStatus::Active {
            let hold = hold_of(&call, me);
            current.media = Some(start_media(shared.clone(), call, current.muted, hold));
        }
        drop(current);
        if let Some(media) = old_media {
            media
                .stop(&shared.engine, old, EndReason::Remote, None)
                .await;
        }
        return;
    }
    if !ours {
        // A call this phone did not place or answer (another device of the same user,
        // or an invite still ringing): nothing to run.
        return;
    }
    if call.status.is_final() && current.transferring == Some(call.id) {
        return; // Phone::transfer ends it, saying to whom
    }
    if call.status.is_final() {
        current.call = None;
        current.ended = Some(call.id);
        if let Some(media) = current.media.take() {
            drop(current);
            let message = call
                .escalated_to_meeting
                .map(|_| "The call moved to a meeting.".to_owned());
            media
                .stop(&shared.engine, call.id, EndReason::Remote, message)
                .await;
        }
        return;
    }
    // News of a call does not arrive in order: the answer pushed by the server can come
    // before the placing command's own reply (`pending`). An older picture of the current
    // call is dropped; it would make the call look not yet answered (hold refused).
    if current
        .call
        .as_ref()
        .is_some_and(|c| call.status.stage() < c.status.stage())
    {
        return;
    }
    let muted = current.muted;
    current.call = Some(call.clone());
    let hold = hold_of(&call, shared.engine.me().id);
    match &current.media {
        None if call.status == CallStatus::Active => {
            current.media = Some(start_media(shared.clone(), call, muted, hold));
        }
        Some(media) => {
            media
                .hold
                .send_if_modified(|h| std::mem::replace(h, hold) != hold);
        }
        None => {}
    }
}

/// Whether `call` is one the server started for `me` in place of this phone's current
/// (or just ended) call: the other side transferred it, and `me` now calls someone; or,
/// after an attended transfer, `me` was the one consulted and is now in it, already
/// under way, with the other party.
fn transferred_here(current: &Current, call: &CallSession, me: i64) -> bool {
    let Some(from) = call.transferred_from else {
        return false;
    };
    if call.status.is_final() {
        return false;
    }
    let was_here =
        current.call.as_ref().is_some_and(|c| c.id == from) || current.ended == Some(from);
    let consulted = call.recipient == me
        && call.status == CallStatus::Active
        && (current.call.is_some() || current.ended.is_some());
    (call.initiator == me && was_here) || consulted
}

/// Who holds `call`, seen from `me`.
fn hold_of(call: &CallSession, me: i64) -> Hold {
    match call.on_hold_by {
        None => Hold::Off,
        Some(holder) if holder == me => Hold::ByUs,
        Some(_) => Hold::ByThem,
    }
}
