//! [`UnboundedSender`], [`WeakUnboundedSender`] and [`UnboundedReceiver`]: the halves of a
//! channel without a capacity.
//!
//! The same `Chan` as the bounded channel with no room accounting: a send never waits, so it
//! is a plain function, and memory is the only limit. Prefer a bounded channel where a fast
//! producer could outrun its consumer.
//!
//! A send is one compare-exchange on the list's tail word, which also carries the closed
//! flag: `close` (or dropping the receiver) freezes the tail, so a send either lands before
//! the receiver's end-of-stream or fails and hands its value back, never both. The receiver's
//! `unsafe` calls rest on the same argument as the bounded `Receiver`'s (see `receiver.rs`).

use std::fmt;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::chan::Chan;
use super::error::{SendError, TryRecvError};
use super::futures::{Closed, Recv, RecvMany};
use crate::loom::Arc;
use weft_coop::WaitKind;

/// The sending half of an unbounded channel, from
/// [`unbounded_channel`](super::unbounded_channel). Clone it to send from several places;
/// the channel closes when the last clone is dropped.
///
/// ```
/// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
/// let tx2 = tx.clone();
/// tx.send("from tx").unwrap();
/// tx2.send("from tx2").unwrap();
/// assert_eq!(rx.try_recv(), Ok("from tx"));
/// assert_eq!(rx.try_recv(), Ok("from tx2"));
/// ```
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> UnboundedSender<T> {
    pub(super) fn new(chan: Arc<Chan<T>>) -> Self {
        UnboundedSender { chan }
    }

    /// Sends `value` without waiting. Fails, handing `value` back, if the receiver is
    /// dropped or closed.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.send_unbounded(value)
    }

    /// Waits until the receiver is dropped or [closed](UnboundedReceiver::close). Cancel-safe.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, rx) = weft_sync::mpsc::unbounded_channel::<u8>();
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
    /// let (tx, rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Whether both senders belong to the same channel.
    ///
    /// ```
    /// let (a, _rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// assert!(a.same_channel(&a.clone()));
    /// ```
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A [`WeakUnboundedSender`]: a handle that does not keep the channel open.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for UnboundedSender<T> {
    /// Another sender on the same channel.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// let tx2 = tx.clone();
    /// drop(tx);
    /// assert!(!rx.is_closed()); // tx2 keeps it open
    /// drop(tx2);
    /// assert!(rx.is_closed());
    /// ```
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &self.chan)
            .finish()
    }
}

/// An unbounded sender that does not keep the channel open, from
/// [`UnboundedSender::downgrade`].
///
/// ```
/// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> WeakUnboundedSender<T> {
    /// A strong sender, unless every strong sender is already gone.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// assert!(tx.downgrade().upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan
            .upgrade_sender()
            .then(|| UnboundedSender::new(self.chan.clone()))
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    /// Another weak handle on the same channel.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade().clone();
    /// assert!(weak.upgrade().is_some());
    /// ```
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

/// The receiving half of an unbounded channel; a [`Stream`](futures_core::Stream) of the
/// messages, ending when the channel is closed and drained.
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
/// std::thread::spawn(move || {
///     for n in 1..=3 {
///         tx.send(n).unwrap();
///     }
/// });
/// let mut sum = 0;
/// block_on(async {
///     while let Some(n) = rx.recv().await {
///         sum += n;
///     }
/// });
/// assert_eq!(sum, 6);
/// ```
pub struct UnboundedReceiver<T> {
    chan: Arc<Chan<T>>,
    /// Where the channel was made: the wait point of `poll_recv` and the `Stream`.
    site: &'static Location<'static>,
}

impl<T> UnboundedReceiver<T> {
    pub(super) fn new(chan: Arc<Chan<T>>, site: &'static Location<'static>) -> Self {
        UnboundedReceiver { chan, site }
    }

    /// Receives the next message, waiting while the channel is empty; `None` once every
    /// sender is gone (or the receiver was closed) and the buffered messages are drained.
    /// Cancel-safe: a dropped `recv` loses no message.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
    /// tx.send("hi").unwrap();
    /// drop(tx);
    /// block_on(async {
    ///     assert_eq!(rx.recv().await, Some("hi"));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv::new(&self.chan, Location::caller())
    }

    /// Appends up to `limit` messages to `buffer`, waiting for at least one; `0` once the
    /// channel is closed and drained (or if `limit` is 0). Cancel-safe.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// let mut batch = vec![0];
    /// assert_eq!(block_on(rx.recv_many(&mut batch, 8)), 2);
    /// assert_eq!(batch, [0, 1, 2]);
    /// ```
    #[track_caller]
    pub fn recv_many<'a>(&'a mut self, buffer: &'a mut Vec<T>, limit: usize) -> RecvMany<'a, T> {
        RecvMany::new(&self.chan, buffer, limit, Location::caller())
    }

    /// Takes the next message if one is queued, without waiting.
    ///
    /// ```
    /// use weft_sync::mpsc::error::TryRecvError;
    ///
    /// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        // SAFETY: `&mut self`: the unique receiver, not receiving elsewhere.
        unsafe { self.chan.try_recv() }
    }

    /// Receives the next message from a plain thread, parking it while the channel is
    /// empty.
    ///
    /// # Panics
    ///
    /// On a weft worker thread: `.await` [`recv`](Self::recv) there instead.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
    /// std::thread::spawn(move || tx.send(8).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(8));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::block_on::block_on("mpsc::UnboundedReceiver::blocking_recv", self.recv())
    }

    /// Closes the channel without dropping the receiver: new sends fail, buffered messages
    /// can still be received.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: every sender is gone or [`close`](Self::close) was
    /// called.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// rx.close();
    /// assert!(rx.is_closed() && tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed_for_rx()
    }

    /// Messages waiting to be received.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::mpsc::unbounded_channel();
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        // SAFETY: the unique receiver; `&self` excludes every mutating call.
        unsafe { self.chan.len() }
    }

    /// Whether no message is waiting.
    ///
    /// ```
    /// let (_tx, rx) = weft_sync::mpsc::unbounded_channel::<u8>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Polls for the next message; `Ready(None)` once the channel is closed and drained.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: `&mut self`: the unique receiver, not receiving elsewhere.
        let polled = unsafe { self.chan.poll_recv(cx) };
        weft_coop::note_pending(WaitKind::MpscRecv, self.site, polled)
    }
}

impl<T> futures_core::Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> Drop for UnboundedReceiver<T> {
    fn drop(&mut self) {
        // SAFETY: the unique receiver, in its last call.
        unsafe { self.chan.drop_receiver() };
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", &self.chan)
            .finish()
    }
}
