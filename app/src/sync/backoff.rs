//! Reconnect delays: exponential backoff with full jitter.
//!
//! Attempt `n` waits a uniformly random time in `[0, min(cap, base·2ⁿ))`, so
//! a server that comes back is not met by every client at the same instant.

use std::time::Duration;

/// The delay schedule of one connection. See the [module docs](self).
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    /// The usual schedule: base 1 s, cap 30 s.
    pub fn new(seed: u64) -> Self {
        Self::with(Duration::from_secs(1), Duration::from_secs(30), seed)
    }

    /// A schedule with its own base and cap; `seed` seeds the jitter.
    pub fn with(base: Duration, cap: Duration, seed: u64) -> Self {
        Backoff {
            base,
            cap,
            attempt: 0,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// How many attempts failed since the last [`Backoff::reset`].
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The upper bound of the next delay.
    pub fn ceiling(&self) -> Duration {
        let factor = 2u32.saturating_pow(self.attempt);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The delay before the next attempt; counts the attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.u64(0..=nanos))
    }

    /// Back to the first, shortest delay (once a connection is in sync).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_the_doubling_ceiling() {
        for seed in 0..200 {
            let mut backoff = Backoff::new(seed);
            for attempt in 0..12u32 {
                let ceiling = Duration::from_secs(1 << attempt.min(5)).min(Duration::from_secs(30));
                assert_eq!(backoff.ceiling(), ceiling);
                let delay = backoff.next_delay();
                assert!(
                    delay <= ceiling,
                    "attempt {attempt}: {delay:?} > {ceiling:?}"
                );
            }
        }
    }

    #[test]
    fn the_cap_holds_however_many_attempts_fail() {
        let mut backoff = Backoff::new(7);
        for _ in 0..1_000 {
            assert!(backoff.next_delay() <= Duration::from_secs(30));
        }
        assert_eq!(backoff.attempt(), 1_000);
    }

    #[test]
    fn jitter_spreads_delays_over_the_whole_range() {
        // Full jitter: over many clients, the 5th attempt's delays cover
        // [0, 16 s) rather than clustering at 16 s.
        let delays: Vec<Duration> = (0..1_000)
            .map(|seed| {
                let mut backoff = Backoff::new(seed);
                for _ in 0..4 {
                    backoff.next_delay();
                }
                backoff.next_delay()
            })
            .collect();
        let below_4s = delays
            .iter()
            .filter(|d| **d < Duration::from_secs(4))
            .count();
        let above_12s = delays
            .iter()
            .filter(|d| **d > Duration::from_secs(12))
            .count();
        assert!(
            below_4s > 150 && above_12s > 150,
            "{below_4s} / {above_12s}"
        );
    }

    #[test]
    fn reset_starts_again_from_the_base() {
        let mut backoff = Backoff::new(1);
        for _ in 0..6 {
            backoff.next_delay();
        }
        backoff.reset();
        assert_eq!(backoff.ceiling(), Duration::from_secs(1));
    }
}
