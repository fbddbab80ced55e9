//! Realtime (SPEC §4): notification and signaling WebSockets, call pushes, ring timeouts,
//! and live presence. Everything reaches sockets through the [`Bus`] seam.

pub mod feed;
pub mod hub;
pub mod lease;
pub mod limit;
pub mod notify;
pub mod quota;
pub mod redis_bus;
mod ring_timers;
pub mod signal;
pub mod socket;

pub use crate::rules::PresencePush;
pub use hub::{Bus, BusEvent, Hub, LocalBus, RoomEnd, RoomKey};

/// The socket routes: notifications and signaling rooms. `http::router` merges them; they
/// take only the realtime side and the token checker from its state.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Realtime>: axum::extract::FromRef<S>,
    Arc<crate::auth::Tokens>: axum::extract::FromRef<S>,
{
    use axum::routing::get;
    axum::Router::new()
        .route("/api/ws/{user_id}", get(notify::handler))
        .route("/ws/meeting/{id}", get(signal::meeting_room))
        .route("/ws/call/{id}", get(signal::call_room))
}

use crate::domain::DomainError;
use crate::domain::calls::{self, Actor};
use crate::rules::Rules;
use crate::store::Store;
use axum::extract::ws::Utf8Bytes;
use std::sync::Arc;
use switchboard_protocol::api::{CallSession, Meeting, VideoCallSession};
use switchboard_protocol::ws::{AddedToCall, Notification};
use switchboard_protocol::{CallAction, CallStatus};
use tokio::sync::Notify;

/// The realtime side of the server, shared by handlers and socket tasks.
pub struct Realtime {
    pub store: Store,
    pub rules: Arc<Rules>,
    pub hub: Arc<Hub>,
    /// This run's id, under which its sockets are leased (see [`lease`]).
    pub instance: String,
    /// Socket opens and closes, for [`lease::write_socket_changes`].
    socket_changes: tokio::sync::mpsc::UnboundedSender<lease::SocketChange>,
    socket_changes_rx:
        std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<lease::SocketChange>>>,
    /// This instance alone until [`Realtime::set_bus`] connects it to the others.
    local: LocalBus,
    bus: std::sync::OnceLock<Arc<dyn Bus>>,
    /// Wakes the presence feed after a change, so pushes go out at once.
    presence_kick: Notify,
    /// Set when the server shuts down: sockets close (1001) and timers stop.
    closing: tokio::sync::watch::Sender<bool>,
    /// Sockets each user holds on this instance, against `Rules::sockets_per_user`.
    pub quota: Arc<quota::SocketQuota>,
    /// Ring timers of calls this instance started, cancelled when the call is answered
    /// or ends: a caller who starts and cancels calls in a loop leaves no sleeping tasks.
    ring_timers: ring_timers::RingTimers,
    /// Set when this instance is its database's only one (SQLite): every call ringing
    /// anywhere then has its timer in `ring_timers`, so a socket that opens needs no
    /// query to learn that nothing rings for its user; and every socket is this
    /// instance's, so it keeps no lease rows (see `lease`).
    sole_instance: std::sync::atomic::AtomicBool,
}

/// A meeting's host and participants, each once.
fn members(meeting: &Meeting) -> impl Iterator<Item = i64> + '_ {
    let host = meeting.host.id;
    std::iter::once(host).chain(
        meeting
            .participant_ids
            .iter()
            .copied()
            .filter(move |&id| id != host),
    )
}

