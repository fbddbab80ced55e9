//! Call-backs (issue 20): tasks to call someone back, each its owner's alone; due ones
//! are handed to the notifier once ([`take_due`]), and a call between the two that
//! connects completes them ([`complete_by_call`]).

use super::{DomainError, require_user, summary};
use crate::store::{CallRow, CallbackRow, Tx};
use chrono::{DateTime, Utc};
use switchboard_protocol::callbacks::{Callback, Due, NewCallback, OPEN_CALLBACKS_MAX};
use switchboard_protocol::webhooks::WebhookEvent;

fn shown(tx: &mut dyn Tx, row: CallbackRow) -> Result<Callback, DomainError> {
    let user = require_user(tx, row.user_id)?;
    Ok(Callback {
        id: row.id,
        owner: row.owner_id,
        user_id: row.user_id,
        user_details: summary(&user),
        due_at: row.due_at,
        regarding: row.regarding,
        note: row.note,
        call_id: row.call_id,
        created_at: row.created_at,
        completed_at: row.completed_at,
        completed_by_call: row.completed_by_call,
    })
}

fn no_such_callback(id: i64) -> DomainError {
    DomainError::NotFound(format!("There is no call-back with id {id}."))
}

/// The owner's call-back `id`; someone else's is the same 404 as none.
fn owned(tx: &mut dyn Tx, owner: i64, id: i64) -> Result<CallbackRow, DomainError> {
    match tx.callback(id)? {
        Some(row) if row.owner_id == owner => Ok(row),
        _ => Err(no_such_callback(id)),
    }
}

/// A call-back for `owner` to make. From a call, it must be one both took part in, and
/// it carries that call's record unless it names its own.
pub fn create(
    tx: &mut dyn Tx,
    owner: i64,
    new: NewCallback,
    now: DateTime<Utc>,
) -> Result<Callback, DomainError> {
    if let Some(problem) = new.problem() {
        return Err(DomainError::Invalid(crate::error::sentence(&problem)));
    }
    let due_at = new
        .due()
        .and_then(|due| due.resolve(now))
        .map_err(|e| DomainError::Invalid(crate::error::sentence(&e)))?;
    if new.user_id == owner {
        return Err(DomainError::Invalid(
            "A call-back is for calling someone else back.".into(),
        ));
    }
    require_user(tx, new.user_id)?;
    if tx.open_callback_count(owner)? >= OPEN_CALLBACKS_MAX {
        return Err(DomainError::Conflict(format!(
            "You have {OPEN_CALLBACKS_MAX} open call-backs; complete or delete some first."
        )));
    }
    let mut regarding = new.regarding;
    if let Some(call_id) = new.call_id {
        let call = tx.call(call_id)?.filter(|c| {
            let both = [c.initiator_id, c.recipient_id];
            both.contains(&owner) && both.contains(&new.user_id)
        });
        let Some(call) = call else {
            return Err(DomainError::NotFound(format!(
                "There is no call with id {call_id} between you and user {}.",
                new.user_id
            )));
        };
        regarding = regarding.or(call.regarding);
    }
    let mut row = CallbackRow {
        id: 0,
        owner_id: owner,
        user_id: new.user_id,
        due_at,
        regarding,
        note: new.note,
        call_id: new.call_id,
        created_at: now,
        notified_at: None,
        completed_at: None,
        completed_by_call: None,
    };
    row.id = tx.insert_callback(&row)?;
    let callback = shown(tx, row)?;
    super::webhooks::enqueue(tx, WebhookEvent::CallbackCreated, &callback, now)?;
    Ok(callback)
}

/// The owner's open call-backs by due time, then the last 50 done.
pub fn list(tx: &mut dyn Tx, owner: i64) -> Result<Vec<Callback>, DomainError> {
    tx.callbacks_of(owner)?
        .into_iter()
        .map(|row| shown(tx, row))
        .collect()
}

fn complete_row(
    tx: &mut dyn Tx,
    mut row: CallbackRow,
    by_call: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Callback, DomainError> {
    row.completed_at = Some(now);
    row.completed_by_call = by_call;
    tx.save_callback(&row)?;
    let callback = shown(tx, row)?;
    super::webhooks::enqueue(tx, WebhookEvent::CallbackCompleted, &callback, now)?;
    Ok(callback)
}

/// Done by hand; one done already stays as it was.
pub fn complete(
    tx: &mut dyn Tx,
    owner: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Callback, DomainError> {
    let row = owned(tx, owner, id)?;
    if row.completed_at.is_some() {
        return shown(tx, row);
    }
    complete_row(tx, row, None, now)
}

/// Due again later (notified again then).
pub fn snooze(
    tx: &mut dyn Tx,
    owner: i64,
    id: i64,
    due: Due,
    now: DateTime<Utc>,
) -> Result<Callback, DomainError> {
    let mut row = owned(tx, owner, id)?;
    if row.completed_at.is_some() {
        return Err(DomainError::Conflict(
            "This call-back is done already.".into(),
        ));
    }
    row.due_at = due
        .resolve(now)
        .map_err(|e| DomainError::Invalid(crate::error::sentence(&e)))?;
    row.notified_at = None;
    tx.save_callback(&row)?;
    shown(tx, row)
}

pub fn delete(tx: &mut dyn Tx, owner: i64, id: i64) -> Result<(), DomainError> {
    owned(tx, owner, id)?;
    tx.delete_callback(id)?;
    Ok(())
}

/// A call that connected: the call-backs either party owed the other are done.
pub fn complete_by_call(
    tx: &mut dyn Tx,
    call: &CallRow,
    now: DateTime<Utc>,
) -> Result<Vec<Callback>, DomainError> {
    tx.open_callbacks_between(call.initiator_id, call.recipient_id)?
        .into_iter()
        .map(|row| complete_row(tx, row, Some(call.id), now))
        .collect()
}

/// Call-backs due by `now` whose notification no instance has sent: each is claimed, so
/// the caller sends it and no one else does.
pub fn take_due(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Vec<Callback>, DomainError> {
    let mut taken = Vec::new();
    for row in tx.callbacks_due(now)? {
        if tx.claim_callback_notice(row.id, now)? {
            taken.push(shown(tx, row)?);
        }
    }
    Ok(taken)
}
