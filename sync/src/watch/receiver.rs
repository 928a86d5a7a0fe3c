//! The receiving half of a watch channel: the version it has seen, the [`Ref`] read guard
//! and the [`Changed`] future.
//!
//! A receiver is its shared channel plus one number, the version it last marked as seen;
//! everything it does is comparing that number with the channel's. [`Changed`] borrows the
//! receiver's fields separately (channel and seen version), so that
//! [`wait_for`](Receiver::wait_for) can hand out a [`Ref`] borrowed from the channel while
//! it still updates the seen version.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::RecvError;
use super::{CLOSED, List, STEP, Shared};
use crate::loom::{Arc, Ordering, RwLockReadGuard};
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// The receiving half of a [`watch`](super) channel. Clone it for more receivers: a clone
/// starts with the same seen version as the original.
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::watch::channel(0);
/// let mut rx2 = rx.clone();
/// tx.send(1).unwrap();
/// block_on(async {
///     rx.changed().await.unwrap();
///     rx2.changed().await.unwrap(); // every receiver sees the change
/// });
/// assert_eq!(*rx2.borrow(), 1);
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version last marked as seen.
    seen: usize,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, seen: usize) -> Self {
        Receiver { shared, seen }
    }

    /// Borrows the latest value without marking it as seen. The [`Ref`] holds a read lock:
    /// keep it short and do not hold it across an `.await` (a sender waits for it).
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel("a");
    /// tx.send("b").unwrap();
    /// let value = rx.borrow();
    /// assert_eq!(*value, "b");
    /// assert!(value.has_changed()); // not marked as seen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        // Stable while the read lock is held: the version moves only under the write lock.
        let has_changed = self.shared.version() != self.seen;
        Ref::new(guard, has_changed)
    }

    /// Borrows the latest value and marks it as seen.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let version = self.shared.version();
        let has_changed = version != self.seen;
        self.seen = version;
        Ref::new(guard, has_changed)
    }

    /// Whether a value this receiver has not seen was sent.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the sender is dropped, even if an unseen value remains (tokio's
    /// rule; [`changed`](Receiver::changed) still reports that value).
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(());
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(()).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(Ordering::Acquire);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state != self.seen)
    }

    /// Marks the current value as unseen, so the next [`changed`](Receiver::changed)
    /// completes at once.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (_tx, mut rx) = weft_sync::watch::channel(0);
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// block_on(rx.changed()).unwrap();
    /// ```
    pub fn mark_changed(&mut self) {
        // Any version but the current one reads as "changed"; versions are multiples of STEP.
        self.seen = self.seen.wrapping_sub(STEP);
    }

    /// Marks the current value as seen without borrowing it.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version();
    }

    /// Waits for a value this receiver has not seen, and marks it as seen (borrow it with
    /// [`borrow`](Receiver::borrow)). Completes at once if one is already there.
    ///
    /// Cancel-safe: dropping the future marks nothing as seen, so the next `changed` still
    /// reports the change.
    ///
    /// # Errors
    ///
    /// [`RecvError`] when the sender was dropped and no unseen value remains.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::watch::channel(0);
    /// std::thread::spawn(move || tx.send(1).unwrap());
    /// block_on(async {
    ///     rx.changed().await.unwrap(); // the new value
    ///     assert_eq!(*rx.borrow(), 1);
    ///     assert!(rx.changed().await.is_err()); // then the sender is gone
    /// });
    /// ```
    #[track_caller]
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed::new(&self.shared, &mut self.seen, Location::caller())
    }

    /// Waits until the value satisfies `predicate`, marks it as seen and returns it
    /// borrowed. Checks the current value first, then each new one (values sent and
    /// replaced while this task was not running are never seen by it).
    ///
    /// The returned [`Ref::has_changed`] says whether the value was unseen when it was
    /// checked: `true` for one that arrived while waiting.
    ///
    /// Cancel-safe: a dropped wait leaves the receiver marked at the last value it checked.
    ///
    /// # Errors
    ///
    /// [`RecvError`] when the sender was dropped before a value satisfied `predicate`.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::watch::channel(0);
    /// std::thread::spawn(move || (1..=10).for_each(|n| tx.send(n).unwrap()));
    /// block_on(async {
    ///     let value = rx.wait_for(|n| *n >= 5).await.unwrap();
    ///     assert!(*value >= 5);
    /// });
    /// ```
    #[track_caller]
    pub fn wait_for(
        &mut self,
        mut predicate: impl FnMut(&T) -> bool,
    ) -> impl Future<Output = Result<Ref<'_, T>, RecvError>> {
        let site = Location::caller();
        // Split borrows: the `Ref` comes from `shared` while `seen` keeps being updated.
        let Receiver { shared, seen } = self;
        let shared: &Shared<T> = shared;
        async move {
            let mut closed = false;
            loop {
                {
                    let guard = shared.value.read();
                    let version = shared.version();
                    let has_changed = version != *seen;
                    *seen = version;
                    // After the close only a value not checked before is worth a look.
                    if (!closed || has_changed) && predicate(&guard) {
                        return Ok(Ref::new(guard, has_changed));
                    }
                }
                if closed {
                    return Err(RecvError(()));
                }
                // Wait on a copy: `seen` moves only when a value is checked, so the `Ref`
                // of a value that arrived while waiting still reports it as changed.
                let mut checked = *seen;
                closed = Changed::new(shared, &mut checked, site).await.is_err();
            }
        }
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// ```
    /// let (_tx, rx) = weft_sync::watch::channel(());
    /// let (_tx2, other) = weft_sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    /// Another receiver with the same seen version.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.clone().has_changed().unwrap()); // the clone has not seen it either
    /// ```
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver::new(self.shared.clone(), self.seen)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.wake_all(List::Closed);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("seen_version", &(self.seen / STEP))
            .field("channel", &*self.shared)
            .finish()
    }
}

