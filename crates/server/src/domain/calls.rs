//! 1:1 call sessions (SPEC §3): initiation with its refusals, transitions and their
//! presence side effects, history.

use super::DomainError;
use super::{require_user, summary};
use crate::store::{CallRow, HistoryQuery, LockKey, Tx};
use chrono::{DateTime, Duration, Utc};
use switchboard_protocol::api::CallSession;
use switchboard_protocol::call::room_name;
use switchboard_protocol::crm::{CallLog, CallOutcomes, LOG_EDITABLE_HOURS, Regarding};
use switchboard_protocol::presence::Unreachable;
use switchboard_protocol::webhooks::WebhookEvent;
use switchboard_protocol::{
    CallAction, CallStatus, CallType, Refusal, Role, hold_transition, transition,
};
use uuid::Uuid;

/// A refusal of `initiate` that clients can branch on, beside its sentence.
#[derive(Debug, thiserror::Error)]
pub enum InitiateError {
    #[error("You cannot call yourself.")]
    SelfCall,
    #[error("You are already in a call; end it before starting another.")]
    CallerBusy,
    #[error("{0}.")]
    Unreachable(Unreachable),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<crate::store::StorageError> for InitiateError {
    fn from(e: crate::store::StorageError) -> Self {
        InitiateError::Domain(e.into())
    }
}

impl InitiateError {
    /// A stable word for clients: `self`, `caller_busy`, `offline`, `unavailable`, `busy`.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            InitiateError::SelfCall => Some("self"),
            InitiateError::CallerBusy => Some("caller_busy"),
            InitiateError::Unreachable(Unreachable::Offline(_)) => Some("offline"),
            InitiateError::Unreachable(Unreachable::NotTakingCalls(_)) => Some("unavailable"),
            InitiateError::Unreachable(Unreachable::Busy(_)) => Some("busy"),
            InitiateError::Domain(_) => None,
        }
    }
}

fn capitalised(text: String) -> String {
    crate::error::sentence(&text)
}

/// The API shape of a stored call.
pub fn session(tx: &mut dyn Tx, row: &CallRow) -> Result<CallSession, DomainError> {
    let initiator = require_user(tx, row.initiator_id)?;
    let recipient = require_user(tx, row.recipient_id)?;
    let mut call = CallSession::new(
        row.id,
        row.session_id,
        row.room_name.clone(),
        row.call_type,
        row.status,
        summary(&initiator),
        summary(&recipient),
        row.started_at,
        row.ended_at,
        row.created_at,
    );
    call.regarding = row.regarding.clone();
    call.decline_message = row.decline_message.clone();
    call.logs = tx.call_logs(row.id)?;
    call.transferred_from = row.transferred_from;
    call.on_hold_by = row.on_hold_by;
    call.on_hold_since = row.held_since;
    call.hold_seconds = row.hold_seconds;
    call.escalated_to_meeting = row.escalated_to_meeting;
    Ok(call)
}

/// A call someone asks for.
#[derive(Clone, Debug)]
pub struct NewCall {
    pub caller_id: i64,
    pub recipient_id: i64,
    pub call_type: CallType,
    /// The CRM record it is about (already checked).
    pub regarding: Option<Regarding>,
}

/// Starts `call`: checks both users, stores the call as `pending`, and makes the caller
/// `busy`. `random` seeds the room name.
pub fn initiate(
    tx: &mut dyn Tx,
    call: NewCall,
    now: DateTime<Utc>,
    presence_timeout: Duration,
    random: u32,
) -> Result<CallSession, InitiateError> {
    let NewCall {
        caller_id,
        recipient_id,
        call_type,
        regarding,
    } = call;
    if caller_id == recipient_id {
        return Err(InitiateError::SelfCall);
    }
    // Everything decided on below is the two users' calls and presence.
    tx.lock(&[LockKey::User(caller_id), LockKey::User(recipient_id)])?;
    // A call the caller holds does not count: that is how they consult someone before
    // handing it over (an attended transfer).
    if tx
        .live_call_of(caller_id)?
        .is_some_and(|call| call.on_hold_by != Some(caller_id))
    {
        return Err(InitiateError::CallerBusy);
    }
    check_reachable(tx, recipient_id, now, presence_timeout)?;
    let row = open_call(
        tx,
        NewCall {
            caller_id,
            recipient_id,
            call_type,
            regarding,
        },
        None,
        now,
        random,
    )?;
    Ok(session(tx, &row)?)
}

