//! Wakers collected under a lock and woken after it is released.
//!
//! Waking a task can run arbitrary executor code (and, with a thread-unpark waker, a system
//! call), so no primitive wakes while holding its mutex. Operations that release one waiter
//! return a single `Option<Waker>`; operations that release many (`Event::set`,
//! `notify_all`, a barrier trip, a queue shutdown) gather wakers here. The first
//! [`INLINE`] live on the stack, so waking a modest crowd allocates nothing.
//!
//! A waker is the waiting executor's code, not ours: every wake goes through [`wake`], which
//! reports a panicking waker (`weft_coop::report`) instead of unwinding, so one broken waker
//! can neither strand the waiters behind it in a batch nor unwind into the caller's task.

use std::fmt;
use std::task::Waker;

/// Wakers kept on the stack before the batch spills to the heap.
const INLINE: usize = 16;

/// An ordered batch of wakers to wake once the lock that produced them is released.
pub(crate) struct WakeBatch {
    inline: [Option<Waker>; INLINE],
    len: usize,
    spill: Vec<Waker>,
}

impl WakeBatch {
    /// An empty batch.
    pub(crate) fn new() -> Self {
        WakeBatch {
            inline: [const { None }; INLINE],
            len: 0,
            spill: Vec::new(),
        }
    }

    /// Adds a waker; the batch wakes in insertion order.
    pub(crate) fn push(&mut self, waker: Waker) {
        if self.len < INLINE {
            self.inline[self.len] = Some(waker);
            self.len += 1;
        } else {
            self.spill.push(waker);
        }
    }

    /// Wakes every collected waker in insertion order. Call only after unlocking.
    pub(crate) fn wake_all(self) {
        for waker in self.inline.into_iter().flatten() {
            wake(waker);
        }
        for waker in self.spill {
            wake(waker);
        }
    }
}

/// Wakes `waker`, reporting a panic in it rather than unwinding. Call only after unlocking.
pub(crate) fn wake(waker: Waker) {
    weft_coop::catch("waker", || waker.wake());
}

impl fmt::Debug for WakeBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakeBatch")
            .field("len", &(self.len + self.spill.len()))
            .finish()
    }
}
