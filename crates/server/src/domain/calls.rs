//! 1:1 call sessions (SPEC §3): initiation with its refusals, transitions and their
//! presence side effects, history.

use super::{require_user, summary};
use crate::store::{CallRow, HistoryQuery, StoreError, Tx};
use chrono::{DateTime, Duration, Utc};
use switchboard_protocol::api::CallSession;
use switchboard_protocol::call::room_name;
use switchboard_protocol::presence::Unreachable;
use switchboard_protocol::{CallAction, CallStatus, CallType, Refusal, Role, transition};
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
    Store(#[from] StoreError),
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
            InitiateError::Store(_) => None,
        }
    }
}

fn capitalised(text: String) -> String {
    crate::error::sentence(&text)
}

/// The API shape of a stored call.
pub fn session(tx: &mut dyn Tx, row: &CallRow) -> Result<CallSession, StoreError> {
    let initiator = require_user(tx, row.initiator_id)?;
    let recipient = require_user(tx, row.recipient_id)?;
    Ok(CallSession::new(
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
    ))
}

/// Starts a call from `caller_id` to `recipient_id`: checks both users, stores the call
/// as `pending`, and makes the caller `busy`. `random` seeds the room name.
pub fn initiate(
    tx: &mut dyn Tx,
    caller_id: i64,
    recipient_id: i64,
    call_type: CallType,
    now: DateTime<Utc>,
    presence_timeout: Duration,
    random: u32,
) -> Result<CallSession, InitiateError> {
    if caller_id == recipient_id {
        return Err(InitiateError::SelfCall);
    }
    let recipient = require_user(tx, recipient_id)?;
    if tx.live_call_of(caller_id)?.is_some() {
        return Err(InitiateError::CallerBusy);
    }
    let recipient_presence = tx.presence(recipient_id)?;
    recipient_presence
        .reachability(recipient.display_name(), now, presence_timeout)
        .map_err(InitiateError::Unreachable)?;
    if tx.live_call_of(recipient_id)?.is_some() {
        return Err(InitiateError::Unreachable(Unreachable::Busy(
            recipient.display_name().to_owned(),
        )));
    }

    let mut row = CallRow {
        id: 0,
        session_id: Uuid::new_v4(),
        room_name: room_name(now, random),
        call_type,
        status: CallStatus::Pending,
        initiator_id: caller_id,
        recipient_id,
        started_at: None,
        ended_at: None,
        created_at: now,
    };
    row.id = tx.insert_call(&row)?;

    let mut caller_presence = tx.presence(caller_id)?;
    caller_presence.heartbeat(now);
    caller_presence.enter_call(row.id);
    tx.save_presence(caller_id, &caller_presence)?;
    Ok(session(tx, &row)?)
}

/// Who acts on a call.
#[derive(Clone, Copy, Debug)]
pub enum Actor {
    User(i64),
    /// The server itself (delivery, ring timeout, crash recovery).
    System,
}

/// The result of a transition: the call after it, and the status before.
#[derive(Clone, Debug)]
pub struct Transitioned {
    pub call: CallSession,
    pub previous: CallStatus,
}

/// Applies `action` by `actor` to call `call_id`, with its effects on both users' presence.
/// A user who is not in the call gets the same 404 as for a call that does not exist.
pub fn apply(
    tx: &mut dyn Tx,
    call_id: i64,
    actor: Actor,
    action: CallAction,
    now: DateTime<Utc>,
) -> Result<Transitioned, StoreError> {
    let not_found = || StoreError::NotFound(format!("There is no call with id {call_id}."));
    let mut row = tx.call(call_id)?.ok_or_else(not_found)?;
    let role = match actor {
        Actor::System => Role::System,
        Actor::User(id) if id == row.initiator_id => Role::Initiator,
        Actor::User(id) if id == row.recipient_id => Role::Recipient,
        Actor::User(_) => return Err(not_found()),
    };
    let previous = row.status;
    let next = transition(previous, role, action).map_err(|refusal| match refusal {
        Refusal::WrongRole { .. } => {
            StoreError::Forbidden(format!("{}.", capitalised(refusal.to_string())))
        }
        Refusal::AlreadyEnded(_) | Refusal::WrongState { .. } => {
            StoreError::Conflict(format!("{}.", capitalised(refusal.to_string())))
        }
    })?;
    row.status = next;
    if next == CallStatus::Active && row.started_at.is_none() {
        row.started_at = Some(now);
        let mut p = tx.presence(row.recipient_id)?;
        p.heartbeat(now);
        p.enter_call(row.id);
        tx.save_presence(row.recipient_id, &p)?;
    }
    if next.is_final() {
        row.ended_at = Some(now);
        for user in [row.initiator_id, row.recipient_id] {
            let mut p = tx.presence(user)?;
            p.leave_call(row.id);
            tx.save_presence(user, &p)?;
        }
    }
    if next != previous {
        tx.update_call(&row)?;
    }
    Ok(Transitioned {
        call: session(tx, &row)?,
        previous,
    })
}

/// A call `viewer` takes part in, or 404.
pub fn get(tx: &mut dyn Tx, call_id: i64, viewer: i64) -> Result<CallSession, StoreError> {
    match tx.call(call_id)? {
        Some(row) if row.initiator_id == viewer || row.recipient_id == viewer => session(tx, &row),
        _ => Err(StoreError::NotFound(format!(
            "There is no call with id {call_id}."
        ))),
    }
}

/// The user's ringing or ongoing call, if any.
pub fn live_call_of(tx: &mut dyn Tx, user_id: i64) -> Result<Option<CallSession>, StoreError> {
    match tx.live_call_of(user_id)? {
        Some(row) => session(tx, &row).map(Some),
        None => Ok(None),
    }
}

/// One page of the user's calls, newest first, with the total count.
pub fn history(
    tx: &mut dyn Tx,
    query: &HistoryQuery,
) -> Result<(i64, Vec<CallSession>), StoreError> {
    let (count, rows) = tx.call_history(query)?;
    let calls = rows
        .iter()
        .map(|row| session(tx, row))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((count, calls))
}
