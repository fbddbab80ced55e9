//! A call handed on: a blind transfer, an attended one (the held party joined with the
//! colleague consulted), and a call grown into a meeting when someone is added. Each is
//! one transaction, with every refusal before anything is written.

use super::calls::{Actor, InitiateError, NewCall, apply, check_reachable, open_call, session};
use super::{DomainError, meetings, require_user};
use crate::store::{CallRow, LockKey, Tx};
use chrono::{DateTime, Duration, Utc};
use switchboard_protocol::api::{CallSession, Meeting, VideoCallSession};
use switchboard_protocol::ws::AddedToCall;
use switchboard_protocol::{CallAction, CallStatus};

/// The other party of `row` seen from `actor`; `None` when `actor` is not in it.
fn other_party(row: &CallRow, actor: i64) -> Option<i64> {
    match actor {
        a if a == row.initiator_id => Some(row.recipient_id),
        a if a == row.recipient_id => Some(row.initiator_id),
        _ => None,
    }
}

/// A blind transfer: the call that was, ended, and the one that rings in its place.
#[derive(Clone, Debug)]
pub struct Transferred {
    pub ended: CallSession,
    /// The new call: ringing after a blind transfer, active after an attended one.
    pub ringing: CallSession,
    /// An attended transfer's consultation call, ended with the first.
    pub consulted: Option<CallSession>,
}

/// `actor` hands their active call `call_id` to `to_user_id`: the other party's call to
/// them starts ringing (linking back with `transferred_from`, about the same record), and
/// `actor`'s call ends. All in one transaction, and every refusal (the new person busy,
/// offline, not taking calls; the call not in progress) before anything is written, with
/// the codes `initiate` uses.
pub fn transfer(
    tx: &mut dyn Tx,
    call_id: i64,
    actor: i64,
    to_user_id: i64,
    now: DateTime<Utc>,
    presence_timeout: Duration,
    random: u32,
) -> Result<Transferred, InitiateError> {
    let not_found = || DomainError::NotFound(format!("There is no call with id {call_id}."));
    tx.lock(&[LockKey::Call(call_id)])?;
    let row = tx.call(call_id)?.ok_or_else(not_found)?;
    let other = other_party(&row, actor).ok_or_else(not_found)?;
    if row.status != CallStatus::Active {
        return Err(DomainError::Conflict(format!(
            "Only a call in progress can be transferred; this one is {}.",
            row.status
        ))
        .into());
    }
    if to_user_id == actor {
        return Err(InitiateError::SelfCall);
    }
    if to_user_id == other {
        return Err(DomainError::Invalid(
            "They are already on this call: transfer it to someone else.".into(),
        )
        .into());
    }
    tx.lock(&[
        LockKey::User(row.initiator_id),
        LockKey::User(row.recipient_id),
        LockKey::User(to_user_id),
    ])?;
    check_reachable(tx, to_user_id, now, presence_timeout)?;
    let ended = apply(tx, call_id, Actor::User(actor), CallAction::End, None, now)?.call;
    let next = NewCall {
        caller_id: other,
        recipient_id: to_user_id,
        call_type: row.call_type,
        regarding: row.regarding.clone(),
    };
    let ringing = open_call(tx, next, Some(call_id), now, random)?;
    Ok(Transferred {
        ended,
        ringing: session(tx, &ringing)?,
        consulted: None,
    })
}

/// A 1:1 call grown into a meeting: the call that was, ended and pointing at the meeting;
/// the meeting; and the meeting's call, in progress.
#[derive(Clone, Debug)]
pub struct Escalated {
    pub ended: CallSession,
    pub meeting: Meeting,
    pub meeting_call: VideoCallSession,
    /// What the one added is told: the call, and its other party.
    pub added_to_call: AddedToCall,
}

