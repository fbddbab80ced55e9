//! A call handed on, from this phone's side: a blind transfer; an attended one, where the
//! call is held and parked (its media keeps running, silent, the other side hearing the
//! hold beep), a consultation call is placed as usual, and then either the two are joined
//! (`transfer/ {to_call_id}`) or the consultation ends and the held call is taken back;
//! and a colleague added, the call growing into a meeting.

use super::{Parked, Phone, on_call_update};
use crate::error::ClientError;
use crate::events::EndReason;
use std::time::Duration;
use switchboard_protocol::CallStatus;
use switchboard_protocol::api::CallSession;

impl Phone {
    /// Puts the other party of the current call through to `to_user_id` (a blind
    /// transfer): their call to them rings at once, and this side's call ends. A refusal
    /// (they are busy, offline, not taking calls) changes nothing and is said in words.
    pub async fn transfer(&self, to_user_id: i64) -> Result<CallSession, ClientError> {
        let call_id = {
            let mut current = self.shared.current.lock().await;
            let call_id = match &current.call {
                Some(call) if call.status == CallStatus::Active => call.id,
                _ => {
                    return Err(ClientError::Invalid(
                        "There is no call in progress to transfer.".to_owned(),
                    ));
                }
            };
            current.transferring = Some(call_id);
            call_id
        };
        let done = self.engine.transfer(call_id, to_user_id).await;
        let (media, ended_meanwhile) = {
            let mut current = self.shared.current.lock().await;
            current.transferring = None;
            let ours = current.call.as_ref().is_some_and(|c| c.id == call_id);
            // Refused: the call goes on, unless its media ended while we asked (its end
            // was left to us then).
            let gone = current.media.as_ref().is_some_and(|m| m.task.is_finished());
            if ours && (done.is_ok() || gone) {
                current.call = None;
                current.ended = Some(call_id);
                (current.media.take(), done.is_err())
            } else {
                (None, false)
            }
        };
        if ended_meanwhile && let Some(media) = media {
            let message = "The call ended while it was being transferred.".to_owned();
            media
                .stop(&self.shared.engine, call_id, EndReason::Lost, Some(message))
                .await;
            return done;
        }
        let ringing = done?;
        if let Some(media) = media {
            let message = format!(
                "Transferred to {}.",
                ringing.recipient_details.display_name()
            );
            media
                .stop(
                    &self.shared.engine,
                    call_id,
                    EndReason::Local,
                    Some(message),
                )
                .await;
        }
        Ok(ringing)
    }

    /// Adds `user_id` to the current call: it grows into a meeting of the three, which
    /// both parties then join (see [`Phone::released`]). A refusal (they are busy,
    /// offline, already on it) changes nothing and is said in words.
    pub async fn add_participant(
        &self,
        user_id: i64,
    ) -> Result<switchboard_protocol::api::AddParticipantResponse, ClientError> {
        let call_id = match self.current_call().await {
            Some(call) if call.status == CallStatus::Active => call.id,
            _ => {
                return Err(ClientError::Invalid(
                    "There is no call in progress to add someone to.".to_owned(),
                ));
            }
        };
        self.engine.add_participant(call_id, user_id).await
    }

    /// Waits (at most `within`) until this phone has let go of `call_id`: a call that grew
    /// into a meeting, before the meeting opens the devices. Its media may still be
    /// closing; the devices take a second user.
    pub async fn released(&self, call_id: i64, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let held = self
                .shared
                .current
                .lock()
                .await
                .call
                .as_ref()
                .is_some_and(|c| c.id == call_id);
            if !held {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

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
