//! The ring timers this instance holds, by call and by callee.
//!
//! A socket that opens asks whether anything may be ringing for its user. Looking
//! through every timer for the callee cost a scan (and, as a sharded map, an allocation
//! per shard) on every connect; the count kept by callee answers it with one lookup.

use foldhash::HashMap;
use std::sync::{Mutex, MutexGuard};
use tokio::task::AbortHandle;

#[derive(Default)]
pub struct RingTimers(Mutex<Timers>);

#[derive(Default)]
struct Timers {
    by_call: HashMap<i64, (AbortHandle, i64)>,
    /// Timers by callee; a callee with none has no entry.
    by_callee: HashMap<i64, u32>,
}

impl RingTimers {
    /// Starts the timer of `call_id`, ringing `callee`, with `spawn`, and holds it; a timer
    /// the call had is aborted. The timer is spawned under the lock, so one that fires at
    /// once (no ring time left) finds itself held when it comes to [`Self::remove_own`].
    pub fn start(&self, call_id: i64, callee: i64, spawn: impl FnOnce() -> AbortHandle) {
        let replaced = {
            let mut timers = self.lock();
            let timer = spawn();
            let replaced = timers.by_call.insert(call_id, (timer, callee));
            if let Some((_, old_callee)) = &replaced {
                timers.forget_callee(*old_callee);
            }
            *timers.by_callee.entry(callee).or_default() += 1;
            replaced
        };
        if let Some((old, _)) = replaced {
            old.abort();
        }
    }

    /// Takes the timer of `call_id` out, if this instance holds one.
    pub fn remove(&self, call_id: i64) -> Option<AbortHandle> {
        self.lock().take(call_id)
    }

    /// Called by a timer task as it fires: takes its entry out, unless a later timer of
    /// the same call replaced it (that one is not this task's to remove).
    pub fn remove_own(&self, call_id: i64) {
        let Some(me) = tokio::task::try_id() else {
            return;
        };
        let mut timers = self.lock();
        if timers
            .by_call
            .get(&call_id)
            .is_some_and(|(timer, _)| timer.id() == me)
        {
            timers.take(call_id);
        }
    }

    /// Whether a timer rings `callee`.
    pub fn rings(&self, callee: i64) -> bool {
        self.lock().by_callee.contains_key(&callee)
    }

    /// A panic elsewhere while the lock was held leaves the maps consistent: each
    /// method changes them in full or not at all.
    fn lock(&self) -> MutexGuard<'_, Timers> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Timers {
    fn take(&mut self, call_id: i64) -> Option<AbortHandle> {
        let (timer, callee) = self.by_call.remove(&call_id)?;
        self.forget_callee(callee);
        Some(timer)
    }

    fn forget_callee(&mut self, callee: i64) {
        if let Some(count) = self.by_callee.get_mut(&callee) {
            *count -= 1;
            if *count == 0 {
                self.by_callee.remove(&callee);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn pending() -> AbortHandle {
        tokio::spawn(std::future::pending::<()>()).abort_handle()
    }

    #[tokio::test]
    async fn a_callee_rings_while_any_of_their_timers_is_held() {
        let timers = RingTimers::default();
        assert!(!timers.rings(7));
        timers.start(1, 7, pending);
        timers.start(2, 7, pending);
        timers.start(3, 8, pending);
        assert!(timers.rings(7) && timers.rings(8));
        assert!(timers.remove(1).is_some());
        assert!(timers.rings(7), "call 2 still rings 7");
        assert!(timers.remove(1).is_none(), "taken once");
        assert!(timers.remove(2).is_some());
        assert!(!timers.rings(7));
        assert!(timers.rings(8));
    }

    #[tokio::test]
    async fn a_timer_started_again_for_a_call_replaces_and_aborts_the_first() {
        let timers = RingTimers::default();
        let mut first = None;
        timers.start(1, 7, || {
            let timer = pending();
            first = Some(timer.clone());
            timer
        });
        timers.start(1, 7, pending);
        tokio::task::yield_now().await;
        assert!(
            first.is_some_and(|t| t.is_finished()),
            "the first is aborted"
        );
        assert!(timers.remove(1).is_some());
        assert!(!timers.rings(7), "counted once, not twice");
    }

    /// A timer with no time left fires on another worker before `start` has stored it:
    /// it must still find and remove itself, and leave nothing ringing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_timer_that_fires_at_once_removes_itself() {
        let timers = Arc::new(RingTimers::default());
        for call_id in 0..200 {
            let (fired_tx, fired) = tokio::sync::oneshot::channel();
            let me = timers.clone();
            timers.start(call_id, 7, move || {
                tokio::spawn(async move {
                    me.remove_own(call_id);
                    let _ = fired_tx.send(());
                })
                .abort_handle()
            });
            fired.await.expect("the timer ran");
            assert!(
                !timers.rings(7),
                "call {call_id}'s timer left itself behind"
            );
        }
    }

    /// A timer that fires after its entry was taken and a new timer of the same call
    /// started (it was past its sleep when it lost its place) must not take its
    /// successor's entry out.
    #[tokio::test]
    async fn a_timer_that_lost_its_place_leaves_its_successor() {
        let timers = Arc::new(RingTimers::default());
        let (go_tx, go) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done) = tokio::sync::oneshot::channel();
        let me = timers.clone();
        timers.start(1, 7, move || {
            tokio::spawn(async move {
                let _ = go.await;
                me.remove_own(1);
                let _ = done_tx.send(());
            })
            .abort_handle()
        });
        // Taken out without being aborted: the task runs on.
        assert!(timers.remove(1).is_some());
        timers.start(1, 7, pending);
        let _ = go_tx.send(());
        done.await.expect("the first timer ran");
        assert!(timers.rings(7), "the successor is still held");
        assert!(timers.remove(1).is_some());
    }
}