/// Whether `user_id` can be rung now: a user, online, taking calls, in no call. (Their
/// lock is the caller's to hold.)
pub(super) fn check_reachable(
    tx: &mut dyn Tx,
    user_id: i64,
    now: DateTime<Utc>,
    presence_timeout: Duration,
) -> Result<(), InitiateError> {
    let user = require_user(tx, user_id)?;
    tx.presence(user_id)?
        .reachability(user.display_name(), now, presence_timeout)
        .map_err(InitiateError::Unreachable)?;
    if tx.live_call_of(user_id)?.is_some() {
        return Err(InitiateError::Unreachable(Unreachable::Busy(
            user.display_name().to_owned(),
        )));
    }
    Ok(())
}

/// Stores `call` as `pending` (a transfer's links back to the call it came from) and puts
/// its caller in it.
pub(super) fn open_call(
    tx: &mut dyn Tx,
    call: NewCall,
    transferred_from: Option<i64>,
    now: DateTime<Utc>,
    random: u32,
) -> Result<CallRow, InitiateError> {
    let mut row = CallRow {
        id: 0,
        session_id: Uuid::new_v4(),
        room_name: room_name(now, random),
        call_type: call.call_type,
        status: CallStatus::Pending,
        initiator_id: call.caller_id,
        recipient_id: call.recipient_id,
        started_at: None,
        ended_at: None,
        created_at: now,
        regarding: call.regarding,
        decline_message: None,
        on_hold_by: None,
        held_since: None,
        hold_seconds: 0,
        transferred_from,
        escalated_to_meeting: None,
    };
    row.id = tx.insert_call(&row)?;
    let mut caller_presence = tx.presence(call.caller_id)?;
    caller_presence.heartbeat(now);
    caller_presence.enter_call(row.id);
    tx.save_presence(call.caller_id, &caller_presence)?;
    Ok(row)
}

/// Who acts on a call.
#[derive(Clone, Copy, Debug)]
pub enum Actor {
    User(i64),
    /// The server itself (delivery, ring timeout, crash recovery).
    System,
}

/// The result of a transition: the call after it, the status before, and whether
/// anything changed (its status, or who holds it): what both sides are told.
#[derive(Clone, Debug)]
pub struct Transitioned {
    pub call: CallSession,
    pub previous: CallStatus,
    pub changed: bool,
}

/// A hold that is over: its seconds are added to the call's.
fn end_hold(row: &mut CallRow, now: DateTime<Utc>) {
    if let Some(since) = row.held_since.take() {
        row.hold_seconds += (now - since).num_seconds().max(0);
    }
    row.on_hold_by = None;
}