/// A borrowed watch value: a read lock on the channel's value.
///
/// Keep it short: while it lives the sender cannot store a new value, and holding it across
/// an `.await` can stall the sender's task.
///
/// ```
/// let (tx, rx) = weft_sync::watch::channel(vec![1, 2]);
/// let value: weft_sync::watch::Ref<'_, Vec<i32>> = rx.borrow();
/// assert_eq!(value.len(), 2);
/// drop(value); // release the lock before sending
/// tx.send(vec![]).unwrap();
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<'a, T> Ref<'a, T> {
    pub(super) fn new(guard: RwLockReadGuard<'a, T>, has_changed: bool) -> Self {
        Ref { guard, has_changed }
    }

    /// Whether the borrowed value was unseen by its receiver when borrowed (always `false`
    /// for [`Sender::borrow`](super::Sender::borrow)). Unlike
    /// [`Receiver::has_changed`], it describes this value, not whatever was sent since.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow_and_update().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ref")
            .field("value", &**self)
            .field("has_changed", &self.has_changed)
            .finish()
    }
}

/// The future returned by [`Receiver::changed`].
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::watch::channel(0);
/// tx.send(1).unwrap();
/// let changed: weft_sync::watch::Changed<'_, i32> = rx.changed();
/// assert!(block_on(changed).is_ok());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Changed<'a, T> {
    shared: &'a Shared<T>,
    seen: &'a mut usize,
    waiter: Option<WaiterKey>,
    /// The caller of `changed` (or `wait_for`): the wait point while pending.
    site: &'static Location<'static>,
}

impl<'a, T> Changed<'a, T> {
    fn new(shared: &'a Shared<T>, seen: &'a mut usize, site: &'static Location<'static>) -> Self {
        Changed {
            shared,
            seen,
            waiter: None,
            site,
        }
    }
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), RecvError>> {
        let this = self.get_mut();
        let (shared, seen) = (this.shared, &mut *this.seen);
        let polled = shared.poll_wait(List::Changed, &mut this.waiter, cx, || {
            let state = shared.state.load(Ordering::Acquire);
            let version = state & !CLOSED;
            if version != *seen {
                // Marked as seen only here, when the future completes: a dropped `changed`
                // leaves the change unseen.
                *seen = version;
                Some(Ok(()))
            } else if state & CLOSED != 0 {
                Some(Err(RecvError(())))
            } else {
                None
            }
        });
        weft_coop::note_pending(WaitKind::WatchChanged, this.site, polled)
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_wait(List::Changed, &mut self.waiter);
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}
