//! A token bucket for per-connection message rates. Pure: the caller passes the time.

use std::time::Duration;

/// Allows `rate` messages a second on average and bursts of up to `burst`.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    /// Time of the last refill, as an offset from any fixed origin.
    last: Duration,
}

impl TokenBucket {
    pub fn new(rate: f64, burst: f64, now: Duration) -> Self {
        TokenBucket {
            rate,
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Duration) -> bool {
        let elapsed = now.saturating_sub(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let mut b = TokenBucket::new(10.0, 5.0, ms(0));
        assert_eq!((0..8).filter(|_| b.try_take(ms(0))).count(), 5);
        assert!(!b.try_take(ms(50)), "half a token is not enough");
        assert!(b.try_take(ms(100)));
        // One second refills ten, capped at the burst of five.
        assert_eq!((0..20).filter(|_| b.try_take(ms(1100))).count(), 5);
    }

    #[test]
    fn time_going_backwards_grants_nothing() {
        let mut b = TokenBucket::new(10.0, 1.0, ms(1000));
        assert!(b.try_take(ms(1000)));
        assert!(!b.try_take(ms(10)));
        assert!(!b.try_take(ms(1000)));
        assert!(b.try_take(ms(1100)));
    }
}
