//! The presence feed: one task that compares visible presence with what it last pushed and
//! pushes the differences as `presence_update`.
//!
//! Diffing instead of pushing at each write means a storm of changes (a thousand sockets
//! connecting) costs one push per user whose presence actually changed. A pass after a
//! change looks only at the users whose rows changed; a full sweep of everyone (which
//! notices presence that lapses silently when heartbeats stop, and dead calls) runs every
//! [`full_sweep_every`]. With ten thousand users a full sweep is milliseconds of the only
//! core, so doing one per change stalled invites queued behind it. A new state is pushed
//! once it has held for [`MIN_STABLE`]: a flicker (busy for a call hung up at once) costs
//! every socket nothing and never blinks in anyone's list. The same pass fails active
//! calls whose participants went away, so nobody stays `busy` forever.

use super::{BusEvent, Realtime, frame};
use crate::domain::DomainError;
use crate::store::LockKey;
// foldhash: maps keyed by user ids, several built at each pass; SipHash was most of
// their cost.
use foldhash::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use switchboard_protocol::ws::Notification;
use switchboard_protocol::{CallAction, CallStatus, PresenceStatus};
use tokio::time::Instant;

/// The longest gap between full sweeps (lapsed heartbeats, dead calls).
const FULL_SWEEP_MAX: Duration = Duration::from_secs(5);

/// How often everyone is re-checked: a tenth of the presence timeout, between 1 and 5 s, so
/// a lapse is pushed within a few percent of the timeout.
fn full_sweep_every(presence_timeout: chrono::Duration) -> Duration {
    (presence_timeout.to_std().unwrap_or(FULL_SWEEP_MAX) / 10)
        .clamp(Duration::from_secs(1), FULL_SWEEP_MAX)
}

/// Passes are at least this far apart: everything that changed in between goes out as
/// one batch per socket.
const MIN_GAP: Duration = Duration::from_millis(250);
/// Ringing this long past the ring timeout means its timer was lost.
const RING_GRACE: Duration = Duration::from_secs(5);
/// A changed state is pushed once it has held this long.
pub const MIN_STABLE: Duration = Duration::from_millis(250);

/// What colleagues see of a user: a change to any of it is pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Visible {
    status: PresenceStatus,
    available_for_calls: bool,
    status_message: String,
}

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
    rt.store.presence_cache().take_changed();
    match visible_now(&rt, None).await {
        Ok((visible, _)) => state.pushed = visible,
        Err(e) => tracing::error!(error = %e, "presence feed cannot read presence"),
    }
    let mut sweep = tokio::time::interval(full_sweep_every(rt.rules.presence_timeout));
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_pass = Instant::now();
    let mut next_due: Option<Instant> = None;
    loop {
        let due = async move {
            match next_due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let full = tokio::select! {
            _ = rt.presence_kick.notified() => false,
            _ = sweep.tick() => true,
            _ = due => false,
        };
        tokio::time::sleep_until(last_pass + MIN_GAP).await;
        last_pass = Instant::now();
        match pass(&rt, &mut state, full).await {
            Ok(due) => next_due = due,
            Err(e) => tracing::warn!(error = %e, "presence feed pass failed"),
        }
    }
}

/// Visible presence and who is online, from the in-memory cache: of `only` these users,
/// or of everyone.
async fn visible_now(
    rt: &Realtime,
    only: Option<HashSet<i64>>,
) -> Result<(HashMap<i64, Visible>, HashSet<i64>), DomainError> {
    let timeout = rt.rules.presence_timeout;
    let (store, clock) = (rt.store.clone(), rt.rules.clock);
    // Off the async workers: with ten thousand users a full sweep is milliseconds of CPU.
    tokio::task::spawn_blocking(move || {
        let now = clock.now();
        let mut visible = HashMap::default();
        let mut online = HashSet::default();
        let rows = match only {
            Some(users) => store.presence_cache().rows_of(users),
            None => store.presence_snapshot(),
        };
        for (user_id, p) in rows {
            let status = p.visible_status(now, timeout);
            if p.is_online(now, timeout) {
                online.insert(user_id);
            }
            visible.insert(
                user_id,
                Visible {
                    status,
                    available_for_calls: p.available_for_calls,
                    status_message: p.status_message,
                },
            );
        }
        (visible, online)
    })
    .await
    .map_err(|e| DomainError::from(crate::store::StorageError::backend(e)))
}

