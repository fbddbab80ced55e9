//! Sign-in throttles, so guessing passwords costs the guesser and not the team.
//!
//! - Per login name and client address: five tries that end in a wrong password are
//!   free (typos); after that each further try must wait twice as long as the one
//!   before (1 s, 2 s, 4 s, … up to 15 min) since the last one. A try counts when it
//!   starts, so guesses sent all at once are throttled at once; the right password
//!   takes its try back and resets the count. Keyed by address too, so a guesser
//!   elsewhere cannot lock a colleague out (behind a proxy every address is the
//!   proxy's: then it is per name).
//! - Per client address, whatever the name: thirty tries that end in a wrong password
//!   are free (an office behind one address mistypes too), then the same doubling
//!   waits, so one address cannot try a password against every account (credential
//!   stuffing). A right password takes its own try back. Loopback is exempt: behind a
//!   proxy on the same machine every client has its address.
//! - Password checks: at most one per core at a time. argon2 takes 19 MiB and a core for
//!   tens of milliseconds each, so 600 sign-ins at once would otherwise take gigabytes
//!   and starve every other request of the blocking pool; they queue instead.
//!
//! - Calls: each account may start ten calls at once, then one more every six seconds
//!   (a token bucket). Nobody dials faster by hand; a script that starts and cancels a
//!   thousand calls to ring a colleague's phone is refused after the tenth.
//!
//! The rules are pure: the caller passes the time, so tests step it.

use dashmap::DashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Tries allowed before the waits start.
pub const FREE_FAILURES: u32 = 5;
/// Tries one address may get wrong, over all names, before its waits start.
pub const FREE_FAILURES_PER_ADDRESS: u32 = 30;
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Entries kept before old ones (past their wait) are forgotten.
const REMEMBERED: usize = 10_000;
/// How often, at most, a full map is swept for old entries.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Tries per login name and client address.
#[derive(Default)]
pub struct LoginThrottle {
    failures: DashMap<(String, IpAddr), Failures>,
    per_address: DashMap<IpAddr, Failures>,
    last_sweep: Mutex<Option<Instant>>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// How long one must wait after `count` tries in a row that were not followed by the
/// right password.
pub fn wait_after(count: u32) -> Duration {
    wait_after_free(count, FREE_FAILURES)
}

/// The same, for an address over all names.
pub fn address_wait_after(count: u32) -> Duration {
    wait_after_free(count, FREE_FAILURES_PER_ADDRESS)
}

fn wait_after_free(count: u32, free: u32) -> Duration {
    match count.checked_sub(free + 1) {
        None => Duration::ZERO,
        Some(over) => Duration::from_secs(1u64 << over.min(20)).min(MAX_WAIT),
    }
}

/// Calls an account may start at once.
pub const CALL_BURST: u32 = 10;
/// Then one more call per this long.
pub const CALL_REFILL: Duration = Duration::from_secs(6);

/// Calls started per account: a token bucket of `burst` (normally [`CALL_BURST`])
/// refilled every [`CALL_REFILL`].
pub struct CallThrottle {
    /// 0: no limit (load tests).
    burst: u32,
    /// Per user: the calls left and when that was counted.
    buckets: DashMap<i64, (u32, Instant)>,
}

impl Default for CallThrottle {
    fn default() -> Self {
        CallThrottle::new(CALL_BURST)
    }
}

impl CallThrottle {
    pub fn new(burst: u32) -> Self {
        CallThrottle {
            burst,
            buckets: DashMap::new(),
        }
    }

