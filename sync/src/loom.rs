//! The concurrency building blocks of this crate, swapped for loom's under `--cfg loom`.
//!
//! Every atomic, fence, `UnsafeCell`, mutex, read-write lock and `Arc` the primitives use
//! comes from here, never from `std` or `parking_lot` directly. A normal build gets `parking_lot::Mutex` and
//! `RwLock` (one CAS to lock, one to unlock, no poisoning) and the `std` atomics; a
//! `RUSTFLAGS="--cfg loom"` build gets loom's model-checked twins behind the same names and
//! signatures, so the loom models in `loom_model` exercise the very code that ships rather
//! than a copy of it.

#[cfg(not(loom))]
pub(crate) use parking_lot::Mutex;
#[cfg(not(loom))]
pub(crate) use parking_lot::{RwLock, RwLockReadGuard};
#[cfg(not(loom))]
pub(crate) use std::hint::spin_loop;
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
#[cfg(not(loom))]
pub(crate) use std_cell::UnsafeCell;

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;
/// Under loom, a yield: a loop waiting on another thread must let loom schedule it.
#[cfg(loom)]
pub(crate) use loom::hint::spin_loop;
#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
#[cfg(loom)]
pub(crate) use loom_mutex::Mutex;
#[cfg(loom)]
pub(crate) use loom_rwlock::{RwLock, RwLockReadGuard};

#[cfg(not(loom))]
mod std_cell {
    /// `std`'s `UnsafeCell` with loom's closure API (`with`, `with_mut`), so code written
    /// against it compiles under both: loom's twin checks every access for a data race.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Runs `f` with a pointer for reading.
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a pointer for writing.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(loom)]
mod loom_mutex {
    /// loom's mutex with `parking_lot`'s signature: `lock` returns the guard directly.
    ///
    /// Nothing in this crate panics while holding a lock on a path that could be observed
    /// afterwards, so poisoning carries no information and is unwrapped away.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            match self.0.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            }
        }
    }
}

#[cfg(loom)]
mod loom_rwlock {
    pub(crate) use loom::sync::RwLockReadGuard;

    /// loom's read-write lock with `parking_lot`'s signature (no poisoning, as for `Mutex`).
    #[derive(Debug)]
    pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);

    impl<T> RwLock<T> {
        pub(crate) fn new(value: T) -> Self {
            RwLock(loom::sync::RwLock::new(value))
        }

        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            match self.0.read() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            }
        }

        pub(crate) fn write(&self) -> loom::sync::RwLockWriteGuard<'_, T> {
            match self.0.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            }
        }
    }
}
