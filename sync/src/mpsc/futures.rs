//! The futures of the channel's waiting operations.
//!
//! Each is a thin shell over one `Chan` poll method plus the wait point it records; the ones
//! that can queue (`send`, `reserve`, `closed`) hold a wait-list key and withdraw it in
//! `Drop`, which is where their cancel safety lives. The receiving futures queue nowhere (the
//! receiver is unique and parks its waker in a single lock-free slot), so dropping them is
//! free; they are made only from `&mut` receivers and hold that borrow, which is what lets
//! them call the receiver-only `Chan` methods.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::chan::Chan;
use super::error::SendError;
use super::permit::{OwnedPermit, Permit};
use super::sender::Sender;
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// The future returned by [`Sender::send`]: the value goes into the channel when room is
/// granted.
///
/// Dropped before it completes, it sends nothing, and room it was granted passes to the next
/// waiting sender.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let (tx, mut rx) = weft_sync::mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut send = Box::pin(tx.send(2));
/// assert!(send.as_mut().poll(&mut cx).is_pending()); // full
/// assert_eq!(rx.try_recv(), Ok(1)); // room is granted to the waiting send...
/// assert!(matches!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(())))); // ...which sends
/// assert_eq!(rx.try_recv(), Ok(2));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    /// `None` once sent or handed back.
    value: Option<T>,
    waiter: Option<WaiterKey>,
    /// The caller of `send`: the wait point while the channel is full.
    site: &'static Location<'static>,
}

impl<'a, T> SendFuture<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>, value: T, site: &'static Location<'static>) -> Self {
        SendFuture {
            chan,
            value: Some(value),
            waiter: None,
            site,
        }
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let polled = this.chan.poll_send(&mut this.value, &mut this.waiter, cx);
        weft_coop::note_pending(WaitKind::MpscSend, this.site, polled)
    }
}

// The value is never pinned: it is moved into the channel or handed back by value.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.chan.cancel_send(key);
        }
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Sender::reserve`].
///
/// Dropped before it completes, it holds no slot: room it was granted passes to the next
/// waiting sender.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let (tx, mut rx) = weft_sync::mpsc::channel::<u8>(1);
/// let held = tx.try_reserve().unwrap();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut reserve = Box::pin(tx.reserve());
/// assert!(reserve.as_mut().poll(&mut cx).is_pending());
/// drop(held); // the slot goes straight to the waiting reserve
/// assert!(matches!(reserve.as_mut().poll(&mut cx), Poll::Ready(Ok(_))));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Reserve<'a, T> {
    sender: &'a Sender<T>,
    waiter: Option<WaiterKey>,
    /// The caller of `reserve`: the wait point while the channel is full.
    site: &'static Location<'static>,
}

impl<'a, T> Reserve<'a, T> {
    pub(super) fn new(sender: &'a Sender<T>, site: &'static Location<'static>) -> Self {
        Reserve {
            sender,
            waiter: None,
            site,
        }
    }
}

impl<'a, T> Future for Reserve<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let sender = this.sender;
        let polled = sender.chan.poll_reserve(&mut this.waiter, cx);
        weft_coop::note_pending(WaitKind::MpscSend, this.site, polled)
            .map(|reserved| reserved.map(|()| Permit::new(sender)))
    }
}

impl<T> Drop for Reserve<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.sender.chan.cancel_send(key);
        }
    }
}

impl<T> fmt::Debug for Reserve<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reserve")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Sender::reserve_owned`]; cancel-safe like [`Reserve`]. On
/// failure the sender it owned is dropped.
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::mpsc::channel(1);
/// let reserve: weft_sync::mpsc::ReserveOwned<u8> = tx.reserve_owned();
/// let permit = block_on(reserve).unwrap();
/// drop(permit.send(3));
/// assert_eq!(rx.try_recv(), Ok(3));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ReserveOwned<T> {
    /// `None` once completed.
    sender: Option<Sender<T>>,
    waiter: Option<WaiterKey>,
    /// The caller of `reserve_owned`: the wait point while the channel is full.
    site: &'static Location<'static>,
}

impl<T> ReserveOwned<T> {
    pub(super) fn new(sender: Sender<T>, site: &'static Location<'static>) -> Self {
        ReserveOwned {
            sender: Some(sender),
            waiter: None,
            site,
        }
    }
}