/// One pass: push settled changes of the users that changed (or, on a full sweep, of
/// everyone, and fail dead calls). Returns when the next pass is due for changes still
/// settling.
async fn pass(
    rt: &Arc<Realtime>,
    state: &mut FeedState,
    full: bool,
) -> Result<Option<Instant>, DomainError> {
    // Taken on a full sweep too: everyone is looked at, so the marks are spent.
    let changed = rt.store.presence_cache().take_changed();
    if full {
        let (visible, online) = visible_now(rt, None).await?;
        fail_dead_calls(rt, &online).await?;
        return Ok(push_settled(rt, state, visible));
    }
    let mut users = changed;
    users.extend(state.settling.keys().copied());
    if users.is_empty() {
        return Ok(None);
    }
    let (visible, _) = visible_now(rt, Some(users)).await?;
    Ok(push_settled(rt, state, visible))
}

/// Misses calls that rang far past the timeout and fails active calls a participant of
/// which went offline.
async fn fail_dead_calls(rt: &Arc<Realtime>, online: &HashSet<i64>) -> Result<(), DomainError> {
    let live = rt.store.read(|tx| tx.live_calls()).await?;
    // Backstop for ring timers that failed or died: ringing far past the timeout is missed.
    let overdue = chrono::Duration::from_std(rt.rules.ring_timeout + RING_GRACE)
        .unwrap_or(chrono::Duration::MAX);
    let wall = rt.rules.clock.now();
    for call in live
        .iter()
        .filter(|c| !c.status.is_final() && c.status != CallStatus::Active)
    {
        if wall - call.created_at > overdue {
            match rt.system_action(call.id, CallAction::Timeout).await {
                Ok(()) => {}
                Err(e) if e.is_conflict() => {}
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
            Ok(()) => {}
            Err(e) if e.is_conflict() => {}
            Err(e) => tracing::warn!(call_id = call.id, error = %e, "could not fail the call"),
        }
    }
    Ok(())
}

/// Pushes the states in `visible` that differ from what was pushed and have held for
/// [`MIN_STABLE`]; returns when the next still-settling one is due.
fn push_settled(
    rt: &Arc<Realtime>,
    state: &mut FeedState,
    visible: HashMap<i64, Visible>,
) -> Option<Instant> {
    let now = Instant::now();
    let mut frames = Vec::new();
    let mut reachable = Vec::new();
    let mut next_due: Option<Instant> = None;
    for (user_id, current) in visible {
        if state.pushed.get(&user_id) == Some(&current) {
            state.settling.remove(&user_id);
            continue;
        }
        let since = match state.settling.get(&user_id) {
            Some((seen, since)) if *seen == current => *since,
            _ => {
                state.settling.insert(user_id, (current.clone(), now));
                now
            }
        };
        if now.duration_since(since) < MIN_STABLE {
            let due = since + MIN_STABLE;
            next_due = Some(next_due.map_or(due, |d| d.min(due)));
            continue;
        }
        if current.status == PresenceStatus::Online && current.available_for_calls {
            reachable.push(user_id);
        }
        frames.push(frame(&Notification::PresenceUpdate {
            user_id,
            status: current.status,
            available_for_calls: current.available_for_calls,
            status_message: Some(current.status_message.clone()),
        }));
        state.pushed.insert(user_id, current);
        state.settling.remove(&user_id);
    }
    if !frames.is_empty() {
        rt.publish(BusEvent::Presence {
            frames: Arc::new(frames),
        });
    }
    if !reachable.is_empty() {
        tokio::spawn(tell_camp_ons(rt.clone(), reachable));
    }
    next_due
}

/// These users became reachable: whoever camped on them is told, once (every instance's
/// feed sees the change; the one that takes a camp-on tells it).
async fn tell_camp_ons(rt: Arc<Realtime>, users: Vec<i64>) {
    let now = rt.rules.clock.now();
    let taken = rt
        .store
        .write_keyed(move |tx| {
            // Keyed: after every call, each instance's feed gets here, and a plain write
            // would stop every other write for it.
            tx.lock(&LockKey::users(users.iter().copied()))?;
            let mut taken = Vec::new();
            for user in users {
                taken.extend(crate::domain::busy_lamp::take_camp_ons(tx, user, now)?);
            }
            Ok::<_, DomainError>(taken)
        })
        .await;
    match taken {
        Ok(taken) => {
            for camp_on in taken {
                tracing::info!(
                    watcher = camp_on.watcher,
                    user = camp_on.user_id,
                    "camp-on told"
                );
                rt.publish(BusEvent::ToUser {
                    user_id: camp_on.watcher,
                    frame: frame(&Notification::ColleagueAvailable {
                        camp_on: Box::new(camp_on),
                    }),
                    invite_call: None,
                });
            }
        }
        Err(e) => tracing::warn!(error = %e, "camp-ons could not be told"),
    }
}
