//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's counting semaphores, FIFO and cancel-safe.
//!
//! Both are thin faces over the shared [`PermitCore`](crate::permits::PermitCore): taking a
//! free permit is one CAS, releasing with nobody queued is one CAS, and a release with
//! waiters hands the permit straight to the oldest one. That hand-off is what makes the
//! semaphore fair and cancel-safe: a newcomer never takes a permit a waiter was promised, a
//! waiter cancelled before its turn consumes nothing, and a waiter cancelled after it was
//! granted a permit passes it on. The two types differ only in the bound: a `Semaphore`
//! accepts any number of [`release`](Semaphore::release) calls, a `BoundedSemaphore` refuses
//! one that would raise its value above the initial value ([`OverReleaseError`]).
//!
//! [`acquire`](Semaphore::acquire) yields a [`Permit`] that releases itself on drop. For
//! asyncio's manual `acquire()`/`release()` style, [`Permit::forget`] the permit and call
//! `release` later.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::permits::{MAX_PERMITS, PermitCore};
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// An async counting semaphore (asyncio's `Semaphore`), FIFO fair and thread-safe.
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::Semaphore;
///
/// // At most two downloads at a time.
/// let slots = Semaphore::new(2);
/// block_on(async {
///     let a = slots.acquire().await;
///     let _b = slots.acquire().await;
///     assert!(slots.locked());
///     drop(a); // a finished download frees its slot
///     assert_eq!(slots.available_permits(), 1);
/// });
/// ```
pub struct Semaphore {
    permits: PermitCore,
}

impl Semaphore {
    /// The largest number of permits a semaphore can hold (`usize::MAX / 2`).
    ///
    /// ```
    /// assert_eq!(weft_sync::Semaphore::MAX_PERMITS, usize::MAX >> 1);
    /// ```
    pub const MAX_PERMITS: usize = MAX_PERMITS;

    /// Creates a semaphore holding `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "Semaphore::new: {permits} permits exceeds Semaphore::MAX_PERMITS"
        );
        Semaphore {
            permits: PermitCore::new(permits, MAX_PERMITS),
        }
    }

    /// Waits for a permit, in arrival order.
    ///
    /// Cancel-safe: a dropped `acquire` never consumes a permit; one that was already
    /// granted a permit passes it to the next waiter.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let sem = weft_sync::Semaphore::new(1);
    /// block_on(async {
    ///     let permit = sem.acquire().await;
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(&self.permits)
    }

    /// Takes a permit without waiting, if one is free and nobody is queued for it.
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// drop(permit);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        Permit::try_take(&self.permits)
    }

    /// Adds one permit, handing it to the oldest waiter if there is one.
    ///
    /// # Panics
    ///
    /// If the count would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn release(&self) {
        if self.permits.release().is_err() {
            panic!("Semaphore::release: the permit count would exceed Semaphore::MAX_PERMITS");
        }
    }

    /// Permits free right now (asyncio's `_value`).
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(2);
    /// let _p = sem.try_acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// Whether an `acquire` would have to wait: no permit is free (asyncio's `locked()`;
    /// while anyone is queued the count is always zero).
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(1);
    /// assert!(!sem.locked());
    /// let _p = sem.try_acquire();
    /// assert!(sem.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

/// A semaphore that refuses to be released above its initial value (asyncio's
/// `BoundedSemaphore`).
///
/// ```
/// let sem = weft_sync::BoundedSemaphore::new(1);
/// let permit = sem.try_acquire().unwrap();
/// permit.forget(); // asyncio style: release by hand later
/// assert!(sem.release().is_ok());
/// assert!(sem.release().is_err()); // would exceed the initial value
/// ```
pub struct BoundedSemaphore {
    permits: PermitCore,
}