impl<T> Future for ReserveOwned<T> {
    type Output = Result<OwnedPermit<T>, SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(sender) = &this.sender else {
            panic!("mpsc ReserveOwned polled after it completed");
        };
        let polled = sender.chan.poll_reserve(&mut this.waiter, cx);
        let reserved = std::task::ready!(weft_coop::note_pending(
            WaitKind::MpscSend,
            this.site,
            polled
        ));
        let Some(sender) = this.sender.take() else {
            unreachable!("checked above");
        };
        Poll::Ready(reserved.map(|()| OwnedPermit::new(sender)))
    }
}

impl<T> Drop for ReserveOwned<T> {
    fn drop(&mut self) {
        if let (Some(key), Some(sender)) = (self.waiter.take(), &self.sender) {
            sender.chan.cancel_send(key);
        }
    }
}

impl<T> fmt::Debug for ReserveOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveOwned")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future returned by `recv` on [`Receiver`](super::Receiver) and
/// [`UnboundedReceiver`](super::UnboundedReceiver): the next message, or `None` once the
/// channel is closed and drained.
///
/// Cancel-safe: a message is only taken from the channel by the poll that returns it, so
/// dropping the future loses nothing.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut recv = Box::pin(rx.recv());
/// assert!(recv.as_mut().poll(&mut cx).is_pending());
/// tx.send(9).unwrap();
/// assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(9)));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    chan: &'a Chan<T>,
    /// The caller of `recv`: the wait point while the channel is empty.
    site: &'static Location<'static>,
}

impl<'a, T> Recv<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>, site: &'static Location<'static>) -> Self {
        Recv { chan, site }
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // SAFETY: made by `recv(&mut self)` on the unique receiver, whose borrow this future
        // holds: nothing else receives meanwhile.
        let polled = unsafe { self.chan.poll_recv(cx) };
        weft_coop::note_pending(WaitKind::MpscRecv, self.site, polled)
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}

/// The future returned by `recv_many` on [`Receiver`](super::Receiver) and
/// [`UnboundedReceiver`](super::UnboundedReceiver): appends up to `limit` messages to the
/// buffer, waiting for at least one; `0` once the channel is closed and drained. Cancel-safe
/// like [`Recv`].
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
/// for n in 0..5 {
///     tx.send(n).unwrap();
/// }
/// let mut batch = Vec::new();
/// assert_eq!(block_on(rx.recv_many(&mut batch, 3)), 3);
/// assert_eq!(batch, [0, 1, 2]);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvMany<'a, T> {
    chan: &'a Chan<T>,
    buffer: &'a mut Vec<T>,
    limit: usize,
    /// The caller of `recv_many`: the wait point while the channel is empty.
    site: &'static Location<'static>,
}

impl<'a, T> RecvMany<'a, T> {
    pub(super) fn new(
        chan: &'a Chan<T>,
        buffer: &'a mut Vec<T>,
        limit: usize,
        site: &'static Location<'static>,
    ) -> Self {
        RecvMany {
            chan,
            buffer,
            limit,
            site,
        }
    }
}

impl<T> Future for RecvMany<'_, T> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = self.get_mut();
        // SAFETY: as for `Recv`: made by `recv_many(&mut self)` and holding that borrow.
        let polled = unsafe { this.chan.poll_recv_many(this.buffer, this.limit, cx) };
        weft_coop::note_pending(WaitKind::MpscRecv, this.site, polled)
    }
}

impl<T> fmt::Debug for RecvMany<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvMany")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// The future returned by `closed` on [`Sender`] and
/// [`UnboundedSender`](super::UnboundedSender): completes once the receiver is dropped or
/// closed. Cancel-safe: dropping it just leaves the wait list.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let (tx, mut rx) = weft_sync::mpsc::channel::<u8>(1);
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut closed = Box::pin(tx.closed());
/// assert!(closed.as_mut().poll(&mut cx).is_pending());
/// rx.close();
/// assert!(closed.as_mut().poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    chan: &'a Chan<T>,
    waiter: Option<WaiterKey>,
    /// The caller of `closed`: the wait point.
    site: &'static Location<'static>,
}

impl<'a, T> Closed<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>, site: &'static Location<'static>) -> Self {
        Closed {
            chan,
            waiter: None,
            site,
        }
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let polled = this.chan.poll_closed(&mut this.waiter, cx);
        // Waiting for the receiver's side of the channel to go away: a send-side wait.
        weft_coop::note_pending(WaitKind::MpscSend, this.site, polled)
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.chan.cancel_closed(key);
        }
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}
