//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's counting semaphores with tokio's API,
//! FIFO and cancel-safe.
//!
//! Both are thin faces over the shared [`PermitCore`]: taking
//! free permits is one CAS, releasing with nobody queued is one CAS, and a release with
//! waiters hands the permits straight to the oldest ones. That hand-off is what makes the
//! semaphore fair and cancel-safe: a newcomer never takes a permit a waiter was promised, a
//! waiter cancelled before its turn consumes nothing, and a waiter cancelled after it was
//! granted passes its permits on. A request for many permits at the head of the queue holds
//! back later small requests until it is served, so big requests are never starved. The two
//! types differ only in the bound: a `Semaphore` accepts any number of
//! [`release`](Semaphore::release) calls, a `BoundedSemaphore` refuses one that would raise
//! its value above the initial value ([`OverReleaseError`]).
//!
//! Acquiring yields a [`Permit`] (or, from an `Arc<Semaphore>`, an [`OwnedPermit`] that can
//! move into a spawned task) that releases itself on drop. For asyncio's manual
//! `acquire()`/`release()` style, [`Permit::forget`] the permit and call `release` later.
//!
//! Acquiring returns a `Result`, as tokio's does: after [`close`](Semaphore::close) every
//! queued and later acquire fails with [`AcquireError`], which lets a semaphore double as a
//! "no more work" signal for the tasks waiting on it.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::permits::{MAX_PERMITS, PermitCore};
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// An async counting semaphore (asyncio's `Semaphore`, tokio's API), FIFO fair and
/// thread-safe.
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::Semaphore;
///
/// // At most two downloads at a time.
/// let slots = Semaphore::new(2);
/// block_on(async {
///     let a = slots.acquire().await.unwrap();
///     let _b = slots.acquire().await.unwrap();
///     assert!(slots.locked());
///     drop(a); // a finished download frees its slot
///     assert_eq!(slots.available_permits(), 1);
/// });
/// ```
pub struct Semaphore {
    permits: PermitCore,
}

impl Semaphore {
    /// The largest number of permits a semaphore can hold (`usize::MAX / 4`).
    ///
    /// ```
    /// assert_eq!(weft_sync::Semaphore::MAX_PERMITS, usize::MAX >> 2);
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

