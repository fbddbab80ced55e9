//! The engine: keeps a signed-in user connected and tells the UI what happens.
//!
//! - The listener holds `/api/ws/{id}`. When it drops, it reconnects with full-jitter
//!   backoff (capped at 10 s) and then resynchronises: the current call and the directory
//!   are fetched again, so nothing that happened during the drop is missed.
//! - Against a server without that WebSocket (a seeds-style CRM backend answers 404), it
//!   polls `my_active_call/` every 2 s instead — the seeds' own design — and says so in
//!   its connection state.
//! - The heartbeat keeps the user online every 30 s.

use crate::api::Api;
use crate::backoff::Backoff;
use crate::calls_seen::{CallsSeen, Invite};
use crate::error::ClientError;
use crate::events::{ConnectionState, Event, RealtimeMode};
use crate::room::Dial;
use futures::{SinkExt, StreamExt};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_protocol::api::{CallSession, DirectoryEntry, InitiateCall, UserInfo};
use switchboard_protocol::ws::Notification;
use switchboard_protocol::{CallAction, CallType, PresenceStatus};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::Error as WsError;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub heartbeat_every: Duration,
    pub poll_every: Duration,
    /// How often the socket sends `{"type":"ping"}` so idle links stay open.
    pub ping_every: Duration,
    pub backoff: Backoff,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            heartbeat_every: Duration::from_secs(30),
            poll_every: Duration::from_secs(2),
            ping_every: Duration::from_secs(20),
            backoff: Backoff::default(),
        }
    }
}

/// A running engine for one signed-in user. Dropping it stops its tasks.
pub struct Engine {
    api: Api,
    me: UserInfo,
    events: broadcast::Sender<Event>,
    tasks: Vec<JoinHandle<()>>,
}

/// State shared by the engine's tasks.
struct Shared {
    api: Api,
    me: UserInfo,
    events: broadcast::Sender<Event>,
    config: EngineConfig,
    /// What has been reported of each call, so nothing rings or is reported twice.
    calls: Mutex<CallsSeen>,
    /// Everyone in the last directory: presence of someone else means a new colleague.
    known_users: Mutex<HashSet<i64>>,
    /// Set while a directory refetch for a new colleague is under way.
    refetching: std::sync::atomic::AtomicBool,
}

