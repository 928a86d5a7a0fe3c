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

/// Under loom, a yield: a loop waiting on another thread must let loom schedule it.
#[cfg(loom)]
pub(crate) use loom::hint::spin_loop;
#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence};
#[cfg(loom)]
pub(crate) use loom_rwlock::{RwLock, RwLockReadGuard};
#[cfg(loom)]
pub(crate) use weft_coop::loom_shim::Mutex;
/// `std`'s `UnsafeCell` with loom's closure API, loom's own under `--cfg loom`.
pub(crate) use weft_coop::loom_shim::UnsafeCell;

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
