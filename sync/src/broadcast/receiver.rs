//! The receiving half of a broadcast channel, and its [`Recv`] future.
//!
//! Every way of receiving goes through `Receiver::receive`: read the slot at `next` under
//! its read lock (the common case, no mutex), and only when that slot does not hold `next`
//! take the tail mutex to tell "not sent yet" (queue, if asked to) from "overwritten"
//! (lagged).

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use super::error::{RecvError, TryRecvError};
use super::{Shared, sender};
use crate::loom::Arc;
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// The receiving half of a [`broadcast`](super) channel: it reads every value sent after it
/// was created, in order. Get more with [`Sender::subscribe`](super::Sender::subscribe) or
/// [`resubscribe`](Receiver::resubscribe).
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::broadcast::channel(4);
/// tx.send(10).unwrap();
/// assert_eq!(block_on(rx.recv()), Ok(10));
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next value to read.
    next: u64,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, next: u64) -> Self {
        Receiver { shared, next }
    }

    /// How many values were sent that this receiver has not read. More than the capacity
    /// means the next receive reports [`Lagged`](RecvError::Lagged).
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.lock().pos;
        // At most the number of sends: it fits in a usize on every platform we run on.
        usize::try_from(tail.wrapping_sub(self.next)).unwrap_or(usize::MAX)
    }

    /// Whether this receiver has read every value sent.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// assert!(rx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A new receiver on the same channel that starts at the tail: it sees values sent from
    /// now on, not the ones this receiver has yet to read.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut fresh = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(fresh.try_recv(), Ok(2));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        sender::subscribe(&self.shared)
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value, waiting for one to be sent.
    ///
    /// Cancel-safe: nothing is consumed until the future completes, so a dropped `recv`
    /// loses no value; the next `recv` returns it.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] once when this receiver fell more than the capacity behind
    /// (the next `recv` returns the oldest value still held); [`RecvError::Closed`] when
    /// every sender was dropped and every value was read.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// std::thread::spawn(move || tx.send("ping").unwrap());
    /// assert_eq!(block_on(rx.recv()), Ok("ping"));
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            receiver: self,
            waiter: None,
            site: Location::caller(),
        }
    }

    /// Receives the next value if one is waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] when nothing new was sent, and `Lagged` and `Closed` as for
    /// [`recv`](Receiver::recv).
    ///
    /// ```
    /// use weft_sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.receive(None)
    }

    /// Receives the next value from a plain (non-async) thread, blocking it until one is
    /// sent.
    ///
    /// # Errors
    ///
    /// As for [`recv`](Receiver::recv).
    ///
    /// # Panics
    ///
    /// On a weft worker thread (inside an async task), where blocking would stall other
    /// tasks: `.await` [`recv`](Receiver::recv) there instead.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// std::thread::spawn(move || tx.send(3).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(3));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::block_on::block_on("blocking_recv", self.recv())
    }

    /// Reads the value at `next`, or says why not. With `queue`, a receiver that finds
    /// nothing sent yet is (re)queued for the next send, under the same mutex as the check.
    fn receive(
        &mut self,
        queue: Option<(&mut Option<WaiterKey>, &Waker)>,
    ) -> Result<T, TryRecvError> {
        let shared = &*self.shared;
        let pos = self.next;
        let slot = shared.slot(pos);
        let held = slot.read();
        let held = if held.pos == pos {
            held
        } else {
            drop(held);
            let mut tail = shared.tail.lock();
            // Under the tail mutex no send is filling a slot: this read is the truth.
            let held = slot.read();
            if held.pos != pos {
                if held.pos.wrapping_add(shared.capacity()) != pos {
                    // Overwritten: skip to the oldest value still held.
                    let oldest = tail.pos.wrapping_sub(shared.capacity());
                    self.next = oldest;
                    return Err(TryRecvError::Lagged(oldest.wrapping_sub(pos)));
                }
                drop(held);
                if tail.closed {
                    return Err(TryRecvError::Closed);
                }
                if let Some((waiter, waker)) = queue {
                    let waiters = &mut tail.waiters;
                    match waiter {
                        Some(key) if !waiters.is_notified(key) => {
                            waiters.register_waker(key, waker)
                        }
                        _ => {
                            // Woken by a send another receive already consumed: queue again.
                            if let Some(key) = waiter.take() {
                                waiters.remove(key);
                            }
                            *waiter = Some(waiters.push_back((), waker));
                        }
                    }
                }
                return Err(TryRecvError::Empty);
            }
            drop(tail);
            held
        };
        let Some(value) = held.value.clone() else {
            // A slot holding `pos` keeps its value until every receiver counted in
            // `remaining` has released it, and this receiver (counted, `next == pos`) has not.
            unreachable!("broadcast slot lost a value a receiver had not read")
        };
        self.next = pos.wrapping_add(1);
        shared.release_held(pos, held);
        Ok(value)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let tail = {
            let mut tail = self.shared.tail.lock();
            tail.receivers -= 1;
            tail.pos
        };
        // Give up this receiver's claim on every value it has not read and that is still
        // held, so the last reader frees them now rather than when they are overwritten.
        let oldest = tail.saturating_sub(self.shared.capacity()).max(self.next);
        for pos in oldest..tail {
            self.shared.release(pos);
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .field("capacity", &self.shared.capacity())
            .finish()
    }
}

/// The future returned by [`Receiver::recv`].
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::broadcast::channel(4);
/// tx.send('x').unwrap();
/// let recv: weft_sync::broadcast::Recv<'_, char> = rx.recv();
/// assert_eq!(block_on(recv), Ok('x'));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    waiter: Option<WaiterKey>,
    /// The caller of `recv`: the wait point while pending.
    site: &'static Location<'static>,
}

impl<T: Clone> Recv<'_, T> {
    /// The poll itself; `poll` adds the wait point.
    fn poll_unrecorded(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let received = match self.receiver.receive(Some((&mut self.waiter, cx.waker()))) {
            Err(TryRecvError::Empty) => return Poll::Pending,
            Ok(value) => Ok(value),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
        };
        if let Some(key) = self.waiter.take() {
            self.receiver.shared.tail.lock().waiters.remove(key);
        }
        progress.made_progress();
        Poll::Ready(received)
    }
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let this = self.get_mut();
        let polled = this.poll_unrecorded(cx);
        weft_coop::note_pending(WaitKind::BroadcastRecv, this.site, polled)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            // Nothing to hand on: a send wakes every waiting receiver.
            self.receiver.shared.tail.lock().waiters.remove(key);
        }
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}
