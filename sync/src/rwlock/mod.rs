//! [`RwLock`]: an async reader-writer lock holding the data it protects, fair in arrival
//! order (tokio's `RwLock` API).
//!
//! The lock is a [`RawRwLock`] (one atomic state word plus the crate's wait
//! list, `raw.rs`) beside an `UnsafeCell` for the value. Uncontended, each of read lock, read
//! unlock, write lock and write unlock is one atomic read-modify-write and takes no mutex,
//! which is what a read-mostly workload spends its time on. Under contention waiters queue
//! strictly FIFO, readers and writers alike:
//!
//! * a queued writer blocks readers that arrive after it, so writers cannot starve;
//! * when a writer leaves, every reader queued at the head (up to the next queued writer) is
//!   admitted together;
//! * [`RwLockWriteGuard::downgrade`] turns write access into read access with no gap a writer
//!   could slip through, admitting the readers at the head alongside.
//!
//! Cancel safety follows the crate's rule: a waiter dropped before its turn just leaves the
//! queue (and if it was a writer holding readers back, they go in); one dropped after it
//! was admitted unlocks what it was given, which admits the next in line.
//!
//! The files: `raw.rs` (the state word and queue), `acquire.rs` (the one future behind every
//! way of locking), `guard.rs` (the four guards), `error.rs` ([`TryLockError`]).

mod acquire;
mod error;
mod guard;
mod raw;

#[cfg(all(test, loom))]
mod loom_model;

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use acquire::Acquisition;
use raw::{Access, RawRwLock};

pub use error::TryLockError;
pub use guard::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLockReadGuard, RwLockWriteGuard};

/// An async reader-writer lock owning a `T`: many readers or one writer at a time, served
/// in arrival order (tokio's `RwLock`).
///
/// [`read`](RwLock::read) waits for shared access and yields an [`RwLockReadGuard`];
/// [`write`](RwLock::write) waits for exclusive access and yields an [`RwLockWriteGuard`].
/// Dropping a guard unlocks. Waiters are served first come, first served: a reader never
/// overtakes a queued writer, and readers queued together are admitted together. Every
/// waiting method is cancel-safe (see [`read`](RwLock::read)). `RwLock` is thread-safe:
/// tasks on any worker thread, and plain threads through
/// [`blocking_read`](RwLock::blocking_read)/[`blocking_write`](RwLock::blocking_write),
/// may share it.
///
/// ```
#[doc = doc_block_on!()]
/// use std::sync::Arc;
/// use weft_sync::RwLock;
///
/// let config = Arc::new(RwLock::new(String::from("v1")));
/// let readers: Vec<_> = (0..4)
///     .map(|_| {
///         let config = config.clone();
///         std::thread::spawn(move || block_on(async { config.read().await.len() }))
///     })
///     .collect();
/// block_on(async { config.write().await.push_str("+patch") });
/// for reader in readers {
///     let len = reader.join().unwrap();
///     assert!(len == 2 || len == 8); // each saw the value before or after the write
/// }
/// assert_eq!(*config.try_read().unwrap(), "v1+patch");
/// ```
pub struct RwLock<T> {
    raw: RawRwLock,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through guards. Read guards, possibly on several
// threads at once, give out `&T` (so `T: Sync`); the one write guard gives out `&mut T`,
// possibly on another thread than the last writer's (so `T: Send`). The state word admits
// either readers or one writer, never both.
unsafe impl<T: Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock holding `value`.
    ///
    /// ```
    /// let lock = weft_sync::RwLock::new(5);
    /// assert_eq!(*lock.try_read().unwrap(), 5);
    /// ```
    pub fn new(value: T) -> Self {
        RwLock {
            raw: RawRwLock::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// Waits for shared read access, in arrival order: behind any queued writer.
    ///
    /// Cancel-safe: dropping the future gives up its place in line, and if read access had
    /// already been granted to it, gives that up too (admitting a writer it was holding
    /// back).
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let lock = weft_sync::RwLock::new(1);
    /// block_on(async {
    ///     let a = lock.read().await;
    ///     let b = lock.read().await; // readers share the lock
    ///     assert_eq!(*a + *b, 2);
    /// });
    /// ```
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> {
        Acquisition::new(self, Access::Read, Location::caller(), |lock| {
            RwLockReadGuard { lock }
        })
    }

    /// Waits for exclusive write access, in arrival order.
    ///
    /// Cancel-safe: dropping the future gives up its place in line (letting readers queued
    /// behind it in, if the lock allows), and if write access had already been granted to
    /// it, passes the lock on to the next in line.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let lock = weft_sync::RwLock::new(vec![1]);
    /// block_on(async {
    ///     lock.write().await.push(2);
    ///     assert_eq!(*lock.read().await, [1, 2]);
    /// });
    /// ```
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> {
        Acquisition::new(self, Access::Write, Location::caller(), |lock| {
            RwLockWriteGuard { lock }
        })
    }

    /// [`read`](RwLock::read) on a shared lock, yielding a guard that owns a reference to
    /// it, so it can move into another task or thread. Cancel-safe like `read`.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(2));
    /// let guard = block_on(lock.clone().read_owned());
    /// assert_eq!(std::thread::spawn(move || *guard).join().unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        Acquisition::new(
            self,
            Access::Read,
            Location::caller(),
            OwnedRwLockReadGuard::new,
        )
    }

