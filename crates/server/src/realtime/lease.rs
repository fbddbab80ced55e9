//! Socket leases: which instance holds which notification sockets.
//!
//! `presence.open_sockets` keeps a user online while any instance holds a socket of
//! theirs. Each instance records its own count per user (always the absolute count from
//! its hub, so a retried or reordered write cannot drift) and renews its registration
//! every third of the lease. An instance that stops renewing (killed, frozen, cut off)
//! has its leases ended by whichever instance renews next: its users keep the sockets
//! they hold elsewhere, and the others get one presence timeout to reconnect before they
//! show offline. An instance whose own registration lapsed records its sockets again.
//!
//! The only instance of a database (SQLite, which no other server may open while it
//! runs) keeps no lease rows: every socket is its own, so a user's total is what its hub
//! holds, and what an earlier run left counted is found in presence itself. That spares
//! each socket's open and close a row write and a sum.

use super::Realtime;
use crate::store::{LockKey, StorageError, Tx};
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// A notification socket opened or closed, waiting to be written down.
pub struct SocketChange {
    user_id: i64,
    opened: bool,
    written: oneshot::Sender<()>,
}

/// Sockets changed while one batch was written go in the next: at most this many users
/// per transaction, so invites never wait long behind a connect storm.
const MAX_BATCH: usize = 1024;

impl Realtime {
    /// Records that a notification socket of `user_id` opened (a sign of life) or closed,
    /// and returns once it is written. Changes are batched: ten thousand sockets
    /// connecting at once cost a few transactions, not ten thousand.
    pub async fn record_socket(&self, user_id: i64, opened: bool) {
        let (written, done) = oneshot::channel();
        let change = SocketChange {
            user_id,
            opened,
            written,
        };
        if self.socket_changes.send(change).is_ok() {
            // Err: the server is stopping and the writer is gone.
            let _ = done.await;
        }
    }
}

/// Writes socket changes in batches until the task is aborted.
pub async fn write_socket_changes(
    rt: Arc<Realtime>,
    mut changes: mpsc::UnboundedReceiver<SocketChange>,
) {
    let mut batch = Vec::new();
    while changes.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut users: HashMap<i64, bool> = HashMap::default();
        let mut waiting = Vec::with_capacity(batch.len());
        for change in batch.drain(..) {
            *users.entry(change.user_id).or_default() |= change.opened;
            waiting.push(change.written);
        }
        let users: Vec<(i64, bool)> = users.into_iter().collect();
        if let Err(e) = write_sockets(&rt, users.clone()).await {
            tracing::warn!(error = %e, users = users.len(), "could not record sockets in presence");
            if users.len() > 1 {
                // One bad row must not cost the others their write: one by one.
                for user in users {
                    if let Err(e) = write_sockets(&rt, vec![user]).await {
                        tracing::warn!(user_id = user.0, error = %e, "could not record the user's sockets in presence");
                    }
                }
            }
        }
        for written in waiting {
            let _ = written.send(());
        }
        rt.presence_changed();
    }
}

/// One transaction: each user's lease set to the sockets this instance holds now, and
/// their presence brought up to date (`opened`: a sign of life).
async fn write_sockets(rt: &Realtime, users: Vec<(i64, bool)>) -> Result<(), StorageError> {
    let (instance, hub, clock) = (rt.instance.clone(), rt.hub.clone(), rt.rules.clock);
    let sole = rt.is_sole_instance();
    rt.store
        .write(move |tx| {
            let now = clock.now();
            for &(user_id, opened) in &users {
                // Read inside the transaction: the last write carries the latest count.
                let held = u32::try_from(hub.sockets_of(user_id)).unwrap_or(u32::MAX);
                let total = if sole {
                    held
                } else {
                    tx.set_socket_lease(&instance, user_id, held)?
                };
                let mut p = tx.presence(user_id)?;
                if opened {
                    p.heartbeat(now);
                } else {
                    p.last_seen = Some(now);
                }
                p.open_sockets = total;
                tx.save_presence(user_id, &p)?;
            }
            Ok(())
        })
        .await
}

/// A fresh id for this run of this instance.
pub fn new_instance_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}

/// Records `sockets` of `user_id` for `instance` and brings the user's total up to date.
fn record_sockets(
    tx: &mut dyn Tx,
    instance: &str,
    user_id: i64,
    sockets: u32,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let total = tx.set_socket_lease(instance, user_id, sockets)?;
    set_total(tx, user_id, total, now)
}

/// A user who lost sockets is seen now: one presence timeout to come back elsewhere.
fn set_total(
    tx: &mut dyn Tx,
    user_id: i64,
    total: u32,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let mut p = tx.presence(user_id)?;
    if p.open_sockets == total {
        return Ok(());
    }
    if total < p.open_sockets {
        p.last_seen = Some(now);
    }
    p.open_sockets = total;
    tx.save_presence(user_id, &p)
}

/// How many renewals between two sweeps for leases no registered instance holds (a
/// scan of every lease row; the renewals in between look at lapsed instances only).
const ORPHAN_SWEEP_EVERY: u32 = 12;

/// Which leases a reclaim ends.
#[derive(Clone, Copy)]
enum Reclaim {
    /// Those of instances whose registration lapsed.
    Lapsed,
    /// Those too of every instance that is not registered.
    LapsedAndOrphans,
}

/// Ends the leases of instances that stopped renewing.
fn reclaim(tx: &mut dyn Tx, now: DateTime<Utc>, which: Reclaim) -> Result<usize, StorageError> {
    let mut touched: std::collections::BTreeMap<i64, u32> =
        tx.reclaim_leases(now)?.into_iter().collect();
    if let Reclaim::LapsedAndOrphans = which {
        // A user in both lists: the later total is the one that stands.
        touched.extend(tx.reclaim_orphan_leases()?);
    }
    // The leases' rows are this instance's to end (their holders lapsed); the users'
    // presence is not, so it is locked before it is read.
    tx.lock(&LockKey::users(touched.keys().copied()))?;
    for (&user_id, &total) in &touched {
        set_total(tx, user_id, total, now)?;
    }
    Ok(touched.len())
}

