//! The state machine all three queue kinds share.
//!
//! One mutex guards the items, three wait lists (getters, putters, joiners) and the
//! counters, so every operation is one short critical section and a put or get on a queue
//! that can serve it at once never waits or allocates beyond the buffer itself.
//!
//! Waiters are served by *reservation*, never by moving items through wait-list nodes:
//!
//! * A put that finds a getter waiting stores its item in the buffer and promises one item
//!   to the oldest getter (`promised_items += 1`, getter Notified). The getter takes an item
//!   when it runs. Until then no newcomer may take a promised item (`get_nowait` sees only
//!   `len - promised_items`), so getters are served strictly in FIFO order.
//! * A get that frees room in a bounded queue promises that room to the oldest putter
//!   (`promised_room += 1`); the putter's item stays in the putter's future until it runs,
//!   and no newcomer may fill promised room (`full()` counts it).
//! * A waiter dropped after receiving a promise passes it to the next waiter, or returns it.
//!   So a cancelled `get` never loses an item (items never leave the buffer except into a
//!   completing `get`), and a cancelled `put` never inserts its item (it never left the
//!   future).
//!
//! Shutdown notifies every Waiting getter and putter with a `ShutDown` grant; getters keep
//! draining the remaining items first, as asyncio's do. An immediate shutdown also empties
//! the buffer, counting the discarded items as done for `join`.

use std::collections::VecDeque;
use std::fmt;
use std::task::{Context, Poll, Waker, ready};

use super::error::{
    GetNowaitError, PutNowaitError, QueueEmpty, QueueFull, QueueShutDown, TaskDoneError,
};
use super::priority::MinHeap;
use crate::loom::Mutex;
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;

/// The item storage of one queue kind.
pub(crate) enum Buffer<T> {
    /// First in, first out.
    Fifo(VecDeque<T>),
    /// Last in, first out.
    Lifo(Vec<T>),
    /// Lowest first.
    Priority(MinHeap<T>),
}

impl<T> Buffer<T> {
    fn len(&self) -> usize {
        match self {
            Buffer::Fifo(items) => items.len(),
            Buffer::Lifo(items) => items.len(),
            Buffer::Priority(items) => items.len(),
        }
    }

    fn push(&mut self, item: T) {
        match self {
            Buffer::Fifo(items) => items.push_back(item),
            Buffer::Lifo(items) => items.push(item),
            Buffer::Priority(items) => items.push(item),
        }
    }

    fn pop(&mut self) -> Option<T> {
        match self {
            Buffer::Fifo(items) => items.pop_front(),
            Buffer::Lifo(items) => items.pop(),
            Buffer::Priority(items) => items.pop(),
        }
    }

    /// Moves every item out (to be dropped after the lock is released).
    fn take_all(&mut self) -> Buffer<T> {
        match self {
            Buffer::Fifo(items) => Buffer::Fifo(std::mem::take(items)),
            Buffer::Lifo(items) => Buffer::Lifo(std::mem::take(items)),
            Buffer::Priority(items) => Buffer::Priority(items.take_all()),
        }
    }
}

/// What a getter or putter was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Nothing yet (the node is Waiting).
    Waiting,
    /// An item (getter) or room for one (putter) is reserved for it.
    Reserved,
    /// The queue shut down.
    ShutDown,
}

/// The queue proper; the public handles are `Arc`s of it.
pub(crate) struct QueueCore<T> {
    /// 0 means unbounded.
    maxsize: usize,
    state: Mutex<QueueState<T>>,
}

struct QueueState<T> {
    items: Buffer<T>,
    getters: WaitList<Grant>,
    putters: WaitList<Grant>,
    joiners: WaitList<()>,
    /// Items in the buffer reserved for Notified getters.
    promised_items: usize,
    /// Free room reserved for Notified putters.
    promised_room: usize,
    /// Items put and not yet marked done with `task_done`.
    unfinished: usize,
    shut_down: bool,
}

