//! The presence feed: one task that compares everyone's visible presence with what it last
//! pushed and pushes the differences as `presence_update`.
//!
//! Diffing instead of pushing at each write means a storm of changes (a thousand sockets
//! connecting) costs one push per user whose presence actually changed, and presence that
//! lapses silently (heartbeats stop) is noticed on the next tick. The same pass fails
//! active calls whose participants went away, so nobody stays `busy` forever.

use super::{BusEvent, Realtime, frame};
use crate::store::StoreError;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ws::Notification;
use switchboard_protocol::{CallAction, CallStatus, PresenceStatus};

/// How often presence is re-checked without a kick (lapsed heartbeats, dead calls).
const TICK: Duration = Duration::from_secs(1);
/// After a kick, wait this long so a burst of changes goes out as one pass.
const DEBOUNCE: Duration = Duration::from_millis(20);

type Visible = (PresenceStatus, bool);

/// Runs until the task is aborted.
pub async fn run(rt: Arc<Realtime>) {
    let mut pushed = match snapshot(&rt).await {
        Ok((visible, _)) => visible,
        Err(e) => {
            tracing::error!(error = %e, "presence feed cannot read presence");
            HashMap::new()
        }
    };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = rt.presence_kick.notified() => tokio::time::sleep(DEBOUNCE).await,
            _ = tick.tick() => {}
        }
        if let Err(e) = pass(&rt, &mut pushed).await {
            tracing::warn!(error = %e, "presence feed pass failed");
        }
    }
}

/// Everyone's visible presence, and who is online at all.
async fn snapshot(rt: &Realtime) -> Result<(HashMap<i64, Visible>, Vec<Dead>), StoreError> {
    let timeout = rt.rules.presence_timeout;
    rt.store
        .read(move |tx| {
            let now = crate::now();
            let mut visible = HashMap::new();
            let mut online = HashSet::new();
            for (user_id, p) in tx.all_presence()? {
                visible.insert(
                    user_id,
                    (p.visible_status(now, timeout), p.available_for_calls),
                );
                if p.is_online(now, timeout) {
                    online.insert(user_id);
                }
            }
            let dead = tx
                .live_calls()?
                .into_iter()
                .filter(|c| c.status == CallStatus::Active)
                .filter(|c| !online.contains(&c.initiator_id) || !online.contains(&c.recipient_id))
                .map(|c| Dead { call_id: c.id })
                .collect();
            Ok((visible, dead))
        })
        .await
}

struct Dead {
    call_id: i64,
}

async fn pass(rt: &Arc<Realtime>, pushed: &mut HashMap<i64, Visible>) -> Result<(), StoreError> {
    let (visible, dead) = snapshot(rt).await?;
    for call in dead {
        tracing::info!(
            call_id = call.call_id,
            "a participant of an active call went offline"
        );
        match rt.system_action(call.call_id, CallAction::Fail).await {
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(e) => tracing::warn!(call_id = call.call_id, error = %e, "could not fail the call"),
        }
    }
    for (user_id, now_visible) in visible {
        if pushed.get(&user_id) == Some(&now_visible) {
            continue;
        }
        let (status, available_for_calls) = now_visible;
        rt.publish(BusEvent::Presence {
            frame: frame(&Notification::PresenceUpdate {
                user_id,
                status,
                available_for_calls,
            }),
        });
        pushed.insert(user_id, now_visible);
    }
    Ok(())
}
