//! [`Lock`]: asyncio's `Lock`, holding the data it protects, strictly FIFO.
//!
//! A `Lock` is a one-permit [`PermitCore`] plus an `UnsafeCell`
//! for the value. Locking and unlocking without contention are one CAS each and take no
//! mutex. Under contention the unlocking guard hands the lock straight to the oldest waiter,
//! so a newcomer can never barge ahead of the queue (asyncio's rule), and a waiter that is
//! dropped after being handed the lock passes it on instead of leaking it.
//!
//! Unlike asyncio's, releasing is the guard's `Drop`: a lock cannot be released twice or by
//! someone who does not hold it (asyncio's `RuntimeError` for that case cannot arise):
//!
//! ```compile_fail
//! let lock = weft_sync::Lock::new(());
//! lock.release(); // there is no such method: drop the guard instead
//! ```

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::permits::PermitCore;
use crate::semaphore::AcquireError;
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// An async mutual-exclusion lock owning a `T`, fair in arrival order (asyncio's `Lock`).
///
/// [`lock`](Lock::lock) waits for the lock and yields a [`LockGuard`] that dereferences to
/// the value; dropping the guard unlocks. Waiters are served strictly first come, first
/// served: a caller never overtakes a queued waiter, and a waiter that is cancelled (its
/// future dropped) is skipped, or, if the lock was already handed to it, passes the lock to
/// the next waiter. `Lock` is thread-safe: tasks on any worker thread may share it.
///
/// Use `Lock` (= `Lock<()>`) as a plain asyncio-style lock, or `Lock<T>` to guard data.
///
/// ```
#[doc = doc_block_on!()]
/// use std::sync::Arc;
/// use weft_sync::Lock;
///
/// let counter = Arc::new(Lock::new(0));
/// let threads: Vec<_> = (0..4)
///     .map(|_| {
///         let counter = counter.clone();
///         std::thread::spawn(move || {
///             block_on(async {
///                 for _ in 0..100 {
///                     *counter.lock().await += 1;
///                 }
///             })
///         })
///     })
///     .collect();
/// threads.into_iter().for_each(|t| t.join().unwrap());
/// assert_eq!(*counter.try_lock().unwrap(), 400);
/// ```
pub struct Lock<T = ()> {
    permits: PermitCore,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a `LockGuard`, and the permit counter hands out
// at most one guard at a time, so sharing a `Lock` between threads only ever gives one thread
// at a time access to the `T` (it may be a different thread each time, hence `T: Send`).
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// Creates an unlocked lock holding `value`.
    ///
    /// ```
    /// let lock = weft_sync::Lock::new(vec![1, 2]);
    /// assert!(!lock.is_locked());
    /// ```
    pub fn new(value: T) -> Self {
        Lock {
            permits: PermitCore::new(1, 1),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free and this caller is first in line, then locks it.
    ///
    /// Cancel-safe: dropping the future gives up its place in line, and if the lock had
    /// already been handed to it, passes the lock on to the next waiter.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let lock = weft_sync::Lock::new(String::new());
    /// block_on(async {
    ///     lock.lock().await.push_str("hello");
    ///     assert_eq!(*lock.lock().await, "hello");
    /// });
    /// ```
    #[track_caller]
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            lock: self,
            waiter: None,
            site: Location::caller(),
        }
    }

