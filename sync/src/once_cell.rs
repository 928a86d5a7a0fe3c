//! [`OnceCell`]: a value set at most once, by the first of many async initialisers to get
//! its turn (tokio's `OnceCell`).
//!
//! The value lives in a `std::sync::OnceLock`, whose `get` is one atomic load: reading an
//! initialised cell takes no lock. Who may initialise is decided by a one-permit
//! [`Semaphore`]: an initialiser holds the permit while its future runs, so exactly one
//! runs at a time, and the others queue for the permit in the crate's FIFO wait list. The
//! winner stores the value and then *closes* the semaphore, which completes every queued
//! initialiser at once with "closed", and each of them returns the stored value. The value
//! is always stored before the close, so "closed" always means "initialised".
//!
//! An initialiser that is cancelled (its future dropped) or returns an error drops its
//! permit, which hands the turn to the next queued initialiser: first come, first served,
//! and no turn is lost. The `OnceLock` itself never blocks, because only the permit holder
//! ever writes to it.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::OnceLock;

use crate::Semaphore;
use weft_coop::WaitKind;

/// A cell written at most once, by whichever async initialiser gets its turn first; every
/// caller then reads the same value (tokio's `OnceCell`).
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// async fn config() -> &'static str {
///     CONFIG.get_or_init(|| async { "loaded once".to_string() }).await
/// }
///
/// block_on(async {
///     assert_eq!(config().await, "loaded once");
///     assert_eq!(config().await, "loaded once"); // the initialiser ran once
/// });
/// ```
pub struct OnceCell<T> {
    value: OnceLock<T>,
    /// One permit: the turn to initialise. Closed once the value is stored.
    turn: Semaphore,
}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    pub fn new() -> Self {
        OnceCell {
            value: OnceLock::new(),
            turn: Semaphore::new(1),
        }
    }

    /// An empty cell, usable in a `static`.
    ///
    /// ```
    /// static CELL: weft_sync::OnceCell<u32> = weft_sync::OnceCell::const_new();
    /// assert_eq!(CELL.get(), None);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        OnceCell {
            value: OnceLock::new(),
            turn: Semaphore::const_new(1),
        }
    }

    /// A cell holding `value` if it is `Some`, empty otherwise.
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::new_with(Some(3));
    /// assert_eq!(cell.get(), Some(&3));
    /// assert!(weft_sync::OnceCell::<u8>::new_with(None).get().is_none());
    /// ```
    pub fn new_with(value: Option<T>) -> Self {
        let cell = OnceCell::new();
        if let Some(value) = value {
            // A fresh cell: nobody else can be initialising it.
            let _ = cell.value.set(value);
            cell.turn.close();
        }
        cell
    }

    /// The value, if the cell is initialised. Never waits.
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(1).unwrap();
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Whether the cell holds a value.
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::new();
    /// cell.set("x").unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// Stores `value` if the cell is empty and no initialiser is running; otherwise gives
    /// `value` back in the error, which says which of the two it was.
    ///
    /// ```
    /// use weft_sync::{OnceCell, SetError};
    /// let cell = OnceCell::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.turn.try_acquire() {
            Ok(permit) => {
                self.store(value);
                drop(permit);
                Ok(())
            }
            // Closed only after a value was stored.
            Err(crate::TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
            Err(crate::TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, initialising it first with `f().await` if the cell is empty.
    ///
    /// If another initialiser is running, this waits for it (FIFO, behind any other
    /// waiters). If that one stores a value, this returns it without running `f`; if it is
    /// cancelled, the next waiter in line runs its own initialiser. Exactly one initialiser
    /// runs at a time.
    ///
    /// Cancel-safe: dropping the future while it waits gives up its place in line; dropping
    /// it while `f`'s future runs abandons that attempt and hands the turn to the next
    /// waiter. The cell is never left half-initialised.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let cell = weft_sync::OnceCell::new();
    /// block_on(async {
    ///     assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
    ///     assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1); // not run again
    /// });
    /// ```
    #[track_caller]
    pub fn get_or_init<'a, F, Fut>(&'a self, f: F) -> impl Future<Output = &'a T> + 'a
    where
        F: FnOnce() -> Fut + 'a,
        Fut: Future<Output = T> + 'a,
    {
        let site = Location::caller();
        async move {
            let initialised = self
                .get_or_try_init_at(site, || async {
                    Ok::<T, std::convert::Infallible>(f().await)
                })
                .await;
            match initialised {
                Ok(value) => value,
                Err(never) => match never {},
            }
        }
    }

    /// [`get_or_init`](OnceCell::get_or_init) with a fallible initialiser: an `Err` is
    /// returned to this caller, the cell stays empty, and the next waiter in line tries its
    /// own initialiser.
    ///
    /// Cancel-safe in the same way as `get_or_init`.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let cell = weft_sync::OnceCell::new();
    /// block_on(async {
    ///     let failed = cell.get_or_try_init(|| async { Err("offline") }).await;
    ///     assert_eq!(failed, Err("offline"));
    ///     assert!(!cell.initialized()); // the next caller tries again
    ///     let ok = cell.get_or_try_init(|| async { Ok::<_, &str>(7) }).await;
    ///     assert_eq!(ok, Ok(&7));
    /// });
    /// ```
    #[track_caller]
    pub fn get_or_try_init<'a, E, F, Fut>(
        &'a self,
        f: F,
    ) -> impl Future<Output = Result<&'a T, E>> + 'a
    where
        F: FnOnce() -> Fut + 'a,
        Fut: Future<Output = Result<T, E>> + 'a,
        E: 'a,
    {
        self.get_or_try_init_at(Location::caller(), f)
    }

    /// The body of both `get_or_*init`, with the caller's site captured.
    async fn get_or_try_init_at<E, F, Fut>(
        &self,
        site: &'static Location<'static>,
        f: F,
    ) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.value.get() {
            return Ok(value);
        }
        let turn = weft_coop::waiting_as(WaitKind::OnceCell, site, self.turn.acquire()).await;
        match turn {
            Ok(permit) => {
                // Holding the only permit: nobody else can store meanwhile, and the
                // semaphore is open, so the cell is still empty.
                let value = f().await?;
                let value = self.store(value);
                drop(permit);
                Ok(value)
            }
            Err(_closed) => match self.value.get() {
                Some(value) => Ok(value),
                // The semaphore is closed only after a value was stored (`store`).
                None => unreachable!("OnceCell closed without a value"),
            },
        }
    }

    /// Stores `value` (the caller holds the turn), then closes the turn so every queued
    /// initialiser wakes up to read it.
    fn store(&self, value: T) -> &T {
        let value = self.value.get_or_init(|| value);
        self.turn.close();
        value
    }

    /// Empties the cell, returning the value if there was one. `&mut self` proves no
    /// initialiser is running.
    ///
    /// ```
    /// let mut cell = weft_sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(!cell.initialized());
    /// cell.set(2).unwrap(); // usable again
    /// ```
    pub fn take(&mut self) -> Option<T> {
        let value = self.value.take();
        self.turn = Semaphore::new(1);
        value
    }

    /// Consumes the cell and returns the value, if there was one.
    ///
    /// ```
    /// assert_eq!(weft_sync::OnceCell::new_with(Some("v")).into_inner(), Some("v"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }
}