impl Engine {
    /// Starts listening and heartbeating for the user `api` is signed in as.
    pub async fn start(api: Api, config: EngineConfig) -> Result<Engine, ClientError> {
        let me = api.me().await?;
        let (events, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            api: api.clone(),
            me: me.clone(),
            events: events.clone(),
            config,
            calls: Mutex::new(CallsSeen::default()),
            known_users: Mutex::new(HashSet::new()),
            refetching: std::sync::atomic::AtomicBool::new(false),
        });
        let tasks = vec![
            tokio::spawn(listen(shared.clone())),
            tokio::spawn(heartbeat(shared)),
        ];
        Ok(Engine {
            api,
            me,
            events,
            tasks,
        })
    }

    /// Where a call's media reports levels and quality, into the same stream.
    pub fn emitter(&self) -> broadcast::Sender<Event> {
        self.events.clone()
    }

    /// Events from now on. Subscribe before acting to miss nothing.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub fn me(&self) -> &UserInfo {
        &self.me
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Calls `user_id`; refusals come back as sentences ("bob is busy.").
    pub async fn call(
        &self,
        user_id: i64,
        call_type: CallType,
    ) -> Result<CallSession, ClientError> {
        let call = self.api.initiate_call(user_id, call_type).await?;
        self.publish_call(&call);
        Ok(call)
    }

    /// Calls as `request` says (to whom, audio or video, about which CRM record).
    pub async fn start_call(&self, request: &InitiateCall) -> Result<CallSession, ClientError> {
        let call = self.api.start_call(request).await?;
        self.publish_call(&call);
        Ok(call)
    }

    /// Declines a ringing call with a message the caller sees at once.
    pub async fn decline(&self, call_id: i64, message: &str) -> Result<CallSession, ClientError> {
        let call = self.api.decline(call_id, message).await?;
        self.publish_call(&call);
        Ok(call)
    }

    pub async fn answer(&self, call_id: i64) -> Result<CallSession, ClientError> {
        self.act(call_id, CallAction::Answer).await
    }

    pub async fn reject(&self, call_id: i64) -> Result<CallSession, ClientError> {
        self.act(call_id, CallAction::Reject).await
    }

    /// Hangs up: before an answer this cancels (caller) or rejects (callee).
    pub async fn end(&self, call_id: i64) -> Result<CallSession, ClientError> {
        self.act(call_id, CallAction::End).await
    }

    /// Puts the active call on hold (`true`) or takes it back; the other side is told.
    pub async fn hold(&self, call_id: i64, on: bool) -> Result<CallSession, ClientError> {
        let action = if on {
            CallAction::Hold
        } else {
            CallAction::Resume
        };
        self.act(call_id, action).await
    }

    /// A blind transfer of active call `call_id` to `to_user_id`: returns the new call (the
    /// other party calling them) after reporting it and the old one, ended.
    pub async fn transfer(
        &self,
        call_id: i64,
        to_user_id: i64,
    ) -> Result<CallSession, ClientError> {
        let done = self.api.transfer(call_id, to_user_id).await?;
        self.publish_call(&done.transferred_call);
        self.publish_call(&done.call_session);
        Ok(done.call_session)
    }

    /// Joins the held call `call_id`'s other party with the one in `to_call_id` (an
    /// attended transfer); returns their new call, already active.
    pub async fn transfer_to_call(
        &self,
        call_id: i64,
        to_call_id: i64,
    ) -> Result<CallSession, ClientError> {
        let done = self.api.transfer_attended(call_id, to_call_id).await?;
        self.publish_call(&done.transferred_call);
        Ok(done.call_session)
    }

    /// Adds `user_id` to the active call `call_id`: the call ends, pointing at the meeting
    /// of the three it grew into (see [`Phone::released`](crate::phone::Phone::released)).
    pub async fn add_participant(
        &self,
        call_id: i64,
        user_id: i64,
    ) -> Result<switchboard_protocol::api::AddParticipantResponse, ClientError> {
        let done = self.api.add_participant(call_id, user_id).await?;
        self.publish_call(&done.call_session);
        Ok(done)
    }

    async fn act(&self, call_id: i64, action: CallAction) -> Result<CallSession, ClientError> {
        let call = self.api.update_call(call_id, action).await?;
        self.publish_call(&call);
        Ok(call)
    }

    pub async fn set_status(
        &self,
        status: PresenceStatus,
        message: Option<&str>,
    ) -> Result<(), ClientError> {
        self.api
            .set_status(Some(status), None, message)
            .await
            .map(|_| ())
    }

    fn publish_call(&self, call: &CallSession) {
        let _ = self.events.send(Event::CallUpdated {
            call: Box::new(call.clone()),
        });
    }

    /// Stops listening and heartbeating.
    pub fn stop(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn emit_directory(&self, users: Vec<DirectoryEntry>) {
        if let Ok(mut known) = self.known_users.lock() {
            *known = users.iter().map(|u| u.id).collect();
        }
        self.emit(Event::Directory { users });
    }

    /// Whether `user_id` is missing from the last directory (an account added since).
    fn is_new_colleague(&self, user_id: i64) -> bool {
        user_id != self.me.id
            && self
                .known_users
                .lock()
                .map(|known| !known.contains(&user_id))
                .unwrap_or(false)
    }

    fn state(&self, state: ConnectionState) {
        self.emit(Event::Connection(state));
    }

    /// Reports a call: incoming once, and every status change once.
    fn saw_call(&self, call: &CallSession) {
        let report = self.calls().saw(self.me.id, call);
        if report.incoming {
            self.emit(Event::IncomingCall {
                call_id: call.id,
                from_user_id: call.initiator,
                caller_name: call.initiator_details.display_name().to_owned(),
                call_type: call.call_type,
                room_name: call.room_name.clone(),
                regarding: call.regarding.clone(),
            });
        }
        if report.changed {
            self.emit(Event::CallUpdated {
                call: Box::new(call.clone()),
            });
        }
    }

    /// The call tracker; a panic elsewhere while holding it leaves it usable.
    fn calls(&self) -> std::sync::MutexGuard<'_, CallsSeen> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn live_calls_seen(&self) -> Vec<i64> {
        self.calls().live()
    }

    /// After (re)connecting: the current call and everyone's presence, fetched again.
    async fn resync(&self) -> Result<(), ClientError> {
        if let Some(call) = self.api.my_active_call().await? {
            self.saw_call(&call);
        }
        // Calls we knew as live that ended while we were away.
        for id in self.live_calls_seen() {
            if let Ok(call) = self.api.call(id).await {
                self.saw_call(&call);
            }
        }
        let users = self.api.users().await?;
        self.emit_directory(users);
        Ok(())
    }

    /// Fetches the directory again (once at a time), for a colleague added since.
    fn refetch_directory(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        if self.refetching.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = self.clone();
        tokio::spawn(async move {
            match shared.api.users().await {
                Ok(users) => shared.emit_directory(users),
                Err(e) => tracing::info!(error = %e, "cannot fetch the new directory"),
            }
            shared.refetching.store(false, Ordering::Release);
        });
    }

    fn handle(self: &Arc<Self>, notification: Notification) {
        match notification {
            Notification::CallInvite {
                from_user_id,
                caller_name,
                call_id,
                call_type,
                room_name,
                regarding,
                timestamp,
            } => match self.calls().invite(call_id, timestamp, chrono::Utc::now()) {
                Invite::Ring => self.emit(Event::IncomingCall {
                    call_id,
                    from_user_id,
                    caller_name,
                    call_type,
                    room_name,
                    regarding,
                }),
                Invite::Seen => {}
                Invite::Stale => {
                    tracing::info!(call_id, sent = %timestamp, "an old invite arrived: asking the server whether it still rings");
                    let shared = self.clone();
                    tokio::spawn(async move {
                        match shared.api.call(call_id).await {
                            Ok(call) => shared.saw_call(&call),
                            Err(e) => {
                                tracing::info!(call_id, error = %e, "cannot check an old invite; not ringing it")
                            }
                        }
                    });
                }
            },
            Notification::CallStatus { call_session } => self.saw_call(&call_session),
            Notification::PresenceUpdate {
                user_id,
                status,
                available_for_calls,
                status_message,
            } => {
                if self.is_new_colleague(user_id) {
                    self.refetch_directory();
                }
                self.emit(Event::Presence {
                    user_id,
                    status,
                    available_for_calls,
                    status_message,
                })
            }
            Notification::CallbackDue { callback } => self.emit(Event::CallbackDue { callback }),
            Notification::NoteReceived { note } => self.emit(Event::NoteReceived { note }),
            Notification::ColleagueAvailable { camp_on } => {
                self.emit(Event::ColleagueAvailable { camp_on })
            }
            Notification::MeetingStarted {
                meeting,
                call,
                added_to_call,
            } => self.emit(Event::MeetingStarted {
                meeting,
                call,
                added_to_call,
            }),
            Notification::MeetingEnded { meeting_id, call } => {
                self.emit(Event::MeetingEnded { meeting_id, call })
            }
            Notification::MeetingScheduled { meeting } => {
                self.emit(Event::MeetingScheduled { meeting })
            }
            Notification::MeetingDeleted { meeting_id } => {
                self.emit(Event::MeetingDeleted { meeting_id })
            }
        }
    }
}