impl<T> QueueState<T> {
    /// Whether a newcomer may add an item now: room that nobody was promised, and no putter
    /// queued ahead.
    fn room_for_newcomer(&self, maxsize: usize) -> bool {
        !self.putters.has_waiting() && self.has_unpromised_room(maxsize)
    }

    fn has_unpromised_room(&self, maxsize: usize) -> bool {
        maxsize == 0 || self.items.len() + self.promised_room < maxsize
    }

    /// Whether a newcomer may take an item now: one that nobody was promised, and no getter
    /// queued ahead.
    fn item_for_newcomer(&self) -> bool {
        !self.getters.has_waiting() && self.items.len() > self.promised_items
    }

    /// Adds an item and promises it to the oldest waiting getter, if any.
    fn admit(&mut self, item: T) -> Option<Waker> {
        self.items.push(item);
        self.unfinished += 1;
        self.promise_item()
    }

    fn promise_item(&mut self) -> Option<Waker> {
        if self.getters.has_waiting() && self.items.len() > self.promised_items {
            self.promised_items += 1;
            self.getters.notify_front(|grant| *grant = Grant::Reserved)
        } else {
            None
        }
    }

    /// Takes an item and promises the freed room to the oldest waiting putter, if any.
    fn take(&mut self, maxsize: usize) -> Option<(T, Option<Waker>)> {
        let item = self.items.pop()?;
        Some((item, self.promise_room(maxsize)))
    }

    fn promise_room(&mut self, maxsize: usize) -> Option<Waker> {
        if self.putters.has_waiting() && self.has_unpromised_room(maxsize) {
            self.promised_room += 1;
            self.putters.notify_front(|grant| *grant = Grant::Reserved)
        } else {
            None
        }
    }

    /// Completes a Notified putter: adds its item unless the queue shut down meanwhile.
    fn finish_put(
        &mut self,
        grant: Grant,
        item: T,
    ) -> (Result<(), QueueShutDown<T>>, Option<Waker>) {
        if grant == Grant::Reserved {
            self.promised_room -= 1;
        }
        if grant == Grant::Reserved && !self.shut_down {
            let waker = self.admit(item);
            (Ok(()), waker)
        } else {
            (Err(QueueShutDown(item)), None)
        }
    }

    /// Completes a Notified getter: takes its promised item, or — woken by a shutdown — an
    /// item nobody was promised (one a cancelled getter gave back after the shutdown woke
    /// everyone): asyncio's getters drain the queue before they see `QueueShutDown`.
    fn finish_get(
        &mut self,
        grant: Grant,
        maxsize: usize,
    ) -> (Result<T, QueueShutDown>, Option<Waker>) {
        let may_take = match grant {
            Grant::Reserved => {
                self.promised_items -= 1;
                true
            }
            Grant::ShutDown => self.items.len() > self.promised_items,
            Grant::Waiting => false,
        };
        if may_take && let Some((item, waker)) = self.take(maxsize) {
            return (Ok(item), waker);
        }
        (Err(QueueShutDown(())), None)
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        crate::wake_batch::wake(waker);
    }
}

impl<T> QueueCore<T> {
    pub(crate) fn new(items: Buffer<T>, maxsize: usize) -> Self {
        QueueCore {
            maxsize,
            state: Mutex::new(QueueState {
                items,
                getters: WaitList::new(),
                putters: WaitList::new(),
                joiners: WaitList::new(),
                promised_items: 0,
                promised_room: 0,
                unfinished: 0,
                shut_down: false,
            }),
        }
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.maxsize
    }

    pub(crate) fn qsize(&self) -> usize {
        self.state.lock().items.len()
    }

    pub(crate) fn full(&self) -> bool {
        let state = self.state.lock();
        !state.has_unpromised_room(self.maxsize)
    }

