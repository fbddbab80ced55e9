//! How many sockets one account may hold on this instance: enough for every device and
//! tab a person uses, few enough that one stolen or runaway token cannot hold thousands
//! (each costs memory, and every push to the user is sent down each of them).

use dashmap::DashMap;
use std::sync::Arc;

/// Sockets held per user, against a cap.
pub struct SocketQuota {
    per_user: usize,
    held: DashMap<i64, usize>,
}

/// One socket's place in its user's quota, given back when the socket's task ends.
pub struct SocketPermit {
    quota: Arc<SocketQuota>,
    user_id: i64,
}

impl SocketQuota {
    pub fn new(per_user: usize) -> Arc<SocketQuota> {
        Arc::new(SocketQuota {
            per_user,
            held: DashMap::new(),
        })
    }

    /// The cap.
    pub fn per_user(&self) -> usize {
        self.per_user
    }

    /// A place for one more socket of `user_id`, or `None` when they hold the cap already.
    /// Checked and taken under one lock, so simultaneous connects cannot overshoot.
    pub fn acquire(self: &Arc<Self>, user_id: i64) -> Option<SocketPermit> {
        let mut held = self.held.entry(user_id).or_insert(0);
        if *held >= self.per_user {
            return None;
        }
        *held += 1;
        Some(SocketPermit {
            quota: self.clone(),
            user_id,
        })
    }

    /// Sockets `user_id` holds now.
    pub fn held(&self, user_id: i64) -> usize {
        self.held.get(&user_id).map_or(0, |n| *n)
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        self.quota.held.remove_if_mut(&self.user_id, |_, held| {
            *held = held.saturating_sub(1);
            *held == 0
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_the_cap_and_gets_places_back() {
        let quota = SocketQuota::new(2);
        let first = quota.acquire(7);
        let second = quota.acquire(7);
        assert!(first.is_some() && second.is_some());
        assert!(quota.acquire(7).is_none(), "a third is refused");
        assert!(quota.acquire(8).is_some(), "another user is not affected");
        drop(first);
        assert_eq!(quota.held(7), 1);
        let third = quota.acquire(7);
        assert!(third.is_some(), "a place given back is taken again");
        drop((second, third));
        assert_eq!(quota.held(7), 0);
        assert!(
            quota.held.get(&7).is_none(),
            "no entry is kept for users without sockets"
        );
    }
}
