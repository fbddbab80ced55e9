//! Presence reads and updates (SPEC §2).

use super::DomainError;
use super::require_user;
use crate::store::{LockKey, Tx};
use chrono::{DateTime, Duration, Utc};
use switchboard_protocol::api::{PresenceView, UserInfo, UserPresence};
use switchboard_protocol::{PresenceState, PresenceStatus};

/// What `update_my_status/` may change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct StatusUpdate {
    pub status: Option<PresenceStatus>,
    pub available_for_calls: Option<bool>,
    pub status_message: Option<String>,
}

pub fn view(state: &PresenceState, now: DateTime<Utc>, timeout: Duration) -> PresenceView {
    PresenceView {
        status: state.visible_status(now, timeout),
        available_for_calls: state.available_for_calls,
        status_message: state.status_message.clone(),
        last_seen: state.last_seen,
        current_call: state.current_call,
        is_online: state.is_online(now, timeout),
        is_available: state.is_available(now, timeout),
    }
}

pub fn user_presence(
    user: &UserInfo,
    state: &PresenceState,
    now: DateTime<Utc>,
    timeout: Duration,
) -> UserPresence {
    UserPresence {
        user: user.id,
        username: user.username.clone(),
        full_name: user.full_name.clone(),
        email: user.email.clone(),
        presence: view(state, now, timeout),
    }
}

/// A sign of life: `last_seen` now, offline becomes online.
pub fn heartbeat(
    tx: &mut dyn Tx,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<PresenceState, DomainError> {
    tx.lock(&[LockKey::User(user_id)])?;
    let mut state = tx.presence(user_id)?;
    state.heartbeat(now);
    tx.save_presence(user_id, &state)?;
    Ok(state)
}

/// Applies `update_my_status/`. During a call the chosen status is what the user returns
/// to when the call ends; they stay `busy` until then.
pub fn update_status(
    tx: &mut dyn Tx,
    user_id: i64,
    update: StatusUpdate,
    now: DateTime<Utc>,
) -> Result<PresenceState, DomainError> {
    tx.lock(&[LockKey::User(user_id)])?;
    let mut state = tx.presence(user_id)?;
    if let Some(status) = update.status {
        if status != PresenceStatus::Offline {
            state.last_seen = Some(now);
        }
        if state.current_call.is_some() {
            state.status_before_call = Some(status);
        } else {
            state.status = status;
        }
    }
    if let Some(available) = update.available_for_calls {
        state.available_for_calls = available;
    }
    if let Some(message) = update.status_message {
        state.status_message = message;
    }
    tx.save_presence(user_id, &state)?;
    Ok(state)
}

/// Users who are online and available for calls, except `viewer`.
pub fn online_users(
    tx: &mut dyn Tx,
    viewer: i64,
    now: DateTime<Utc>,
    timeout: Duration,
) -> Result<Vec<UserPresence>, DomainError> {
    let mut out = Vec::new();
    for (user_id, state) in tx.all_presence()? {
        if user_id == viewer || !state.is_available(now, timeout) {
            continue;
        }
        let user = require_user(tx, user_id)?;
        out.push(user_presence(&user, &state, now, timeout));
    }
    out.sort_by_key(|u| u.username.to_lowercase());
    Ok(out)
}
