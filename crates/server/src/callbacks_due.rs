//! Tells people when a call-back of theirs is due: a `callback_due` frame on their
//! notification sockets (every device), once, at the due time. The task sleeps until the
//! earliest due time; creating or snoozing one wakes it. With several instances each runs
//! it and whoever claims a call-back's notice first sends it (`domain::callbacks::take_due`).

use crate::domain::callbacks;
use crate::realtime::{BusEvent, Realtime, frame};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ws::Notification;
use tokio::sync::Notify;

/// The longest sleep: call-backs made through another instance are noticed within it.
const LOOK_AGAIN: Duration = Duration::from_secs(30);
/// The shortest, so a store that keeps failing is not asked in a busy loop.
const AT_LEAST: Duration = Duration::from_millis(50);

/// Sends due notices until the task is aborted. `wake` is poked by each change to a due
/// time.
pub async fn run(realtime: Arc<Realtime>, wake: Arc<Notify>) {
    let (store, clock) = (realtime.store.clone(), realtime.rules.clock);
    loop {
        let now = clock.now();
        // Keyed, with nothing to lock: each notice is claimed by one conditional update.
        match store
            .write_keyed(move |tx| callbacks::take_due(tx, now))
            .await
        {
            Ok(due) => {
                for callback in due {
                    tracing::info!(
                        callback = callback.id,
                        owner = callback.owner,
                        "call-back due"
                    );
                    realtime.publish(BusEvent::ToUser {
                        user_id: callback.owner,
                        frame: frame(&Notification::CallbackDue {
                            callback: Box::new(callback),
                        }),
                        invite_call: None,
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "due call-backs could not be read; trying again"),
        }
        let next = store.read(|tx| tx.next_callback_due()).await.ok().flatten();
        let wait = next
            .map(|at| (at - clock.now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(LOOK_AGAIN)
            .clamp(AT_LEAST, LOOK_AGAIN);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}
