//! Spinning only while spinning pays: the brake shared by the blocking pool's idle spin and a
//! worker's linger before it parks.
//!
//! A thread that keeps looking for work a moment before it sleeps saves the next hand-off a
//! futex wake (tens of microseconds on a VM), but every look that finds nothing is a core
//! burnt. Which one wins depends on the gaps between hand-offs, and a guess at the gaps
//! fails: when spinning stops, cores go idle and every wake takes longer, so the measured
//! gaps grow and talk the guess out of spinning for good (see `blocking_pool/spin.rs`).
//! The outcome is the measure instead:
//!
//! * Spin while spins find work at least as often as they come up empty: each empty spin
//!   counts one up, each spin that finds work one down, and at [`MAX_MISSES`] spinning
//!   stops. (A first version let any one find wipe the count: at steady moderate load, a
//!   server whose next message came within the 50 µs in one idle period of five kept its
//!   workers spinning nearly always, and `many_conns` spent 30–46 µs of CPU per message
//!   against 15–18 with no spinning at all, tokio's 16–22.)
//! * While stopped, one idle period in so many still spins, a *probe*, to find out whether
//!   work has started coming close together again. A probe that finds nothing doubles the
//!   interval to the next one, from [`PROBE_EVERY`] up to [`MAX_PROBE_EVERY`]: a server at
//!   light load, whose requests come milliseconds apart, pays a probe in a thousand idle
//!   periods once it has settled instead of one in sixteen (a 50 µs probe in sixteen was
//!   measured at 2–3 µs of CPU per request, more than a request's own work in weft).
//! * A sleeper that was woken for work sooner than a spin lasts tells the brake so
//!   ([`SpinPays::slept`]): that wait, at least, a spin would have covered, so it counts as
//!   a find, and a brake that had stopped spins again at once, without waiting for a probe.
//!   This is a lower bound, never a guess:
//!   a sleep is measured from before the sleep to after the wake, which only adds the wake's
//!   own latency, so a short sleep proves the work came sooner still.
//!
//! Bursts and chains keep their spin; sparse work costs next to none.
//!
//! Relaxed atomics: racing updates may lose one, which only nudges a heuristic.

use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

/// Empty spins in a row after which spinning stops...
pub(crate) const MAX_MISSES: u32 = 4;
/// ...except in one idle period of this many, at first...
pub(crate) const PROBE_EVERY: u32 = 16;
/// ...doubling with each probe that finds nothing, up to one in this many.
pub(crate) const MAX_PROBE_EVERY: u32 = 1024;

/// Whether spins have been finding work.
#[derive(Debug)]
pub(crate) struct SpinPays {
    /// Spins in a row that found nothing (saturating at `MAX_MISSES`).
    misses: AtomicU32,
    /// Idle periods seen while not spinning (to pick the probes).
    skipped: AtomicU32,
    /// Idle periods from one probe to the next (a power of two).
    probe_every: AtomicU32,
}

impl Default for SpinPays {
    fn default() -> SpinPays {
        SpinPays::new()
    }
}

impl SpinPays {
    pub(crate) const fn new() -> SpinPays {
        SpinPays {
            misses: AtomicU32::new(0),
            skipped: AtomicU32::new(0),
            probe_every: AtomicU32::new(PROBE_EVERY),
        }
    }

    /// Whether this idle period should spin: spins have been finding work, or it is a probe.
    pub(crate) fn should_spin(&self) -> bool {
        self.misses.load(Relaxed) < MAX_MISSES
            || self
                .skipped
                .fetch_add(1, Relaxed)
                .is_multiple_of(self.probe_every.load(Relaxed))
    }

