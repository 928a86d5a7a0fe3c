//! [`Condition`]: asyncio's `Condition`, a [`Lock`] plus a FIFO of tasks waiting to be
//! notified.
//!
//! `wait(guard)` enqueues the waiter in the condition's wait list *before* it releases the
//! lock, so a `notify` issued by whoever takes the lock next cannot slip past it. Once
//! notified, the waiter re-acquires the lock through an ordinary (FIFO) `Lock::lock`, and only
//! then completes, handing the guard back.
//!
//! Cancellation is dropping the future, and Rust cannot await inside `Drop`, so "re-acquire
//! the lock before unwinding" becomes: the dropped waiter never leaves the lock in a wrong
//! state. Before notification it just leaves the list; while re-acquiring it gives up its
//! place in the lock's queue (passing the lock on if it had been handed it). And in both
//! cases where it had already received a notification, it passes that notification to the
//! next waiter, so a cancel racing `notify(1)` does not lose the wake-up (CPython 3.13's
//! behaviour; a spare wake-up is allowed by the condition-variable contract).
//!
//! asyncio raises `RuntimeError` for `wait` without the lock; here `wait` takes the guard by
//! value, so that mistake does not compile:
//!
//! ```compile_fail
//! # fn f(cond: &weft_sync::Condition) -> impl std::future::Future + '_ {
//! cond.wait() // a LockGuard from `cond.lock()` is required
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::lock::{Lock, LockFuture, LockGuard};
use crate::loom::Mutex;
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;
use weft_coop::WaitKind;

/// A condition variable with its own [`Lock`] over a `T` (asyncio's `Condition`).
///
/// Lock it with [`lock`](Condition::lock), then [`wait`](Condition::wait) with the guard:
/// the lock is released while waiting and held again when `wait` returns the guard.
/// [`notify`](Condition::notify) and [`notify_all`](Condition::notify_all) may be called from
/// any task or thread, holding the lock or not.
///
/// ```
#[doc = doc_block_on!()]
/// use std::sync::Arc;
/// use weft_sync::Condition;
///
/// let jobs = Arc::new(Condition::new(Vec::new()));
/// let producer = {
///     let jobs = jobs.clone();
///     std::thread::spawn(move || {
///         block_on(async {
///             jobs.lock().await.push("job");
///             jobs.notify(1);
///         })
///     })
/// };
/// let job = block_on(async {
///     let guard = jobs.lock().await;
///     let mut guard = jobs.wait_for(guard, |jobs| !jobs.is_empty()).await;
///     guard.pop().unwrap()
/// });
/// assert_eq!(job, "job");
/// producer.join().unwrap();
/// ```
pub struct Condition<T = ()> {
    lock: Lock<T>,
    waiters: Mutex<WaitList<()>>,
}

impl<T> Condition<T> {
    /// Creates a condition whose lock holds `value`.
    ///
    /// ```
    /// let cond = weft_sync::Condition::new(0_u32);
    /// assert!(!cond.is_locked());
    /// ```
    pub fn new(value: T) -> Self {
        Condition {
            lock: Lock::new(value),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Locks the condition's lock (FIFO, cancel-safe: see [`Lock::lock`]).
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let cond = weft_sync::Condition::new(1);
    /// block_on(async { *cond.lock().await += 1 });
    /// assert_eq!(*cond.try_lock().unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn lock(&self) -> LockFuture<'_, T> {
        self.lock.lock()
    }

    /// Locks the condition's lock without waiting, if it is free and nobody is queued.
    ///
    /// ```
    /// let cond = weft_sync::Condition::new(());
    /// let guard = cond.try_lock().unwrap();
    /// assert!(cond.try_lock().is_none());
    /// drop(guard);
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.lock.try_lock()
    }

    /// Whether the condition's lock is held (asyncio's `locked()`).
    ///
    /// ```
    /// let cond = weft_sync::Condition::new(());
    /// let _guard = cond.try_lock();
    /// assert!(cond.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// Releases the lock, waits to be notified, re-acquires the lock and returns the guard.
    ///
    /// Wake-ups can be spurious (a cancelled waiter passes its notification on), so check
    /// the condition in a loop, or use [`wait_for`](Condition::wait_for).
    ///
    /// # Panics
    ///
    /// If `guard` belongs to a different lock than this condition's.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let cond = weft_sync::Condition::new(());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut wait = Box::pin(cond.wait(cond.try_lock().unwrap()));
    /// assert!(wait.as_mut().poll(&mut cx).is_pending());
    /// assert!(!cond.is_locked()); // released while waiting
    /// assert_eq!(cond.notify(1), 1);
    /// let Poll::Ready(guard) = wait.as_mut().poll(&mut cx) else { panic!("not woken") };
    /// assert!(cond.is_locked()); // held again by the returned guard
    /// drop(guard);
    /// ```
    #[track_caller]
    pub fn wait<'a>(&'a self, guard: LockGuard<'a, T>) -> ConditionWait<'a, T> {
        assert!(
            std::ptr::eq(LockGuard::lock(&guard), &self.lock),
            "Condition::wait: the guard belongs to a different lock than this condition's"
        );
        ConditionWait {
            condition: self,
            phase: Phase::Start(guard),
            site: Location::caller(),
        }
    }

