//! The readiness cache: one atomic word per direction of an I/O source.
//!
//! Bit 0 says "the last thing we heard is that this direction is ready"; bit 1 says "the peer
//! closed this direction" (sticky: set by an event carrying `EPOLLRDHUP`, a hang-up or an
//! error, and never cleared); the bits above count readiness events (the *tick*). The reactor
//! sets the bit and bumps the tick when the poller reports the direction; an operation that
//! hits `WouldBlock` clears the ready bit, but only if the tick is still the one it saw before
//! trying. That compare-and-swap is what makes clearing
//! race-free: an event that lands between the failed syscall and the clear changes the tick,
//! the clear fails, and the operation retries instead of sleeping through the edge. With
//! edge-triggered polling this is the whole re-arm: no syscall, just a bit. Readers need no
//! lock, so an operation on a ready socket costs one atomic load before the syscall.
//!
//! **Short reads.** A stream read that fills less than its buffer drained the socket at that
//! instant, so the next read would answer `WouldBlock`; clearing the bit right away saves that
//! syscall ([`ReadinessCache::clear_after_short_read`]). Any data arriving later is a new edge
//! and a new tick. The one thing a short read cannot prove is that no FIN is pending: a
//! peer's data and its shutdown can arrive together, and the edge that announced them is the
//! last one the socket will ever give. So this is only done when the poller reports closing
//! (the closed bit, `EPOLLRDHUP`), and never once the closed bit is set.

use std::sync::atomic::Ordering;

// loom-switchable: `loom_model.rs` checks a short read's clear against a racing event.
use crate::loom::AtomicUsize;

/// The ready bit.
const READY: usize = 1;
/// The closed bit.
const CLOSED: usize = 2;
/// Where the tick starts.
const TICK_SHIFT: u32 = 2;
/// One tick.
const TICK: usize = 1 << TICK_SHIFT;

/// A copy of a [`ReadinessCache`] word taken before an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    /// Whether the direction was believed ready.
    pub(crate) fn is_ready(self) -> bool {
        self.0 & READY != 0
    }

    /// Whether the peer had closed the direction (no more edges will come).
    pub(crate) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }

    /// How many readiness events had been seen.
    pub(crate) fn tick(self) -> usize {
        self.0 >> TICK_SHIFT
    }
}

/// Cached readiness of one direction (see the module docs).
#[derive(Debug)]
pub(crate) struct ReadinessCache(AtomicUsize);

impl ReadinessCache {
    /// Ready at tick 0: a fresh source is tried optimistically, so the first operation never
    /// waits for the registration's initial event.
    pub(crate) fn new_ready() -> ReadinessCache {
        ReadinessCache(AtomicUsize::new(READY))
    }

    /// The current word.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Records a readiness event: sets the ready bit (and the closed bit if `closed`) and
    /// advances the tick.
    pub(crate) fn mark_ready(&self, closed: bool) {
        let set = READY | if closed { CLOSED } else { 0 };
        // `(old | set) + TICK` sets the bits and adds one to the tick whatever they were.
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old | set).wrapping_add(TICK))
            });
    }

    /// After a read that returned fewer bytes than asked (and more than none) from a state
    /// `seen` before it: clears the ready bit unless the direction is closed or an event
    /// came meanwhile. Only for pollers that report closing (see the module docs).
    pub(crate) fn clear_after_short_read(&self, seen: Snapshot) {
        if !seen.is_closed() {
            let _ = self.clear_if_unchanged(seen);
        }
    }

    /// Clears the ready bit if nothing happened since `seen` was taken; returns whether the
    /// direction is now (still) marked not ready at that tick. `false` means a new event
    /// arrived: the caller must retry its operation rather than wait.
    pub(crate) fn clear_if_unchanged(&self, seen: Snapshot) -> bool {
        let cleared = seen.0 & !READY;
        match self
            .0
            .compare_exchange(seen.0, cleared, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            // Someone else cleared the same tick: same outcome.
            Err(current) => current == cleared,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn clearing_fails_after_a_new_event() {
        let cache = ReadinessCache::new_ready();
        let seen = cache.snapshot();
        assert!(seen.is_ready());
        cache.mark_ready(false);
        assert!(!cache.clear_if_unchanged(seen));
        assert!(cache.snapshot().is_ready());
        assert_eq!(cache.snapshot().tick(), 1);
    }

    #[test]
    fn clearing_an_unchanged_word_succeeds_once_for_everyone() {
        let cache = ReadinessCache::new_ready();
        let seen = cache.snapshot();
        assert!(cache.clear_if_unchanged(seen));
        assert!(cache.clear_if_unchanged(seen));
        assert!(!cache.snapshot().is_ready());
        cache.mark_ready(false);
        let now = cache.snapshot();
        assert!(now.is_ready());
        assert_eq!(now.tick(), 1);
    }

    #[test]
    fn a_short_read_clears_an_open_direction_but_never_a_closed_one() {
        let cache = ReadinessCache::new_ready();
        cache.clear_after_short_read(cache.snapshot());
        assert!(!cache.snapshot().is_ready());

        // Data and the peer's FIN reported in one event: the short read that returns the data
        // must leave the direction ready, or the end of stream would never be read.
        cache.mark_ready(true);
        let seen = cache.snapshot();
        assert!(seen.is_ready() && seen.is_closed());
        cache.clear_after_short_read(seen);
        assert!(cache.snapshot().is_ready());

        // An event between the snapshot and the clear wins as well.
        let open = ReadinessCache::new_ready();
        let seen = open.snapshot();
        open.mark_ready(false);
        open.clear_after_short_read(seen);
        assert!(open.snapshot().is_ready());
        assert_eq!(open.snapshot().tick(), 1);
    }

    #[test]
    fn the_closed_bit_survives_would_block_and_later_events() {
        let cache = ReadinessCache::new_ready();
        cache.mark_ready(true);
        assert!(cache.clear_if_unchanged(cache.snapshot()));
        assert!(cache.snapshot().is_closed());
        cache.mark_ready(false);
        let now = cache.snapshot();
        assert!(now.is_ready() && now.is_closed());
        assert_eq!(now.tick(), 2);
    }
}