/// How a notification-socket session ended.
enum Ended {
    /// Lost: reconnect.
    Dropped(String),
    /// This server has no such WebSocket: poll instead.
    NoWebSocket,
    /// The token was refused: stop.
    SignedOut(String),
}

async fn listen(shared: Arc<Shared>) {
    let mut backoff = shared.config.backoff.clone();
    shared.state(ConnectionState::Connecting);
    loop {
        let ended = session(&shared, &mut backoff).await;
        let reason = match ended {
            Ended::NoWebSocket => {
                tracing::info!("the server has no notification socket; polling instead");
                poll(shared, backoff).await;
                return;
            }
            Ended::SignedOut(reason) => {
                shared.state(ConnectionState::Offline { reason });
                return;
            }
            Ended::Dropped(reason) => reason,
        };
        let delay = backoff.next_delay(rand::random::<f64>());
        tracing::info!(%reason, ?delay, "notification socket lost; reconnecting");
        shared.state(ConnectionState::Reconnecting {
            attempt: backoff.attempts(),
            retry_in_ms: delay.as_millis() as u64,
            reason,
        });
        tokio::time::sleep(delay).await;
    }
}

/// The server's sentence in a refused upgrade's JSON body (`{"error": …}`), without
/// its full stop (it is shown inside another sentence).
fn refusal_in(body: &Option<Vec<u8>>) -> Option<String> {
    let body: serde_json::Value = serde_json::from_slice(body.as_deref()?).ok()?;
    Some(body["error"].as_str()?.trim_end_matches('.').to_owned())
}

