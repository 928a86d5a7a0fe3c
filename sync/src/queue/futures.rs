//! The futures returned by the queues' `put`, `get` and `join`.
//!
//! Each is a thin shell over [`QueueCore`]: it holds its wait-list
//! key (and, for `put`, the item until the queue accepts it) and hands both back to the core
//! in `Drop`, which is where the cancel-safety rules of the queue module are applied. Each
//! remembers the line that created it, its wait point in task dumps while it waits.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::core::QueueCore;
use super::error::QueueShutDown;
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// The future returned by `put` on [`Queue`](crate::Queue), [`LifoQueue`](crate::LifoQueue)
/// and [`PriorityQueue`](crate::PriorityQueue).
///
/// Waits for room in a bounded queue, FIFO among putters. Dropped before it completes, it
/// never adds its item (the item is dropped with it); refused by a shutdown, it gives the
/// item back in [`QueueShutDown`].
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let q = weft_sync::Queue::bounded(1);
/// q.put_nowait(1).unwrap();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut put = Box::pin(q.put(2));
/// assert!(put.as_mut().poll(&mut cx).is_pending()); // full: waits
/// assert_eq!(q.get_nowait(), Ok(1)); // frees room, promised to the waiting put
/// assert_eq!(put.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
/// assert_eq!(q.get_nowait(), Ok(2));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T> {
    core: &'a QueueCore<T>,
    item: Option<T>,
    waiter: Option<WaiterKey>,
    site: &'static Location<'static>,
}

impl<'a, T> Put<'a, T> {
    #[track_caller]
    pub(crate) fn new(core: &'a QueueCore<T>, item: T) -> Self {
        Put {
            core,
            item: Some(item),
            waiter: None,
            site: Location::caller(),
        }
    }

    /// Resolves a put that will not be polled again: `Ok(outcome)` if it completed (or was
    /// refused) meanwhile, `Err(item)` if it was withdrawn.
    pub(crate) fn abandon(&mut self) -> Result<Result<(), QueueShutDown<T>>, T> {
        if let Some(outcome) = self.core.abandon_put(&mut self.item, &mut self.waiter) {
            return Ok(outcome);
        }
        match self.item.take() {
            Some(item) => Err(item),
            // Without its item the put already completed; nothing is left to give back.
            None => Ok(Ok(())),
        }
    }
}

impl<T> Future for Put<'_, T> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let polled = this.core.poll_put(&mut this.item, &mut this.waiter, cx);
        weft_coop::note_pending(WaitKind::QueuePut, this.site, polled)
    }
}

// `Put` holds its item by value and never pins it.
impl<T> Unpin for Put<'_, T> {}

impl<T> Drop for Put<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.core.cancel_put(key);
        }
        // The item, if still here, is dropped after this, outside the queue's lock.
    }
}

impl<T> fmt::Debug for Put<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future returned by `get` on [`Queue`](crate::Queue), [`LifoQueue`](crate::LifoQueue)
/// and [`PriorityQueue`](crate::PriorityQueue).
///
/// Waits for an item, FIFO among getters. Dropped before it completes, it never loses an
/// item: one it was promised goes to the next getter or stays in the queue.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let q = weft_sync::Queue::new();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut get = Box::pin(q.get());
/// assert!(get.as_mut().poll(&mut cx).is_pending());
/// q.put_nowait("item").unwrap();
/// assert_eq!(get.as_mut().poll(&mut cx), Poll::Ready(Ok("item")));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T> {
    core: &'a QueueCore<T>,
    waiter: Option<WaiterKey>,
    site: &'static Location<'static>,
}

impl<'a, T> Get<'a, T> {
    #[track_caller]
    pub(crate) fn new(core: &'a QueueCore<T>) -> Self {
        Get {
            core,
            waiter: None,
            site: Location::caller(),
        }
    }

    /// Resolves a get that will not be polled again: `Some(outcome)` if it was served (or
    /// refused) meanwhile, `None` if it was withdrawn.
    pub(crate) fn abandon(&mut self) -> Option<Result<T, QueueShutDown>> {
        self.core.abandon_get(&mut self.waiter)
    }
}

impl<T> Future for Get<'_, T> {
    type Output = Result<T, QueueShutDown>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let polled = this.core.poll_get(&mut this.waiter, cx);
        weft_coop::note_pending(WaitKind::QueueGet, this.site, polled)
    }
}

impl<T> Drop for Get<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.core.cancel_get(key);
        }
    }
}

impl<T> fmt::Debug for Get<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The items of a queue as a `futures_core::Stream`: each is what `get().await` would return,
/// and the stream ends once the queue is shut down and drained. From `stream()` on
/// [`Queue`](crate::Queue), [`LifoQueue`](crate::LifoQueue) and
/// [`PriorityQueue`](crate::PriorityQueue). Dropping it mid-wait is cancel-safe, like dropping
/// a `get`.
///
/// ```
/// use futures_core::Stream;
/// use std::pin::Pin;
/// use std::task::{Context, Poll, Waker};
///
/// let q = weft_sync::Queue::new();
/// q.put_nowait(1).unwrap();
/// q.shutdown(false);
/// let mut items = q.stream();
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(Pin::new(&mut items).poll_next(&mut cx), Poll::Ready(Some(1)));
/// assert_eq!(Pin::new(&mut items).poll_next(&mut cx), Poll::Ready(None));
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct QueueStream<'a, T> {
    core: &'a QueueCore<T>,
    /// Where the stream was made: the site of its gets.
    site: &'static Location<'static>,
    /// The get in flight, between polls.
    next: Option<Get<'a, T>>,
    ended: bool,
}

impl<'a, T> QueueStream<'a, T> {
    #[track_caller]
    pub(crate) fn new(core: &'a QueueCore<T>) -> Self {
        QueueStream {
            core,
            site: Location::caller(),
            next: None,
            ended: false,
        }
    }
}

impl<T> futures_core::Stream for QueueStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let (core, site) = (this.core, this.site);
        let get = this.next.get_or_insert_with(|| Get {
            core,
            waiter: None,
            site,
        });
        let item = std::task::ready!(Pin::new(get).poll(cx));
        this.next = None;
        match item {
            Ok(item) => Poll::Ready(Some(item)),
            Err(_shut_down) => {
                this.ended = true;
                Poll::Ready(None)
            }
        }
    }
}

impl<T> fmt::Debug for QueueStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueStream")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// The future returned by `join` on [`Queue`](crate::Queue), [`LifoQueue`](crate::LifoQueue)
/// and [`PriorityQueue`](crate::PriorityQueue): completes once every item put has been
/// marked done with `task_done`.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let q = weft_sync::Queue::new();
/// q.put_nowait(()).unwrap();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut join = Box::pin(q.join());
/// assert!(join.as_mut().poll(&mut cx).is_pending());
/// q.get_nowait().unwrap();
/// q.task_done().unwrap();
/// assert_eq!(join.as_mut().poll(&mut cx), Poll::Ready(()));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T> {
    core: &'a QueueCore<T>,
    waiter: Option<WaiterKey>,
    site: &'static Location<'static>,
}

impl<'a, T> Join<'a, T> {
    #[track_caller]
    pub(crate) fn new(core: &'a QueueCore<T>) -> Self {
        Join {
            core,
            waiter: None,
            site: Location::caller(),
        }
    }
}

impl<T> Future for Join<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let polled = this.core.poll_join(&mut this.waiter, cx);
        weft_coop::note_pending(WaitKind::QueueJoin, this.site, polled)
    }
}

impl<T> Drop for Join<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.core.cancel_join(key);
        }
    }
}

impl<T> fmt::Debug for Join<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}