/// `actor` adds `user_id` to their active call `call_id`: a meeting of the three, hosted
/// by `actor`, starts (seed 002's model: a meeting and its call), and the 1:1 call ends
/// pointing at it (`escalated_to_meeting`), so both parties' apps move to the meeting's
/// room. One transaction; every refusal (the new person busy, offline, not taking calls,
/// already on it; the call not in progress) comes before anything is written, with the
/// codes `initiate` uses.
pub fn add_participant(
    tx: &mut dyn Tx,
    call_id: i64,
    actor: i64,
    user_id: i64,
    now: DateTime<Utc>,
    presence_timeout: Duration,
) -> Result<Escalated, InitiateError> {
    let not_found = || DomainError::NotFound(format!("There is no call with id {call_id}."));
    tx.lock(&[LockKey::Call(call_id)])?;
    let mut row = tx.call(call_id)?.ok_or_else(not_found)?;
    let other = other_party(&row, actor).ok_or_else(not_found)?;
    if row.status != CallStatus::Active {
        return Err(DomainError::Conflict(format!(
            "Only a call in progress can take someone else; this one is {}.",
            row.status
        ))
        .into());
    }
    if user_id == actor || user_id == other {
        return Err(DomainError::Invalid(
            "They are already on this call: add someone else.".into(),
        )
        .into());
    }
    tx.lock(&[
        LockKey::User(row.initiator_id),
        LockKey::User(row.recipient_id),
        LockKey::User(user_id),
    ])?;
    check_reachable(tx, user_id, now, presence_timeout)?;
    let names = [row.initiator_id, row.recipient_id, user_id]
        .map(|id| require_user(tx, id).map(|u| u.display_name().to_owned()));
    let [first, second, third] = names;
    let title: String = format!("{}, {} and {}", first?, second?, third?)
        .chars()
        .take(200)
        .collect();
    let new = meetings::NewMeeting {
        title,
        participant_ids: vec![other, user_id],
        scheduled_at: None,
    };
    let meeting = meetings::create(tx, actor, new, now)?;
    let meeting_call = meetings::start_video_call(tx, meeting.id, actor, now)?;
    row.escalated_to_meeting = Some(meeting.id);
    tx.update_call(&row)?;
    let ended = apply(tx, call_id, Actor::User(actor), CallAction::End, None, now)?.call;
    let with = if ended.initiator == other {
        ended.initiator_details.clone()
    } else {
        ended.recipient_details.clone()
    };
    Ok(Escalated {
        ended,
        meeting: meetings::get(tx, meeting.id, actor)?,
        meeting_call,
        added_to_call: AddedToCall { call_id, with },
    })
}

/// An attended transfer: `actor` put call `call_id` (with X) on hold, called Y
/// (`to_call_id`, answered), and now joins X and Y: both calls end for `actor`, and a new
/// call between X (calling) and Y starts already `active`, linking back to `call_id`
/// (`transferred_from`). One transaction; refusals first (either call not in progress or
/// not `actor`'s, the same call twice, X and Y the same person).
pub fn transfer_attended(
    tx: &mut dyn Tx,
    call_id: i64,
    actor: i64,
    to_call_id: i64,
    now: DateTime<Utc>,
    random: u32,
) -> Result<Transferred, InitiateError> {
    let not_found = |id: i64| DomainError::NotFound(format!("There is no call with id {id}."));
    if to_call_id == call_id {
        return Err(DomainError::Invalid(
            "to_call_id must be the other call: the one with whoever takes this call.".into(),
        )
        .into());
    }
    let mut ids = [call_id, to_call_id];
    ids.sort_unstable();
    tx.lock(&ids.map(LockKey::Call))?;
    let held = tx.call(call_id)?.ok_or_else(|| not_found(call_id))?;
    let consulted = tx.call(to_call_id)?.ok_or_else(|| not_found(to_call_id))?;
    let caller = other_party(&held, actor).ok_or_else(|| not_found(call_id))?;
    let callee = other_party(&consulted, actor).ok_or_else(|| not_found(to_call_id))?;
    for row in [&held, &consulted] {
        if row.status != CallStatus::Active {
            return Err(DomainError::Conflict(format!(
                "Only calls in progress can be joined; call {} is {}.",
                row.id, row.status
            ))
            .into());
        }
    }
    if caller == callee {
        return Err(DomainError::Invalid(
            "Both calls are with the same person: there is nobody to put through.".into(),
        )
        .into());
    }
    tx.lock(&[
        LockKey::User(actor),
        LockKey::User(caller),
        LockKey::User(callee),
    ])?;
    let ended = apply(tx, call_id, Actor::User(actor), CallAction::End, None, now)?.call;
    let consulted = apply(
        tx,
        to_call_id,
        Actor::User(actor),
        CallAction::End,
        None,
        now,
    )?
    .call;
    let next = NewCall {
        caller_id: caller,
        recipient_id: callee,
        call_type: held.call_type,
        regarding: held.regarding.clone(),
    };
    let opened = open_call(tx, next, Some(call_id), now, random)?;
    // Both said yes already: the call is under way at once.
    let joined = apply(
        tx,
        opened.id,
        Actor::User(callee),
        CallAction::Answer,
        None,
        now,
    )?
    .call;
    Ok(Transferred {
        ended,
        ringing: joined,
        consulted: Some(consulted),
    })
}
