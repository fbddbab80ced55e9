//! Domain operations: synchronous code over one transaction (`&mut dyn Tx`), so each runs
//! atomically on every storage engine. Handlers call these through `Store::write`/`read`.

pub mod calls;
pub mod meetings;
pub mod presence;
pub mod users;

use crate::store::{StoreError, Tx};
use switchboard_protocol::api::{UserInfo, UserSummary};

/// The user, or a 404 that names the id.
pub fn require_user(tx: &mut dyn Tx, id: i64) -> Result<UserInfo, StoreError> {
    tx.user(id)?
        .map(|record| record.info)
        .ok_or_else(|| StoreError::NotFound(format!("There is no user with id {id}.")))
}

pub fn summary(user: &UserInfo) -> UserSummary {
    UserSummary {
        id: user.id,
        username: user.username.clone(),
        email: user.email.clone(),
        full_name: user.full_name.clone(),
    }
}
