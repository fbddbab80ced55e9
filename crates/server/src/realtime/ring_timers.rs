//! The ring timers this instance holds, by call and by callee.
//!
//! A socket that opens asks whether anything may be ringing for its user. Looking
//! through every timer for the callee cost a scan (and, as a sharded map, an allocation
//! per shard) on every connect; the count kept by callee answers it with one lookup.

use std::collections::HashMap;
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
    /// Holds `timer` for `call_id`, ringing `callee`; a timer the call had is aborted.
    pub fn insert(&self, call_id: i64, callee: i64, timer: AbortHandle) {
        let mut timers = self.lock();
        if let Some((old, old_callee)) = timers.by_call.insert(call_id, (timer, callee)) {
            old.abort();
            timers.forget_callee(old_callee);
        }
        *timers.by_callee.entry(callee).or_default() += 1;
    }

    /// Takes the timer of `call_id` out, if this instance holds one.
    pub fn remove(&self, call_id: i64) -> Option<AbortHandle> {
        let mut timers = self.lock();
        let (timer, callee) = timers.by_call.remove(&call_id)?;
        timers.forget_callee(callee);
        Some(timer)
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

    fn timer() -> AbortHandle {
        tokio::spawn(std::future::pending::<()>()).abort_handle()
    }

    #[tokio::test]
    async fn a_callee_rings_while_any_of_their_timers_is_held() {
        let timers = RingTimers::default();
        assert!(!timers.rings(7));
        timers.insert(1, 7, timer());
        timers.insert(2, 7, timer());
        timers.insert(3, 8, timer());
        assert!(timers.rings(7) && timers.rings(8));
        assert!(timers.remove(1).is_some());
        assert!(timers.rings(7), "call 2 still rings 7");
        assert!(timers.remove(1).is_none(), "taken once");
        assert!(timers.remove(2).is_some());
        assert!(!timers.rings(7));
        assert!(timers.rings(8));
    }

    #[tokio::test]
    async fn a_timer_set_again_for_a_call_replaces_and_aborts_the_first() {
        let timers = RingTimers::default();
        let first = timer();
        timers.insert(1, 7, first.clone());
        timers.insert(1, 7, timer());
        tokio::task::yield_now().await;
        assert!(first.is_finished(), "the first timer is aborted");
        assert!(timers.remove(1).is_some());
        assert!(!timers.rings(7), "counted once, not twice");
    }
}