/// Applies `action` by `actor` to call `call_id`, with its effects on both users' presence.
/// A user who is not in the call gets the same 404 as for a call that does not exist.
/// `decline_message` goes with a reject (the callee's words for the caller).
pub fn apply(
    tx: &mut dyn Tx,
    call_id: i64,
    actor: Actor,
    action: CallAction,
    decline_message: Option<String>,
    now: DateTime<Utc>,
) -> Result<Transitioned, DomainError> {
    let not_found = || DomainError::NotFound(format!("There is no call with id {call_id}."));
    // The call, then its two people (whose presence an answer or an end changes): a
    // call's people never change, so reading them before their locks is safe.
    tx.lock(&[LockKey::Call(call_id)])?;
    let mut row = tx.call(call_id)?.ok_or_else(not_found)?;
    tx.lock(&[
        LockKey::User(row.initiator_id),
        LockKey::User(row.recipient_id),
    ])?;
    let role = match actor {
        Actor::System => Role::System,
        Actor::User(id) if id == row.initiator_id => Role::Initiator,
        Actor::User(id) if id == row.recipient_id => Role::Recipient,
        Actor::User(_) => return Err(not_found()),
    };
    let previous = row.status;
    let refused = |refusal: Refusal| {
        let sentence = format!("{}.", capitalised(refusal.to_string()));
        match refusal {
            Refusal::WrongRole { .. } => DomainError::Forbidden(sentence),
            _ => DomainError::Conflict(sentence),
        }
    };
    let next = transition(previous, role, action).map_err(refused)?;
    let mut held_changed = false;
    if let Actor::User(actor) = actor
        && matches!(action, CallAction::Hold | CallAction::Resume)
    {
        let holder = hold_transition(row.on_hold_by, actor, action).map_err(refused)?;
        if action == CallAction::Resume
            && let Some(other) = tx.live_call_of(actor)?
            && other.id != row.id
            && other.on_hold_by != Some(actor)
        {
            return Err(DomainError::Conflict(format!(
                "You are on another call (call {}); end it before taking this one back.",
                other.id
            )));
        }
        if holder.is_some() {
            row.on_hold_by = holder;
            row.held_since = Some(now);
        } else {
            end_hold(&mut row, now);
        }
        held_changed = true;
    }
    row.status = next;
    if next == CallStatus::Rejected && previous != CallStatus::Rejected {
        row.decline_message = decline_message;
    }
    if next == CallStatus::Active && row.started_at.is_none() {
        row.started_at = Some(now);
        super::callbacks::complete_by_call(tx, &row, now)?;
        let mut p = tx.presence(row.recipient_id)?;
        p.heartbeat(now);
        p.enter_call(row.id);
        tx.save_presence(row.recipient_id, &p)?;
    }
    if next.is_final() {
        row.ended_at = Some(now);
        end_hold(&mut row, now);
        for user in [row.initiator_id, row.recipient_id] {
            let mut p = tx.presence(user)?;
            p.leave_call(row.id);
            tx.save_presence(user, &p)?;
        }
    }
    if next != previous || held_changed {
        tx.update_call(&row)?;
    }
    if next.is_final() && !previous.is_final() {
        // Someone who still has a call they held (a consultation ended) is in that one.
        for user in [row.initiator_id, row.recipient_id] {
            if let Some(held) = tx.live_call_of(user)? {
                let mut p = tx.presence(user)?;
                p.enter_call(held.id);
                tx.save_presence(user, &p)?;
            }
        }
    }
    let call = session(tx, &row)?;
    if next != previous
        && let Some(event) = WebhookEvent::for_call_end(next)
    {
        super::webhooks::enqueue(tx, event, &call, now)?;
    }
    Ok(Transitioned {
        call,
        previous,
        changed: next != previous || held_changed,
    })
}

const OUTCOMES_SETTING: &str = "call_outcomes";

