//! [`Clock`]: the gateway's notion of "now" for handles and the store.
//!
//! Wall-clock time read once at start, advanced by tokio's monotonic clock:
//! replicas agree to within their start-up clock skew, a wall-clock step
//! never moves handle expiry, and tests drive it with tokio's paused time.
//!
//! Rounding: handles and store records hold whole seconds. An interval the
//! gateway grants (a TTL, a retention window) ends at [`Clock::secs_after`],
//! rounded *up*, and "now" is rounded *down*, so a granted interval is never
//! cut short; it may last up to one second longer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// Unix time, anchored at creation and advanced monotonically.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    unix_at_start: Duration,
    start: Instant,
}

impl Clock {
    /// A clock reading the system time now.
    pub fn system() -> Clock {
        Clock::starting_at(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        )
    }

    /// A clock that reads `unix` now (tests).
    pub fn starting_at(unix: Duration) -> Clock {
        Clock {
            unix_at_start: unix,
            start: Instant::now(),
        }
    }

    /// Now, in unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        let now = self.unix_at_start + self.start.elapsed();
        u64::try_from(now.as_millis()).unwrap_or(u64::MAX)
    }

    /// Now, in whole unix seconds (rounded down).
    pub fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }

    /// The whole second at which an interval of `ms` starting now ends
    /// (rounded up).
    pub fn secs_after(&self, ms: u64) -> u64 {
        self.now_ms().saturating_add(ms).div_ceil(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn follows_tokio_time_and_rounds_intervals_up() {
        let clock = Clock::starting_at(Duration::from_millis(1_000_500));
        assert_eq!(clock.now_secs(), 1000);
        assert_eq!(clock.secs_after(1000), 1002);
        tokio::time::advance(Duration::from_millis(600)).await;
        assert_eq!(clock.now_ms(), 1_001_100);
        assert_eq!(clock.now_secs(), 1001);
    }
}
