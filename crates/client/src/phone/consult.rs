//! An attended transfer on the transferrer's side: the call is held and parked (its media
//! keeps running, silent, the other side hearing the hold beep), a consultation call is
//! placed as usual, and then either the two are joined (`transfer/ {to_call_id}`) or the
//! consultation ends and the held call is taken back.

use super::{Parked, Phone, on_call_update};
use crate::error::ClientError;
use crate::events::EndReason;
use switchboard_protocol::CallStatus;
use switchboard_protocol::api::CallSession;

impl Phone {
    /// Holds the current call (if this side does not hold it yet) and calls `user_id`
    /// about it: the held call waits, parked, until [`Phone::complete_transfer`] joins
    /// the two or [`Phone::back_to_held`] takes it back. A refused call (busy, offline)
    /// leaves the held call current again, still on hold.
    pub async fn consult(&self, user_id: i64) -> Result<CallSession, ClientError> {
        let me = self.engine.me().id;
        let call = {
            let current = self.shared.current.lock().await;
            if current.parked.is_some() {
                return Err(ClientError::Invalid(
                    "You are already consulting someone: join them or go back first.".into(),
                ));
            }
            match &current.call {
                Some(call) if call.status == CallStatus::Active => call.clone(),
                _ => {
                    return Err(ClientError::Invalid(
                        "There is no call in progress to transfer.".into(),
                    ));
                }
            }
        };
        let held = if call.on_hold_by == Some(me) {
            call
        } else {
            self.engine.hold(call.id, true).await?
        };
        {
            let mut current = self.shared.current.lock().await;
            if current.call.as_ref().map(|c| c.id) != Some(held.id) {
                return Err(ClientError::Invalid(
                    "The call ended before the consultation began.".into(),
                ));
            }
            let media = current.media.take();
            current.call = None;
            let muted = current.muted;
            current.parked = Some(Parked {
                call: held,
                media,
                muted,
                transferring: false,
            });
        }
        match self.call(user_id).await {
            Ok(consultation) => Ok(consultation),
            Err(e) => {
                self.unpark().await;
                Err(e)
            }
        }
    }

    /// The call held while this side consults someone, if any.
    pub async fn held_call(&self) -> Option<CallSession> {
        let current = self.shared.current.lock().await;
        current.parked.as_ref().map(|p| p.call.clone())
    }

    /// Joins the held call's other party with the colleague consulted (an attended
    /// transfer): both calls end here, and theirs is under way at once. Returns their
    /// call. Refused (the consultation not answered yet, either call over) changes nothing.
    pub async fn complete_transfer(&self) -> Result<CallSession, ClientError> {
        let (held, consultation) = {
            let current = self.shared.current.lock().await;
            match (&current.parked, &current.call) {
                (Some(parked), Some(call)) if call.status == CallStatus::Active => {
                    (parked.call.id, call.id)
                }
                (Some(_), Some(_)) => {
                    return Err(ClientError::Invalid(
                        "They have not answered yet: wait for them, or go back to the held call."
                            .into(),
                    ));
                }
                _ => {
                    return Err(ClientError::Invalid(
                        "There is no consultation to join with the held call.".into(),
                    ));
                }
            }
        };
        {
            let mut current = self.shared.current.lock().await;
            current.transferring = Some(consultation);
            if let Some(parked) = current.parked.as_mut() {
                parked.transferring = true;
            }
        }
        let done = self.engine.transfer_to_call(held, consultation).await;
        let (parked, media) = {
            let mut current = self.shared.current.lock().await;
            current.transferring = None;
            match &done {
                Ok(_) => {
                    let media = current
                        .call
                        .take_if(|c| c.id == consultation)
                        .and(current.media.take());
                    current.ended = Some(consultation);
                    (current.parked.take(), media)
                }
                Err(_) => {
                    if let Some(parked) = current.parked.as_mut() {
                        parked.transferring = false;
                    }
                    (None, None)
                }
            }
        };
        let joined = match done {
            Ok(joined) => joined,
            Err(e) => {
                // Either call may have ended meanwhile: catch up with the server.
                for id in [held, consultation] {
                    if let Ok(call) = self.engine.api().call(id).await
                        && call.status.is_final()
                    {
                        on_call_update(&self.shared, call).await;
                    }
                }
                return Err(e);
            }
        };
        let message = format!(
            "{} and {} are talking now.",
            joined.initiator_details.display_name(),
            joined.recipient_details.display_name()
        );
        for (id, media) in [(held, parked.and_then(|p| p.media)), (consultation, media)] {
            if let Some(media) = media {
                media
                    .stop(
                        &self.shared.engine,
                        id,
                        EndReason::Local,
                        Some(message.clone()),
                    )
                    .await;
            }
        }
        Ok(joined)
    }

    /// Ends the consultation (or stops it ringing) and takes the held call back.
    pub async fn back_to_held(&self) -> Result<CallSession, ClientError> {
        if self.shared.current.lock().await.parked.is_none() {
            return Err(ClientError::Invalid(
                "There is no held call to go back to.".into(),
            ));
        }
        self.hang_up().await?;
        let held = self
            .unpark()
            .await
            .ok_or_else(|| ClientError::Invalid("The held call has ended meanwhile.".into()))?;
        self.engine.hold(held.id, false).await
    }

    /// Makes the parked call current again (nothing else may be current); returns it.
    async fn unpark(&self) -> Option<CallSession> {
        let mut current = self.shared.current.lock().await;
        if let Some(call) = &current.call {
            tracing::warn!(
                call_id = call.id,
                "a call is current: the held call stays parked"
            );
            return None;
        }
        let parked = current.parked.take()?;
        current.call = Some(parked.call.clone());
        current.media = parked.media;
        current.muted = parked.muted;
        self.shared.emit(crate::events::Event::Muted {
            call_id: parked.call.id,
            muted: parked.muted,
        });
        Some(parked.call)
    }
}
