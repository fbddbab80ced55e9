//! Sign-in throttles, so guessing passwords costs the guesser and not the team.
//!
//! - Per login name: five wrong passwords are free (typos); after that each further try
//!   must wait twice as long as the one before (1 s, 2 s, 4 s, … up to 15 min) since
//!   the last wrong one. A right password resets the count. The name is throttled, not
//!   the address, so a guesser cannot lock a colleague out for longer than the wait.
//! - Password checks: at most one per core at a time. argon2 takes 19 MiB and a core for
//!   tens of milliseconds each, so 600 sign-ins at once would otherwise take gigabytes
//!   and starve every other request of the blocking pool; they queue instead.
//!
//! The rules are pure: the caller passes the time, so tests step it.

use dashmap::DashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Wrong passwords allowed before the waits start.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Names remembered before old entries (past their wait) are forgotten.
const REMEMBERED: usize = 10_000;

/// Wrong passwords per login name.
#[derive(Default)]
pub struct LoginThrottle {
    failures: DashMap<String, Failures>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// How long one must wait after `count` wrong passwords in a row.
pub fn wait_after(count: u32) -> Duration {
    match count.checked_sub(FREE_FAILURES + 1) {
        None => Duration::ZERO,
        Some(over) => Duration::from_secs(1u64 << over.min(20)).min(MAX_WAIT),
    }
}

impl LoginThrottle {
    /// `Err(wait)` while `login` must still wait before another try.
    pub fn check(&self, login: &str, now: Instant) -> Result<(), Duration> {
        let Some(failures) = self.failures.get(&key(login)).map(|f| *f) else {
            return Ok(());
        };
        let ready = failures.last + wait_after(failures.count);
        if now < ready {
            Err(ready - now)
        } else {
            Ok(())
        }
    }

    /// A wrong password for `login` at `now`.
    pub fn failed(&self, login: &str, now: Instant) {
        if self.failures.len() >= REMEMBERED {
            self.failures
                .retain(|_, f| now < f.last + wait_after(f.count).max(Duration::from_secs(60)));
        }
        self.failures
            .entry(key(login))
            .and_modify(|f| {
                f.count = f.count.saturating_add(1);
                f.last = now;
            })
            .or_insert(Failures {
                count: 1,
                last: now,
            });
    }

    /// The right password: the count starts again.
    pub fn succeeded(&self, login: &str) {
        self.failures.remove(&key(login));
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
    fn waits_start_after_five_and_double_up_to_fifteen_minutes() {
        let waits: Vec<u64> = (0..=16).map(|n| wait_after(n).as_secs()).collect();
        assert_eq!(
            waits,
            [0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
        );
        assert_eq!(wait_after(u32::MAX), MAX_WAIT);
    }

    #[test]
    fn a_name_waits_after_its_failures_and_a_success_resets_it() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.check("Ann", start), Ok(()));
            throttle.failed("Ann", start);
        }
        assert_eq!(throttle.check("ann", start), Ok(()), "five are free");
        throttle.failed("ANN", start);
        assert_eq!(throttle.check("ann", start), Err(Duration::from_secs(1)));
        assert_eq!(
            throttle.check("bob", start),
            Ok(()),
            "other names are not held up"
        );
        let later = start + Duration::from_millis(400);
        assert_eq!(
            throttle.check("ann", later),
            Err(Duration::from_millis(600))
        );
        let ready = start + Duration::from_secs(1);
        assert_eq!(throttle.check("ann", ready), Ok(()));
        throttle.failed("ann", ready);
        assert_eq!(throttle.check("ann", ready), Err(Duration::from_secs(2)));
        throttle.succeeded(" Ann ");
        assert_eq!(throttle.check("ann", ready), Ok(()));
    }
}