    /// Records how a spin ended.
    pub(crate) fn spun(&self, found_work: bool) {
        let misses = self.misses.load(Relaxed);
        if found_work {
            self.found(misses);
            return;
        }
        if misses >= MAX_MISSES {
            // A probe found nothing: the next comes `every` idle periods on, and the one after
            // twice as far (the count runs on from where a probe of the doubled interval
            // would have been, `every` periods back).
            let every = self.probe_every.load(Relaxed);
            let next = (every * 2).min(MAX_PROBE_EVERY);
            self.probe_every.store(next, Relaxed);
            self.skipped.store(next - every + 1, Relaxed);
        }
        self.misses.store((misses + 1).min(MAX_MISSES), Relaxed);
    }

    /// Records a sleep that ended with work after `slept`: if a spin of `spin` would have
    /// covered it, it counts as a spin that found work.
    pub(crate) fn slept(&self, slept: Duration, spin: Duration) {
        let misses = self.misses.load(Relaxed);
        if slept < spin && misses != 0 {
            self.found(misses);
        }
    }

    /// A spin found work (or would have): one miss fewer. A probe's find also brings back
    /// the short interval between probes.
    fn found(&self, misses: u32) {
        if misses >= MAX_MISSES {
            self.probe_every.store(PROBE_EVERY, Relaxed);
            // The first idle period after the next misses is a probe again.
            self.skipped.store(0, Relaxed);
        }
        self.misses.store(misses.saturating_sub(1), Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spinning_stops_when_finds_are_rarer_than_misses() {
        // One find in three: the count climbs to the cap, and only probes spin.
        let pays = SpinPays::new();
        let mut period = 0;
        while pays.misses.load(Relaxed) < MAX_MISSES {
            assert!(pays.should_spin());
            pays.spun(period % 3 == 0);
            period += 1;
            assert!(period < 100, "never stopped");
        }
        // One find in two keeps it spinning.
        let pays = SpinPays::new();
        for period in 0..1000 {
            assert!(pays.should_spin(), "stopped at period {period}");
            pays.spun(period % 2 == 0);
        }
    }

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

    /// Idle periods that spin among the next `periods`, each empty spin reported.
    fn probes_among(pays: &SpinPays, periods: u32) -> u32 {
        let mut probes = 0;
        for _ in 0..periods {
            if pays.should_spin() {
                probes += 1;
                pays.spun(false);
            }
        }
        probes
    }

    #[test]
    fn each_empty_probe_doubles_the_wait_for_the_next_up_to_the_cap() {
        let pays = SpinPays::new();
        for _ in 0..MAX_MISSES {
            pays.spun(false);
        }
        // Probes at 0, 16, 48, 112, 240, 496 and 1008: seven in the first 1,024 periods
        // (one in sixteen would have been 64).
        assert_eq!(probes_among(&pays, 1024), 7);
        // Settled at the cap: one probe per `MAX_PROBE_EVERY` periods.
        let settled = probes_among(&pays, 8 * MAX_PROBE_EVERY);
        assert!((7..=9).contains(&settled), "{settled} probes in 8 caps");
        // A probe that finds work brings back spinning and the short interval.
        while !pays.should_spin() {}
        pays.spun(true);
        assert!((0..PROBE_EVERY).all(|_| pays.should_spin()));
    }

    #[test]
    fn a_wake_for_work_sooner_than_a_spin_turns_spinning_back_on() {
        let spin = Duration::from_micros(50);
        let pays = SpinPays::new();
        for _ in 0..MAX_MISSES {
            pays.spun(false);
        }
        assert!(pays.should_spin(), "the first probe");
        pays.spun(false);
        pays.slept(Duration::from_micros(200), spin);
        assert!(!pays.should_spin(), "a long sleep proves nothing");
        pays.slept(Duration::from_micros(20), spin);
        assert!(
            (0..PROBE_EVERY).all(|_| pays.should_spin()),
            "a spin would have found that work: spinning pays again"
        );
        pays.spun(false);
        assert_eq!(
            probes_among(&pays, 2 * PROBE_EVERY),
            2,
            "and the probes start again from one in {PROBE_EVERY}"
        );
    }
}
