//! The FIFO permit counter behind [`Lock`](crate::Lock), [`Semaphore`](crate::Semaphore) and
//! [`BoundedSemaphore`](crate::BoundedSemaphore).
//!
//! One atomic word holds `permits << 2 | CLOSED | WAITERS`. The uncontended paths are a
//! single CAS on it: acquiring `n` takes them only while `WAITERS` and `CLOSED` are clear (so
//! a newcomer never barges past a queue), and releasing adds them only while `WAITERS` is
//! clear. Everything else runs under the wait list's mutex:
//!
//! * An acquirer that finds too few permits sets `WAITERS` with a CAS (which fails, and so
//!   retries, if a releaser slipped permits in meanwhile) and enqueues with the number it
//!   needs.
//! * A releaser that sees `WAITERS` takes the mutex, adds its permits to the count and
//!   grants waiters from the head for as long as the count covers the head's request. The
//!   head keeps what it is owed in the count while it waits, so a large request at the head
//!   gathers permits release by release and a small request behind it cannot overtake it
//!   (tokio's rule: no starvation of big requests). There is no window in which a permit
//!   owed to the queue is free for a newcomer to grab.
//! * A waiter dropped before it was granted just leaves the list (which may let the new head
//!   through); one dropped after it was granted releases its permits again, which hands them
//!   on in the same way.
//! * `close` sets `CLOSED` and grants every waiter a "closed" outcome; later acquires fail at
//!   once. Releases still add permits, so a permit dropped after the close is not lost.
//!
//! Invariants (changed only under the mutex): `WAITERS` is set exactly when the list has a
//! Waiting node, and then the count is smaller than the head's request. While `WAITERS` is
//! set every path that changes the word takes the mutex.

use std::fmt;
use std::task::{Context, Poll, ready};

use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::semaphore::{AcquireError, TryAcquireError};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;

/// Set while at least one acquirer is Waiting.
const WAITERS: usize = 1;
/// Set once the counter is closed: acquires fail instead of waiting.
const CLOSED: usize = 2;
/// The flag bits below the count.
const SHIFT: u32 = 2;

/// The largest permit count a semaphore can hold.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> SHIFT;

/// A release was refused because the count would exceed the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AboveBound;

/// What a queued acquirer asks for and, once Notified, what it was granted.
#[derive(Debug)]
struct Request {
    needed: usize,
    /// Granted by `close` rather than by permits.
    closed: bool,
}

