//! The presence feed: one task that compares everyone's visible presence with what it last
//! pushed and pushes the differences as `presence_update`.
//!
//! Diffing instead of pushing at each write means a storm of changes (a thousand sockets
//! connecting) costs one push per user whose presence actually changed, and presence that
//! lapses silently (heartbeats stop) is noticed on the next tick. A new state is pushed
//! once it has held for [`MIN_STABLE`]: a flicker (busy for a call hung up at once) costs
//! every socket nothing and never blinks in anyone's list. The same pass fails active
//! calls whose participants went away, so nobody stays `busy` forever.

use super::{BusEvent, Realtime, frame};
use crate::store::StoreError;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ws::Notification;
use switchboard_protocol::{CallAction, CallStatus, PresenceStatus};
use tokio::time::Instant;

/// How often presence is re-checked without a kick (lapsed heartbeats, dead calls).
const TICK: Duration = Duration::from_secs(1);
/// Passes are at least this far apart: everything that changed in between goes out as
/// one batch per socket.
const MIN_GAP: Duration = Duration::from_millis(250);
/// Ringing this long past the ring timeout means its timer was lost.
const RING_GRACE: Duration = Duration::from_secs(5);
/// A changed state is pushed once it has held this long.
pub const MIN_STABLE: Duration = Duration::from_millis(250);

type Visible = (PresenceStatus, bool);

/// What the feed remembers between passes.
#[derive(Default)]
struct FeedState {
    /// What every socket was last told.
    pushed: HashMap<i64, Visible>,
    /// Changes not pushed yet, with when they were first seen.
    settling: HashMap<i64, (Visible, Instant)>,
}

/// Runs until the task is aborted.
pub async fn run(rt: Arc<Realtime>) {
    let mut state = FeedState::default();
    match visible_now(&rt).await {
        Ok((visible, _)) => state.pushed = visible,
        Err(e) => tracing::error!(error = %e, "presence feed cannot read presence"),
    }
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_pass = Instant::now();
    let mut next_due: Option<Instant> = None;
    loop {
        let due = async move {
            match next_due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = rt.presence_kick.notified() => {}
            _ = tick.tick() => {}
            _ = due => {}
        }
        tokio::time::sleep_until(last_pass + MIN_GAP).await;
        last_pass = Instant::now();
        match pass(&rt, &mut state).await {
            Ok(due) => next_due = due,
            Err(e) => tracing::warn!(error = %e, "presence feed pass failed"),
        }
    }
}

/// Everyone's visible presence and who is online, from the in-memory cache.
async fn visible_now(rt: &Realtime) -> Result<(HashMap<i64, Visible>, HashSet<i64>), StoreError> {
    let timeout = rt.rules.presence_timeout;
    let store = rt.store.clone();
    // Off the async workers: with ten thousand users this is milliseconds of CPU.
    tokio::task::spawn_blocking(move || {
        let now = crate::now();
        let mut visible = HashMap::new();
        let mut online = HashSet::new();
        for (user_id, p) in store.presence_snapshot() {
            visible.insert(
                user_id,
                (p.visible_status(now, timeout), p.available_for_calls),
            );
            if p.is_online(now, timeout) {
                online.insert(user_id);
            }
        }
        (visible, online)
    })
    .await
    .map_err(StoreError::backend)
}

/// One pass: fail dead calls, push settled changes. Returns when the next pass is due
/// for changes still settling.
async fn pass(rt: &Arc<Realtime>, state: &mut FeedState) -> Result<Option<Instant>, StoreError> {
    let (visible, online) = visible_now(rt).await?;

    let live = rt.store.read(|tx| tx.live_calls()).await?;
    // Backstop for ring timers that failed or died: ringing far past the timeout is missed.
    let overdue = chrono::Duration::from_std(rt.rules.ring_timeout + RING_GRACE)
        .unwrap_or(chrono::Duration::MAX);
    let wall = crate::now();
    for call in live
        .iter()
        .filter(|c| !c.status.is_final() && c.status != CallStatus::Active)
    {
        if wall - call.created_at > overdue {
            match rt.system_action(call.id, CallAction::Timeout).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(e) => {
                    tracing::warn!(call_id = call.id, error = %e, "could not time out the call")
                }
            }
        }
    }
    let dead = live
        .into_iter()
        .filter(|c| c.status == CallStatus::Active)
        .filter(|c| !online.contains(&c.initiator_id) || !online.contains(&c.recipient_id));
    for call in dead {
        tracing::info!(
            call_id = call.id,
            "a participant of an active call went offline"
        );
        match rt.system_action(call.id, CallAction::Fail).await {
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(e) => tracing::warn!(call_id = call.id, error = %e, "could not fail the call"),
        }
    }

    let now = Instant::now();
    let mut frames = Vec::new();
    let mut next_due: Option<Instant> = None;
    for (user_id, current) in visible {
        if state.pushed.get(&user_id) == Some(&current) {
            state.settling.remove(&user_id);
            continue;
        }
        let since = match state.settling.get(&user_id) {
            Some((seen, since)) if *seen == current => *since,
            _ => {
                state.settling.insert(user_id, (current, now));
                now
            }
        };
        if now.duration_since(since) < MIN_STABLE {
            let due = since + MIN_STABLE;
            next_due = Some(next_due.map_or(due, |d| d.min(due)));
            continue;
        }
        let (status, available_for_calls) = current;
        frames.push(frame(&Notification::PresenceUpdate {
            user_id,
            status,
            available_for_calls,
        }));
        state.pushed.insert(user_id, current);
        state.settling.remove(&user_id);
    }
    if !frames.is_empty() {
        rt.publish(BusEvent::Presence {
            frames: Arc::new(frames),
        });
    }
    Ok(next_due)
}