    /// Waits until `predicate` holds for the guarded value, returning the guard with the lock
    /// held. Checks first, so it does not wait at all if the predicate is already true.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to a different lock than this condition's.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let cond = weft_sync::Condition::new(3);
    /// block_on(async {
    ///     let guard = cond.lock().await;
    ///     let guard = cond.wait_for(guard, |n| *n == 3).await; // already true: no wait
    ///     assert_eq!(*guard, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_for<'a, F>(
        &'a self,
        mut guard: LockGuard<'a, T>,
        mut predicate: F,
    ) -> impl Future<Output = LockGuard<'a, T>>
    where
        F: FnMut(&T) -> bool,
    {
        let waits = async move {
            while !predicate(&guard) {
                guard = self.wait(guard).await;
            }
            guard
        };
        weft_coop::waiting_as(WaitKind::Condition, Location::caller(), waits)
    }

    /// Wakes up to `n` waiters, oldest first; returns how many were woken.
    ///
    /// ```
    /// let cond = weft_sync::Condition::new(());
    /// assert_eq!(cond.notify(1), 0); // nobody waiting
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        let mut wakers = WakeBatch::new();
        let mut woken = 0;
        {
            let mut list = self.waiters.lock();
            while woken < n {
                match list.notify_front(|()| {}) {
                    Some(waker) => wakers.push(waker),
                    None => break,
                }
                woken += 1;
            }
        }
        wakers.wake_all();
        woken
    }

    /// Wakes every waiter; returns how many were woken.
    ///
    /// ```
    /// let cond = weft_sync::Condition::new(());
    /// assert_eq!(cond.notify_all(), 0);
    /// ```
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }
}

impl<T: Default> Default for Condition<T> {
    /// A condition whose lock holds `T::default()`.
    ///
    /// ```
    /// let cond: weft_sync::Condition = Default::default();
    /// assert!(!cond.is_locked());
    /// ```
    fn default() -> Self {
        Condition::new(T::default())
    }
}

impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("locked", &self.is_locked())
            .field("waiters", &self.waiters.lock().waiting())
            .finish()
    }
}

/// The future returned by [`Condition::wait`]; resolves to the re-acquired guard.
///
/// ```
#[doc = doc_block_on!()]
/// use std::sync::Arc;
///
/// let cond = Arc::new(weft_sync::Condition::new(false));
/// let notifier = {
///     let cond = cond.clone();
///     std::thread::spawn(move || {
///         block_on(async { *cond.lock().await = true });
///         cond.notify_all();
///     })
/// };
/// block_on(async {
///     let mut guard = cond.lock().await;
///     while !*guard {
///         let wait: weft_sync::ConditionWait<'_, bool> = cond.wait(guard);
///         guard = wait.await;
///     }
/// });
/// notifier.join().unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ConditionWait<'a, T> {
    condition: &'a Condition<T>,
    phase: Phase<'a, T>,
    /// The caller of `wait`: the wait point while pending.
    site: &'static Location<'static>,
}

enum Phase<'a, T> {
    /// Not polled yet: still holding the caller's guard.
    Start(LockGuard<'a, T>),
    /// In the condition's wait list, lock released.
    Waiting(WaiterKey),
    /// Notified; queued for the lock again.
    Relocking(LockFuture<'a, T>),
    /// Completed (or being dropped).
    Done,
}

impl<'a, T> Future for ConditionWait<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = self.get_mut();
        let polled = this.poll_unrecorded(cx);
        weft_coop::note_pending(WaitKind::Condition, this.site, polled)
    }
}

impl<'a, T> ConditionWait<'a, T> {
    /// The poll itself; `poll` adds the wait point.
    fn poll_unrecorded(&mut self, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = self;
        let condition = this.condition;
        loop {
            match std::mem::replace(&mut this.phase, Phase::Done) {
                Phase::Start(guard) => {
                    // Enqueue before unlocking, so a notify right after the unlock finds us.
                    let key = condition.waiters.lock().push_back((), cx.waker());
                    this.phase = Phase::Waiting(key);
                    drop(guard);
                    return Poll::Pending;
                }
                Phase::Waiting(key) => {
                    let mut list = condition.waiters.lock();
                    if !list.is_notified(&key) {
                        list.register_waker(&key, cx.waker());
                        this.phase = Phase::Waiting(key);
                        return Poll::Pending;
                    }
                    list.remove(key);
                    drop(list);
                    this.phase = Phase::Relocking(condition.lock.lock());
                }
                Phase::Relocking(mut relock) => match Pin::new(&mut relock).poll(cx) {
                    Poll::Ready(guard) => return Poll::Ready(guard),
                    Poll::Pending => {
                        this.phase = Phase::Relocking(relock);
                        return Poll::Pending;
                    }
                },
                Phase::Done => panic!("ConditionWait polled after it completed"),
            }
        }
    }
}

impl<T> Drop for ConditionWait<'_, T> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Start(_) | Phase::Done => {}
            Phase::Waiting(key) => {
                let waker = {
                    let mut list = self.condition.waiters.lock();
                    if list.remove(key).notified {
                        // Notified but cancelled before running: pass the wake-up on.
                        list.notify_front(|()| {})
                    } else {
                        None
                    }
                };
                if let Some(waker) = waker {
                    crate::wake_batch::wake(waker);
                }
            }
            Phase::Relocking(relock) => {
                // Leave the lock's queue first (passing the lock on if it was granted), then
                // hand the consumed notification to the next waiter.
                drop(relock);
                self.condition.notify(1);
            }
        }
    }
}

impl<T> fmt::Debug for ConditionWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match self.phase {
            Phase::Start(_) => "start",
            Phase::Waiting(_) => "waiting",
            Phase::Relocking(_) => "relocking",
            Phase::Done => "done",
        };
        f.debug_struct("ConditionWait")
            .field("phase", &phase)
            .finish_non_exhaustive()
    }
}
