//! The reader-writer state word and its FIFO queue: everything in [`RwLock`](super::RwLock)
//! except the value.
//!
//! One atomic word holds `readers << 2 | WRITER | WAITERS`. The uncontended paths touch only
//! it: a read lock is one CAS adding a reader while `WRITER` and `WAITERS` are clear, a write
//! lock one CAS from `0` to `WRITER`, a read unlock one `fetch_sub`, a write unlock one CAS
//! from `WRITER` to `0`. Everything else runs under the wait list's mutex:
//!
//! * An acquirer that finds the lock held while nobody is queued first retries the fast path
//!   a few times ([`SPINS`]): holders are mostly brief and running on another worker, and
//!   queueing is what makes everyone behind it queue too. It never retries past `WAITERS`.
//! * An acquirer that cannot get in sets `WAITERS` with a CAS (which fails, and so retries,
//!   if an unlock slipped in meanwhile) and enqueues as a reader or a writer. Once `WAITERS`
//!   is set no newcomer gets in on the fast path, so a queued writer blocks new readers:
//!   writers cannot starve.
//! * [`grant_locked`](RawRwLock::grant_locked) admits waiters from the head while the lock
//!   allows them: a writer when nobody holds the lock, then (or instead) every reader up to
//!   the next queued writer, in one go. It runs after everything that may let a waiter in:
//!   the last reader leaving, a writer leaving, a downgrade, a waiter leaving the queue.
//! * A waiter dropped before it was admitted leaves the list (which may let the readers
//!   behind a cancelled writer in); one dropped after it was admitted unlocks what it was
//!   given, which admits the next in line.
//!
//! Invariants (changed only under the mutex): `WAITERS` is set exactly when the list has a
//! Waiting node, and then the head cannot be admitted (a writer at the head while the lock
//! is held, a reader at the head while a writer holds it). While `WAITERS` is set only the
//! mutex holder changes the word, except a reader's unlock, a lone `fetch_sub`: the reader
//! that drops the count to zero sees `WAITERS` in the value it replaced and takes the mutex
//! to admit the next waiters, so that decrement cannot be missed.

use std::fmt;
use std::task::{Context, Poll, ready};

use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;

/// Set while at least one acquirer is Waiting.
const WAITERS: usize = 1;
/// Set while a writer holds the lock.
const WRITER: usize = 2;
/// One reader, in the state word's units.
const ONE_READER: usize = 4;
/// Readers beyond this would overflow the word; acquiring another panics.
const MAX_READERS: usize = usize::MAX >> 3;
/// Fast-path retries (one `spin_loop` hint apart) before an acquirer queues, while nobody is
/// queued. Queueing costs a waker clone, a wake, a reschedule and two more trips through the
/// mutex, and a queued writer makes every newcomer queue behind it: in
/// `sync_rwlock_read_heavy` (2 workers) 56% of writes queued and each dragged about 7.5
/// reads into the queue. 16 retries took the row from 49–52 ms to 43–46 ms; 64 were worse
/// (47–54 ms), as they burn the worker when the holder is not running. Loom explores none.
#[cfg(not(loom))]
const SPINS: u32 = 16;
#[cfg(loom)]
const SPINS: u32 = 0;

/// What a queued waiter asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Access {
    Read,
    Write,
}

/// A reader-writer lock without the value: a state word and a FIFO of waiters.
pub(super) struct RawRwLock {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Access>>,
}