impl BoundedSemaphore {
    /// Creates a semaphore holding `value` permits, which is also its upper bound.
    ///
    /// # Panics
    ///
    /// If `value` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn new(value: usize) -> Self {
        assert!(
            value <= MAX_PERMITS,
            "BoundedSemaphore::new: {value} permits exceeds Semaphore::MAX_PERMITS"
        );
        BoundedSemaphore {
            permits: PermitCore::new(value, value),
        }
    }

    /// Waits for a permit, in arrival order; cancel-safe like [`Semaphore::acquire`].
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let sem = weft_sync::BoundedSemaphore::new(1);
    /// block_on(async {
    ///     let _permit = sem.acquire().await;
    ///     assert!(sem.locked());
    /// });
    /// assert!(!sem.locked());
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(&self.permits)
    }

    /// Takes a permit without waiting, if one is free and nobody is queued for it.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(1);
    /// let _permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        Permit::try_take(&self.permits)
    }

    /// Adds one permit, unless that would raise the value above the initial value.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(1);
    /// let err = sem.release().unwrap_err();
    /// assert_eq!(err.bound(), 1);
    /// ```
    pub fn release(&self) -> Result<(), OverReleaseError> {
        self.permits.release().map_err(|_| OverReleaseError {
            bound: self.permits.bound(),
        })
    }

    /// Permits free right now.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// Whether an `acquire` would have to wait.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(0);
    /// assert!(sem.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.permits.available() == 0
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available_permits", &self.available_permits())
            .field("bound", &self.permits.bound())
            .finish()
    }
}

/// The future returned by [`Semaphore::acquire`] and [`BoundedSemaphore::acquire`].
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let sem = weft_sync::Semaphore::new(0);
/// let mut acquire = Box::pin(sem.acquire());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(acquire.as_mut().poll(&mut cx).is_pending());
/// sem.release(); // handed straight to the queued acquire
/// assert!(acquire.as_mut().poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    permits: &'a PermitCore,
    waiter: Option<WaiterKey>,
    /// The caller of `acquire`: the wait point while queued.
    site: &'static Location<'static>,
}

impl<'a> Acquire<'a> {
    #[track_caller]
    fn new(permits: &'a PermitCore) -> Acquire<'a> {
        Acquire {
            permits,
            waiter: None,
            site: Location::caller(),
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let this = self.get_mut();
        let permits = this.permits;
        let polled = permits.poll_acquire(&mut this.waiter, cx);
        weft_coop::note_pending(WaitKind::Semaphore, this.site, polled).map(|()| Permit { permits })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.permits.cancel_acquire(key);
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// One permit of a [`Semaphore`] or [`BoundedSemaphore`]; released when dropped.
///
/// A permit dropped into a `BoundedSemaphore` that is already back at its initial value
/// (because someone released by hand meanwhile) is discarded, keeping the bound.
///
/// ```
/// let sem = weft_sync::Semaphore::new(1);
/// let permit = sem.try_acquire().unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct Permit<'a> {
    permits: &'a PermitCore,
}

impl<'a> Permit<'a> {
    /// A permit taken without waiting, if one is free and nobody is queued for it.
    fn try_take(permits: &'a PermitCore) -> Option<Permit<'a>> {
        permits.try_acquire().then_some(Permit { permits })
    }
}

impl Permit<'_> {
    /// Consumes the permit without releasing it: the semaphore's count stays lower until
    /// someone calls `release` (asyncio's manual `acquire()`/`release()` pairing).
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // Err only for a bounded semaphore that was over-released by hand meanwhile:
        // discarding this permit is what keeps it within its bound.
        let _ = self.permits.release();
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// [`BoundedSemaphore::release`] was called when the value was already at its initial value
/// (asyncio raises `ValueError`).
///
/// ```
/// let sem = weft_sync::BoundedSemaphore::new(2);
/// let err = sem.release().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "BoundedSemaphore released too many times: its value may not exceed its initial value of 2"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverReleaseError {
    bound: usize,
}

impl OverReleaseError {
    /// The semaphore's initial value, which a release may not exceed.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(4);
    /// assert_eq!(sem.release().unwrap_err().bound(), 4);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl fmt::Display for OverReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times: its value may not exceed its initial value of {}",
            self.bound
        )
    }
}

impl Error for OverReleaseError {}