    pub(crate) fn put_nowait(&self, item: T) -> Result<(), PutNowaitError<T>> {
        let mut state = self.state.lock();
        if state.shut_down {
            return Err(PutNowaitError::ShutDown(QueueShutDown(item)));
        }
        if !state.room_for_newcomer(self.maxsize) {
            return Err(PutNowaitError::Full(QueueFull(item)));
        }
        let waker = state.admit(item);
        drop(state);
        wake(waker);
        Ok(())
    }

    pub(crate) fn get_nowait(&self) -> Result<T, GetNowaitError> {
        let mut state = self.state.lock();
        if state.item_for_newcomer()
            && let Some((item, waker)) = state.take(self.maxsize)
        {
            drop(state);
            wake(waker);
            return Ok(item);
        }
        if state.shut_down {
            Err(GetNowaitError::ShutDown(QueueShutDown(())))
        } else {
            Err(GetNowaitError::Empty(QueueEmpty))
        }
    }

    /// Polls a put of `item` (taken out when it is added or refused) whose wait-list slot, if
    /// any, is `waiter`.
    pub(crate) fn poll_put(
        &self,
        item: &mut Option<T>,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), QueueShutDown<T>>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        let (outcome, waker) = match waiter.take() {
            None => {
                let Some(value) = item.take() else {
                    panic!("queue Put future polled after it completed");
                };
                if state.shut_down {
                    (Err(QueueShutDown(value)), None)
                } else if state.room_for_newcomer(self.maxsize) {
                    (Ok(()), state.admit(value))
                } else {
                    *item = Some(value);
                    *waiter = Some(state.putters.push_back(Grant::Waiting, cx.waker()));
                    return Poll::Pending;
                }
            }
            Some(key) => {
                if !state.putters.is_notified(&key) {
                    state.putters.register_waker(&key, cx.waker());
                    *waiter = Some(key);
                    return Poll::Pending;
                }
                let grant = state.putters.remove(key).payload;
                let Some(value) = item.take() else {
                    // A queued put always still holds its item: it is only taken here.
                    unreachable!("queued Put lost its item");
                };
                state.finish_put(grant, value)
            }
        };
        drop(state);
        wake(waker);
        progress.made_progress();
        Poll::Ready(outcome)
    }

    /// Resolves a put that will not be polled again (a timed-out blocking put): completes it
    /// if it was granted room or refused meanwhile, otherwise withdraws it, leaving the item
    /// in `item`.
    pub(crate) fn abandon_put(
        &self,
        item: &mut Option<T>,
        waiter: &mut Option<WaiterKey>,
    ) -> Option<Result<(), QueueShutDown<T>>> {
        let key = waiter.take()?;
        let mut state = self.state.lock();
        let removed = state.putters.remove(key);
        if !removed.notified {
            return None;
        }
        let value = item.take()?;
        let (outcome, waker) = state.finish_put(removed.payload, value);
        drop(state);
        wake(waker);
        Some(outcome)
    }

    /// Withdraws a put being dropped; room it was promised goes to the next putter.
    pub(crate) fn cancel_put(&self, key: WaiterKey) {
        let mut state = self.state.lock();
        let removed = state.putters.remove(key);
        let waker = if removed.notified && removed.payload == Grant::Reserved {
            state.promised_room -= 1;
            state.promise_room(self.maxsize)
        } else {
            None
        };
        drop(state);
        wake(waker);
    }

    /// Polls a get whose wait-list slot, if any, is `waiter`.
    pub(crate) fn poll_get(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, QueueShutDown>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        let (outcome, waker) = match waiter.take() {
            None => {
                if state.item_for_newcomer()
                    && let Some((item, waker)) = state.take(self.maxsize)
                {
                    (Ok(item), waker)
                } else if state.shut_down {
                    (Err(QueueShutDown(())), None)
                } else {
                    *waiter = Some(state.getters.push_back(Grant::Waiting, cx.waker()));
                    return Poll::Pending;
                }
            }
            Some(key) => {
                if !state.getters.is_notified(&key) {
                    state.getters.register_waker(&key, cx.waker());
                    *waiter = Some(key);
                    return Poll::Pending;
                }
                let grant = state.getters.remove(key).payload;
                state.finish_get(grant, self.maxsize)
            }
        };
        drop(state);
        wake(waker);
        progress.made_progress();
        Poll::Ready(outcome)
    }

    /// Resolves a get that will not be polled again (a timed-out blocking get): takes its
    /// promised item if it was granted one meanwhile, otherwise withdraws it.
    pub(crate) fn abandon_get(
        &self,
        waiter: &mut Option<WaiterKey>,
    ) -> Option<Result<T, QueueShutDown>> {
        let key = waiter.take()?;
        let mut state = self.state.lock();
        let removed = state.getters.remove(key);
        if !removed.notified {
            return None;
        }
        let (outcome, waker) = state.finish_get(removed.payload, self.maxsize);
        drop(state);
        wake(waker);
        Some(outcome)
    }

    /// Withdraws a get being dropped; an item it was promised goes to the next getter (or
    /// back to everyone).
    pub(crate) fn cancel_get(&self, key: WaiterKey) {
        let mut state = self.state.lock();
        let removed = state.getters.remove(key);
        let waker = if removed.notified && removed.payload == Grant::Reserved {
            state.promised_items -= 1;
            state.promise_item()
        } else {
            None
        };
        drop(state);
        wake(waker);
    }

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let wakers = {
            let mut state = self.state.lock();
            if state.unfinished == 0 {
                return Err(TaskDoneError);
            }
            state.unfinished -= 1;
            if state.unfinished > 0 || !state.joiners.has_waiting() {
                return Ok(());
            }
            let mut wakers = WakeBatch::new();
            state.joiners.notify_all(&mut wakers, |()| {});
            wakers
        };
        wakers.wake_all();
        Ok(())
    }

    /// Polls a `join` whose wait-list slot, if any, is `waiter`.
    pub(crate) fn poll_join(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        match waiter.take() {
            None if state.unfinished > 0 => {
                *waiter = Some(state.joiners.push_back((), cx.waker()));
                return Poll::Pending;
            }
            None => {}
            Some(key) => {
                if !state.joiners.is_notified(&key) {
                    state.joiners.register_waker(&key, cx.waker());
                    *waiter = Some(key);
                    return Poll::Pending;
                }
                state.joiners.remove(key);
            }
        }
        drop(state);
        progress.made_progress();
        Poll::Ready(())
    }

    pub(crate) fn cancel_join(&self, key: WaiterKey) {
        self.state.lock().joiners.remove(key);
    }

    pub(crate) fn shutdown(&self, immediate: bool) {
        let mut wakers = WakeBatch::new();
        let discarded = {
            let mut state = self.state.lock();
            state.shut_down = true;
            let discarded = immediate.then(|| state.items.take_all());
            if let Some(discarded) = &discarded {
                state.unfinished = state.unfinished.saturating_sub(discarded.len());
                if state.unfinished == 0 {
                    state.joiners.notify_all(&mut wakers, |()| {});
                }
            }
            state
                .getters
                .notify_all(&mut wakers, |grant| *grant = Grant::ShutDown);
            state
                .putters
                .notify_all(&mut wakers, |grant| *grant = Grant::ShutDown);
            discarded
        };
        wakers.wake_all();
        // The discarded items are dropped here, outside the lock.
        drop(discarded);
    }

    pub(crate) fn unfinished(&self) -> usize {
        self.state.lock().unfinished
    }
}

impl<T> fmt::Debug for QueueCore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("QueueCore")
            .field("qsize", &state.items.len())
            .field("maxsize", &self.maxsize)
            .field("unfinished", &state.unfinished)
            .field("getters", &state.getters)
            .field("putters", &state.putters)
            .field("shut_down", &state.shut_down)
            .finish()
    }
}
