//! How long data stays fresh, how long unused entries are kept, when to
//! refetch and how to retry.

use std::time::Duration;

/// Per-query behaviour. [`QueryOptions::default`] follows the seed design:
/// 30 s stale time, 5 min gc time, refetch on window focus and on reconnect,
/// one retry.
///
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryOptions {
    /// How long fetched data counts as fresh. Fresh data is served without a
    /// refetch when a new subscriber mounts.
    pub stale_time: Duration,
    /// How long an entry without subscribers is kept before it is dropped.
    pub gc_time: Duration,
    /// Refetch stale subscribed queries when the window regains focus.
    pub refetch_on_focus: bool,
    /// Refetch stale subscribed queries when the sync connection comes back.
    pub refetch_on_reconnect: bool,
    /// How many times a failed fetch is retried (never for 4xx answers).
    pub retry: u32,
    /// The first retry's delay; each later retry waits twice as long, up to
    /// [`QueryOptions::MAX_RETRY_DELAY`].
    pub retry_delay: Duration,
}

impl QueryOptions {
    /// The longest wait between two attempts.
    pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

    /// The wait before retry number `attempt` (0 for the first retry).
    pub fn retry_delay_for(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt);
        self.retry_delay
            .saturating_mul(factor)
            .min(Self::MAX_RETRY_DELAY)
    }
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            stale_time: Duration::from_secs(30),
            gc_time: Duration::from_secs(5 * 60),
            refetch_on_focus: true,
            refetch_on_reconnect: true,
            retry: 1,
            retry_delay: Duration::from_secs(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_seed() {
        let options = QueryOptions::default();
        assert_eq!(options.stale_time, Duration::from_secs(30));
        assert_eq!(options.gc_time, Duration::from_secs(300));
        assert!(options.refetch_on_focus);
        assert_eq!(options.retry, 1);
    }

    #[test]
    fn retry_delays_double_up_to_the_cap() {
        let options = QueryOptions::default();
        let delays: Vec<u64> = (0..7)
            .map(|a| options.retry_delay_for(a).as_secs())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(
            options.retry_delay_for(u32::MAX),
            QueryOptions::MAX_RETRY_DELAY
        );
    }
}
