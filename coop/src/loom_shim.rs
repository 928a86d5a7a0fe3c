//! The loom-switchable building blocks every weft crate's `loom` module re-exports: an
//! `UnsafeCell` with loom's closure API and (under `--cfg loom`) loom's mutex with
//! `parking_lot`'s infallible `lock`. One copy here instead of one per crate; not an API.

#[cfg(loom)]
pub use loom::cell::UnsafeCell;
#[cfg(loom)]
pub use loom_mutex::Mutex;
#[cfg(not(loom))]
pub use std_cell::UnsafeCell;

#[cfg(not(loom))]
mod std_cell {
    /// `std`'s `UnsafeCell` with loom's closure API (`with`, `with_mut`), so code written
    /// against it compiles under both: loom's twin checks every access for a data race.
    #[derive(Debug)]
    pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// A cell holding `value`.
        pub const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Runs `f` with a pointer for reading.
        #[inline(always)]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a pointer for writing.
        #[inline(always)]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(loom)]
mod loom_mutex {
    /// loom's mutex with `parking_lot`'s signature: `lock` returns the guard directly.
    ///
    /// No weft crate panics while holding a lock on a path that could be observed
    /// afterwards, so poisoning carries no information and is unwrapped away.
    #[derive(Debug)]
    pub struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        /// A mutex holding `value`.
        pub fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        /// Locks, waiting (as loom schedules it) for the holder to unlock.
        pub fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            match self.0.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            }
        }
    }
}
