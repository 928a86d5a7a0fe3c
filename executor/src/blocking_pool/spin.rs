//! Spinning on the empty queue before sleeping, while spinning pays.
//!
//! A sleeping thread costs the next submitter a futex wake and the next job a trip through
//! the kernel's scheduler: on the 2-core VM the benchmarks run on, a `to_thread` round trip
//! (`benches/bridge.rs`) took 91 µs when it had to wake its thread and 18 µs when it found it
//! spinning. But a thread spinning while no job comes burns a core the runtime's workers may
//! need: 10,000 small writes to a file (a write-out job per 64 KiB) took 1.15-1.39 ms with an
//! always-on 50 µs spin and 0.77-0.81 ms with none.
//!
//! So a thread that finds the queue empty spins (up to [`MAX_SPIN`]) only while spins find
//! jobs at least as often as they come up empty, with the brake in `spin_pays.rs`: a first
//! version spun for twice the average gap between jobs, and on the VM the gap itself grew
//! when the pool stopped spinning (both cores went idle and every wake took longer), so it
//! talked itself out of spinning for `to_thread` chains (80 µs round trips). Bursts and
//! chains find a spinning thread; sparse jobs cost a spin in sixteen idle periods at first
//! and in a thousand once the probes keep finding nothing. One thread spins at a time; the
//! others go straight to sleep.

use super::queue::JobQueue;
use crate::spin_pays::SpinPays;
use crate::task::Notified;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::time::{Duration, Instant};

/// The longest spin: about the wake it saves, on a loaded 2-core VM.
const MAX_SPIN: Duration = Duration::from_micros(50);

/// Whether spins have been paying, and who is spinning.
#[derive(Debug)]
pub(super) struct Spinner {
    spinning: AtomicBool,
    pays: SpinPays,
}

impl Spinner {
    pub(super) fn new() -> Spinner {
        Spinner {
            spinning: AtomicBool::new(false),
            pays: SpinPays::new(),
        }
    }

    /// Looks at the queue until a job comes or `MAX_SPIN` has passed; `None` at once when
    /// another thread spins or spinning has stopped paying.
    pub(super) fn spin(&self, queue: &JobQueue) -> Option<Notified> {
        self.spin_for(queue, MAX_SPIN)
    }

    fn spin_for(&self, queue: &JobQueue, budget: Duration) -> Option<Notified> {
        if !self.pays.should_spin() || self.spinning.swap(true, Acquire) {
            return None;
        }
        let started = Instant::now();
        let found = loop {
            for _ in 0..8 {
                std::hint::spin_loop();
            }
            if let Some(job) = queue.pop() {
                break Some(job);
            }
            if started.elapsed() >= budget {
                break None;
            }
        };
        self.spinning.store(false, Release);
        self.pays.spun(found.is_some());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::spin_pays::{MAX_MISSES, PROBE_EVERY};

    #[test]
    fn empty_spins_stop_the_spinning_but_for_probes() {
        let spinner = Spinner::new();
        let queue = JobQueue::new();
        for _ in 0..MAX_MISSES {
            // A spin with no time: one look at the empty queue, a miss.
            assert!(spinner.spin_for(&queue, Duration::ZERO).is_none());
        }
        // Only the probes spin now; the rest return at once without looking.
        let spun = (0..2 * PROBE_EVERY)
            .filter(|_| spinner.pays.should_spin())
            .count();
        assert_eq!(spun, 2, "one probe in {PROBE_EVERY} idle periods");
    }
}
