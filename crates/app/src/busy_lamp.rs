//! For a colleague who cannot take a call now (issue 20 §4): leave them a note, or wait
//! for them (a camp-on: told once when they can take calls). The server keeps both.

use crate::controller::Controller;
use crate::error::AppError;
use switchboard_protocol::busy_lamp::{CampOn, NewCampOn, NewNote, Note};

impl Controller {
    /// Notes left for me, newest first.
    pub async fn notes(&self) -> Result<Vec<Note>, AppError> {
        Ok(self.phone().await?.engine().api().notes().await?)
    }

    pub async fn leave_note(&self, note: NewNote) -> Result<Note, AppError> {
        Ok(self.phone().await?.engine().api().send_note(&note).await?)
    }

    pub async fn mark_note_read(&self, id: i64) -> Result<Note, AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .mark_note_read(id)
            .await?)
    }

    pub async fn delete_note(&self, id: i64) -> Result<(), AppError> {
        Ok(self.phone().await?.engine().api().delete_note(id).await?)
    }

    /// Whom I wait for.
    pub async fn camp_ons(&self) -> Result<Vec<CampOn>, AppError> {
        Ok(self.phone().await?.engine().api().camp_ons().await?)
    }

    /// Tell me when `user_id` can take calls (for the rest of the working day).
    pub async fn camp_on(&self, user_id: i64) -> Result<CampOn, AppError> {
        let new = NewCampOn {
            user_id,
            expires_in_seconds: None,
        };
        Ok(self.phone().await?.engine().api().camp_on(&new).await?)
    }

    pub async fn cancel_camp_on(&self, id: i64) -> Result<(), AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .cancel_camp_on(id)
            .await?)
    }
}