    /// Locks without waiting, if the lock is free and nobody is queued for it.
    ///
    /// ```
    /// let lock = weft_sync::Lock::new(1);
    /// let guard = lock.try_lock().expect("nobody holds it");
    /// assert!(lock.try_lock().is_none());
    /// drop(guard);
    /// assert!(lock.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.permits
            .try_acquire(1)
            .ok()
            .map(|()| LockGuard { lock: self })
    }

    /// [`lock`](Lock::lock) on a shared lock, yielding a guard that owns a reference to it,
    /// so it can move into another task or thread. Cancel-safe like `lock`.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::Lock::new(0));
    /// let mut guard = block_on(lock.clone().lock_owned());
    /// std::thread::spawn(move || *guard += 1).join().unwrap(); // unlocked there
    /// assert_eq!(*lock.try_lock().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> OwnedLockFuture<T> {
        OwnedLockFuture {
            lock: Some(self),
            waiter: None,
            site: Location::caller(),
        }
    }

    /// [`try_lock`](Lock::try_lock) on a shared lock, yielding an [`OwnedLockGuard`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::Lock::new(1));
    /// let guard = lock.clone().try_lock_owned().expect("nobody holds it");
    /// assert!(lock.clone().try_lock_owned().is_none());
    /// drop(guard);
    /// assert!(lock.try_lock_owned().is_some());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Option<OwnedLockGuard<T>> {
        self.permits
            .try_acquire(1)
            .ok()
            .map(|()| OwnedLockGuard { lock: self })
    }

    /// Whether the lock is held (or has been handed to a waiter that has not run yet).
    ///
    /// ```
    /// let lock = weft_sync::Lock::new(());
    /// let guard = lock.try_lock().unwrap();
    /// assert!(lock.is_locked());
    /// drop(guard);
    /// assert!(!lock.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.permits.available() == 0
    }

    /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
    ///
    /// ```
    /// let mut lock = weft_sync::Lock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Consumes the lock and returns the value.
    ///
    /// ```
    /// assert_eq!(weft_sync::Lock::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: Default> Default for Lock<T> {
    /// An unlocked lock holding `T::default()`.
    ///
    /// ```
    /// let lock: weft_sync::Lock<u8> = Default::default();
    /// assert_eq!(*lock.try_lock().unwrap(), 0);
    /// ```
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> From<T> for Lock<T> {
    /// Wraps `value` in an unlocked lock.
    ///
    /// ```
    /// let lock = weft_sync::Lock::from(5);
    /// assert_eq!(*lock.try_lock().unwrap(), 5);
    /// ```
    fn from(value: T) -> Self {
        Lock::new(value)
    }
}

impl<T> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Lock::lock`]; resolves to a [`LockGuard`].
///
/// Dropping it before it completes is always safe: see [`Lock::lock`].
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let lock = weft_sync::Lock::new(());
/// let held = lock.try_lock().unwrap();
/// let mut waiting = Box::pin(lock.lock());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(waiting.as_mut().poll(&mut cx).is_pending()); // queued behind `held`
/// drop(held); // hands the lock to the queued future
/// assert!(matches!(waiting.as_mut().poll(&mut cx), Poll::Ready(_)));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct LockFuture<'a, T> {
    lock: &'a Lock<T>,
    waiter: Option<WaiterKey>,
    /// The caller of `lock`: the wait point while queued.
    site: &'static Location<'static>,
}

impl<'a, T> Future for LockFuture<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let this = self.get_mut();
        let lock = this.lock;
        let polled = lock
            .permits
            .poll_acquire(1, &mut this.waiter, cx)
            .map(never_closed);
        weft_coop::note_pending(WaitKind::Lock, this.site, polled).map(|()| LockGuard { lock })
    }
}

/// A lock's permit counter is never closed, so its acquisitions cannot fail.
fn never_closed(acquired: Result<(), AcquireError>) {
    if acquired.is_err() {
        unreachable!("a Lock's permit counter is never closed");
    }
}

impl<T> Drop for LockFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.lock.permits.cancel_acquire(key);
        }
    }
}

impl<T> fmt::Debug for LockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFuture")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// Proof of holding a [`Lock`]: dereferences to the value and unlocks when dropped.
///
/// ```
/// let lock = weft_sync::Lock::new(vec![1]);
/// {
///     let mut guard = lock.try_lock().unwrap();
///     guard.push(2);
/// } // unlocked here
/// assert_eq!(*lock.try_lock().unwrap(), [1, 2]);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, T> {
    lock: &'a Lock<T>,
}

// SAFETY: a shared `&LockGuard` only gives out `&T`, so sharing the guard between threads
// shares the value, which is sound exactly when `T: Sync`. (`Send` is derived: moving the
// guard moves exclusive access to `T`, which needs `Lock<T>: Sync`, i.e. `T: Send`.)
unsafe impl<T: Sync> Sync for LockGuard<'_, T> {}

