//! The counters behind [`RuntimeMetrics`](crate::runtime::RuntimeMetrics).
//!
//! Each worker has its own [`WorkerStats`], on cache lines of its own, written only by that
//! worker: a bump is a relaxed load and store (a plain `mov` pair on x86), never a locked
//! read-modify-write, and no other thread writes the line, so counting costs the hot path
//! no contention. Readers take relaxed snapshots; a count may be a poll behind, never torn.
//!
//! Poll times go into a histogram with logarithmic buckets, but only when polls are timed
//! anyway or the user asked for it ([`Builder::poll_time_histogram`]): timing a poll costs
//! two clock reads, which the scheduler benchmarks would notice.
//!
//! [`Builder::poll_time_histogram`]: crate::Builder::poll_time_histogram

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Buckets of the poll-time histogram: `[0, 1µs)`, then one per power of two of
/// microseconds up to `[8.192ms, 16.384ms)`, then everything from 16.384 ms up.
pub(crate) const BUCKETS: usize = 16;

/// The bucket a poll of `took` falls in.
pub(crate) fn bucket_of(took: Duration) -> usize {
    let micros = took.as_micros();
    if micros == 0 {
        return 0;
    }
    ((u128::BITS - micros.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// One worker's counters. Aligned so neighbours never share a line with it.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct WorkerStats {
    pub(crate) polls: Counter,
    pub(crate) steals: Counter,
    pub(crate) parks: Counter,
    /// Time awake before the current stretch.
    pub(crate) busy_nanos: Counter,
    /// When the current awake stretch began, in nanoseconds since the runtime started
    /// (`Shared::started`), plus one; `0` while parked.
    pub(crate) awake_since: Counter,
    pub(crate) poll_times: [Counter; BUCKETS],
    /// The poll in progress, for dumps and the slow-poll watchdog.
    pub(crate) running: super::running::RunningCell,
}

impl WorkerStats {
    pub(crate) fn record_poll_time(&self, took: Duration) {
        self.poll_times[bucket_of(took)].bump();
    }

    /// The worker woke (or started) `now` after the runtime started.
    pub(crate) fn wake_up(&self, now: Duration) {
        self.awake_since.set(nanos(now) + 1);
    }

    /// The worker goes to sleep `now` after the runtime started: its stretch counts as busy.
    pub(crate) fn fall_asleep(&self, now: Duration) {
        let since = self.awake_since.get();
        if since != 0 {
            self.busy_nanos.add((nanos(now) + 1).saturating_sub(since));
        }
        self.awake_since.set(0);
    }

    /// Time awake in total, `now` after the runtime started, the current stretch included.
    pub(crate) fn busy(&self, now: Duration) -> Duration {
        let since = self.awake_since.get();
        let current = if since == 0 {
            0
        } else {
            (nanos(now) + 1).saturating_sub(since)
        };
        Duration::from_nanos(self.busy_nanos.get().saturating_add(current))
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX - 1)
}

/// A counter with a single writer.
#[derive(Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    /// Adds one. Only the owning worker calls this, so a load and a store suffice.
    #[inline]
    pub(crate) fn bump(&self) {
        self.add(1);
    }

    /// Adds `n`; same single-writer rule as [`bump`](Self::bump).
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    /// Overwrites the value; same single-writer rule as [`bump`](Self::bump).
    pub(crate) fn set(&self, n: u64) {
        self.0.store(n, Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_powers_of_two_of_microseconds() {
        assert_eq!(bucket_of(Duration::ZERO), 0);
        assert_eq!(bucket_of(Duration::from_nanos(999)), 0);
        assert_eq!(bucket_of(Duration::from_micros(1)), 1);
        assert_eq!(bucket_of(Duration::from_micros(2)), 2);
        assert_eq!(bucket_of(Duration::from_micros(3)), 2);
        assert_eq!(bucket_of(Duration::from_micros(4)), 3);
        assert_eq!(bucket_of(Duration::from_micros(8191)), 13);
        assert_eq!(bucket_of(Duration::from_micros(8192)), 14);
        assert_eq!(bucket_of(Duration::from_micros(16_384)), 15);
        assert_eq!(bucket_of(Duration::from_secs(3600)), 15);
    }

    #[test]
    fn single_writer_counters_add_up() {
        let c = Counter::default();
        for _ in 0..10 {
            c.bump();
        }
        c.add(5);
        assert_eq!(c.get(), 15);
    }
}
