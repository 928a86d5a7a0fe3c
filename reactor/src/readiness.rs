//! The readiness cache: one atomic word per direction of an I/O source.
//!
//! Bit 0 says "the last thing we heard is that this direction is ready"; the bits above count
//! readiness events (the *tick*). The reactor sets the bit and bumps the tick when the poller
//! reports the direction; an operation that hits `WouldBlock` clears the bit, but only if the
//! tick is still the one it saw before trying. That compare-and-swap is what makes clearing
//! race-free: an event that lands between the failed syscall and the clear changes the tick,
//! the clear fails, and the operation retries instead of sleeping through the edge. With
//! edge-triggered polling this is the whole re-arm: no syscall, just a bit. Readers need no
//! lock, so an operation on a ready socket costs one atomic load before the syscall.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A copy of a [`ReadinessCache`] word taken before an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    /// Whether the direction was believed ready.
    pub(crate) fn is_ready(self) -> bool {
        self.0 & 1 == 1
    }

    /// How many readiness events had been seen.
    pub(crate) fn tick(self) -> usize {
        self.0 >> 1
    }
}

/// Cached readiness of one direction (see the module docs).
#[derive(Debug)]
pub(crate) struct ReadinessCache(AtomicUsize);

impl ReadinessCache {
    /// Ready at tick 0: a fresh source is tried optimistically, so the first operation never
    /// waits for the registration's initial event.
    pub(crate) fn new_ready() -> ReadinessCache {
        ReadinessCache(AtomicUsize::new(1))
    }

    /// The current word.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Records a readiness event: sets the ready bit and advances the tick.
    pub(crate) fn mark_ready(&self) {
        // `(old | 1) + 2` sets bit 0 and adds one to the tick whatever bit 0 was.
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old | 1).wrapping_add(2))
            });
    }

    /// Clears the ready bit if nothing happened since `seen` was taken; returns whether the
    /// direction is now (still) marked not ready at that tick. `false` means a new event
    /// arrived: the caller must retry its operation rather than wait.
    pub(crate) fn clear_if_unchanged(&self, seen: Snapshot) -> bool {
        let cleared = seen.0 & !1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearing_fails_after_a_new_event() {
        let cache = ReadinessCache::new_ready();
        let seen = cache.snapshot();
        assert!(seen.is_ready());
        cache.mark_ready();
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
        cache.mark_ready();
        let now = cache.snapshot();
        assert!(now.is_ready());
        assert_eq!(now.tick(), 1);
    }
}
