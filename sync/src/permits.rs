//! The FIFO permit counter behind [`Lock`](crate::Lock), [`Semaphore`](crate::Semaphore) and
//! [`BoundedSemaphore`](crate::BoundedSemaphore).
//!
//! One atomic word holds `permits << 1 | WAITERS`. The uncontended paths are a single CAS on
//! it: acquiring takes a permit only while `WAITERS` is clear (so a newcomer never barges
//! past a queue), and releasing adds one only while `WAITERS` is clear. Everything else runs
//! under the wait list's mutex:
//!
//! * An acquirer that finds no permit sets `WAITERS` with a CAS (which fails, and so retries,
//!   if a releaser slipped a permit in meanwhile) and enqueues.
//! * A releaser that sees `WAITERS` takes the mutex and hands its permit *directly* to the
//!   oldest waiter: the count stays at zero and the waiter is Notified. There is no window in
//!   which the permit is free for a newcomer to grab.
//! * A waiter dropped before it was granted just leaves the list; one dropped after it was
//!   granted releases the permit again, which hands it to the next waiter in line.
//!
//! Invariants (changed only under the mutex): `WAITERS` is set exactly when the list has a
//! Waiting node, and `WAITERS` implies a count of zero.

use std::fmt;
use std::task::{Context, Poll, Waker, ready};

use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::waitlist::{WaitList, WaiterKey};

/// Set while at least one acquirer is Waiting.
const WAITERS: usize = 1;
/// One permit, in the state word's units.
const ONE: usize = 2;

/// The largest permit count a semaphore can hold.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 1;

/// A release was refused because the count would exceed the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AboveBound;

/// A counter of permits with a FIFO queue of acquirers.
pub(crate) struct PermitCore {
    state: AtomicUsize,
    waiters: Mutex<WaitList<()>>,
    /// Releases that would raise the count above this are refused.
    bound: usize,
}

impl PermitCore {
    /// A counter holding `permits`, refusing releases beyond `bound`.
    ///
    /// Callers guarantee `permits <= bound <= MAX_PERMITS`.
    pub(crate) fn new(permits: usize, bound: usize) -> Self {
        debug_assert!(permits <= bound && bound <= MAX_PERMITS);
        PermitCore {
            state: AtomicUsize::new(permits << 1),
            waiters: Mutex::new(WaitList::new()),
            bound,
        }
    }

    /// Permits currently free to take.
    #[inline]
    pub(crate) fn available(&self) -> usize {
        self.state.load(Ordering::Acquire) >> 1
    }

    /// The bound given at construction.
    #[inline]
    pub(crate) fn bound(&self) -> usize {
        self.bound
    }

    /// Takes a permit if one is free and nobody is queued for it. One CAS, no lock.
    #[inline]
    pub(crate) fn try_acquire(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & WAITERS != 0 || state < ONE {
                return false;
            }
            match self.state.compare_exchange_weak(
                state,
                state - ONE,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Polls an acquisition whose wait-list slot (if any) is `waiter`.
    ///
    /// `Ready` means a permit now belongs to the caller and `waiter` is `None` again. The
    /// caller's `Drop` must pass a still-`Some` `waiter` to [`cancel_acquire`](Self::cancel_acquire).
    pub(crate) fn poll_acquire(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        match waiter {
            None => {
                if self.try_acquire() {
                    progress.made_progress();
                    return Poll::Ready(());
                }
                let mut list = self.waiters.lock();
                let mut state = self.state.load(Ordering::Relaxed);
                loop {
                    if state & WAITERS != 0 {
                        break;
                    }
                    let (new, success) = if state >= ONE {
                        (state - ONE, Ordering::Acquire)
                    } else {
                        (state | WAITERS, Ordering::Relaxed)
                    };
                    match self
                        .state
                        .compare_exchange_weak(state, new, success, Ordering::Relaxed)
                    {
                        Ok(_) if state >= ONE => {
                            drop(list);
                            progress.made_progress();
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => state = actual,
                    }
                }
                *waiter = Some(list.push_back((), cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                let mut list = self.waiters.lock();
                if !list.is_notified(key) {
                    list.register_waker(key, cx.waker());
                    return Poll::Pending;
                }
                if let Some(key) = waiter.take() {
                    list.remove(key);
                }
                drop(list);
                progress.made_progress();
                Poll::Ready(())
            }
        }
    }

    /// Withdraws an acquirer that is being dropped; a permit it was already granted goes to
    /// the next waiter (or back to the count).
    pub(crate) fn cancel_acquire(&self, key: WaiterKey) {
        let waker = {
            let mut list = self.waiters.lock();
            if list.remove(key).notified {
                // A granted permit left the count, so returning it cannot exceed the bound
                // unless someone over-released meanwhile; then the permit is dropped, which
                // keeps the count within the bound.
                self.release_locked(&mut list).unwrap_or(None)
            } else {
                if !list.has_waiting() {
                    self.state.fetch_and(!WAITERS, Ordering::Relaxed);
                }
                None
            }
        };
        if let Some(waker) = waker {
            crate::wake_batch::wake(waker);
        }
    }

    /// Returns one permit: to the oldest waiter if there is one, otherwise to the count.
    pub(crate) fn release(&self) -> Result<(), AboveBound> {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & WAITERS == 0 {
            if state >> 1 >= self.bound {
                return Err(AboveBound);
            }
            match self.state.compare_exchange_weak(
                state,
                state + ONE,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
        let waker = {
            let mut list = self.waiters.lock();
            self.release_locked(&mut list)?
        };
        if let Some(waker) = waker {
            crate::wake_batch::wake(waker);
        }
        Ok(())
    }

    /// [`release`](Self::release) with the wait list already locked; returns the waker of
    /// the waiter that received the permit.
    fn release_locked(&self, list: &mut WaitList<()>) -> Result<Option<Waker>, AboveBound> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state >> 1 >= self.bound {
                return Err(AboveBound);
            }
            if state & WAITERS != 0 {
                if let Some(waker) = list.notify_front(|()| {}) {
                    if !list.has_waiting() {
                        self.state.fetch_and(!WAITERS, Ordering::Relaxed);
                    }
                    return Ok(Some(waker));
                }
                // `WAITERS` without a Waiting node breaks the invariant; repair rather than
                // lose the permit.
                debug_assert!(false, "WAITERS set with an empty wait list");
                state = self.state.fetch_and(!WAITERS, Ordering::Relaxed) & !WAITERS;
                continue;
            }
            match self.state.compare_exchange_weak(
                state,
                state + ONE,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(None),
                Err(actual) => state = actual,
            }
        }
    }
}

impl fmt::Debug for PermitCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Relaxed);
        f.debug_struct("PermitCore")
            .field("available", &(state >> 1))
            .field("waiters", &(state & WAITERS != 0))
            .field("bound", &self.bound)
            .finish()
    }
}