/// The outcomes a call can be logged with: the administrators' list, or the defaults.
pub fn outcomes(tx: &mut dyn Tx) -> Result<CallOutcomes, DomainError> {
    Ok(tx
        .setting(OUTCOMES_SETTING)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Replaces the team's outcomes: administrators only. Logs written with an outcome no
/// longer listed keep it.
pub fn set_outcomes(tx: &mut dyn Tx, by: i64, list: &CallOutcomes) -> Result<(), DomainError> {
    super::require_admin(tx, by, "change the call outcomes")?;
    if let Some(problem) = list.problem() {
        return Err(DomainError::Invalid(problem));
    }
    let json = serde_json::to_string(list)
        .map_err(|e| DomainError::Storage(crate::store::StorageError::backend(e)))?;
    tx.set_setting(OUTCOMES_SETTING, &json)?;
    Ok(())
}

/// `author`'s log of an ended call they took part in: an outcome from the team's list, a
/// note, or both. They may change it for [`LOG_EDITABLE_HOURS`] after first writing it.
pub fn log(
    tx: &mut dyn Tx,
    call_id: i64,
    author: i64,
    outcome: Option<String>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<CallSession, DomainError> {
    let not_found = || DomainError::NotFound(format!("There is no call with id {call_id}."));
    let row = tx.call(call_id)?.ok_or_else(not_found)?;
    if author != row.initiator_id && author != row.recipient_id {
        return Err(not_found());
    }
    if !row.status.is_final() {
        return Err(DomainError::Conflict(
            "The call is still going on; log it once it has ended.".into(),
        ));
    }
    if outcome.is_none() && note.is_none() {
        return Err(DomainError::Invalid(
            "Give an outcome, a note or both.".into(),
        ));
    }
    if let Some(outcome) = &outcome {
        let team = outcomes(tx)?;
        if !team.outcomes.contains(outcome) {
            return Err(DomainError::Invalid(format!(
                "\"{outcome}\" is not one of the team's outcomes ({}).",
                team.outcomes.join(", ")
            )));
        }
    }
    let created_at = match tx
        .call_logs(call_id)?
        .into_iter()
        .find(|l| l.author == author)
    {
        Some(old) if now - old.created_at > Duration::hours(LOG_EDITABLE_HOURS) => {
            return Err(DomainError::Forbidden(format!(
                "A log can be changed for {LOG_EDITABLE_HOURS} hours after it was written; yours \
                 was written on {}.",
                old.created_at.format("%Y-%m-%d at %H:%M UTC")
            )));
        }
        Some(old) => old.created_at,
        None => now,
    };
    tx.save_call_log(
        call_id,
        &CallLog {
            author,
            outcome,
            note,
            created_at,
            updated_at: now,
        },
    )?;
    let call = session(tx, &row)?;
    super::webhooks::enqueue(tx, WebhookEvent::CallLogged, &call, now)?;
    Ok(call)
}

/// A call `viewer` takes part in, or 404.
pub fn get(tx: &mut dyn Tx, call_id: i64, viewer: i64) -> Result<CallSession, DomainError> {
    match tx.call(call_id)? {
        Some(row) if row.initiator_id == viewer || row.recipient_id == viewer => session(tx, &row),
        _ => Err(DomainError::NotFound(format!(
            "There is no call with id {call_id}."
        ))),
    }
}

/// The user's ringing or ongoing call, if any.
pub fn live_call_of(tx: &mut dyn Tx, user_id: i64) -> Result<Option<CallSession>, DomainError> {
    match tx.live_call_of(user_id)? {
        Some(row) => session(tx, &row).map(Some),
        None => Ok(None),
    }
}

/// One page of the user's calls, newest first, with the total count.
pub fn history(
    tx: &mut dyn Tx,
    query: &HistoryQuery,
) -> Result<(i64, Vec<CallSession>), DomainError> {
    let (count, rows) = tx.call_history(query)?;
    let calls = rows
        .iter()
        .map(|row| session(tx, row))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((count, calls))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewUser, SqliteDatabase, Store};
    use switchboard_protocol::PresenceStatus;

    const TIMEOUT: fn() -> Duration = || Duration::seconds(60);

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + seconds, 0).unwrap_or_default()
    }

    /// A store with ann, bob and cat, all heartbeating at t=0.
    fn people() -> Result<(Store, [i64; 3]), DomainError> {
        let store = Store::new(std::sync::Arc::new(SqliteDatabase::in_memory()?));
        let ids = store.write_blocking(|tx| {
            let mut ids = [0; 3];
            for (slot, name) in ids.iter_mut().zip(["ann", "bob", "cat"]) {
                let user = NewUser {
                    username: name.into(),
                    email: String::new(),
                    full_name: String::new(),
                    password_hash: "x".into(),
                    is_admin: false,
                };
                *slot = tx.insert_user(&user, at(0))?;
                super::super::presence::heartbeat(tx, *slot, at(0))?;
            }
            Ok::<_, DomainError>(ids)
        })?;
        Ok((store, ids))
    }

    fn call(
        store: &Store,
        from: i64,
        to: i64,
        now: DateTime<Utc>,
    ) -> Result<CallSession, InitiateError> {
        // As the handler does: a refusal is an answer, not a failed transaction.
        store.write_blocking(|tx| {
            Ok::<_, DomainError>(initiate(
                tx,
                NewCall {
                    caller_id: from,
                    recipient_id: to,
                    call_type: CallType::Audio,
                    regarding: None,
                },
                now,
                TIMEOUT(),
                7,
            ))
        })?
    }

    fn act(
        store: &Store,
        id: i64,
        actor: Actor,
        action: CallAction,
        now: DateTime<Utc>,
    ) -> Result<Transitioned, DomainError> {
        store.write_blocking(|tx| apply(tx, id, actor, action, None, now))
    }

    fn status_of(store: &Store, user: i64) -> Result<PresenceStatus, DomainError> {
        store.write_blocking(|tx| Ok(tx.presence(user)?.status))
    }

    #[test]
    fn initiate_refuses_with_a_code_for_each_reason() -> Result<(), DomainError> {
        let (store, [ann, bob, cat]) = people()?;
        let code = |r: Result<CallSession, InitiateError>| r.err().and_then(|e| e.code());
        assert_eq!(code(call(&store, ann, ann, at(1))), Some("self"));
        // Bob's last heartbeat is older than the presence timeout: offline.
        assert_eq!(code(call(&store, ann, bob, at(61))), Some("offline"));
        let first =
            call(&store, ann, bob, at(1)).map_err(|e| DomainError::Invalid(e.to_string()))?;
        assert_eq!(first.status, CallStatus::Pending);
        assert_eq!(code(call(&store, ann, cat, at(2))), Some("caller_busy"));
        assert_eq!(code(call(&store, cat, bob, at(2))), Some("busy"));
        // A refusal stores nothing: cat is still free to call.
        assert_eq!(status_of(&store, cat)?, PresenceStatus::Online);
        Ok(())
    }

    #[test]
    fn a_call_runs_from_ring_to_end_with_its_timestamps_and_presence() -> Result<(), DomainError> {
        let (store, [ann, bob, _]) = people()?;
        let id = call(&store, ann, bob, at(1))
            .map_err(|e| DomainError::Invalid(e.to_string()))?
            .id;
        assert_eq!(
            status_of(&store, ann)?,
            PresenceStatus::Busy,
            "the caller is busy at once"
        );
        assert_eq!(
            status_of(&store, bob)?,
            PresenceStatus::Online,
            "the callee is not, yet"
        );
        let rung = act(&store, id, Actor::System, CallAction::Deliver, at(2))?;
        assert_eq!(
            (rung.previous, rung.call.status),
            (CallStatus::Pending, CallStatus::Ringing)
        );
        let answered = act(&store, id, Actor::User(bob), CallAction::Answer, at(5))?;
        assert_eq!(answered.call.status, CallStatus::Active);
        assert_eq!(answered.call.started_at, Some(at(5)));
        assert_eq!(status_of(&store, bob)?, PresenceStatus::Busy);
        let ended = act(&store, id, Actor::User(bob), CallAction::End, at(65))?;
        assert_eq!(ended.call.status, CallStatus::Completed);
        assert_eq!(ended.call.ended_at, Some(at(65)));
        // Both are back to what they were before the call.
        assert_eq!(status_of(&store, ann)?, PresenceStatus::Online);
        assert_eq!(status_of(&store, bob)?, PresenceStatus::Online);
        Ok(())
    }

    #[test]
    fn refused_transitions_say_why_and_strangers_see_no_call() -> Result<(), DomainError> {
        let (store, [ann, bob, cat]) = people()?;
        let id = call(&store, ann, bob, at(1))
            .map_err(|e| DomainError::Invalid(e.to_string()))?
            .id;
        assert!(matches!(
            act(&store, id, Actor::User(ann), CallAction::Answer, at(2)),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            act(&store, id, Actor::User(cat), CallAction::End, at(2)),
            Err(DomainError::NotFound(_))
        ));
        let missed = act(&store, id, Actor::System, CallAction::Timeout, at(31))?;
        assert_eq!(missed.call.status, CallStatus::Missed);
        assert!(matches!(
            act(&store, id, Actor::User(bob), CallAction::Answer, at(32)),
            Err(DomainError::Conflict(_))
        ));
        assert_eq!(
            status_of(&store, ann)?,
            PresenceStatus::Online,
            "the caller is freed"
        );
        Ok(())
    }
}
