//! Accounts and the user directory (SPEC §1).

use super::DomainError;
use super::presence;
use crate::store::{AccountState, NewUser, Tx};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use switchboard_protocol::api::{DirectoryEntry, UserInfo};

/// Why a username is refused: Django's rule (letters, digits and `@.+-_`, at most 150).
pub fn username_problem(username: &str) -> Option<String> {
    if username.is_empty() {
        return Some("The username must not be empty.".into());
    }
    if username.chars().count() > 150 {
        return Some("The username must be at most 150 characters long.".into());
    }
    if let Some(bad) = username
        .chars()
        .find(|c| !(c.is_alphanumeric() || "@.+-_".contains(*c)))
    {
        return Some(format!(
            "The username may contain only letters, digits and @ . + - _ (found {bad:?})."
        ));
    }
    None
}

/// Why an email is refused; empty means "no email".
/// A full name with a control character (NUL, a line break, an escape sequence) would
/// break the lists and notifications that show it.
pub fn full_name_problem(full_name: &str) -> Option<String> {
    full_name.chars().any(char::is_control).then(|| {
        "The full name must not contain control characters such as tabs or line breaks.".into()
    })
}

pub fn email_problem(email: &str) -> Option<String> {
    if email.is_empty() {
        return None;
    }
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    (!valid).then(|| format!("{email:?} is not a valid email address."))
}

/// Validates and stores a new account.
pub fn create(tx: &mut dyn Tx, user: NewUser, now: DateTime<Utc>) -> Result<UserInfo, DomainError> {
    if let Some(problem) = username_problem(&user.username).or_else(|| email_problem(&user.email)) {
        return Err(DomainError::Invalid(problem));
    }
    if user.full_name.chars().count() > 200 {
        return Err(DomainError::Invalid(
            "The full name must be at most 200 characters long.".into(),
        ));
    }
    let id = tx.insert_user(&user, now)?;
    Ok(UserInfo {
        id,
        username: user.username,
        email: user.email,
        full_name: user.full_name,
        is_admin: user.is_admin,
        is_active: true,
    })
}

/// Creates `prefix1..prefixN` (skipping names that exist), like the seeds' management
/// command. All share one password hash: these are test accounts, and hashing thousands
/// of passwords one by one would take minutes.
pub fn create_test_users(
    tx: &mut dyn Tx,
    prefix: &str,
    count: u32,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<u32, DomainError> {
    let mut created = 0;
    for n in 1..=count {
        let username = format!("{prefix}{n}");
        if tx.user_by_login(&username)?.is_some() {
            continue;
        }
        let user = NewUser {
            email: format!("{username}@example.com"),
            full_name: format!("Test User {n}"),
            username,
            password_hash: password_hash.to_owned(),
            is_admin: false,
        };
        create(tx, user, now)?;
        created += 1;
    }
    Ok(created)
}

/// Every user with their presence, sorted by username.
pub fn directory(
    tx: &mut dyn Tx,
    now: DateTime<Utc>,
    timeout: Duration,
) -> Result<Vec<DirectoryEntry>, DomainError> {
    let states: HashMap<i64, _> = tx.all_presence()?.into_iter().collect();
    let default = Default::default();
    Ok(tx
        .users()?
        .into_iter()
        .map(|user| {
            let state = states.get(&user.id).unwrap_or(&default);
            DirectoryEntry {
                presence: presence::view(state, now, timeout),
                id: user.id,
                username: user.username,
                email: user.email,
                full_name: user.full_name,
                is_active: user.is_active,
            }
        })
        .collect())
}

/// What an administrator does to another account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountAction {
    Disable,
    Enable,
    Delete,
}

impl AccountAction {
    fn verb(self) -> &'static str {
        match self {
            AccountAction::Disable => "disable",
            AccountAction::Enable => "enable",
            AccountAction::Delete => "delete",
        }
    }
}

/// The name a deleted account keeps in the call history: not a valid username (it has
/// spaces), so it never takes one from anybody.
pub fn retired_name(id: i64) -> String {
    format!("(deleted user {id})")
}

/// Applies an administrator's `action` to account `target`; returns the account as it
/// is now. Only admins may, never on their own account (a team must keep one admin who
/// can sign in), and never on an account already deleted.
pub fn administer(
    tx: &mut dyn Tx,
    admin_id: i64,
    target: i64,
    action: AccountAction,
) -> Result<UserInfo, DomainError> {
    let admin = super::require_user(tx, admin_id)?;
    if !admin.is_admin {
        return Err(DomainError::Forbidden(format!(
            "Only an administrator can {} accounts.",
            action.verb()
        )));
    }
    if target == admin_id {
        return Err(DomainError::Conflict(format!(
            "You cannot {} your own account; ask another administrator.",
            action.verb()
        )));
    }
    tx.user(target)?
        .filter(|r| r.state != AccountState::Deleted)
        .ok_or_else(|| DomainError::NotFound(format!("There is no user with id {target}.")))?;
    match action {
        AccountAction::Disable => {
            tx.set_account_state(target, AccountState::Disabled)?;
            // Tokens from before stay dead once the account is enabled again.
            tx.bump_token_epoch(target)?;
        }
        AccountAction::Enable => {
            tx.set_account_state(target, AccountState::Active)?;
        }
        AccountAction::Delete => {
            tx.retire_user(target, &retired_name(target))?;
        }
    }
    if action != AccountAction::Enable {
        // Offline now for everyone watching; their sockets close right after.
        let mut presence = tx.presence(target)?;
        presence.status = switchboard_protocol::PresenceStatus::Offline;
        tx.save_presence(target, &presence)?;
    }
    super::require_user(tx, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_djangos_rule() {
        assert_eq!(username_problem("jane.torres7"), None);
        assert_eq!(username_problem("a+b@c-d_e"), None);
        assert!(username_problem("").is_some());
        assert!(username_problem("has space").is_some());
        assert!(username_problem(&"x".repeat(151)).is_some());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(email_problem(""), None);
        assert_eq!(email_problem("admin@unio.app"), None);
        assert!(email_problem("admin").is_some());
        assert!(email_problem("@unio.app").is_some());
        assert!(email_problem("a@localhost").is_some());
        assert!(email_problem("a b@unio.app").is_some());
    }
}
