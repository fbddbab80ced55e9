//! Domain operations: synchronous code over one transaction (`&mut dyn Tx`), so each runs
//! atomically on every storage engine. Handlers call these through `Store::write`/`read`.

pub mod busy_lamp;
pub mod callbacks;
pub mod calls;
pub mod handover;
pub mod invites;
pub mod meetings;
pub mod presence;
pub mod users;
pub mod webhooks;

use crate::store::{StorageError, Tx};
use switchboard_protocol::api::{UserInfo, UserSummary};

/// Why a rule refused, or could not run. Each refusal carries a sentence for the user;
/// `Storage` is the database's own failure (or a unique constraint's refusal).
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Hashing a password or signing a token failed.
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
}

impl DomainError {
    /// A refusal the user can act on (rather than a failure to run the rule), with its
    /// sentence: unique constraints count, they say what is taken.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            DomainError::NotFound(m)
            | DomainError::Conflict(m)
            | DomainError::Forbidden(m)
            | DomainError::Invalid(m)
            | DomainError::Storage(StorageError::Conflict(m)) => Some(m),
            _ => None,
        }
    }

    /// Whether the rule refused because something is taken or in the wrong state.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            DomainError::Conflict(_) | DomainError::Storage(StorageError::Conflict(_))
        )
    }
}

/// The user, or a 404 that names the id.
pub fn require_user(tx: &mut dyn Tx, id: i64) -> Result<UserInfo, DomainError> {
    tx.user(id)?
        .map(|record| record.info)
        .ok_or_else(|| DomainError::NotFound(format!("There is no user with id {id}.")))
}

/// Refuses anyone but an administrator, saying what only one can do ("manage invites").
pub fn require_admin(
    tx: &mut dyn Tx,
    user_id: i64,
    only_they_can: &str,
) -> Result<(), DomainError> {
    if require_user(tx, user_id)?.is_admin {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "Only an administrator can {only_they_can}."
        )))
    }
}

pub fn summary(user: &UserInfo) -> UserSummary {
    UserSummary {
        id: user.id,
        username: user.username.clone(),
        email: user.email.clone(),
        full_name: user.full_name.clone(),
    }
}
