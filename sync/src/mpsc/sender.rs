//! [`Sender`] and [`WeakSender`]: the sending halves of a bounded channel.
//!
//! A strong sender is an `Arc` of the channel plus one count in its sender counter; the
//! count, not the `Arc`, decides when the channel closes, so a [`WeakSender`] (an `Arc`
//! without a count) keeps the memory alive but not the channel open.

use std::fmt;
use std::panic::Location;

use super::chan::Chan;
use super::error::{SendError, TrySendError};
use super::futures::{Closed, Reserve, ReserveOwned, SendFuture};
use super::permit::{OwnedPermit, Permit};
use crate::loom::Arc;

/// The sending half of a bounded channel, from [`channel`](super::channel). Clone it to
/// send from several tasks; the channel closes when the last clone is dropped.
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::mpsc;
///
/// let (tx, mut rx) = mpsc::channel(8);
/// for id in 0..3 {
///     let tx = tx.clone();
///     std::thread::spawn(move || tx.blocking_send(id).unwrap());
/// }
/// drop(tx); // only the threads' clones keep the channel open now
/// let mut got = Vec::new();
/// block_on(async {
///     while let Some(id) = rx.recv().await {
///         got.push(id);
///     }
/// });
/// got.sort();
/// println!("{got:?}");
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Sender<T> {
    pub(super) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for room while the channel is full; waiting senders are served
    /// in arrival order.
    ///
    /// Fails, handing `value` back, if the receiver is dropped or closed (before or while
    /// this waits).
    ///
    /// Cancel-safe: dropping the future before it completes sends nothing (the value is
    /// dropped with the future), and room the channel had granted it passes to the next
    /// waiting sender.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// block_on(async {
    ///     tx.send("hello").await.unwrap();
    ///     assert_eq!(rx.recv().await, Some("hello"));
    ///     drop(rx);
    ///     assert_eq!(tx.send("anyone?").await.unwrap_err().0, "anyone?");
    /// });
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture::new(&self.chan, value, Location::caller())
    }

    /// Sends `value` if there is room right now (and no sender queued ahead), without
    /// waiting.
    ///
    /// ```
    /// use weft_sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// tx.try_send(2).unwrap();
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// Sends `value` from a plain thread, parking it while the channel is full (in the same
    /// FIFO as waiting tasks).
    ///
    /// # Panics
    ///
    /// On a weft worker thread, which blocking would stall: `.await` [`send`](Self::send)
    /// there instead.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// let producer = std::thread::spawn(move || {
    ///     for n in 0..3 {
    ///         tx.blocking_send(n).unwrap(); // parks while the one slot is taken
    ///     }
    /// });
    /// block_on(async {
    ///     for n in 0..3 {
    ///         assert_eq!(rx.recv().await, Some(n));
    ///     }
    /// });
    /// producer.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::block_on::block_on("mpsc::Sender::blocking_send", self.send(value))
    }

    /// Waits for a slot and reserves it: the returned [`Permit`] sends one message without
    /// waiting and without failing. Useful to wait for room before producing an expensive
    /// value, or to hold room while deciding what to send.
    ///
    /// Fails if the receiver is dropped or closed. Cancel-safe like [`send`](Self::send):
    /// a dropped `reserve` holds no slot.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// block_on(async {
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert_eq!(tx.capacity(), 0); // the slot is held
    ///     permit.send(42);
    ///     assert_eq!(rx.recv().await, Some(42));
    /// });
    /// ```
    #[track_caller]
    pub fn reserve(&self) -> Reserve<'_, T> {
        Reserve::new(self, Location::caller())
    }

    /// [`reserve`](Self::reserve) for a permit that owns its sender (to move into another
    /// task); the sender comes back from [`OwnedPermit::send`].
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// block_on(async {
    ///     let permit = tx.reserve_owned().await.unwrap();
    ///     let tx = permit.send("owned");
    ///     assert_eq!(rx.recv().await, Some("owned"));
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    #[track_caller]
    pub fn reserve_owned(self) -> ReserveOwned<T> {
        ReserveOwned::new(self, Location::caller())
    }

    /// Reserves a slot if one is free right now (and no sender is queued ahead).
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().is_err()); // full: the one slot is held
    /// drop(permit); // an unused permit returns its slot
    /// assert!(tx.try_reserve().is_ok());
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.chan.try_reserve()?;
        Ok(Permit::new(self))
    }

    /// [`try_reserve`](Self::try_reserve) for an [`OwnedPermit`]; on failure the sender is
    /// handed back in the error.
    ///
    /// ```
    /// use weft_sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel::<u8>(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let Err(TrySendError::Full(tx)) = tx.try_reserve_owned() else { panic!() };
    /// drop(permit);
    /// assert!(tx.try_reserve_owned().is_ok());
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.chan.try_reserve() {
            Ok(()) => Ok(OwnedPermit::new(self)),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    /// Waits until the receiver is dropped or [closed](super::Receiver::close), so a
    /// producer can stop work nobody will read. Cancel-safe.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, rx) = weft_sync::mpsc::channel::<u8>(1);
    /// std::thread::spawn(move || drop(rx));
    /// block_on(tx.closed());
    /// assert!(tx.is_closed());
    /// ```
    #[track_caller]
    pub fn closed(&self) -> Closed<'_, T> {
        Closed::new(&self.chan, Location::caller())
    }

    /// Whether the receiver was dropped or closed: a send would fail.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Free slots right now: how many messages could be sent without waiting.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::channel(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// The capacity the channel was created with.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::channel::<u8>(4);
    /// assert_eq!(tx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.max_capacity()
    }

    /// Whether both senders belong to the same channel.
    ///
    /// ```
    /// let (a, _rx) = weft_sync::mpsc::channel::<u8>(1);
    /// let (b, _rx2) = weft_sync::mpsc::channel::<u8>(1);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A [`WeakSender`]: a handle that does not keep the channel open.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for Sender<T> {
    /// Another sender on the same channel; the channel stays open while any is alive.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::channel(2);
    /// let tx2 = tx.clone();
    /// drop(tx);
    /// tx2.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &self.chan).finish()
    }
}

/// A sender that does not keep the channel open, from [`Sender::downgrade`]. Upgrade it to
/// send; that fails once every strong [`Sender`] is gone.
///
/// ```
/// let (tx, mut rx) = weft_sync::mpsc::channel::<u8>(1);
/// let weak = tx.downgrade();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(weft_sync::mpsc::error::TryRecvError::Disconnected));
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> WeakSender<T> {
    /// A strong sender, unless every strong sender is already gone (then the channel is
    /// closed for good).
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().try_send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade_sender().then(|| Sender {
            chan: self.chan.clone(),
        })
    }
}

impl<T> Clone for WeakSender<T> {
    /// Another weak handle on the same channel.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade().clone();
    /// assert!(weak.upgrade().is_some());
    /// ```
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}
