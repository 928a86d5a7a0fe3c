//! The readiness cache: one atomic word per direction of an I/O source.
//!
//! Bit 0 says "the last thing we heard is that this direction is ready"; the bits above count
//! readiness events (the *tick*). The reactor sets the bit and bumps the tick when the poller
//! reports the direction; an operation that hits `WouldBlock` clears the ready bit, but only
//! if the tick is still the one it saw before trying. That compare-and-swap is what makes
//! clearing race-free: an event that lands between the failed syscall and the clear changes
//! the tick, the clear fails, and the operation retries instead of sleeping through the edge.
//! With edge-triggered polling this is the whole re-arm: no syscall, just a bit. Readers need
//! no lock, so an operation on a ready socket costs one atomic load before the syscall.
//!
//! # Readiness shortcuts: the one rule, and the ones not taken
//!
//! The only thing that clears the ready bit is the kernel's own word: an operation that
//! answered `WouldBlock` (`EAGAIN`) at a tick no event has moved since. Every shortcut that
//! would clear it on an inference instead was weighed against the kernel's rules and
//! refused; `reactor/tests/io_short_reads.rs` holds a test for each case that breaks it.
//!
//! * **Short read** (a stream read returned fewer bytes than its buffer holds): *not* proof
//!   that the socket is drained, so it does not clear readiness. Linux ends a stream read early
//!   with more bytes already queued and no new edge to come: TCP stops at the urgent mark
//!   after a peer's `send(MSG_OOB)` (`tcp_recvmsg`), a Unix stream stops at a message that
//!   carried `SCM_RIGHTS` or, with `SO_PASSCRED`, at a change of credentials
//!   (`unix_stream_read_generic`), a datagram socket returns one datagram per read, and a
//!   packet-mode pipe (`O_DIRECT`) one packet. The earlier shortcut (clear after a short read
//!   where the poller reports `EPOLLRDHUP`) slept through `cd` after `a`, urgent `!`, `cd`.
//!   Its price is one `read` that answers `EAGAIN` per message (tokio's
//!   `PollEvented::poll_read` takes the shortcut, and with it the hazard).
//! * **Short write** (a write accepted fewer bytes than offered): not taken either. Room can
//!   open between the write and the clear, and the `EPOLLOUT` edge for it may already have
//!   been counted; the next write asks the kernel.
//! * **`EPOLLRDHUP`** (the peer shut down its side): reported as plain read readiness, never
//!   as a sticky "closed" state. A read after it returns the queued bytes and then `Ok(0)`,
//!   which the kernel repeats for every later read, so nothing needs caching.
//! * **Hang-up / error** (`EPOLLHUP`, `EPOLLERR`): both directions ready, so the next
//!   operation on either side reports the error itself.

use std::sync::atomic::Ordering;

// loom-switchable: `loom_model.rs` checks a short read's clear against a racing event.
use crate::loom::AtomicUsize;

/// The ready bit.
const READY: usize = 1;
/// Where the tick starts.
const TICK_SHIFT: u32 = 1;
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

    /// Records a readiness event: sets the ready bit and advances the tick.
    pub(crate) fn mark_ready(&self) {
        // `(old | READY) + TICK` sets the bit and adds one to the tick whatever they were.
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old | READY).wrapping_add(TICK))
            });
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
