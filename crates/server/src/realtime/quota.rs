//! How many sockets one account, and one network address, may hold on this instance:
//! enough for every device and tab a person uses (and an office behind one NAT), few
//! enough that one stolen or runaway token, or one machine with many accounts, cannot
//! hold thousands (each costs memory, and every push is sent down each of them).
//! Loopback addresses have no address cap: a local proxy gives every client its address,
//! and the benchmarks open 10,000 sockets from 127.0.0.1.

use super::hub::Map;
use std::net::IpAddr;
use std::sync::Arc;

/// Sockets held per user and per address, against caps.
pub struct SocketQuota {
    per_user: usize,
    /// `None`: no cap per address.
    per_address: Option<usize>,
    held: Map<i64, usize>,
    by_address: Map<IpAddr, usize>,
}

/// One socket's place in the quotas, given back when the socket's task ends.
pub struct SocketPermit {
    quota: Arc<SocketQuota>,
    user_id: i64,
    /// Set when the address is counted.
    address: Option<IpAddr>,
}

/// Which cap a refused socket hit.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    User(usize),
    Address(usize),
}

/// Takes one place in `held[key]` unless it is at `cap` already (under one lock, so
/// simultaneous connects cannot overshoot).
fn take<K: std::hash::Hash + Eq>(held: &Map<K, usize>, key: K, cap: usize) -> bool {
    let mut count = held.entry(key).or_insert(0);
    if *count >= cap {
        return false;
    }
    *count += 1;
    true
}

fn give_back<K: std::hash::Hash + Eq>(held: &Map<K, usize>, key: &K) {
    held.remove_if_mut(key, |_, count| {
        *count = count.saturating_sub(1);
        *count == 0
    });
}

impl SocketQuota {
    /// `per_address: None` (or 0) counts no addresses.
    pub fn new(per_user: usize, per_address: Option<usize>) -> Arc<SocketQuota> {
        Arc::new(SocketQuota {
            per_user,
            per_address: per_address.filter(|cap| *cap > 0),
            held: Map::default(),
            by_address: Map::default(),
        })
    }

    /// A place for one more socket of `user_id` from `from`, or which cap refused it.
    pub fn acquire(self: &Arc<Self>, user_id: i64, from: IpAddr) -> Result<SocketPermit, Refused> {
        let address = match self.per_address {
            Some(cap) if !from.is_loopback() => {
                if !take(&self.by_address, from, cap) {
                    return Err(Refused::Address(cap));
                }
                Some(from)
            }
            _ => None,
        };
        if !take(&self.held, user_id, self.per_user) {
            if let Some(address) = address {
                give_back(&self.by_address, &address);
            }
            return Err(Refused::User(self.per_user));
        }
        Ok(SocketPermit {
            quota: self.clone(),
            user_id,
            address,
        })
    }

    /// Sockets `user_id` holds now.
    pub fn held(&self, user_id: i64) -> usize {
        self.held.get(&user_id).map_or(0, |n| *n)
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        give_back(&self.quota.held, &self.user_id);
        if let Some(address) = &self.address {
            give_back(&self.quota.by_address, address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn a_user_holds_at_most_the_cap_and_gets_places_back() {
        let quota = SocketQuota::new(2, None);
        let first = quota.acquire(7, HOME).ok();
        let second = quota.acquire(7, HOME).ok();
        assert!(first.is_some() && second.is_some());
        assert_eq!(
            quota.acquire(7, HOME).err(),
            Some(Refused::User(2)),
            "a third is refused"
        );
        assert!(
            quota.acquire(8, HOME).is_ok(),
            "another user is not affected"
        );
        drop(first);
        assert_eq!(quota.held(7), 1);
        let third = quota.acquire(7, HOME).ok();
        assert!(third.is_some(), "a place given back is taken again");
        drop((second, third));
        assert_eq!(quota.held(7), 0);
        assert!(
            quota.held.get(&7).is_none(),
            "no entry is kept for users without sockets"
        );
    }

    #[test]
    fn an_address_holds_at_most_its_cap_over_all_users_but_loopback_has_none() {
        let quota = SocketQuota::new(16, Some(3));
        let office: IpAddr = "10.0.0.9".parse().unwrap_or(HOME);
        let held: Vec<_> = (1..=3)
            .filter_map(|user| quota.acquire(user, office).ok())
            .collect();
        assert_eq!(held.len(), 3);
        assert_eq!(quota.acquire(4, office).err(), Some(Refused::Address(3)));
        assert_eq!(quota.held(4), 0, "a refused address takes no user place");
        assert!(
            quota
                .acquire(4, "10.0.0.10".parse().unwrap_or(HOME))
                .is_ok()
        );
        let local: Vec<_> = (0..10)
            .filter_map(|_| quota.acquire(5, HOME).ok())
            .collect();
        assert_eq!(local.len(), 10, "loopback is not counted");
        drop(held);
        assert!(quota.acquire(4, office).is_ok(), "places come back");
        assert!(
            quota
                .by_address
                .get(&"10.0.0.10".parse().unwrap_or(HOME))
                .is_none()
        );
    }
}
