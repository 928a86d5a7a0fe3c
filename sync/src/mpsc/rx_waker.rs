//! [`RxWaker`]: the one waker slot of a channel's receiver, shared without a lock.
//!
//! The receiver is unique, so it needs no wait list, only a slot for its waker and a state
//! word that decides who may touch the slot:
//!
//! * `SET`: a waker is stored and nobody has taken it: the receiver is (probably) parked.
//! * `REGISTERING`: the receiver is writing the slot.
//! * `WAKING`: a sender is taking the waker out.
//!
//! The cost that matters is a sender's when the receiver is *not* parked, which is every
//! message of a busy channel: [`wake`](RxWaker::wake) is then one SeqCst fence and one load
//! of a line the receiver rarely writes. That needs the store-buffer argument below instead
//! of an RMW:
//!
//! * a sender makes its message (or close) visible, then `fence(SeqCst)`, then loads the
//!   state;
//! * the receiver sets `REGISTERING` (an RMW), then `fence(SeqCst)` (in
//!   [`register`](RxWaker::register)), then looks for a message again.
//!
//! Of two SeqCst fences one comes first, so either the sender's load sees the receiver's
//! state write (and takes the waker), or the receiver's second look sees the message. A
//! state of 0 read after the fence therefore means "the receiver will see it": no wake is
//! lost. (A SeqCst load alone would be cheaper on x86, but the C++ model, and so loom, give
//! that pattern no guarantee without the fences.)
//!
//! The state goes back to 0 with a `swap`, not a store: a plain store is not ordered after
//! the RMWs of senders that backed off meanwhile in loom's model (C++ orders it by RMW
//! atomicity, loom only by causality), and loom would then let a later `take` read a stale
//! `WAKING`.
//!
//! The receiver also takes its own registration back when its second look finds a message
//! (`Chan::unregister`), so the next send does not wake a task that is not waiting.
//!
//! Whoever takes the waker leaves the state at 0, so later sends find 0 and wake nobody
//! until the receiver registers again: at most one wake per park, however many messages
//! arrive. A registration that loses a race with a taking sender wakes its own waker
//! instead of waiting for one that may already have gone to the old waker.

use std::task::Waker;

use crate::loom::{AtomicUsize, Ordering, UnsafeCell, fence, spin_loop};

const REGISTERING: usize = 0b001;
const WAKING: usize = 0b010;
const SET: usize = 0b100;

/// The receiver's waker slot.
pub(super) struct RxWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the slot holds a `Waker` (`Send + Sync`) and the state word serialises every
// access to it: the registrant under `REGISTERING`, a taker under `WAKING` (module docs).
unsafe impl Send for RxWaker {}
// SAFETY: as above.
unsafe impl Sync for RxWaker {}

impl RxWaker {
    pub(super) fn new() -> Self {
        RxWaker {
            state: AtomicUsize::new(0),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake), then fences: the caller
    /// must look for a message (or the end of the channel) once more after this returns.
    ///
    /// # Safety
    ///
    /// Only the channel's receiver registers, never twice at once.
    pub(super) unsafe fn register(&self, waker: &Waker) {
        let current = self.state.load(Ordering::Acquire);
        // Acquire: the slot was last written by a taker, whose `Release` store of 0 (or the
        // receiver's own previous registration) this reads from.
        if current & WAKING != 0
            || self
                .state
                .compare_exchange(
                    current,
                    current | REGISTERING,
                    Ordering::Acquire,
                    Ordering::Acquire,
                )
                .is_err()
        {
            // A sender is taking the previous waker right now: the receiver is being woken,
            // but perhaps through a stale waker. Wake this one so the task polls again, and
            // let the sender finish first (the task's next poll would otherwise find it
            // mid-take again; under loom, this is the yield that lets it run).
            waker.wake_by_ref();
            spin_loop();
            return;
        }
        // SAFETY: `REGISTERING` keeps senders out of the slot (they back off on seeing it),
        // and the caller is the only registrant.
        self.waker.with_mut(|slot| unsafe {
            match &mut *slot {
                Some(stored) if stored.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
        });
        // Pairs with the fence in `wake` (module docs): after it, the caller's re-check
        // sees any message whose sender read the state before our `REGISTERING`.
        fence(Ordering::SeqCst);
        if self
            .state
            .compare_exchange(
                current | REGISTERING,
                SET,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            // A sender set `WAKING` meanwhile and left the wake to us.
            // SAFETY: we still hold `REGISTERING`; senders stay out of the slot.
            let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
            self.state.swap(0, Ordering::AcqRel);
            if let Some(waker) = waker {
                crate::wake_batch::wake(waker);
            }
        }
    }

    /// Wakes the receiver if it registered since the last wake. Call after the message or
    /// close it should see is visible.
    #[inline]
    pub(super) fn wake(&self) {
        // Pairs with the fence in `register` (module docs).
        fence(Ordering::SeqCst);
        if self.state.load(Ordering::Relaxed) == 0 {
            return;
        }
        if let Some(waker) = self.take() {
            crate::wake_batch::wake(waker);
        }
    }

    /// Takes the stored waker, if it is there for the taking.
    pub(super) fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            SET => {
                // SAFETY: we moved the state from `SET` to `SET | WAKING`: the receiver's
                // registration backs off and other senders' `take` returns `None` below,
                // until our store of 0.
                let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.swap(0, Ordering::AcqRel);
                waker
            }
            // Nobody registered (the state changed since `wake` loaded it): undo our bit.
            0 => {
                self.state.fetch_and(!WAKING, Ordering::Release);
                None
            }
            // Another sender is taking it, or the receiver is registering and will see our
            // `WAKING` when it finishes.
            _ => None,
        }
    }
}
