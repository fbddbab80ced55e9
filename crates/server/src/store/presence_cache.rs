//! Committed presence in memory.

use switchboard_protocol::PresenceState;

/// Receives the presence rows of each commit of this instance (must not block).
pub type CommitHook = Box<dyn Fn(Vec<(i64, PresenceState)>) + Send + Sync>;

/// Everyone's presence as last committed, kept in memory so the presence feed never
/// scans the table. Engines update it after each commit, in commit order.
#[derive(Default)]
pub struct PresenceCache {
    rows: dashmap::DashMap<i64, PresenceState, foldhash::fast::RandomState>,
    /// Users whose row changed since the presence feed last asked: it diffs only them
    /// between its full sweeps.
    changed: std::sync::Mutex<foldhash::HashSet<i64>>,
    /// Where this instance's commits also go (the bus, for the other instances' caches).
    forward: std::sync::OnceLock<CommitHook>,
}

impl PresenceCache {
    /// Rows this instance committed.
    pub fn apply(&self, changes: Vec<(i64, PresenceState)>) {
        if changes.is_empty() {
            return;
        }
        if let Some(forward) = self.forward.get() {
            forward(changes.clone());
        }
        self.apply_remote(changes);
    }

    /// Rows another instance committed.
    pub fn apply_remote(&self, changes: Vec<(i64, PresenceState)>) {
        let mut changed = self.changed.lock().unwrap_or_else(|e| e.into_inner());
        for (user_id, state) in changes {
            self.rows.insert(user_id, state);
            changed.insert(user_id);
        }
    }

    /// The users whose rows changed since the last call (and forgets them).
    pub fn take_changed(&self) -> foldhash::HashSet<i64> {
        std::mem::take(&mut *self.changed.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// `user_id`'s row, if they have one.
    pub fn get(&self, user_id: i64) -> Option<PresenceState> {
        self.rows.get(&user_id).map(|row| row.value().clone())
    }

    /// The rows of `users` that exist.
    pub fn rows_of(&self, users: impl IntoIterator<Item = i64>) -> Vec<(i64, PresenceState)> {
        users
            .into_iter()
            .filter_map(|id| self.rows.get(&id).map(|row| (id, row.value().clone())))
            .collect()
    }

    /// Sends every later commit of this instance to `to` as well.
    pub fn forward_commits(&self, hook: CommitHook) {
        let _ = self.forward.set(hook);
    }

    pub fn snapshot(&self) -> Vec<(i64, PresenceState)> {
        self.rows
            .iter()
            .map(|e| (*e.key(), e.value().clone()))
            .collect()
    }
}