    /// [`new`](Semaphore::new) usable in a `const` or `static`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`] (at compile time in a `const`).
    ///
    /// ```
    /// static SLOTS: weft_sync::Semaphore = weft_sync::Semaphore::const_new(4);
    /// assert_eq!(SLOTS.available_permits(), 4);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "Semaphore::const_new: the permit count exceeds Semaphore::MAX_PERMITS"
        );
        Semaphore {
            permits: PermitCore::const_new(permits, MAX_PERMITS),
        }
    }

    /// Waits for a permit, in arrival order.
    ///
    /// Fails with [`AcquireError`] if the semaphore is closed before a permit is granted.
    ///
    /// Cancel-safe: a dropped `acquire` never consumes a permit; one that was already
    /// granted a permit passes it to the next waiter.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let sem = weft_sync::Semaphore::new(1);
    /// block_on(async {
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(&self.permits, 1)
    }

    /// Waits for `n` permits at once, in arrival order: while this request is at the head
    /// of the queue, later requests (even for one permit) wait behind it.
    ///
    /// A request for more than the semaphore can ever hold waits until it is closed.
    ///
    /// Cancel-safe: a dropped `acquire_many` consumes nothing (permits set aside for it
    /// while it waited at the head go to the next waiters); one already granted passes its
    /// permits on.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let sem = weft_sync::Semaphore::new(5);
    /// block_on(async {
    ///     let permit = sem.acquire_many(3).await.unwrap();
    ///     assert_eq!(permit.num_permits(), 3);
    ///     assert_eq!(sem.available_permits(), 2);
    /// });
    /// assert_eq!(sem.available_permits(), 5);
    /// ```
    #[track_caller]
    pub fn acquire_many(&self, n: u32) -> Acquire<'_> {
        Acquire::new(&self.permits, n as usize)
    }

    /// [`acquire`](Semaphore::acquire) on a shared semaphore, yielding a permit that owns a
    /// reference to it (so it can move into another task or thread). Cancel-safe likewise.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft_sync::Semaphore::new(1));
    /// let permit = block_on(sem.clone().acquire_owned()).unwrap();
    /// let worker = std::thread::spawn(move || {
    ///     let _permit = permit; // released when the worker finishes
    /// });
    /// worker.join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[track_caller]
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        AcquireOwned::new(self, 1)
    }

    /// [`acquire_many`](Semaphore::acquire_many) on a shared semaphore, yielding an
    /// [`OwnedPermit`]. Cancel-safe likewise.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft_sync::Semaphore::new(4));
    /// let permit = block_on(sem.clone().acquire_many_owned(4)).unwrap();
    /// assert_eq!((permit.num_permits(), sem.available_permits()), (4, 0));
    /// ```
    #[track_caller]
    pub fn acquire_many_owned(self: Arc<Self>, n: u32) -> AcquireOwned {
        AcquireOwned::new(self, n as usize)
    }

    /// Takes a permit without waiting, if one is free and nobody is queued for it.
    ///
    /// ```
    /// use weft_sync::{Semaphore, TryAcquireError};
    /// let sem = Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    /// drop(permit);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<Permit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits without waiting, if they are free and nobody is queued.
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(3);
    /// assert!(sem.try_acquire_many(4).is_err());
    /// let permit = sem.try_acquire_many(3).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<Permit<'_>, TryAcquireError> {
        Permit::try_take(&self.permits, n as usize)
    }

    /// [`try_acquire`](Semaphore::try_acquire) on a shared semaphore, yielding an
    /// [`OwnedPermit`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft_sync::Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.clone().try_acquire_owned().is_err());
    /// drop(permit);
    /// assert!(sem.try_acquire_owned().is_ok());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedPermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// [`try_acquire_many`](Semaphore::try_acquire_many) on a shared semaphore, yielding an
    /// [`OwnedPermit`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft_sync::Semaphore::new(2));
    /// let permit = sem.clone().try_acquire_many_owned(2).unwrap();
    /// assert_eq!(permit.num_permits(), 2);
    /// ```
    pub fn try_acquire_many_owned(self: Arc<Self>, n: u32) -> Result<OwnedPermit, TryAcquireError> {
        let n = n as usize;
        self.permits.try_acquire(n)?;
        Ok(OwnedPermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Adds one permit, handing it to the oldest waiter if that completes its request.
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
        self.add_permits(1);
    }

    /// Adds `n` permits (tokio's name for a multi-permit [`release`](Semaphore::release)),
    /// granting as many waiters from the head of the queue as they cover.
    ///
    /// # Panics
    ///
    /// If the count would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(0);
    /// sem.add_permits(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn add_permits(&self, n: usize) {
        if self.permits.release(n).is_err() {
            panic!("Semaphore::add_permits: the permit count would exceed Semaphore::MAX_PERMITS");
        }
    }

    /// Closes the semaphore: every queued acquire completes with [`AcquireError`], and so
    /// does every later one. Permits already held stay valid and are returned as usual.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// use weft_sync::{Semaphore, TryAcquireError};
    /// let sem = Semaphore::new(1);
    /// sem.close();
    /// assert!(sem.is_closed());
    /// assert!(block_on(sem.acquire()).is_err());
    /// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    /// ```
    pub fn close(&self) {
        self.permits.close();
    }

    /// Whether [`close`](Semaphore::close) has been called.
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(1);
    /// assert!(!sem.is_closed());
    /// sem.close();
    /// assert!(sem.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.permits.is_closed()
    }

    /// Permits free right now (asyncio's `_value`). While a multi-permit request waits at
    /// the head of the queue, the permits already set aside for it are counted here.
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(2);
    /// let _p = sem.try_acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// Whether an `acquire` would have to wait: no permit is free (asyncio's `locked()`).
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
            .field("closed", &self.is_closed())
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

    /// Waits for a permit, in arrival order; fails only if the semaphore is closed first.
    /// Cancel-safe like [`Semaphore::acquire`].
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let sem = weft_sync::BoundedSemaphore::new(1);
    /// block_on(async {
    ///     let _permit = sem.acquire().await.unwrap();
    ///     assert!(sem.locked());
    /// });
    /// assert!(!sem.locked());
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(&self.permits, 1)
    }

    /// Takes a permit without waiting, if one is free and nobody is queued for it.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(1);
    /// let _permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn try_acquire(&self) -> Result<Permit<'_>, TryAcquireError> {
        Permit::try_take(&self.permits, 1)
    }

    /// Adds one permit, unless that would raise the value above the initial value.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(1);
    /// let err = sem.release().unwrap_err();
    /// assert_eq!(err.bound(), 1);
    /// ```
    pub fn release(&self) -> Result<(), OverReleaseError> {
        self.permits.release(1).map_err(|_| OverReleaseError {
            bound: self.permits.bound(),
        })
    }

    /// Closes the semaphore, as [`Semaphore::close`] does.
    ///
    /// ```
    /// let sem = weft_sync::BoundedSemaphore::new(1);
    /// sem.close();
    /// assert!(sem.is_closed() && sem.try_acquire().is_err());
    /// ```
    pub fn close(&self) {
        self.permits.close();
    }

    /// Whether [`close`](BoundedSemaphore::close) has been called.
    ///
    /// ```
    /// assert!(!weft_sync::BoundedSemaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.permits.is_closed()
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
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// A queued request for permits: the state both acquire futures share.
#[derive(Debug)]
struct Request {
    permits: usize,
    waiter: Option<WaiterKey>,
    /// The caller of `acquire*`: the wait point while queued.
    site: &'static Location<'static>,
}

impl Request {
    fn poll(&mut self, core: &PermitCore, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        let polled = core.poll_acquire(self.permits, &mut self.waiter, cx);
        weft_coop::note_pending(WaitKind::Semaphore, self.site, polled)
    }

    fn cancel(&mut self, core: &PermitCore) {
        if let Some(key) = self.waiter.take() {
            core.cancel_acquire(key);
        }
    }
}

