//! The handshake between a turn about to block in the poller and threads that must interrupt
//! it, in a type of its own so loom can check it (`loom_model.rs`).
//!
//! A turn announces itself (`in_wait`) *before* it consumes the `notified` flag; a notifier
//! sets the flag *before* it reads `in_wait`. A `SeqCst` fence sits between the write and
//! the read on each side (the classic Dekker pattern), so at least one sees the other:
//! either the notifier sees the turn and pokes the poller, or the turn sees the flag and does
//! not block. With nobody waiting a notify costs a store, a fence and a load — what a
//! `SeqCst` store and load cost on x86 anyway, but in a form loom can check (it does not
//! model `SeqCst` accesses on different locations as one total order; it does model fences).

use crate::loom::{AtomicBool, fence};
use std::sync::atomic::Ordering::{AcqRel, Relaxed, Release, SeqCst};

#[derive(Debug)]
pub(crate) struct WaitGate {
    /// A thread is in (or about to enter) the poller's wait.
    in_wait: AtomicBool,
    /// A notify came since the last turn consumed it.
    notified: AtomicBool,
}

impl WaitGate {
    pub(crate) fn new() -> WaitGate {
        WaitGate {
            in_wait: AtomicBool::new(false),
            notified: AtomicBool::new(false),
        }
    }

    /// A turn is about to wait; `blocking` when it would wait for more than zero time. True
    /// when it may block; false when a pending notify (now consumed) says it must not. A
    /// blocking turn calls [`end`](Self::end) after its wait.
    pub(crate) fn begin(&self, blocking: bool) -> bool {
        if blocking {
            self.in_wait.store(true, Relaxed);
            // Orders the announcement before the flag's read; pairs with `notify`'s fence.
            fence(SeqCst);
        }
        !self.notified.swap(false, AcqRel) && blocking
    }

    /// The turn's wait is over.
    pub(crate) fn end(&self, blocking: bool) {
        if blocking {
            self.in_wait.store(false, Release);
        }
    }

    /// Records a notify; true when a thread may be blocked in the poller and must be poked.
    pub(crate) fn notify(&self) -> bool {
        self.notified.store(true, Release);
        // Orders the flag before the read of `in_wait`; pairs with `begin`'s fence.
        fence(SeqCst);
        self.in_wait.load(Relaxed)
    }

    /// Whether a thread is in (or about to enter) the poller's wait.
    pub(crate) fn is_waiting(&self) -> bool {
        self.in_wait.load(Relaxed)
    }
}
