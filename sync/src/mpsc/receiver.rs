//! [`Receiver`]: the receiving half of a bounded channel.
//!
//! Receiving a message frees its slot: one atomic add on the room word, unless senders are
//! queued, in which case the slot goes straight to the oldest of them. Dropping the receiver
//! closes the channel and drops the queued messages.
//!
//! The receiver is the only reader of the channel's lock-free list and the only owner of its
//! waker slot, so `Chan`'s receiving methods are `unsafe` with that contract. It holds here
//! by construction: a `Receiver` is not `Clone`, everything that receives takes `&mut self`
//! (or is a future borrowing it mutably), and `len` takes `&self`, which no mutating call can
//! overlap.

use std::fmt;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::chan::Chan;
use super::error::TryRecvError;
use super::futures::{Recv, RecvMany};
use crate::loom::Arc;
use weft_coop::WaitKind;

/// The receiving half of a bounded channel, from [`channel`](super::channel).
///
/// Also a [`Stream`](futures_core::Stream) of the messages, ending when the channel is
/// closed and drained.
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::mpsc::channel(4);
/// std::thread::spawn(move || {
///     for word in ["one", "two"] {
///         tx.blocking_send(word).unwrap();
///     }
/// }); // the sender is dropped here, which ends the loop below
/// block_on(async {
///     while let Some(word) = rx.recv().await {
///         println!("{word}");
///     }
/// });
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// Where the channel was made: the wait point of `poll_recv` and the `Stream`, which
    /// have no call site of their own worth reporting.
    site: &'static Location<'static>,
}

impl<T> Receiver<T> {
    pub(super) fn new(chan: Arc<Chan<T>>, site: &'static Location<'static>) -> Self {
        Receiver { chan, site }
    }

    /// Receives the next message, waiting while the channel is empty. Returns `None` once
    /// every sender is gone (or the receiver was [closed](Self::close)) and the buffered
    /// messages are drained.
    ///
    /// Cancel-safe: dropping the future before it completes loses no message.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// block_on(async {
    ///     assert_eq!(rx.recv().await, Some(1)); // buffered messages first...
    ///     assert_eq!(rx.recv().await, None); // ...then the end
    /// });
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv::new(&self.chan, Location::caller())
    }

    /// Appends up to `limit` messages to `buffer`, waiting for at least one; returns how
    /// many, `0` once the channel is closed and drained (or if `limit` is 0). The batch's
    /// room goes back in one atomic operation. Cancel-safe like [`recv`](Self::recv).
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::channel(4);
    /// for n in 0..4 {
    ///     tx.try_send(n).unwrap();
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(block_on(rx.recv_many(&mut batch, 10)), 4);
    /// assert_eq!(batch, [0, 1, 2, 3]);
    /// ```
    #[track_caller]
    pub fn recv_many<'a>(&'a mut self, buffer: &'a mut Vec<T>, limit: usize) -> RecvMany<'a, T> {
        RecvMany::new(&self.chan, buffer, limit, Location::caller())
    }

    /// Takes the next message if one is queued, without waiting.
    ///
    /// ```
    /// use weft_sync::mpsc::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        // SAFETY: `&mut self`: the unique receiver, not receiving elsewhere (module docs).
        unsafe { self.chan.try_recv() }
    }

    /// Receives the next message from a plain thread, parking it while the channel is
    /// empty.
    ///
    /// # Panics
    ///
    /// On a weft worker thread, which blocking would stall: `.await` [`recv`](Self::recv)
    /// there instead.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// let consumer = std::thread::spawn(move || rx.blocking_recv());
    /// tx.try_send(5).unwrap();
    /// assert_eq!(consumer.join().unwrap(), Some(5));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::block_on::block_on("mpsc::Receiver::blocking_recv", self.recv())
    }

    /// Closes the channel without dropping the receiver: new sends and reservations fail,
    /// and waiting senders and [`Sender::closed`](super::Sender::closed) callers wake, but
    /// buffered messages and outstanding [`Permit`](super::Permit)s still deliver; `recv`
    /// returns `None` after them.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// block_on(async {
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: every sender is gone or [`close`](Self::close) was
    /// called. Buffered messages may still be waiting to be received.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::mpsc::channel::<u8>(1);
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed_for_rx()
    }

    /// Messages waiting to be received.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::mpsc::channel(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        // SAFETY: the unique receiver; `&self` excludes every mutating call (module docs).
        unsafe { self.chan.len() }
    }

    /// Whether no message is waiting.
    ///
    /// ```
    /// let (_tx, rx) = weft_sync::mpsc::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Free slots right now: messages that could be sent without waiting.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::channel(2);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(rx.capacity(), 1);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.capacity(), 2);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// The capacity the channel was created with.
    ///
    /// ```
    /// let (_tx, rx) = weft_sync::mpsc::channel::<u8>(3);
    /// assert_eq!(rx.max_capacity(), 3);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan.max_capacity()
    }

    /// Polls for the next message: `recv` for hand-written futures and poll functions.
    /// `Ready(None)` once the channel is closed and drained.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(rx.poll_recv(&mut cx).is_pending());
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: `&mut self`: the unique receiver, not receiving elsewhere (module docs).
        let polled = unsafe { self.chan.poll_recv(cx) };
        weft_coop::note_pending(WaitKind::MpscRecv, self.site, polled)
    }
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // SAFETY: the unique receiver, in its last call.
        unsafe { self.chan.drop_receiver() };
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", &self.chan)
            .finish()
    }
}