/// One connection of the notification socket, until it ends.
async fn session(shared: &Arc<Shared>, backoff: &mut Backoff) -> Ended {
    // `presence=1`: this client shows presence, so it takes the updates even from a
    // server that pushes them only to sockets that ask.
    let dial = match Dial::new(&shared.api, &format!("/api/ws/{}", shared.me.id)) {
        Ok(dial) => dial.with_query("presence=1"),
        Err(e) => return Ended::SignedOut(e.to_string()),
    };
    let mut ws = match dial.open().await {
        Ok(ws) => ws,
        Err(WsError::Http(response)) => {
            return match response.status().as_u16() {
                404 => Ended::NoWebSocket,
                401 | 403 => Ended::SignedOut(
                    refusal_in(response.body())
                        .unwrap_or_else(|| "the server refused the saved sign-in".into()),
                ),
                other => Ended::Dropped(format!("the server answered HTTP {other}")),
            };
        }
        Err(e) => {
            return Ended::Dropped(match ClientError::from_connect(shared.api.base(), &e) {
                Some(refused) => refused.to_string(),
                None => format!("cannot connect: {e}"),
            });
        }
    };
    backoff.reset();
    shared.state(ConnectionState::Online {
        mode: RealtimeMode::WebSocket,
    });
    if let Err(e) = shared.resync().await {
        tracing::warn!(error = %e, "resync after connecting failed");
    }
    let mut ping = tokio::time::interval(shared.config.ping_every);
    ping.tick().await;
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(notification) = serde_json::from_str::<Notification>(&text) {
                        shared.handle(notification);
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    // 1008 (policy): signed out, everywhere or here, or the account was
                    // disabled. Reconnecting would only be refused.
                    let policy = frame.as_ref().is_some_and(|f| u16::from(f.code) == 1008);
                    let reason = frame.map(|f| f.reason.to_string()).filter(|r| !r.is_empty());
                    if policy {
                        return Ended::SignedOut(reason.unwrap_or_else(|| "signed out".into()));
                    }
                    return Ended::Dropped(reason.unwrap_or_else(|| "the server closed the connection".into()));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Ended::Dropped(e.to_string()),
                None => return Ended::Dropped("the connection ended".into()),
            },
            _ = ping.tick() => {
                if let Err(e) = ws.send(Message::Text(r#"{"type":"ping"}"#.into())).await {
                    return Ended::Dropped(e.to_string());
                }
            }
        }
    }
}

/// The polling fallback: `my_active_call/` every `poll_every`, the directory every tenth
/// poll.
async fn poll(shared: Arc<Shared>, mut backoff: Backoff) {
    let mut online = false;
    let mut round: u64 = 0;
    loop {
        let result = async {
            if let Some(call) = shared.api.my_active_call().await? {
                shared.saw_call(&call);
            }
            for id in shared.live_calls_seen() {
                let call = shared.api.call(id).await?;
                shared.saw_call(&call);
            }
            if round.is_multiple_of(10) {
                let users = shared.api.users().await?;
                shared.emit_directory(users);
            }
            Ok::<(), ClientError>(())
        }
        .await;
        round += 1;
        let wait = match result {
            Ok(()) => {
                if !online {
                    online = true;
                    backoff.reset();
                    shared.state(ConnectionState::Online {
                        mode: RealtimeMode::Polling,
                    });
                }
                shared.config.poll_every
            }
            Err(ClientError::SignedOut(reason)) => {
                shared.state(ConnectionState::Offline { reason });
                return;
            }
            Err(e) => {
                online = false;
                let delay = backoff
                    .next_delay(rand::random::<f64>())
                    .max(shared.config.poll_every);
                shared.state(ConnectionState::Reconnecting {
                    attempt: backoff.attempts(),
                    retry_in_ms: delay.as_millis() as u64,
                    reason: e.to_string(),
                });
                delay
            }
        };
        tokio::time::sleep(wait).await;
    }
}

async fn heartbeat(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(shared.config.heartbeat_every);
    loop {
        tick.tick().await;
        match shared.api.heartbeat().await {
            Ok(_) => {}
            Err(ClientError::SignedOut(reason)) => {
                shared.state(ConnectionState::Offline { reason });
                return;
            }
            Err(e) => {
                tracing::debug!(error = %e, "heartbeat failed; the listener reports the connection")
            }
        }
    }
}