    /// [`write`](RwLock::write) on a shared lock, yielding a guard that owns a reference to
    /// it, so it can move into another task or thread. Cancel-safe like `write`.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(0));
    /// let mut guard = block_on(lock.clone().write_owned());
    /// std::thread::spawn(move || *guard += 1).join().unwrap();
    /// assert_eq!(*lock.try_read().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        Acquisition::new(
            self,
            Access::Write,
            Location::caller(),
            OwnedRwLockWriteGuard::new,
        )
    }

    /// Read access without waiting, if no writer holds the lock and nobody is queued.
    ///
    /// ```
    /// let lock = weft_sync::RwLock::new(1);
    /// let read = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// drop(read);
    /// assert!(lock.try_write().is_ok());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        if self.raw.try_read() {
            Ok(RwLockReadGuard { lock: self })
        } else {
            Err(TryLockError(()))
        }
    }

    /// Write access without waiting, if nobody holds the lock and nobody is queued.
    ///
    /// ```
    /// let lock = weft_sync::RwLock::new(1);
    /// *lock.try_write().unwrap() = 2;
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        if self.raw.try_write() {
            Ok(RwLockWriteGuard { lock: self })
        } else {
            Err(TryLockError(()))
        }
    }

    /// [`try_read`](RwLock::try_read) on a shared lock, yielding an owned guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(1));
    /// let guard = lock.clone().try_read_owned().unwrap();
    /// assert_eq!(*guard, 1);
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        if self.raw.try_read() {
            Ok(OwnedRwLockReadGuard::new(self))
        } else {
            Err(TryLockError(()))
        }
    }

    /// [`try_write`](RwLock::try_write) on a shared lock, yielding an owned guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(1));
    /// let guard = lock.clone().try_write_owned().unwrap();
    /// assert!(lock.try_read().is_err());
    /// drop(guard);
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        if self.raw.try_write() {
            Ok(OwnedRwLockWriteGuard::new(self))
        } else {
            Err(TryLockError(()))
        }
    }

    /// Read access for a plain thread: parks the thread in the same FIFO as the tasks.
    ///
    /// # Panics
    ///
    /// On a weft worker thread, which parking would stall: `.await` [`read`](RwLock::read)
    /// there instead.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(1));
    /// let reader = {
    ///     let lock = lock.clone();
    ///     std::thread::spawn(move || *lock.blocking_read())
    /// };
    /// assert_eq!(reader.join().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        let read = Acquisition::new(self, Access::Read, Location::caller(), |lock| {
            RwLockReadGuard { lock }
        });
        crate::block_on::block_on("RwLock::blocking_read", read)
    }

    /// Write access for a plain thread: parks the thread in the same FIFO as the tasks.
    ///
    /// # Panics
    ///
    /// On a weft worker thread, which parking would stall: `.await` [`write`](RwLock::write)
    /// there instead.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(weft_sync::RwLock::new(1));
    /// let writer = {
    ///     let lock = lock.clone();
    ///     std::thread::spawn(move || *lock.blocking_write() += 1)
    /// };
    /// writer.join().unwrap();
    /// assert_eq!(*lock.blocking_read(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        let write = Acquisition::new(self, Access::Write, Location::caller(), |lock| {
            RwLockWriteGuard { lock }
        });
        crate::block_on::block_on("RwLock::blocking_write", write)
    }

    /// Mutable access without locking: `&mut self` proves nobody else can hold the lock.
    ///
    /// ```
    /// let mut lock = weft_sync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Consumes the lock and returns the value.
    ///
    /// ```
    /// assert_eq!(weft_sync::RwLock::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: Default> Default for RwLock<T> {
    /// An unlocked lock holding `T::default()`.
    ///
    /// ```
    /// let lock: weft_sync::RwLock<u8> = Default::default();
    /// assert_eq!(*lock.try_read().unwrap(), 0);
    /// ```
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    /// Wraps `value` in an unlocked lock.
    ///
    /// ```
    /// let lock = weft_sync::RwLock::from(5);
    /// assert_eq!(*lock.try_read().unwrap(), 5);
    /// ```
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLock<T> {
    /// Shows the value if it can be read right now, as `std`'s `RwLock` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.field("readers", &self.raw.readers())
            .field("write_locked", &self.raw.write_locked())
            .finish()
    }
}
