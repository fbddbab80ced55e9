//! For a caller whose colleague cannot take a call now (issue 20 §4): notes left in the
//! colleague's inbox, and camp-ons — one notice when the colleague can take calls again
//! ([`take_camp_ons`], run when the presence feed sees them become reachable).

use super::{DomainError, require_user, summary};
use crate::store::{CampOnRow, NoteRow, Tx};
use chrono::{DateTime, Duration, Utc};
use switchboard_protocol::busy_lamp::{CampOn, NewCampOn, NewNote, Note};

/// The newest notes an inbox shows.
const INBOX: i64 = 100;

fn shown_note(tx: &mut dyn Tx, row: NoteRow) -> Result<Note, DomainError> {
    let from = require_user(tx, row.from_id)?;
    Ok(Note {
        id: row.id,
        from_user_id: row.from_id,
        from_details: summary(&from),
        to_user_id: row.to_id,
        text: row.text,
        regarding: row.regarding,
        created_at: row.created_at,
        read_at: row.read_at,
    })
}

fn shown_camp_on(tx: &mut dyn Tx, row: CampOnRow) -> Result<CampOn, DomainError> {
    let user = require_user(tx, row.user_id)?;
    Ok(CampOn {
        id: row.id,
        watcher: row.watcher_id,
        user_id: row.user_id,
        user_details: summary(&user),
        created_at: row.created_at,
        expires_at: row.expires_at,
    })
}

/// Leaves `new.text` for `new.user_id`.
pub fn send_note(
    tx: &mut dyn Tx,
    from: i64,
    new: NewNote,
    now: DateTime<Utc>,
) -> Result<Note, DomainError> {
    if let Some(problem) = new.problem() {
        return Err(DomainError::Invalid(crate::error::sentence(&problem)));
    }
    if new.user_id == from {
        return Err(DomainError::Invalid("A note is for someone else.".into()));
    }
    require_user(tx, new.user_id)?;
    let mut row = NoteRow {
        id: 0,
        from_id: from,
        to_id: new.user_id,
        text: new.text,
        regarding: new.regarding,
        created_at: now,
        read_at: None,
    };
    row.id = tx.insert_note(&row)?;
    shown_note(tx, row)
}

/// The newest 100 notes left for `me`.
pub fn inbox(tx: &mut dyn Tx, me: i64) -> Result<Vec<Note>, DomainError> {
    tx.notes_for(me, INBOX)?
        .into_iter()
        .map(|row| shown_note(tx, row))
        .collect()
}

fn my_note(tx: &mut dyn Tx, me: i64, id: i64) -> Result<NoteRow, DomainError> {
    match tx.note(id)? {
        Some(row) if row.to_id == me => Ok(row),
        _ => Err(DomainError::NotFound(format!(
            "There is no note with id {id}."
        ))),
    }
}

pub fn mark_read(
    tx: &mut dyn Tx,
    me: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Note, DomainError> {
    let mut row = my_note(tx, me, id)?;
    if row.read_at.is_none() {
        tx.mark_note_read(id, now)?;
        row.read_at = Some(now);
    }
    shown_note(tx, row)
}

pub fn delete_note(tx: &mut dyn Tx, me: i64, id: i64) -> Result<(), DomainError> {
    my_note(tx, me, id)?;
    tx.delete_note(id)?;
    Ok(())
}

/// Waits for `new.user_id` to be able to take calls; refused when they can now.
pub fn camp_on(
    tx: &mut dyn Tx,
    watcher: i64,
    new: NewCampOn,
    now: DateTime<Utc>,
    presence_timeout: Duration,
) -> Result<CampOn, DomainError> {
    let wait = new
        .wait_seconds()
        .map_err(|e| DomainError::Invalid(crate::error::sentence(&e)))?;
    if new.user_id == watcher {
        return Err(DomainError::Invalid(
            "You can only wait for someone else.".into(),
        ));
    }
    let user = require_user(tx, new.user_id)?;
    let reachable = tx
        .presence(new.user_id)?
        .reachability(user.display_name(), now, presence_timeout)
        .is_ok()
        && tx.live_call_of(new.user_id)?.is_none();
    if reachable {
        return Err(DomainError::Conflict(format!(
            "{} can take calls now: call them.",
            user.display_name()
        )));
    }
    let mut row = CampOnRow {
        id: 0,
        watcher_id: watcher,
        user_id: new.user_id,
        created_at: now,
        expires_at: now + Duration::seconds(wait),
    };
    row.id = tx.insert_camp_on(&row)?;
    shown_camp_on(tx, row)
}

/// The watcher's camp-ons that have not run out.
pub fn camp_ons(
    tx: &mut dyn Tx,
    watcher: i64,
    now: DateTime<Utc>,
) -> Result<Vec<CampOn>, DomainError> {
    tx.camp_ons_by(watcher, now)?
        .into_iter()
        .map(|row| shown_camp_on(tx, row))
        .collect()
}

pub fn cancel_camp_on(tx: &mut dyn Tx, watcher: i64, id: i64) -> Result<(), DomainError> {
    if tx.delete_camp_on(id, watcher)? {
        Ok(())
    } else {
        Err(DomainError::NotFound(format!(
            "There is no camp-on with id {id}."
        )))
    }
}

/// `user` can take calls now: the camp-ons on them, each taken once (deleted), to tell
/// their watchers.
pub fn take_camp_ons(
    tx: &mut dyn Tx,
    user: i64,
    now: DateTime<Utc>,
) -> Result<Vec<CampOn>, DomainError> {
    tx.take_camp_ons_on(user, now)?
        .into_iter()
        .map(|row| shown_camp_on(tx, row))
        .collect()
}