/// Serialises a notification once, for every socket it goes to.
pub fn frame(notification: &Notification) -> Utf8Bytes {
    let mut text = serde_json::to_string(notification)
        .unwrap_or_else(|e| format!(r#"{{"type":"error","message":"cannot encode: {e}"}}"#));
    // serde_json starts at 128 bytes; a frame can wait in thousands of socket queues,
    // and an exact-size buffer also becomes `Bytes` without a second allocation.
    text.shrink_to_fit();
    text.into()
}

impl Realtime {
    pub fn new(store: Store, rules: Arc<Rules>) -> Self {
        let hub = Arc::new(Hub::new());
        let (socket_changes, socket_changes_rx) = tokio::sync::mpsc::unbounded_channel();
        let quota =
            quota::SocketQuota::new(rules.sockets_per_user, Some(rules.sockets_per_address));
        Realtime {
            quota,
            ring_timers: ring_timers::RingTimers::default(),
            sole_instance: std::sync::atomic::AtomicBool::new(false),
            socket_changes,
            socket_changes_rx: std::sync::Mutex::new(Some(socket_changes_rx)),
            store,
            rules,
            local: LocalBus(hub.clone()),
            instance: lease::new_instance_id(),
            bus: std::sync::OnceLock::new(),
            hub,
            presence_kick: Notify::new(),
            closing: tokio::sync::watch::channel(false).0,
        }
    }

    /// The receiving end of socket changes, for the one task that writes them.
    pub fn take_socket_changes(
        &self,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<lease::SocketChange>> {
        self.socket_changes_rx.lock().ok()?.take()
    }

    /// A signal that turns true when the server shuts down.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Closes every socket (1001) and stops ring timers: the server is going away.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }
    /// The bus to the other instances, or this instance alone.
    fn bus(&self) -> &dyn Bus {
        match self.bus.get() {
            Some(bus) => bus.as_ref(),
            None => &self.local,
        }
    }

    pub fn publish(&self, event: BusEvent) {
        self.bus().publish(event);
    }

    /// Joins a signaling room; the members already there are told with `frame`.
    pub fn join_room(
        &self,
        room: RoomKey,
        user_id: i64,
        conn: hub::ConnId,
        tx: hub::OutboundTx,
        frame: Utf8Bytes,
    ) {
        self.bus()
            .join_room(&self.hub, room, user_id, conn, tx, frame);
    }

    pub fn leave_room(&self, room: RoomKey, conn: hub::ConnId) {
        self.bus().leave_room(&self.hub, room, conn);
    }

    /// Connects this instance to the others (once, before serving).
    pub fn set_bus(&self, bus: Arc<dyn Bus>) {
        let _ = self.bus.set(bus);
    }

    /// A new call: the invite to the callee's devices, the state to the caller's, and the
    /// ring timer.
    pub fn call_created(self: &Arc<Self>, call: &CallSession) {
        // The timer first: a socket of the callee's that opens meanwhile either finds it
        // (and reads the invite) or is attached in time for the frame below.
        self.schedule_ring_timeout(call.id, call.recipient, self.rules.ring_timeout);
        self.publish(BusEvent::ToUser {
            user_id: call.recipient,
            frame: invite_frame(call),
            invite_call: Some(call.id),
        });
        self.publish(BusEvent::ToUser {
            user_id: call.initiator,
            frame: status_frame(call),
            invite_call: None,
        });
        self.presence_changed();
    }

    /// A transition: `call_status` to both participants.
    pub fn call_changed(&self, call: &CallSession) {
        crate::metrics::call_ended(call.status);
        if !matches!(call.status, CallStatus::Pending | CallStatus::Ringing) {
            // Here, and on the instance that started the call if that is another.
            self.cancel_ring_timer(call.id);
            self.publish(BusEvent::CallSettled { call_id: call.id });
        }
        let frame = status_frame(call);
        for user_id in [call.initiator, call.recipient] {
            self.publish(BusEvent::ToUser {
                user_id,
                frame: frame.clone(),
                invite_call: None,
            });
        }
        if call.status.is_final() {
            // The room sockets close with 1000: clients stop rather than reconnect. (The
            // status above goes to other sockets: it may arrive before or after.)
            self.publish(BusEvent::RoomClosed {
                room: RoomKey::Call(call.id),
                why: RoomEnd::CallEnded,
            });
        }
        self.presence_changed();
    }

    /// A meeting was scheduled: `meeting_scheduled` to every member, so their lists show it.
    pub fn meeting_scheduled(&self, meeting: &Meeting) {
        let frame = frame(&Notification::MeetingScheduled {
            meeting: Box::new(meeting.clone()),
        });
        self.to_members(meeting, &frame);
    }

    /// A meeting was deleted: the sockets in its room close (and cannot open again), and
    /// `meeting_deleted` goes to every member it had.
    pub fn meeting_deleted(&self, meeting: &Meeting) {
        self.publish(BusEvent::RoomClosed {
            room: RoomKey::Meeting(meeting.id),
            why: RoomEnd::MeetingDeleted,
        });
        let frame = frame(&Notification::MeetingDeleted {
            meeting_id: meeting.id,
        });
        self.to_members(meeting, &frame);
    }

    /// A meeting's call started: `meeting_started` to its members but the starter, whose
    /// apps offer to join.
    pub fn meeting_started(&self, meeting: &Meeting, call: &VideoCallSession) {
        let others: Vec<i64> = members(meeting)
            .filter(|&id| id != call.caller.id)
            .collect();
        self.meeting_started_for(meeting, call, &others, None);
    }

    /// `meeting_started` to `users` only. For a call grown into a meeting
    /// (`added_to_call`), its two parties follow their call there; only the one added is
    /// told this way, with the call and who else is on it.
    pub fn meeting_started_for(
        &self,
        meeting: &Meeting,
        call: &VideoCallSession,
        users: &[i64],
        added_to_call: Option<AddedToCall>,
    ) {
        let frame = frame(&Notification::MeetingStarted {
            meeting: Box::new(meeting.clone()),
            call: Box::new(call.clone()),
            added_to_call,
        });
        for &user_id in users {
            self.publish(BusEvent::ToUser {
                user_id,
                frame: frame.clone(),
                invite_call: None,
            });
        }
    }

    /// A meeting's call ended: `meeting_ended` to every member, so apps still in its room
    /// leave it.
    pub fn meeting_ended(&self, meeting: &Meeting, call: &VideoCallSession) {
        let frame = frame(&Notification::MeetingEnded {
            meeting_id: meeting.id,
            call: Box::new(call.clone()),
        });
        self.to_members(meeting, &frame);
    }

    /// `frame` to the meeting's host and each participant.
    fn to_members(&self, meeting: &Meeting, frame: &Utf8Bytes) {
        for user_id in members(meeting) {
            self.publish(BusEvent::ToUser {
                user_id,
                frame: frame.clone(),
                invite_call: None,
            });
        }
    }

    /// Drops this instance's ring timer for `call_id`, if it holds one.
    pub fn cancel_ring_timer(&self, call_id: i64) {
        if let Some(timer) = self.ring_timers.remove(call_id) {
            timer.abort();
        }
    }

    /// Whether a call may be ringing for `user_id`: always, unless this instance is the
    /// only one and holds no ring timer for them.
    pub fn may_ring_for(&self, user_id: i64) -> bool {
        !self.is_sole_instance() || self.ring_timers.rings(user_id)
    }

    /// Whether this instance is its database's only one (set at start-up).
    pub fn is_sole_instance(&self) -> bool {
        self.sole_instance
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Someone's presence may have changed: the feed compares and pushes.
    pub fn presence_changed(&self) {
        self.presence_kick.notify_one();
    }

    /// Applies a server-side action (delivery, timeout, failure) and pushes the result.
    pub async fn system_action(
        self: &Arc<Self>,
        call_id: i64,
        action: CallAction,
    ) -> Result<(), DomainError> {
        let clock = self.rules.clock;
        let done = self
            .store
            .write_keyed(move |tx| {
                calls::apply(tx, call_id, Actor::System, action, None, clock.now())
            })
            .await?;
        if done.changed {
            tracing::info!(call_id, action = action.as_str(), status = %done.call.status, "call updated by the server");
            self.call_changed(&done.call);
        }
        Ok(())
    }

    /// The invite reached a device of the callee: `pending` → `ringing`.
    pub fn invite_delivered(self: &Arc<Self>, call_id: i64) {
        let this = self.clone();
        tokio::spawn(async move {
            match this.system_action(call_id, CallAction::Deliver).await {
                Ok(()) => {}
                Err(e) if e.is_conflict() => {}
                Err(e) => tracing::warn!(call_id, error = %e, "could not mark the call ringing"),
            }
        });
    }

    /// Calls still ringing at start-up (their timers may have died with an instance)
    /// get timers for what is left of their ring time. Applying a timeout twice is
    /// harmless: the second finds the call final.
    pub async fn resume_ring_timers(self: &Arc<Self>) {
        let live = match self.store.read(|tx| tx.live_calls()).await {
            Ok(live) => live,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read ringing calls; the presence feed's sweep will miss them");
                return;
            }
        };
        let now = self.rules.clock.now();
        for call in live
            .iter()
            .filter(|c| matches!(c.status, CallStatus::Pending | CallStatus::Ringing))
        {
            let rung = (now - call.created_at).to_std().unwrap_or_default();
            let left = self.rules.ring_timeout.saturating_sub(rung);
            self.schedule_ring_timeout(call.id, call.recipient_id, left);
        }
    }

    /// After `after`, an unanswered call is `missed`.
    fn schedule_ring_timeout(
        self: &Arc<Self>,
        call_id: i64,
        callee: i64,
        after: std::time::Duration,
    ) {
        let this = self.clone();
        let mut closing = self.closing();
        self.ring_timers.start(call_id, callee, move || {
            tokio::spawn(async move {
                tokio::select! {
                    _ = tokio::time::sleep(after) => {}
                    // Shutting down: start-up reconciliation deals with the call next time.
                    _ = closing.wait_for(|closing| *closing) => return,
                }
                this.ring_timers.remove_own(call_id);
                match this.system_action(call_id, CallAction::Timeout).await {
                    // Answered or ended in time: nothing to do.
                    Ok(()) => {}
                    Err(e) if e.is_conflict() => {}
                    Err(e) => {
                        tracing::warn!(call_id, error = %e, "ring timeout could not be applied")
                    }
                }
            })
            .abort_handle()
        });
    }
}

/// Seed 004's `call_invite`, naming the caller as people know them.
pub fn invite_frame(call: &CallSession) -> Utf8Bytes {
    let caller = &call.initiator_details;
    let caller_name = if caller.full_name.trim().is_empty() {
        caller.username.clone()
    } else {
        caller.full_name.clone()
    };
    frame(&Notification::CallInvite {
        from_user_id: call.initiator,
        caller_name,
        call_id: call.id,
        call_type: call.call_type,
        room_name: call.room_name.clone(),
        timestamp: call.created_at,
        regarding: call.regarding.clone(),
    })
}

fn status_frame(call: &CallSession) -> Utf8Bytes {
    frame(&Notification::CallStatus {
        call_session: Box::new(call.clone()),
    })
}

/// Run at start-up, before any socket connects: registers this instance and clears what
/// a crash left behind.
///
/// - Sockets of earlier runs stop counting (all of them when `exclusive`, only lapsed
///   leases when instances share the database); their users have one presence timeout to
///   reconnect before they count as offline.
/// - When `exclusive`, calls left `pending`/`ringing` lost their ring timers: they are
///   `missed`. Shared, they may still be ringing on another instance: they get timers for
///   the rest of their ring time ([`Realtime::resume_ring_timers`]).
/// - `active` calls are left alone: media flows peer to peer and may have survived. The
///   presence feed fails them if a participant does not come back.
pub fn reconcile_after_start(rt: &Realtime, exclusive: bool) -> Result<usize, DomainError> {
    let (instance, lease) = (rt.instance.clone(), rt.rules.instance_lease);
    let missed = rt.store.write_blocking(|tx| {
        let now = rt.rules.clock.now();
        lease::register(tx, &instance, lease, exclusive, now)?;
        if !exclusive {
            return Ok(0);
        }
        let mut missed = 0;
        for call in tx.live_calls()? {
            if matches!(call.status, CallStatus::Pending | CallStatus::Ringing) {
                calls::apply(tx, call.id, Actor::System, CallAction::Timeout, None, now)?;
                missed += 1;
            }
        }
        if missed > 0 {
            tracing::info!(missed, "calls left ringing by a restart marked missed");
        }
        Ok::<_, DomainError>(missed)
    })?;
    // Nothing rang before this instance, and nothing can ring but through it.
    rt.sole_instance
        .store(exclusive, std::sync::atomic::Ordering::Release);
    Ok(missed)
}
