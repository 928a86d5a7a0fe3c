//! The sending half of a watch channel, and its [`Closed`] future.
//!
//! Every kind of send funnels into [`Sender::send_if_modified`]: modify the value under the
//! write lock, bump the version before releasing it, then wake every `changed` waiter.
//! Dropping the sender sets the closed flag and wakes them the same way.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::SendError;
use super::receiver::{Receiver, Ref};
use super::{CLOSED, List, STEP, Shared};
use crate::loom::{Arc, Ordering};
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// The sending half of a [`watch`](super) channel; there is one per channel.
///
/// ```
/// let (tx, rx) = weft_sync::watch::channel(String::from("v1"));
/// tx.send_modify(|s| s.push_str(".1"));
/// assert_eq!(*rx.borrow(), "v1.1");
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    pub(super) fn new(shared: Arc<Shared<T>>) -> Self {
        Sender { shared }
    }

    /// Stores `value` and notifies every receiver, unless there is no receiver left: then
    /// the value is not stored and comes back in the error (tokio's rule; see
    /// [`send_replace`](Sender::send_replace) to store regardless).
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().0, 3);
    /// assert_eq!(*tx.borrow(), 2); // not stored
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Stores `value` whether or not anyone listens, notifies the receivers, and returns
    /// the value it replaced.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(1);
    /// drop(rx);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// Modifies the value in place and notifies the receivers, whether or not anyone
    /// listens.
    ///
    /// `modify` runs under the write lock: it must not borrow or send on this channel. If it
    /// panics, the receivers are not notified, but what it changed stays changed.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Lets `modify` change the value in place; notifies the receivers only if it returns
    /// `true`, and returns that.
    ///
    /// `modify` runs under the write lock: it must not borrow or send on this channel. If it
    /// panics, the receivers are not notified, but what it changed stays changed.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(5);
    /// // Only raise the high-water mark.
    /// assert!(!tx.send_if_modified(|max| if 3 > *max { *max = 3; true } else { false }));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|max| if 9 > *max { *max = 9; true } else { false }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut value = self.shared.value.write();
            if !modify(&mut value) {
                return false;
            }
            // Under the write lock: a reader sees this version only with the new value.
            self.shared.state.fetch_add(STEP, Ordering::Release);
        }
        self.shared.wake_all(List::Changed);
        true
    }

    /// Borrows the current value. The [`Ref`] holds a read lock: keep it short, do not hold
    /// it across an `.await`, and do not send while holding it (that would deadlock).
    /// Its [`has_changed`](Ref::has_changed) is always `false`: a sender has nothing to see.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::watch::channel(7);
    /// assert_eq!(*tx.borrow(), 7);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref::new(self.shared.value.read(), false)
    }

    /// A new receiver that has seen the current value: its first
    /// [`changed`](Receiver::changed) waits for the next send.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(0);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send(1).is_ok()); // it has a receiver again
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        let seen = self.shared.version();
        Receiver::new(self.shared.clone(), seen)
    }

    /// How many receivers are alive.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(());
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Acquire)
    }

    /// Whether every receiver is gone (a [`send`](Sender::send) would fail).
    ///
    /// ```
    /// let (tx, rx) = weft_sync::watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone; completes at once if none is left.
    ///
    /// Cancel-safe: dropping the future just leaves the wait list.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, rx) = weft_sync::watch::channel(());
    /// let consumer = std::thread::spawn(move || drop(rx));
    /// block_on(tx.closed()); // returns once the consumer thread dropped its receiver
    /// consumer.join().unwrap();
    /// ```
    #[track_caller]
    pub fn closed(&self) -> Closed<'_, T> {
        Closed {
            shared: &self.shared,
            waiter: None,
            site: Location::caller(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.state.fetch_or(CLOSED, Ordering::Release);
        self.shared.wake_all(List::Changed);
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Sender").field(&*self.shared).finish()
    }
}

/// The future returned by [`Sender::closed`].
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, rx) = weft_sync::watch::channel(());
/// drop(rx);
/// let closed: weft_sync::watch::Closed<'_, ()> = tx.closed();
/// block_on(closed);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    shared: &'a Shared<T>,
    waiter: Option<WaiterKey>,
    /// The caller of `closed`: the wait point while pending.
    site: &'static Location<'static>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let shared = this.shared;
        let polled = shared.poll_wait(List::Closed, &mut this.waiter, cx, || {
            (shared.receivers.load(Ordering::Acquire) == 0).then_some(())
        });
        // weft_coop has no kind for "a sender waits for its receivers to go"; this is the
        // channel's one wait kind.
        weft_coop::note_pending(WaitKind::WatchChanged, this.site, polled)
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        self.shared.cancel_wait(List::Closed, &mut self.waiter);
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}