/// The only instance's sockets, all gone (its start after a crash, its clean stop):
/// every user still counted as connected is seen now, with one presence timeout to come
/// back. Returns how many there were.
fn end_every_socket(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<usize, StorageError> {
    let counted = tx.presence_with_open_sockets()?;
    for &(user_id, _) in &counted {
        set_total(tx, user_id, 0, now)?;
    }
    Ok(counted.len())
}

/// At start-up: registers `instance`. With `exclusive` (SQLite: no other instance can be
/// running) every earlier lease ends now, and every socket an earlier run counted;
/// otherwise only lapsed leases.
pub fn register(
    tx: &mut dyn Tx,
    instance: &str,
    lease: Duration,
    exclusive: bool,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let mut ended = reclaim(
        tx,
        if exclusive {
            DateTime::<Utc>::MAX_UTC
        } else {
            now
        },
        Reclaim::LapsedAndOrphans,
    )?;
    if exclusive {
        ended += end_every_socket(tx, now)?;
    }
    if ended > 0 {
        tracing::info!(users = ended, "sockets left by an earlier run released");
    }
    tx.renew_instance(instance, lease_end(now, lease))?;
    Ok(())
}

/// Renews this instance's registration and reclaims lapsed ones, until the task is
/// aborted.
pub async fn run(rt: Arc<Realtime>) {
    if rt.is_sole_instance() {
        // No other instance reclaims this one's sockets, nor has any to be reclaimed: an
        // idle desktop need not write every few seconds.
        return;
    }
    let lease = rt.rules.instance_lease;
    let mut tick = tokio::time::interval(lease / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    let mut renewals = 0u32;
    loop {
        tick.tick().await;
        renewals = renewals.wrapping_add(1);
        let which = if renewals.is_multiple_of(ORPHAN_SWEEP_EVERY) {
            Reclaim::LapsedAndOrphans
        } else {
            Reclaim::Lapsed
        };
        let instance = rt.instance.clone();
        let hub = rt.hub.clone();
        let clock = rt.rules.clock;
        // Keyed, so that every few seconds on every instance a renewal does not stop all
        // other writes: it locks the users whose presence it changes (usually none).
        let renewed = rt
            .store
            .write_keyed(move |tx| {
                let now = clock.now();
                if !tx.renew_instance(&instance, lease_end(now, lease))? {
                    tracing::warn!(
                        "this instance's socket leases lapsed (was it paused?); recording its sockets again"
                    );
                    // Rare (a paused process); the reclaim below locks more users after
                    // these, so a renewal racing it may be told of a deadlock and retries
                    // at the next tick.
                    let counts = hub.socket_counts();
                    tx.lock(&LockKey::users(counts.iter().map(|&(user, _)| user)))?;
                    for (user_id, sockets) in counts {
                        record_sockets(tx, &instance, user_id, sockets, now)?;
                    }
                }
                reclaim(tx, now, which)
            })
            .await;
        match renewed {
            Ok(0) => {}
            Ok(users) => {
                tracing::info!(users, "sockets of an instance that stopped released");
                rt.presence_changed();
            }
            Err(e) => tracing::warn!(error = %e, "could not renew this instance's socket leases"),
        }
    }
}

/// On a clean stop: unregisters this instance and ends its leases (the only instance:
/// its sockets) at once.
pub async fn release(rt: &Realtime) {
    let (instance, clock) = (rt.instance.clone(), rt.rules.clock);
    let sole = rt.is_sole_instance();
    let released = rt
        .store
        .write(move |tx| {
            tx.drop_instance(&instance)?;
            if sole {
                end_every_socket(tx, clock.now())
            } else {
                reclaim(tx, clock.now(), Reclaim::LapsedAndOrphans)
            }
        })
        .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "could not release this instance's sockets; other instances will once its lease lapses");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SqliteDatabase, Store, test_user as user};

    /// The only instance keeps no lease rows, so after a crash its next start finds the
    /// sockets it counted in presence: they end, and their users are seen at the start
    /// (one presence timeout to come back). Users with no socket are left as they were.
    #[test]
    fn a_sole_instance_start_ends_the_sockets_an_earlier_run_counted() -> Result<(), StorageError> {
        let store = Store::new(Arc::new(SqliteDatabase::in_memory()?));
        let crashed_at = Utc::now() - chrono::Duration::hours(1);
        let restarted_at = Utc::now();
        let (connected, idle) = store.write_blocking(|tx| {
            let (connected, idle) = (user(tx, "connected")?, user(tx, "idle")?);
            for (user_id, sockets) in [(connected, 2), (idle, 0)] {
                let mut p = tx.presence(user_id)?;
                p.heartbeat(crashed_at);
                p.open_sockets = sockets;
                tx.save_presence(user_id, &p)?;
            }
            Ok::<_, StorageError>((connected, idle))
        })?;

        store.write_blocking(|tx| {
            register(tx, "next run", Duration::from_secs(15), true, restarted_at)
        })?;

        let (connected, idle) = store.write_blocking(|tx| {
            Ok::<_, StorageError>((tx.presence(connected)?, tx.presence(idle)?))
        })?;
        assert_eq!(connected.open_sockets, 0);
        assert_eq!(connected.last_seen, Some(restarted_at));
        assert_eq!(idle.open_sockets, 0);
        assert_eq!(idle.last_seen, Some(crashed_at), "untouched");
        Ok(())
    }
}
