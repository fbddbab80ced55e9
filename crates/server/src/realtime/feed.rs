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
/// Passes are at least this far apart: everything that changed in between goes out as
/// one batch per socket, and a change undone within it (busy for a call cancelled at
/// once) is never pushed.
const MIN_GAP: Duration = Duration::from_millis(250);

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
    let mut last_pass = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = rt.presence_kick.notified() => {}
            _ = tick.tick() => {}
        }
        tokio::time::sleep_until(last_pass + MIN_GAP).await;
        last_pass = tokio::time::Instant::now();
        if let Err(e) = pass(&rt, &mut pushed).await {
            tracing::warn!(error = %e, "presence feed pass failed");
        }
    }
}

/// Everyone's visible presence, and who is online at all.
async fn snapshot(rt: &Realtime) -> Result<(HashMap<i64, Visible>, Vec<Dead>), StoreError> {
    let timeout = rt.rules.presence_timeout;
    let now = crate::now();
    let mut visible = HashMap::new();
    let mut online = HashSet::new();
    for (user_id, p) in rt.store.presence_snapshot() {
        visible.insert(
            user_id,
            (p.visible_status(now, timeout), p.available_for_calls),
        );
        if p.is_online(now, timeout) {
            online.insert(user_id);
        }
    }
    let live = rt.store.read(|tx| tx.live_calls()).await?;
    let dead = live
        .into_iter()
        .filter(|c| c.status == CallStatus::Active)
        .filter(|c| !online.contains(&c.initiator_id) || !online.contains(&c.recipient_id))
        .map(|c| Dead { call_id: c.id })
        .collect();
    Ok((visible, dead))
}

struct Dead {
    call_id: i64,
}

async fn pass(rt: &Arc<Realtime>, pushed: &mut HashMap<i64, Visible>) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let (visible, dead) = snapshot(rt).await?;
    tracing::trace!(users = visible.len(), took = ?started.elapsed(), "presence snapshot");
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
    let mut frames = Vec::new();
    for (user_id, now_visible) in visible {
        if pushed.get(&user_id) == Some(&now_visible) {
            continue;
        }
        let (status, available_for_calls) = now_visible;
        frames.push(frame(&Notification::PresenceUpdate {
            user_id,
            status,
            available_for_calls,
        }));
        pushed.insert(user_id, now_visible);
    }
    if !frames.is_empty() {
        rt.publish(BusEvent::Presence {
            frames: Arc::new(frames),
        });
    }
    Ok(())
}
