//! Reconnect delays: exponential backoff with full jitter (each delay uniform in
//! `[0, min(cap, base · 2^attempt)]`), so clients that lost the server together do not
//! come back together. Pure: the caller supplies the randomness.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base,
            cap,
            attempt: 0,
        }
    }

    /// The delay before the next attempt; `unit` is a uniform random number in `[0, 1)`.
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        ceiling.mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The largest delay the next attempt can get.
    pub fn ceiling(&self) -> Duration {
        let factor = 2u32.saturating_pow(self.attempt.min(31));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Attempts since the last success.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// After a success, start again from `base`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

impl Default for Backoff {
    /// 250 ms doubling up to 10 s.
    fn default() -> Self {
        Backoff::new(Duration::from_millis(250), Duration::from_secs(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let mut b = Backoff::default();
        let ceilings: Vec<u64> = (0..8)
            .map(|_| {
                let c = b.ceiling().as_millis() as u64;
                b.next_delay(0.5);
                c
            })
            .collect();
        assert_eq!(ceilings, [250, 500, 1000, 2000, 4000, 8000, 10000, 10000]);
        for _ in 0..100 {
            b.next_delay(0.9);
        }
        assert_eq!(
            b.ceiling(),
            Duration::from_secs(10),
            "no overflow after many attempts"
        );
    }

    #[test]
    fn delays_are_the_jittered_share_of_the_ceiling() {
        let mut b = Backoff::default();
        b.next_delay(0.0);
        b.next_delay(0.0);
        assert_eq!(b.next_delay(0.0), Duration::ZERO);
        assert_eq!(b.next_delay(0.5), Duration::from_millis(1000));
        assert_eq!(
            b.next_delay(1.5),
            Duration::from_millis(4000),
            "clamped to the ceiling"
        );
        assert_eq!(b.attempts(), 5);
        b.reset();
        assert_eq!(b.ceiling(), Duration::from_millis(250));
    }
}
