//! The keys a keyed write locks (see `Tx::lock`).

/// What a keyed write ([`super::Store::write_keyed`]) locks before it reads what it decides on.
/// Calls sort before users, and a transaction takes its keys in that order (a call, then
/// its people), so two transactions never wait for each other in a circle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockKey {
    Call(i64),
    User(i64),
}

impl LockKey {
    /// One number per key, apart from every other lock Switchboard takes: the kind in the
    /// bits from 2^48 up, the id below (ids that large would take a sequence centuries;
    /// one past it, as a request may name, only shares a lock, which costs a wait).
    pub fn number(self) -> i64 {
        let (kind, id) = match self {
            LockKey::Call(id) => (1, id),
            LockKey::User(id) => (2, id),
        };
        kind << 48 | (id & ((1 << 48) - 1))
    }

    /// The keys of these users.
    pub fn users(ids: impl IntoIterator<Item = i64>) -> Vec<LockKey> {
        ids.into_iter().map(LockKey::User).collect()
    }
}

#[cfg(test)]
mod lock_key_tests {
    use super::LockKey;

    /// Calls sort before users (the order transactions take them in), and no key's
    /// number is another's or the write lock's, even for ids a request may make up.
    #[test]
    fn keys_sort_calls_first_and_never_share_a_number_with_another_kind() {
        let mut keys = vec![LockKey::User(1), LockKey::Call(9), LockKey::User(0)];
        keys.sort();
        assert_eq!(keys, [LockKey::Call(9), LockKey::User(0), LockKey::User(1)]);
        for id in [0, 1, 7, (1 << 48) - 1, 1 << 48, -1, i64::MAX, i64::MIN] {
            let (call, user) = (LockKey::Call(id).number(), LockKey::User(id).number());
            assert_ne!(call, user, "id {id}");
            assert!((1 << 48..2 << 48).contains(&call), "call {id}: {call}");
            assert!((2 << 48..3 << 48).contains(&user), "user {id}: {user}");
            // The write lock's constant lies below every key.
            assert!(0x5357_4254_4348 < call);
        }
    }
}