/// The future returned by [`Semaphore::acquire`], [`Semaphore::acquire_many`] and
/// [`BoundedSemaphore::acquire`].
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
    core: &'a PermitCore,
    request: Request,
}

impl<'a> Acquire<'a> {
    #[track_caller]
    fn new(core: &'a PermitCore, permits: usize) -> Acquire<'a> {
        Acquire {
            core,
            request: Request {
                permits,
                waiter: None,
                site: Location::caller(),
            },
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<Permit<'a>, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let core = this.core;
        let permits = this.request.permits;
        this.request
            .poll(core, cx)
            .map_ok(|()| Permit { core, permits })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.request.cancel(self.core);
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.request.permits)
            .field("queued", &self.request.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Semaphore::acquire_owned`] and
/// [`Semaphore::acquire_many_owned`].
///
/// ```
/// use std::future::Future;
/// use std::sync::Arc;
/// use std::task::{Context, Waker};
///
/// let sem = Arc::new(weft_sync::Semaphore::new(0));
/// let mut acquire: std::pin::Pin<Box<weft_sync::AcquireOwned>> =
///     Box::pin(sem.clone().acquire_owned());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(acquire.as_mut().poll(&mut cx).is_pending());
/// sem.release();
/// assert!(acquire.as_mut().poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AcquireOwned {
    /// Moved into the permit on completion.
    semaphore: Option<Arc<Semaphore>>,
    request: Request,
}

impl AcquireOwned {
    #[track_caller]
    fn new(semaphore: Arc<Semaphore>, permits: usize) -> AcquireOwned {
        AcquireOwned {
            semaphore: Some(semaphore),
            request: Request {
                permits,
                waiter: None,
                site: Location::caller(),
            },
        }
    }
}

impl Future for AcquireOwned {
    type Output = Result<OwnedPermit, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(semaphore) = &this.semaphore else {
            panic!("AcquireOwned polled after it completed");
        };
        let polled = this.request.poll(&semaphore.permits, cx);
        polled.map_ok(|()| OwnedPermit {
            // Present: checked above, and only taken here, on completion.
            semaphore: this.semaphore.take().expect("checked above"),
            permits: this.request.permits,
        })
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        if let Some(semaphore) = &self.semaphore {
            self.request.cancel(&semaphore.permits);
        }
    }
}

impl fmt::Debug for AcquireOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("permits", &self.request.permits)
            .field("queued", &self.request.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// Permits of a [`Semaphore`] or [`BoundedSemaphore`]; released when dropped.
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
    core: &'a PermitCore,
    permits: usize,
}

impl<'a> Permit<'a> {
    /// Permits taken without waiting, if they are free and nobody is queued for them.
    fn try_take(core: &'a PermitCore, permits: usize) -> Result<Permit<'a>, TryAcquireError> {
        core.try_acquire(permits)?;
        Ok(Permit { core, permits })
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
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds (and its drop returns).
    ///
    /// ```
    /// let sem = weft_sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // Err only for a bounded semaphore that was over-released by hand meanwhile:
        // discarding these permits is what keeps it within its bound.
        let _ = self.core.release(self.permits);
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

/// Permits of a shared [`Semaphore`] that keep it alive; released when dropped.
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(weft_sync::Semaphore::new(1));
/// let permit: weft_sync::OwnedPermit = sem.clone().try_acquire_owned().unwrap();
/// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedPermit {
    semaphore: Arc<Semaphore>,
    permits: usize,
}

impl OwnedPermit {
    /// Consumes the permit without releasing it, as [`Permit::forget`] does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft_sync::Semaphore::new(2));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds (and its drop returns).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft_sync::Semaphore::new(2));
    /// assert_eq!(sem.try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore these permits belong to.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(weft_sync::Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert_eq!(permit.semaphore().available_permits(), 0);
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }
}

impl Drop for OwnedPermit {
    fn drop(&mut self) {
        // A `Semaphore`'s bound is MAX_PERMITS and these permits left the count, so giving
        // them back cannot exceed it.
        let _ = self.semaphore.permits.release(self.permits);
    }
}

impl fmt::Debug for OwnedPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

/// An acquire failed because the semaphore was closed ([`Semaphore::close`]).
///
/// ```
#[doc = doc_block_on!()]
/// let sem = weft_sync::Semaphore::new(0);
/// sem.close();
/// let err = block_on(sem.acquire()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "the semaphore was closed, so it hands out no more permits: stop waiting for one"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquireError(pub(crate) ());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the semaphore was closed, so it hands out no more permits: stop waiting for one",
        )
    }
}

impl Error for AcquireError {}

/// Why a `try_acquire*` call returned no permit.
///
/// ```
/// use weft_sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(0);
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free, or others are queued for them.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str(
                "the semaphore was closed, so it hands out no more permits: stop trying",
            ),
            TryAcquireError::NoPermits => f.write_str(
                "no permits are free right now (or others are queued for them): \
                 `.await` an acquire to wait for one",
            ),
        }
    }
}

impl Error for TryAcquireError {}

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