impl RawRwLock {
    pub(super) fn new() -> Self {
        RawRwLock {
            state: AtomicUsize::new(0),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Takes a read lock if no writer holds it and nobody is queued. One CAS, no lock.
    #[inline]
    pub(super) fn try_read(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & (WAITERS | WRITER) != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                state,
                add_reader(state),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Takes the write lock if nobody holds it and nobody is queued. One CAS, no lock.
    #[inline]
    pub(super) fn try_write(&self) -> bool {
        self.state
            .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[inline]
    fn try_acquire(&self, access: Access) -> bool {
        match access {
            Access::Read => self.try_read(),
            Access::Write => self.try_write(),
        }
    }

    /// Retries the fast path up to [`SPINS`] times, giving up as soon as someone is queued
    /// (a newcomer must then queue behind them: fairness).
    // Under loom `SPINS` is 0, an empty range clippy would flag.
    #[cfg_attr(loom, allow(clippy::reversed_empty_ranges))]
    fn spin_acquire(&self, access: Access) -> bool {
        for _ in 0..SPINS {
            if self.state.load(Ordering::Relaxed) & WAITERS != 0 {
                return false;
            }
            std::hint::spin_loop();
            if self.try_acquire(access) {
                return true;
            }
        }
        false
    }

    /// Polls an acquisition whose wait-list slot (if any) is `waiter`.
    ///
    /// `Ready` means the lock is now held as `access` and `waiter` is `None` again. The
    /// caller's `Drop` must pass a still-`Some` `waiter` to [`cancel`](Self::cancel).
    pub(super) fn poll_acquire(
        &self,
        access: Access,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        match waiter {
            None => {
                if self.try_acquire(access) || self.spin_acquire(access) {
                    progress.made_progress();
                    return Poll::Ready(());
                }
                let mut list = self.waiters.lock();
                let mut state = self.state.load(Ordering::Relaxed);
                loop {
                    if state & WAITERS != 0 {
                        break;
                    }
                    let admitted = match access {
                        Access::Read => state & WRITER == 0,
                        Access::Write => state == 0,
                    };
                    let (new, success) = match (admitted, access) {
                        (true, Access::Read) => (add_reader(state), Ordering::Acquire),
                        (true, Access::Write) => (WRITER, Ordering::Acquire),
                        (false, _) => (state | WAITERS, Ordering::Relaxed),
                    };
                    match self
                        .state
                        .compare_exchange_weak(state, new, success, Ordering::Relaxed)
                    {
                        Ok(_) if admitted => {
                            drop(list);
                            progress.made_progress();
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => state = actual,
                    }
                }
                *waiter = Some(list.push_back(access, cx.waker()));
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

    /// Withdraws a waiter that is being dropped: if it had been admitted, it unlocks what it
    /// was given; either way the waiters now at the head are admitted if they can be.
    pub(super) fn cancel(&self, key: WaiterKey) {
        let mut wakers = WakeBatch::new();
        {
            let mut list = self.waiters.lock();
            let removed = list.remove(key);
            if removed.notified {
                match removed.payload {
                    Access::Read => self.state.fetch_sub(ONE_READER, Ordering::Release),
                    Access::Write => self.state.fetch_and(!WRITER, Ordering::Release),
                };
            }
            self.grant_locked(&mut list, &mut wakers);
        }
        wakers.wake_all();
    }

    /// Drops one read lock.
    #[inline]
    pub(super) fn read_unlock(&self) {
        // AcqRel: the reader that admits a writer must carry every earlier reader's
        // release along to it (their decrements form one release sequence).
        let prev = self.state.fetch_sub(ONE_READER, Ordering::AcqRel);
        if prev & WAITERS != 0 && prev >> 2 == 1 {
            self.unlock_slow();
        }
    }

    /// Drops the write lock.
    #[inline]
    pub(super) fn write_unlock(&self) {
        if self
            .state
            .compare_exchange(WRITER, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            // `WAITERS` is set, so the word changes only under the mutex from here.
            let mut wakers = WakeBatch::new();
            {
                let mut list = self.waiters.lock();
                self.state.fetch_and(!WRITER, Ordering::Release);
                self.grant_locked(&mut list, &mut wakers);
            }
            wakers.wake_all();
        }
    }

    /// Turns the write lock into a read lock with no moment in between in which another
    /// writer could take it; readers waiting at the head are admitted alongside.
    pub(super) fn downgrade(&self) {
        if self
            .state
            .compare_exchange(WRITER, ONE_READER, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            let mut wakers = WakeBatch::new();
            {
                let mut list = self.waiters.lock();
                // `WAITERS` is set and a writer holds the lock, so nobody else changes the
                // word now: one step from `WRITER | WAITERS` to one reader plus `WAITERS`.
                self.state.fetch_add(ONE_READER - WRITER, Ordering::AcqRel);
                self.grant_locked(&mut list, &mut wakers);
            }
            wakers.wake_all();
        }
    }

    /// The slow half of an unlock: admits whoever the lock now allows in.
    #[cold]
    fn unlock_slow(&self) {
        let mut wakers = WakeBatch::new();
        self.grant_locked(&mut self.waiters.lock(), &mut wakers);
        wakers.wake_all();
    }

    /// Admits waiters from the head while the lock allows them, then restores the invariant
    /// on `WAITERS`. Call with the list locked.
    fn grant_locked(&self, list: &mut WaitList<Access>, wakers: &mut WakeBatch) {
        while let Some(&access) = list.front() {
            let state = self.state.load(Ordering::Acquire);
            match access {
                // A reader may still be leaving (its `fetch_sub` can land any time): if it
                // is the last one, it takes this mutex after us and admits the writer.
                Access::Write if state & !WAITERS != 0 => break,
                Access::Write => self.state.fetch_or(WRITER, Ordering::AcqRel),
                Access::Read if state & WRITER != 0 => break,
                Access::Read => {
                    check_readers(state);
                    self.state.fetch_add(ONE_READER, Ordering::AcqRel)
                }
            };
            if let Some(waker) = list.notify_front(|_| {}) {
                wakers.push(waker);
            }
        }
        if !list.has_waiting() {
            self.state.fetch_and(!WAITERS, Ordering::Release);
        }
    }

    /// Readers holding the lock (including admitted waiters that have not run yet).
    pub(super) fn readers(&self) -> usize {
        self.state.load(Ordering::Relaxed) >> 2
    }

    /// Whether a writer holds the lock (or has been admitted and not run yet).
    pub(super) fn write_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & WRITER != 0
    }
}

/// `state` plus one reader.
///
/// # Panics
///
/// If that would overflow the count (over `usize::MAX / 8` live read guards: leaked ones).
#[inline]
fn add_reader(state: usize) -> usize {
    check_readers(state);
    state + ONE_READER
}

#[inline]
fn check_readers(state: usize) {
    assert!(
        state >> 2 < MAX_READERS,
        "RwLock: too many read guards alive at once (are read guards being leaked?)"
    );
}

impl fmt::Debug for RawRwLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Relaxed);
        f.debug_struct("RawRwLock")
            .field("readers", &(state >> 2))
            .field("writer", &(state & WRITER != 0))
            .field("waiters", &(state & WAITERS != 0))
            .finish()
    }
}