    /// Takes one call from `user_id`'s bucket at `now`, or says how long until one is
    /// there.
    pub fn attempt(&self, user_id: i64, now: Instant) -> Result<(), Duration> {
        if self.burst == 0 {
            return Ok(());
        }
        let burst = self.burst;
        let mut bucket = self.buckets.entry(user_id).or_insert((burst, now));
        let (left, since) = *bucket;
        let refills = now.saturating_duration_since(since).as_nanos() / CALL_REFILL.as_nanos();
        let refills = u32::try_from(refills).unwrap_or(u32::MAX);
        let (left, since) = if refills == 0 {
            (left, since)
        } else if left.saturating_add(refills) >= burst {
            (burst, now)
        } else {
            (left + refills, since + CALL_REFILL * refills)
        };
        if left == 0 {
            *bucket = (0, since);
            return Err(since + CALL_REFILL - now);
        }
        *bucket = (left - 1, since);
        Ok(())
    }
}

impl LoginThrottle {
    /// Starts a try of `login` from `from` at `now`: `Err(wait)` while it must still
    /// wait, else the try is counted (as wrong until [`LoginThrottle::succeeded`]).
    pub fn attempt(&self, login: &str, from: IpAddr, now: Instant) -> Result<(), Duration> {
        self.sweep(now);
        let fresh = Failures {
            count: 0,
            last: now,
        };
        let mut address =
            (!from.is_loopback()).then(|| self.per_address.entry(from).or_insert(fresh));
        if let Some(address) = &address {
            let ready = address.last + address_wait_after(address.count);
            if now < ready {
                return Err(ready - now);
            }
        }
        let mut entry = self.failures.entry((key(login), from)).or_insert(fresh);
        let ready = entry.last + wait_after(entry.count);
        if now < ready {
            return Err(ready - now);
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        if let Some(address) = &mut address {
            address.count = address.count.saturating_add(1);
            address.last = now;
        }
        Ok(())
    }

    /// The right password: the count for the name starts again, and the address gets
    /// this try back.
    pub fn succeeded(&self, login: &str, from: IpAddr) {
        self.failures.remove(&(key(login), from));
        if let Some(mut address) = self.per_address.get_mut(&from) {
            address.count = address.count.saturating_sub(1);
        }
    }

    /// Forgets entries whose wait is long over, when there are many, at most once a
    /// minute: a flood of failures for new names costs one sweep a minute, not one each.
    fn sweep(&self, now: Instant) {
        if self.failures.len() < REMEMBERED {
            return;
        }
        let Ok(mut last) = self.last_sweep.lock() else {
            return;
        };
        if last.is_some_and(|at| now < at + SWEEP_EVERY) {
            return;
        }
        *last = Some(now);
        drop(last);
        self.failures
            .retain(|_, f| now < f.last + wait_after(f.count).max(SWEEP_EVERY));
        self.per_address
            .retain(|_, f| now < f.last + address_wait_after(f.count).max(SWEEP_EVERY));
    }
}

/// Login names are matched without case, as sign-in matches them.
fn key(login: &str) -> String {
    login.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_come_in_a_burst_of_ten_then_one_every_six_seconds() {
        let throttle = CallThrottle::default();
        let start = Instant::now();
        for n in 0..CALL_BURST {
            assert_eq!(throttle.attempt(1, start), Ok(()), "call {n}");
        }
        assert_eq!(throttle.attempt(1, start), Err(CALL_REFILL));
        assert_eq!(
            throttle.attempt(2, start),
            Ok(()),
            "another caller has their own"
        );
        let later = start + Duration::from_secs(4);
        assert_eq!(throttle.attempt(1, later), Err(Duration::from_secs(2)));
        let refilled = start + CALL_REFILL;
        assert_eq!(throttle.attempt(1, refilled), Ok(()));
        assert!(
            throttle.attempt(1, refilled).is_err(),
            "one refill is one call"
        );
        // A long pause gives the whole burst back, never more.
        let rested = refilled + CALL_REFILL * 100;
        for _ in 0..CALL_BURST {
            assert_eq!(throttle.attempt(1, rested), Ok(()));
        }
        assert!(throttle.attempt(1, rested).is_err());
    }

    const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const THERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9));

    #[test]
    fn waits_start_after_five_and_double_up_to_fifteen_minutes() {
        let waits: Vec<u64> = (0..=16).map(|n| wait_after(n).as_secs()).collect();
        assert_eq!(
            waits,
            [0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
        );
        assert_eq!(wait_after(u32::MAX), MAX_WAIT);
    }

    #[test]
    fn tries_count_when_they_start_and_a_success_gives_the_count_back() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        // Six at once (none has finished): the seventh already waits.
        for _ in 0..6 {
            assert_eq!(throttle.attempt("Ann", HERE, start), Ok(()));
        }
        assert_eq!(
            throttle.attempt("ann", HERE, start),
            Err(Duration::from_secs(1))
        );
        assert_eq!(throttle.attempt("bob", HERE, start), Ok(()), "other names");
        assert_eq!(
            throttle.attempt("ann", THERE, start),
            Ok(()),
            "other addresses"
        );
        let later = start + Duration::from_millis(400);
        assert_eq!(
            throttle.attempt("ANN", HERE, later),
            Err(Duration::from_millis(600))
        );
        let ready = start + Duration::from_secs(1);
        assert_eq!(throttle.attempt(" ann ", HERE, ready), Ok(()));
        assert_eq!(
            throttle.attempt("ann", HERE, ready),
            Err(Duration::from_secs(2))
        );
        throttle.succeeded("Ann", HERE);
        assert_eq!(throttle.attempt("ann", HERE, ready), Ok(()));
    }

    #[test]
    fn one_address_trying_many_names_waits_after_thirty_and_loopback_never_does() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        // Credential stuffing: one wrong guess each for many names.
        for n in 0..=FREE_FAILURES_PER_ADDRESS {
            assert_eq!(throttle.attempt(&format!("user{n}"), THERE, start), Ok(()));
        }
        assert_eq!(
            throttle.attempt("someone-new", THERE, start),
            Err(Duration::from_secs(1)),
            "the address waits, whatever the name"
        );
        let elsewhere = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 10));
        assert_eq!(
            throttle.attempt("user1", elsewhere, start),
            Ok(()),
            "other addresses"
        );
        // A colleague at that address who knows their password takes their try back.
        throttle.succeeded("user0", THERE);
        assert_eq!(throttle.attempt("user0", THERE, start), Ok(()));
        // Behind a proxy on this machine every client is 127.0.0.1: no address limit.
        for n in 0..100 {
            assert_eq!(throttle.attempt(&format!("user{n}"), HERE, start), Ok(()));
        }
    }
}
