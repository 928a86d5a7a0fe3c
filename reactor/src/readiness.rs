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
//! # Readiness shortcuts: the one rule, and the ones taken
//!
//! Readiness is cleared on the kernel's own word only: an operation that answered
//! `WouldBlock` (`EAGAIN`) at a tick no event has moved since, or — on one socket type, on one
//! backend — a read that answered fewer bytes than asked in a case where the kernel's rules
//! say that empties the socket. Every other inference was weighed against those rules and
//! refused; `reactor/tests/io_short_reads.rs` holds a test for each case that breaks one.
//!
//! * **Short read on a TCP stream, direct epoll backend: clears readiness, unless an event
//!   flagged the direction [`STOPS`].** Linux's `tcp_recvmsg` copies from the receive queue
//!   until the caller's buffer is full or the queue is empty, and ends early with bytes still
//!   queued in exactly three cases: at the urgent mark after a peer's `send(MSG_OOB)`, before
//!   end of stream (a FIN), and before a pending error (a reset). Each of them raises an event
//!   with its own bit, `EPOLLPRI`, `EPOLLRDHUP`, `EPOLLERR`/`EPOLLHUP`, which the direct
//!   backend subscribes to; the event that reports one sets `STOPS` in the same atomic update
//!   that bumps the tick, and the bit stays for the life of the source. So after a short read
//!   at snapshot `seen`:
//!   - if `seen` has `STOPS`, nothing is cleared (the next read asks the kernel, as before);
//!   - else every event harvested before `seen` reported no stop, and any bytes whose arrival
//!     was harvested before `seen` were in the queue when the read began, so the read took
//!     them all; bytes that arrived later raised an edge not yet harvested, whose event moves
//!     the tick and fails the clear's compare-and-swap, or comes after it and sets the bit
//!     again. Either way no data is slept through.
//!
//!   The rule holds for the kernel's own TCP only: a socket must be `IPPROTO_TCP` with no
//!   upper-layer protocol (`TCP_ULP`, e.g. kernel TLS, reads record by record) to take it.
//!   weft's own sockets are; one adopted with `TcpStream::from_std` is checked once
//!   (`getsockopt`), and so is a listener adopted with `TcpListener::from_std`, whose
//!   accepted streams then inherit the answer. A program that puts a ULP or a BPF sockmap on
//!   a weft stream's fd after that should wrap the fd in a plain `Async` instead. Saved: the
//!   `EAGAIN` read per message (hyper's request path, an echo server's read), which is what
//!   tokio's `PollEvented::poll_read` saves with no such guard.
//! * **Short read anywhere else: not taken.** Linux ends those reads early with more bytes
//!   already queued and no new edge to come: a Unix stream stops at a message that carried
//!   `SCM_RIGHTS` or, with `SO_PASSCRED`, at a change of credentials
//!   (`unix_stream_read_generic`), a datagram socket returns one datagram per read, and a
//!   packet-mode pipe (`O_DIRECT`) one packet; the `polling` backend cannot report the stop
//!   events. A first version (clear after any short read where the poller reports
//!   `EPOLLRDHUP`) slept through `cd` after `a`, urgent `!`, `cd` on TCP: it had no stop bit.
//! * **Short write** (a write accepted fewer bytes than offered): not taken. Room can open
//!   between the write and the clear, and the `EPOLLOUT` edge for it may already have been
//!   counted; the next write asks the kernel.
//! * **`EPOLLRDHUP`** (the peer shut down its side): reported as read readiness (with
//!   `STOPS`), never as a sticky "closed" state. A read after it returns the queued bytes and
//!   then `Ok(0)`, which the kernel repeats for every later read, so nothing needs caching.
//! * **Hang-up / error** (`EPOLLHUP`, `EPOLLERR`): both directions ready (with `STOPS`), so the
//!   next operation on either side reports the error itself.

use std::sync::atomic::Ordering;

// loom-switchable: `loom_model.rs` checks a short read's clear against a racing event.
use crate::loom::AtomicUsize;

/// The ready bit.
const READY: usize = 1;
/// Set for good by the first event that said a read may stop short of the queued bytes
/// (urgent data, end of stream, an error or hang-up: see the module docs).
pub(crate) const STOPS: usize = 2;
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

    /// How many readiness events had been seen.
    pub(crate) fn tick(self) -> usize {
        self.0 >> TICK_SHIFT
    }

    /// Whether an event had said a read may stop short of what is queued.
    pub(crate) fn may_stop_short(self) -> bool {
        self.0 & STOPS != 0
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

    /// Records a readiness event: sets the ready bit (and [`STOPS`] if `stops`) and advances
    /// the tick, in one update, so that a reader who sees the tick also sees the bit.
    pub(crate) fn mark_ready(&self, stops: bool) {
        let bits = if stops { READY | STOPS } else { READY };
        // `(old | bits) + TICK` sets the bits and adds one to the tick whatever they were.
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old | bits).wrapping_add(TICK))
            });
    }

    /// After a read at `seen` returned fewer bytes than asked, on a source whose short reads
    /// drain it (see the module docs): clears the ready bit unless an event said a read may
    /// stop short, or a new event arrived since `seen`. Returns whether it cleared.
    pub(crate) fn clear_after_short_read(&self, seen: Snapshot) -> bool {
        !seen.may_stop_short()
            && self
                .0
                .compare_exchange(seen.0, seen.0 & !READY, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
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
    fn a_short_read_clears_until_an_event_says_reads_may_stop_short() {
        let cache = ReadinessCache::new_ready();
        assert!(cache.clear_after_short_read(cache.snapshot()));
        assert!(!cache.snapshot().is_ready());
        cache.mark_ready(false);
        let seen = cache.snapshot();
        cache.mark_ready(false);
        assert!(
            !cache.clear_after_short_read(seen),
            "an event came after the look"
        );
        assert!(cache.snapshot().is_ready());
        cache.mark_ready(true);
        let seen = cache.snapshot();
        assert!(seen.may_stop_short() && seen.tick() == 3);
        assert!(!cache.clear_after_short_read(seen));
        cache.mark_ready(false);
        assert!(
            cache.snapshot().may_stop_short(),
            "the stop bit stays for good"
        );
        // A `WouldBlock` still clears, stop bit or not.
        assert!(cache.clear_if_unchanged(cache.snapshot()));
        assert!(!cache.snapshot().is_ready());
    }
}
