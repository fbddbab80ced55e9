//! One-time invite codes: an administrator makes one, a teammate makes their own account
//! with it (and their own password). The store keeps each code's SHA-256 only.

use super::DomainError;
use super::users;
use crate::store::{InviteRow, NewUser, Tx};
use chrono::{DateTime, Duration, Utc};
use switchboard_protocol::api::{InviteCode, InviteCodeState, UserInfo};

/// How long a code lasts when the admin does not say.
pub const DEFAULT_HOURS: u32 = 72;
/// At most a month: a code is a password for making an account.
pub const MAX_HOURS: u32 = 720;

/// The API's view of a stored invite at `now`.
pub fn view(row: &InviteRow, now: DateTime<Utc>) -> InviteCode {
    let state = if row.used_by.is_some() {
        InviteCodeState::Used
    } else if row.revoked {
        InviteCodeState::Revoked
    } else if row.expires_at <= now {
        InviteCodeState::Expired
    } else {
        InviteCodeState::Open
    };
    InviteCode {
        id: row.id,
        state,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        used_by: row.used_by,
    }
}

fn require_admin(tx: &mut dyn Tx, user_id: i64) -> Result<(), DomainError> {
    super::require_admin(tx, user_id, "manage invites")
}

/// Why a lifetime is refused.
pub fn hours_problem(hours: u32) -> Option<String> {
    (hours == 0 || hours > MAX_HOURS).then(|| {
        format!("An invite lasts from 1 to {MAX_HOURS} hours (30 days); {hours} is outside that.")
    })
}

/// Stores a new invite by `admin_id` for the code whose hash is `code_hash`.
pub fn create(
    tx: &mut dyn Tx,
    admin_id: i64,
    code_hash: &str,
    hours: u32,
    now: DateTime<Utc>,
) -> Result<InviteCode, DomainError> {
    require_admin(tx, admin_id)?;
    if let Some(problem) = hours_problem(hours) {
        return Err(DomainError::Invalid(problem));
    }
    let mut row = InviteRow {
        id: 0,
        created_by: admin_id,
        created_at: now,
        expires_at: now + Duration::hours(i64::from(hours)),
        used_by: None,
        revoked: false,
    };
    row.id = tx.insert_invite(code_hash, &row)?;
    Ok(view(&row, now))
}

/// Every invite, newest first (admins only).
pub fn list(
    tx: &mut dyn Tx,
    admin_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<InviteCode>, DomainError> {
    require_admin(tx, admin_id)?;
    Ok(tx.invites()?.iter().map(|row| view(row, now)).collect())
}

/// Revokes an invite not used yet (admins only).
pub fn revoke(
    tx: &mut dyn Tx,
    admin_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<InviteCode, DomainError> {
    require_admin(tx, admin_id)?;
    let row = tx
        .invite(id)?
        .ok_or_else(|| DomainError::NotFound(format!("There is no invite with id {id}.")))?;
    if row.used_by.is_some() {
        return Err(DomainError::Conflict(
            "This invite has been used already; disable or delete the account instead.".into(),
        ));
    }
    tx.revoke_invite(id)?;
    let row = tx.invite(id)?.unwrap_or(row);
    Ok(view(&row, now))
}

/// The open invite with this code hash, or why there is none, in words for the person
/// holding the link.
pub fn open_invite(
    tx: &mut dyn Tx,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<InviteRow, DomainError> {
    let row = tx.invite_by_code_hash(code_hash)?.ok_or_else(|| {
        DomainError::NotFound(
            "This invite code is not known; check that the whole link was copied, or ask for a new invite.".into(),
        )
    })?;
    let refusal = match view(&row, now).state {
        InviteCodeState::Open => return Ok(row),
        InviteCodeState::Used => "This invite code has been used already; ask for a new invite.",
        InviteCodeState::Revoked => "This invite code was withdrawn; ask for a new invite.",
        InviteCodeState::Expired => "This invite code has expired; ask for a new invite.",
    };
    Err(DomainError::Conflict(refusal.into()))
}

/// Makes the account `user` with the open invite of `code_hash`, using up the invite.
/// Accounts made this way are never admins.
pub fn redeem(
    tx: &mut dyn Tx,
    code_hash: &str,
    user: NewUser,
    now: DateTime<Utc>,
) -> Result<UserInfo, DomainError> {
    let invite = open_invite(tx, code_hash, now)?;
    let user = NewUser {
        is_admin: false,
        ..user
    };
    let info = users::create(tx, user, now)?;
    if !tx.use_invite(invite.id, info.id)? {
        return Err(DomainError::Conflict(
            "This invite code has just been used; ask for a new invite.".into(),
        ));
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(used_by: Option<i64>, revoked: bool, expires_in: i64) -> InviteRow {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        InviteRow {
            id: 1,
            created_by: 1,
            created_at: now,
            expires_at: now + Duration::seconds(expires_in),
            used_by,
            revoked,
        }
    }

    #[test]
    fn an_invite_is_open_until_used_revoked_or_expired() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(
            view(&row(None, false, 60), now).state,
            InviteCodeState::Open
        );
        assert_eq!(
            view(&row(None, false, 0), now).state,
            InviteCodeState::Expired
        );
        assert_eq!(
            view(&row(None, true, 60), now).state,
            InviteCodeState::Revoked
        );
        // Used wins: the list should say who joined, whatever happened after.
        assert_eq!(
            view(&row(Some(2), true, -5), now).state,
            InviteCodeState::Used
        );
    }

    #[test]
    fn lifetimes_run_from_an_hour_to_a_month() {
        assert!(hours_problem(0).is_some());
        assert!(hours_problem(1).is_none());
        assert!(hours_problem(MAX_HOURS).is_none());
        assert!(hours_problem(MAX_HOURS + 1).is_some());
    }
}