/// A counter of permits with a FIFO queue of acquirers.
pub(crate) struct PermitCore {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Request>>,
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
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitList::new()),
            bound,
        }
    }

    /// [`new`](Self::new) in a `const` context (loom's atomics have no `const` constructor).
    #[cfg(not(loom))]
    pub(crate) const fn const_new(permits: usize, bound: usize) -> Self {
        debug_assert!(permits <= bound && bound <= MAX_PERMITS);
        PermitCore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(WaitList::new()),
            bound,
        }
    }

    /// Permits currently free to take (while a large request waits at the head, the ones
    /// set aside for it).
    #[inline]
    pub(crate) fn available(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// The bound given at construction.
    #[inline]
    pub(crate) fn bound(&self) -> usize {
        self.bound
    }

    /// Whether [`close`](Self::close) has been called.
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Takes `n` permits if they are free, nobody is queued, and the counter is open. One
    /// CAS, no lock.
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if state & WAITERS != 0 || state >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self.state.compare_exchange_weak(
                state,
                state - (n << SHIFT),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// Polls an acquisition of `n` permits whose wait-list slot (if any) is `waiter`.
    ///
    /// `Ready(Ok)` means the permits now belong to the caller, `Ready(Err)` that the counter
    /// was closed first; either way `waiter` is `None` again. The caller's `Drop` must pass
    /// a still-`Some` `waiter` to [`cancel_acquire`](Self::cancel_acquire).
    pub(crate) fn poll_acquire(
        &self,
        n: usize,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        match waiter {
            None => {
                match self.try_acquire(n) {
                    Ok(()) => {
                        progress.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                    Err(TryAcquireError::Closed) => {
                        progress.made_progress();
                        return Poll::Ready(Err(AcquireError(())));
                    }
                    Err(TryAcquireError::NoPermits) => {}
                }
                let mut list = self.waiters.lock();
                let mut state = self.state.load(Ordering::Relaxed);
                loop {
                    if state & CLOSED != 0 {
                        drop(list);
                        progress.made_progress();
                        return Poll::Ready(Err(AcquireError(())));
                    }
                    if state & WAITERS != 0 {
                        break;
                    }
                    let enough = state >> SHIFT >= n;
                    let (new, success) = if enough {
                        (state - (n << SHIFT), Ordering::Acquire)
                    } else {
                        (state | WAITERS, Ordering::Relaxed)
                    };
                    match self
                        .state
                        .compare_exchange_weak(state, new, success, Ordering::Relaxed)
                    {
                        Ok(_) if enough => {
                            drop(list);
                            progress.made_progress();
                            return Poll::Ready(Ok(()));
                        }
                        Ok(_) => break,
                        Err(actual) => state = actual,
                    }
                }
                let request = Request {
                    needed: n,
                    closed: false,
                };
                *waiter = Some(list.push_back(request, cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                let mut list = self.waiters.lock();
                if !list.is_notified(key) {
                    list.register_waker(key, cx.waker());
                    return Poll::Pending;
                }
                let closed = match waiter.take() {
                    Some(key) => list.remove(key).payload.closed,
                    None => false,
                };
                drop(list);
                progress.made_progress();
                Poll::Ready(if closed {
                    Err(AcquireError(()))
                } else {
                    Ok(())
                })
            }
        }
    }

    /// Withdraws an acquirer that is being dropped; permits it was already granted go to the
    /// next waiters (or back to the count), and leaving the head may let the next one in.
    pub(crate) fn cancel_acquire(&self, key: WaiterKey) {
        let mut wakers = WakeBatch::new();
        {
            let mut list = self.waiters.lock();
            let removed = list.remove(key);
            if removed.notified && !removed.payload.closed {
                // Granted permits left the count, so returning them cannot exceed the bound
                // unless someone over-released meanwhile; then they are dropped, which
                // keeps the count within the bound.
                let _ = self.release_locked(removed.payload.needed, &mut list, &mut wakers);
            } else {
                self.grant_locked(&mut list, &mut wakers);
            }
        }
        wakers.wake_all();
    }

    /// Returns `n` permits: to the waiters at the head if they are covered, otherwise to the
    /// count. All or nothing: refused whole if the count would exceed the bound.
    pub(crate) fn release(&self, n: usize) -> Result<(), AboveBound> {
        if n == 0 {
            return Ok(());
        }
        let mut state = self.state.load(Ordering::Relaxed);
        while state & WAITERS == 0 {
            if n > self.bound - (state >> SHIFT) {
                return Err(AboveBound);
            }
            match self.state.compare_exchange_weak(
                state,
                state + (n << SHIFT),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
        let mut wakers = WakeBatch::new();
        let released = {
            let mut list = self.waiters.lock();
            self.release_locked(n, &mut list, &mut wakers)
        };
        wakers.wake_all();
        released
    }

    /// [`release`](Self::release) with the wait list already locked; the wakers of the
    /// waiters it granted go into `wakers`.
    fn release_locked(
        &self,
        n: usize,
        list: &mut WaitList<Request>,
        wakers: &mut WakeBatch,
    ) -> Result<(), AboveBound> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if n > self.bound - (state >> SHIFT) {
                return Err(AboveBound);
            }
            // A CAS, not a plain add: without `WAITERS` set, fast-path releases run
            // concurrently and the bound check must hold against them.
            match self.state.compare_exchange_weak(
                state,
                state + (n << SHIFT),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        self.grant_locked(list, wakers);
        Ok(())
    }

    /// Grants waiters from the head while the count covers their requests, then restores
    /// the invariant on `WAITERS`. Call with the list locked after anything that may have
    /// raised the count or changed the head.
    fn grant_locked(&self, list: &mut WaitList<Request>, wakers: &mut WakeBatch) {
        while let Some(request) = list.front() {
            let needed = request.needed;
            if self.state.load(Ordering::Relaxed) >> SHIFT < needed {
                break;
            }
            // A Waiting node means `WAITERS` is set (both change only under this mutex), so
            // nobody changes the word outside it: the count cannot drop under us.
            self.state.fetch_sub(needed << SHIFT, Ordering::AcqRel);
            if let Some(waker) = list.notify_front(|_| {}) {
                wakers.push(waker);
            }
        }
        if !list.has_waiting() {
            self.state.fetch_and(!WAITERS, Ordering::Release);
        }
    }

    /// Closes the counter: every Waiting acquirer completes with an error, and later
    /// acquires fail at once. Permits already granted are unaffected.
    pub(crate) fn close(&self) {
        let mut wakers = WakeBatch::new();
        {
            let mut list = self.waiters.lock();
            self.state.fetch_or(CLOSED, Ordering::AcqRel);
            list.notify_all(&mut wakers, |request| request.closed = true);
            self.state.fetch_and(!WAITERS, Ordering::Release);
        }
        wakers.wake_all();
    }
}

impl fmt::Debug for PermitCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Relaxed);
        f.debug_struct("PermitCore")
            .field("available", &(state >> SHIFT))
            .field("waiters", &(state & WAITERS != 0))
            .field("closed", &(state & CLOSED != 0))
            .field("bound", &self.bound)
            .finish()
    }
}
