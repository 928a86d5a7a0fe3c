//! The four guards of an [`RwLock`]: read and write, borrowed and owned.
//!
//! Each guard is proof of the access it names; dropping it unlocks. A write guard can be
//! [downgraded](RwLockWriteGuard::downgrade) to a read guard without unlocking in between.
//! The owned guards keep an `Arc` to the lock, so they borrow nothing and can move into a
//! spawned task or thread; they share one private holder that unlocks according to the
//! access it currently holds, which is how an owned downgrade moves the `Arc` across
//! without `unsafe`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::RwLock;
use super::raw::Access;

/// Shared read access to an [`RwLock`]'s value; unlocks when dropped.
///
/// ```
/// let lock = weft_sync::RwLock::new(5);
/// let a = lock.try_read().unwrap();
/// let b = lock.try_read().unwrap(); // readers share the lock
/// assert_eq!(*a + *b, 10);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    pub(super) lock: &'a RwLock<T>,
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while a read lock is held, which excludes writers,
        // so no `&mut T` can exist while this `&T` does.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.read_unlock();
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Exclusive write access to an [`RwLock`]'s value; unlocks when dropped.
///
/// ```
/// let lock = weft_sync::RwLock::new(vec![1]);
/// lock.try_write().unwrap().push(2);
/// assert_eq!(*lock.try_read().unwrap(), [1, 2]);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    pub(super) lock: &'a RwLock<T>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    /// Turns write access into read access atomically: no writer can take the lock in
    /// between, and readers queued at the head (not behind a queued writer) are let in
    /// alongside.
    ///
    /// ```
    /// let lock = weft_sync::RwLock::new(1);
    /// let mut write = lock.try_write().unwrap();
    /// *write += 1;
    /// let read = write.downgrade();
    /// assert!(lock.try_write().is_err()); // still locked, for reading
    /// assert_eq!((*read, *lock.try_read().unwrap()), (2, 2));
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let lock = self.lock;
        // The write lock becomes the read lock below: this guard must not unlock it. It
        // holds only a reference, so forgetting it leaks nothing.
        std::mem::forget(self);
        lock.raw.downgrade();
        RwLockReadGuard { lock }
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while the write lock is held, which excludes every
        // other guard, so nothing else can reach the value meanwhile.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow through the one
        // write guard, so the `&mut T` is unique.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.write_unlock();
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// An owned guard's `Arc` and the access it holds, which its `Drop` gives back.
struct Held<T> {
    lock: Arc<RwLock<T>>,
    access: Access,
}

impl<T> Drop for Held<T> {
    fn drop(&mut self) {
        match self.access {
            Access::Read => self.lock.raw.read_unlock(),
            Access::Write => self.lock.raw.write_unlock(),
        }
    }
}

/// Shared read access to a shared [`RwLock`], keeping it alive; unlocks when dropped.
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(weft_sync::RwLock::new(3));
/// let guard: weft_sync::OwnedRwLockReadGuard<i32> = lock.clone().try_read_owned().unwrap();
/// let sum = std::thread::spawn(move || *guard * 2).join().unwrap();
/// assert_eq!(sum, 6);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T> {
    held: Held<T>,
}

impl<T> OwnedRwLockReadGuard<T> {
    pub(super) fn new(lock: Arc<RwLock<T>>) -> Self {
        OwnedRwLockReadGuard {
            held: Held {
                lock,
                access: Access::Read,
            },
        }
    }

    /// The lock this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(()));
    /// let guard = lock.clone().try_read_owned().unwrap();
    /// assert!(Arc::ptr_eq(weft_sync::OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(guard: &Self) -> &Arc<RwLock<T>> {
        &guard.held.lock
    }
}

impl<T> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: as for `RwLockReadGuard`: a read lock is held while the guard exists.
        unsafe { &*self.held.lock.value.get() }
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Exclusive write access to a shared [`RwLock`], keeping it alive; unlocks when dropped.
///
/// ```
/// use std::sync::Arc;
/// let lock = Arc::new(weft_sync::RwLock::new(0));
/// let mut guard: weft_sync::OwnedRwLockWriteGuard<i32> =
///     lock.clone().try_write_owned().unwrap();
/// std::thread::spawn(move || *guard = 7).join().unwrap();
/// assert_eq!(*lock.try_read().unwrap(), 7);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T> {
    held: Held<T>,
}

impl<T> OwnedRwLockWriteGuard<T> {
    pub(super) fn new(lock: Arc<RwLock<T>>) -> Self {
        OwnedRwLockWriteGuard {
            held: Held {
                lock,
                access: Access::Write,
            },
        }
    }

    /// Turns write access into read access atomically, as
    /// [`RwLockWriteGuard::downgrade`] does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(1));
    /// let mut write = lock.clone().try_write_owned().unwrap();
    /// *write = 2;
    /// let read = write.downgrade();
    /// assert!(lock.try_write().is_err());
    /// assert_eq!(*read, 2);
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let mut held = self.held;
        held.lock.raw.downgrade();
        held.access = Access::Read;
        OwnedRwLockReadGuard { held }
    }

    /// The lock this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(()));
    /// let guard = lock.clone().try_write_owned().unwrap();
    /// assert!(Arc::ptr_eq(weft_sync::OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(guard: &Self) -> &Arc<RwLock<T>> {
        &guard.held.lock
    }
}

impl<T> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: as for `RwLockWriteGuard`: the write lock is held while the guard exists.
        unsafe { &*self.held.lock.value.get() }
    }
}

impl<T> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `RwLockWriteGuard::deref_mut`: one write guard, borrowed mutably.
        unsafe { &mut *self.held.lock.value.get() }
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
