//! Spinning only while spinning pays: the brake shared by the blocking pool's idle spin and a
//! worker's linger before it parks.
//!
//! A thread that keeps looking for work a moment before it sleeps saves the next hand-off a
//! futex wake (tens of microseconds on a VM), but every look that finds nothing is a core
//! burnt. Which one wins depends on the gaps between hand-offs, and a guess at the gaps
//! fails: when spinning stops, cores go idle and every wake takes longer, so the measured
//! gaps grow and talk the guess out of spinning for good (see `blocking_pool/spin.rs`).
//! The outcome is the measure instead: spin while spins have been finding work; after
//! [`MAX_MISSES`] empty spins in a row, skip spinning, except for one idle period in
//! [`PROBE_EVERY`], which spins to find out whether work has started coming close together
//! again. Bursts and chains keep their spin; sparse work (a server at light load) costs a spin
//! in sixteen idle periods.
//!
//! Relaxed atomics: racing updates may lose one, which only nudges a heuristic.

use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

/// Empty spins in a row after which spinning stops...
pub(crate) const MAX_MISSES: u32 = 4;
/// ...except in one idle period of this many.
pub(crate) const PROBE_EVERY: u32 = 16;

/// Whether spins have been finding work.
#[derive(Debug, Default)]
pub(crate) struct SpinPays {
    /// Spins in a row that found nothing (saturating at `MAX_MISSES`).
    misses: AtomicU32,
    /// Idle periods seen while not spinning (to pick the probes).
    skipped: AtomicU32,
}

impl SpinPays {
    pub(crate) const fn new() -> SpinPays {
        SpinPays {
            misses: AtomicU32::new(0),
            skipped: AtomicU32::new(0),
        }
    }

    /// Whether this idle period should spin: spins have been finding work, or it is a probe.
    pub(crate) fn should_spin(&self) -> bool {
        self.misses.load(Relaxed) < MAX_MISSES
            || self
                .skipped
                .fetch_add(1, Relaxed)
                .is_multiple_of(PROBE_EVERY)
    }

    /// Records how a spin ended.
    pub(crate) fn spun(&self, found_work: bool) {
        let misses = match found_work {
            true => 0,
            false => (self.misses.load(Relaxed) + 1).min(MAX_MISSES),
        };
        self.misses.store(misses, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_spins_stop_the_spinning_but_for_probes() {
        let pays = SpinPays::new();
        for _ in 0..MAX_MISSES {
            assert!(pays.should_spin());
            pays.spun(false);
        }
        let spins = (0..2 * PROBE_EVERY).filter(|_| pays.should_spin()).count();
        assert_eq!(spins, 2, "one probe in {PROBE_EVERY} idle periods");
    }

    #[test]
    fn a_spin_that_finds_work_turns_spinning_back_on() {
        let pays = SpinPays::new();
        for _ in 0..MAX_MISSES {
            pays.spun(false);
        }
        assert!(
            pays.should_spin(),
            "the first idle period after the misses is a probe"
        );
        pays.spun(true);
        assert!((0..PROBE_EVERY).all(|_| pays.should_spin()));
    }
}
