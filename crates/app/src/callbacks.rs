//! Call-backs in the app (issue 20): the list, making one from a declined or missed
//! call, and calling back, which carries the record the call-back is about. The server
//! keeps them; the app asks it, so every device of the user sees the same list.

use crate::controller::Controller;
use crate::error::AppError;
use switchboard_protocol::api::CallSession;
use switchboard_protocol::callbacks::{Callback, NewCallback};

impl Controller {
    /// Mine: open ones by due time, then the last 50 done.
    pub async fn callbacks(&self) -> Result<Vec<Callback>, AppError> {
        Ok(self.phone().await?.engine().api().callbacks().await?)
    }

    pub async fn create_callback(&self, new: NewCallback) -> Result<Callback, AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .create_callback(&new)
            .await?)
    }

    pub async fn complete_callback(&self, id: i64) -> Result<Callback, AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .complete_callback(id)
            .await?)
    }

    /// Due again in `seconds`.
    pub async fn snooze_callback(&self, id: i64, seconds: i64) -> Result<Callback, AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .snooze_callback(id, seconds)
            .await?)
    }

    pub async fn delete_callback(&self, id: i64) -> Result<(), AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .delete_callback(id)
            .await?)
    }

    /// Calls the person back about the call-back's record; the server marks it done when
    /// they answer.
    pub async fn call_back(&self, id: i64) -> Result<CallSession, AppError> {
        let phone = self.phone().await?;
        let callback = phone
            .engine()
            .api()
            .callbacks()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| AppError::invalid(format!("There is no call-back with id {id}; it may have been deleted on another device.")))?;
        self.not_in_meeting().await?;
        Ok(phone
            .call_about(callback.user_id, callback.regarding)
            .await?)
    }

    /// How many of my call-backs are due now (for the tray).
    pub async fn callbacks_due(&self) -> Result<usize, AppError> {
        let now = chrono::Utc::now();
        Ok(self
            .callbacks()
            .await?
            .iter()
            .filter(|c| c.is_open() && c.due_at <= now)
            .count())
    }
}
