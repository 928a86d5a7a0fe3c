//! Spinning on the empty queue before sleeping, for as long as it is likely to pay.
//!
//! A sleeping thread costs the next submitter a futex wake and the next job a trip through
//! the kernel's scheduler: on the 2-core VM the benchmarks run on, a `to_thread` round trip
//! (`benches/bridge.rs`) took 91 µs when it had to wake its thread and 18 µs when it found it
//! spinning. But a thread spinning while no job comes burns a core the runtime's workers may
//! need: 10,000 small writes to a file (a write-out job per 64 KiB) took 1.15-1.39 ms with an
//! always-on 50 µs spin and 0.77-0.81 ms with none.
//!
//! So the pool measures the *idle gap* — from a thread finding the queue empty to the arrival
//! of its next job (found spinning, or the moment the waker posted its token: the wake-up's
//! own latency is not counted, or sleeping would look right the more it cost) — as a moving
//! average, and a thread spins for twice the average, only while that is under
//! [`MAX_SPIN`]. A burst (gaps under a microsecond) or a chain of `to_thread` calls (gaps of
//! one round trip) is met by a spinning thread; jobs that come less often than that find
//! their thread asleep and cost no spinning at all. One thread spins at a time; the others
//! go straight to sleep.

use super::queue::JobQueue;
use crate::task::Notified;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::{Duration, Instant};

/// The longest spin: about the wake it saves, on a loaded 2-core VM.
const MAX_SPIN: Duration = Duration::from_micros(50);

/// The idle-gap average and who is spinning.
#[derive(Debug)]
pub(super) struct Spinner {
    spinning: AtomicBool,
    /// The moving average of idle gaps, in nanoseconds.
    gap_ns: AtomicU64,
}

impl Spinner {
    pub(super) fn new() -> Spinner {
        Spinner {
            spinning: AtomicBool::new(false),
            // Start by trying: half the cap, so the first spin is the full one.
            gap_ns: AtomicU64::new(MAX_SPIN.as_nanos() as u64 / 2),
        }
    }

    /// Looks at the queue until a job comes or the spin budget (from the average gap) runs
    /// out; `None` at once when another thread spins or the gaps have been too long.
    pub(super) fn spin(&self, queue: &JobQueue, idle_since: Instant) -> Option<Notified> {
        let budget = self.budget()?;
        if self.spinning.swap(true, Acquire) {
            return None;
        }
        let found = loop {
            for _ in 0..8 {
                std::hint::spin_loop();
            }
            if let Some(job) = queue.pop() {
                self.record_gap(idle_since.elapsed());
                break Some(job);
            }
            if idle_since.elapsed() > budget {
                break None;
            }
        };
        self.spinning.store(false, Release);
        found
    }

    /// How long to spin: twice the average gap, if that is within the cap.
    fn budget(&self) -> Option<Duration> {
        let budget = Duration::from_nanos(2 * self.gap_ns.load(Relaxed));
        (budget <= MAX_SPIN).then_some(budget)
    }

    /// A thread that found the queue empty at `idle_since` got its next job now (after a
    /// sleep, or a spin).
    pub(super) fn record_gap(&self, gap: Duration) {
        // A gap of seconds says "don't spin" as well as one of 2 × MAX_SPIN does, and is
        // forgotten as fast once jobs come close together again.
        let sample = gap.min(2 * MAX_SPIN).as_nanos() as u64;
        // Racing updates may lose a sample: this is a heuristic, not bookkeeping.
        let average = self.gap_ns.load(Relaxed);
        self.gap_ns
            .store(average - average / 4 + sample / 4, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_gaps_stop_the_spinning_and_short_ones_bring_it_back() {
        let spinner = Spinner::new();
        assert_eq!(
            spinner.budget(),
            Some(MAX_SPIN),
            "a new pool tries a full spin"
        );
        for _ in 0..8 {
            spinner.record_gap(Duration::from_secs(1));
        }
        assert_eq!(spinner.budget(), None);
        // A spin refused for long gaps returns at once, even with a job it could have had.
        assert!(spinner.spin(&JobQueue::new(), Instant::now()).is_none());
        for _ in 0..16 {
            spinner.record_gap(Duration::from_micros(1));
        }
        let budget = spinner.budget().expect("short gaps bring the spin back");
        assert!(budget < MAX_SPIN / 4, "{budget:?}");
    }
}