impl<T> Default for OnceCell<T> {
    /// An empty cell.
    ///
    /// ```
    /// let cell: weft_sync::OnceCell<u8> = Default::default();
    /// assert!(cell.get().is_none());
    /// ```
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    /// A new cell holding a clone of the value, or empty (even if an initialiser is
    /// running on the original).
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::new_with(Some(vec![1]));
    /// assert_eq!(cell.clone().get(), Some(&vec![1]));
    /// ```
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T> From<T> for OnceCell<T> {
    /// An initialised cell.
    ///
    /// ```
    /// assert_eq!(weft_sync::OnceCell::from(4).get(), Some(&4));
    /// ```
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

/// Why [`OnceCell::set`] refused a value; each variant gives the value back.
///
/// ```
/// use weft_sync::{OnceCell, SetError};
/// let cell = OnceCell::new_with(Some(1));
/// let err = cell.set(2).unwrap_err();
/// assert!(err.is_already_init_err());
/// assert_eq!(err.to_string(), "the OnceCell already holds a value: read it with get()");
/// assert_eq!(err.into_inner(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// An initialiser (`get_or_init`) is running right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::from(1);
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initialiser was running.
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::from(1);
    /// assert!(!cell.set(2).unwrap_err().is_initializing_err());
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }

    /// The value that was not stored.
    ///
    /// ```
    /// let cell = weft_sync::OnceCell::from(1);
    /// assert_eq!(cell.set(5).unwrap_err().into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SetError::AlreadyInitializedError(value) | SetError::InitializingError(value) => value,
        }
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => {
                f.write_str("the OnceCell already holds a value: read it with get()")
            }
            SetError::InitializingError(_) => f.write_str(
                "an initialiser is running on the OnceCell: await get_or_init() to get its value",
            ),
        }
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}