impl<'a, T> LockGuard<'a, T> {
    /// The lock this guard holds (used by `Condition` to check a guard's origin).
    pub(crate) fn lock(guard: &Self) -> &'a Lock<T> {
        guard.lock
    }
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while its lock's single permit is taken, and every
        // access to the value goes through a guard, so no `&mut T` can exist concurrently.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow through the one
        // existing guard, so the `&mut T` is unique.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        // The guard took the lock's only permit, so the count is 0 and returning the permit
        // cannot exceed the bound of 1: the result is always `Ok`.
        let _ = self.lock.permits.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// The future returned by [`Lock::lock_owned`]; resolves to an [`OwnedLockGuard`].
///
/// Dropping it before it completes is always safe: see [`Lock::lock`].
///
/// ```
/// use std::future::Future;
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Waker};
///
/// let lock = Arc::new(weft_sync::Lock::new(()));
/// let held = lock.try_lock().unwrap();
/// let mut waiting = Box::pin(lock.clone().lock_owned());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(waiting.as_mut().poll(&mut cx).is_pending());
/// drop(held);
/// assert!(matches!(waiting.as_mut().poll(&mut cx), Poll::Ready(_)));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedLockFuture<T> {
    /// Moved into the guard on completion.
    lock: Option<Arc<Lock<T>>>,
    waiter: Option<WaiterKey>,
    /// The caller of `lock_owned`: the wait point while queued.
    site: &'static Location<'static>,
}

impl<T> Future for OwnedLockFuture<T> {
    type Output = OwnedLockGuard<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedLockGuard<T>> {
        let this = self.get_mut();
        let Some(lock) = &this.lock else {
            panic!("OwnedLockFuture polled after it completed");
        };
        let polled = lock
            .permits
            .poll_acquire(1, &mut this.waiter, cx)
            .map(never_closed);
        weft_coop::note_pending(WaitKind::Lock, this.site, polled).map(|()| OwnedLockGuard {
            // Present: checked above, and only taken here, on completion.
            lock: this.lock.take().expect("checked above"),
        })
    }
}

impl<T> Drop for OwnedLockFuture<T> {
    fn drop(&mut self) {
        if let (Some(lock), Some(key)) = (&self.lock, self.waiter.take()) {
            lock.permits.cancel_acquire(key);
        }
    }
}

impl<T> fmt::Debug for OwnedLockFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedLockFuture")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// Proof of holding a shared [`Lock`], keeping it alive: dereferences to the value and
/// unlocks when dropped. Unlike [`LockGuard`] it borrows nothing, so it can be moved into a
/// spawned task or thread.
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(weft_sync::Lock::new(vec![1]));
/// let mut guard: weft_sync::OwnedLockGuard<Vec<i32>> = lock.clone().try_lock_owned().unwrap();
/// guard.push(2);
/// drop(guard);
/// assert_eq!(*lock.try_lock().unwrap(), [1, 2]);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedLockGuard<T> {
    lock: Arc<Lock<T>>,
}

// SAFETY: as for `LockGuard`: a shared `&OwnedLockGuard` only gives out `&T`.
unsafe impl<T: Sync> Sync for OwnedLockGuard<T> {}

impl<T> OwnedLockGuard<T> {
    /// The lock this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::Lock::new(()));
    /// let guard = lock.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(weft_sync::OwnedLockGuard::lock(&guard), &lock));
    /// ```
    pub fn lock(guard: &Self) -> &Arc<Lock<T>> {
        &guard.lock
    }
}

impl<T> Deref for OwnedLockGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while its lock's single permit is taken, and every
        // access to the value goes through a guard, so no `&mut T` can exist concurrently.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for OwnedLockGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow through the one
        // existing guard, so the `&mut T` is unique.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for OwnedLockGuard<T> {
    fn drop(&mut self) {
        // The guard took the lock's only permit: returning it cannot exceed the bound of 1.
        let _ = self.lock.permits.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for OwnedLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
