//! The state every handle of one channel shares: the message queue, the room count, the
//! receiver's waker and the FIFO of senders waiting for room, all under one mutex.
//!
//! Invariants (all changed under the mutex, bounded channels only for the first two):
//!
//! * `room + queue.len() + permits + (senders Notified with Room) == bound`: a slot is free,
//!   holds a message, is held by a live [`Permit`](super::Permit), or is promised to a
//!   queued sender that has not run yet.
//! * `room > 0` implies no sender is Waiting: freed room goes straight to the oldest waiting
//!   sender ([`State::release_slot`]), so a newcomer can never take room a queued sender is
//!   owed.
//! * Once `rx_closed` is set no sender joins the wait list, and every Waiting one has been
//!   notified with [`Grant::Closed`]; so a slot freed after the close always returns to
//!   `room`.
//!
//! The receiver is unique (`recv` takes `&mut self`), so it needs no wait list: its waker
//! sits in one `Option`, and the first send that finds it there takes it and wakes it after
//! unlocking. Later sends see `None` and wake nobody until the receiver parks again: one wake
//! per park, however many messages arrive meanwhile.

use std::collections::VecDeque;
use std::fmt;
use std::task::{Context, Poll, Waker, ready};

use super::error::{SendError, TryRecvError, TrySendError};
use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;

/// What a sender waiting for room was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Nothing yet (the node is Waiting).
    Waiting,
    /// One slot is reserved for it.
    Room,
    /// The receiver closed the channel or was dropped.
    Closed,
}

/// The outcome of a sender's attempt to take a slot.
enum Slot {
    /// A slot now belongs to the caller.
    Acquired,
    /// The channel is closed; the waker (if any) belongs to a sender that received the slot
    /// the caller gave back.
    Closed(Option<Waker>),
    /// Queued; the caller's waker is stored.
    Pending,
}

/// One channel; every handle holds an `Arc` of it.
pub(super) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Live strong senders. Counted outside the mutex so cloning and dropping a sender that
    /// is not the last cost one atomic operation.
    senders: AtomicUsize,
    /// `Some(capacity)` for a bounded channel.
    bound: Option<usize>,
}

struct State<T> {
    queue: VecDeque<T>,
    /// Free slots nobody holds or is owed (bounded channels only).
    room: usize,
    /// Live `Permit`s and `OwnedPermit`s: slots whose message is still to come.
    permits: usize,
    /// The receiver's waker while it waits for a message.
    rx_waker: Option<Waker>,
    /// Senders waiting for room, oldest first.
    send_waiters: WaitList<Grant>,
    /// `Sender::closed` callers.
    close_waiters: WaitList<()>,
    /// The receiver was dropped or called `close`: no new sends.
    rx_closed: bool,
    /// The receiver was dropped: nothing will ever be received again.
    rx_dropped: bool,
    /// Every strong sender is gone.
    tx_gone: bool,
}

impl<T> State<T> {
    /// Gives one slot back: to the oldest waiting sender, or to `room`.
    fn release_slot(&mut self) -> Option<Waker> {
        let waker = self.send_waiters.notify_front(|grant| *grant = Grant::Room);
        if waker.is_none() {
            self.room += 1;
        }
        waker
    }

    /// One step of a bounded send or reserve whose wait-list slot, if any, is `waiter`.
    fn acquire_slot(&mut self, waiter: &mut Option<WaiterKey>, cx: &Context<'_>) -> Slot {
        match waiter.take() {
            None => {
                if self.rx_closed {
                    Slot::Closed(None)
                } else if self.room > 0 {
                    // `room > 0` implies nobody is queued (see the invariants).
                    self.room -= 1;
                    Slot::Acquired
                } else {
                    *waiter = Some(self.send_waiters.push_back(Grant::Waiting, cx.waker()));
                    Slot::Pending
                }
            }
            Some(key) => {
                if !self.send_waiters.is_notified(&key) {
                    self.send_waiters.register_waker(&key, cx.waker());
                    *waiter = Some(key);
                    return Slot::Pending;
                }
                match self.send_waiters.remove(key).payload {
                    // Granted room, but the receiver closed before this sender ran: a send
                    // after the close fails, so the slot goes back.
                    Grant::Room if self.rx_closed => Slot::Closed(self.release_slot()),
                    Grant::Room => Slot::Acquired,
                    Grant::Closed | Grant::Waiting => Slot::Closed(None),
                }
            }
        }
    }

    /// Queues a message (or, if the receiver is gone, hands it back to be dropped after
    /// unlocking) and takes the receiver's waker.
    fn push(&mut self, value: T) -> Result<Option<Waker>, T> {
        if self.rx_dropped {
            return Err(value);
        }
        self.queue.push_back(value);
        Ok(self.rx_waker.take())
    }

    /// Whether no message can arrive any more (with the queue empty).
    fn drained(&self) -> bool {
        self.tx_gone || (self.rx_closed && self.permits == 0)
    }

    fn register_rx(&mut self, cx: &Context<'_>) {
        match &mut self.rx_waker {
            Some(stored) if stored.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        crate::wake_batch::wake(waker);
    }
}

impl<T> Chan<T> {
    /// A channel with one strong sender; `bound` is `Some(capacity)` for a bounded one.
    pub(super) fn new(bound: Option<usize>) -> Self {
        Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                room: bound.unwrap_or(0),
                permits: 0,
                rx_waker: None,
                send_waiters: WaitList::new(),
                close_waiters: WaitList::new(),
                rx_closed: false,
                rx_dropped: false,
                tx_gone: false,
            }),
            senders: AtomicUsize::new(1),
            bound,
        }
    }

    // ----- senders ----------------------------------------------------------------------

    /// Counts one more strong sender (a clone).
    pub(super) fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one more strong sender if any is still alive (a weak sender's upgrade): once
    /// the count has reached zero the channel stays sender-less for good.
    pub(super) fn upgrade_sender(&self) -> bool {
        let mut count = self.senders.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            match self.senders.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => count = actual,
            }
        }
    }

    /// Forgets one strong sender; the last one closes the sending side and wakes the
    /// receiver so that `recv` can return `None` once the queue is drained.
    pub(super) fn drop_sender(&self) {
        // AcqRel: the last sender's drop must see every other sender's sends as done, which
        // the mutex below then publishes to the receiver.
        if self.senders.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let waker = {
            let mut state = self.state.lock();
            state.tx_gone = true;
            state.rx_waker.take()
        };
        wake(waker);
    }

    /// Polls a bounded send of `value` (taken out when it is queued or refused).
    pub(super) fn poll_send(
        &self,
        value: &mut Option<T>,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        assert!(
            value.is_some(),
            "mpsc send future polled after it completed"
        );
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        let (outcome, waker) = match state.acquire_slot(waiter, cx) {
            Slot::Pending => return Poll::Pending,
            Slot::Acquired => match value.take().map(|value| state.push(value)) {
                Some(Ok(waker)) => (Ok(()), waker),
                // `rx_dropped` implies `rx_closed`, which `acquire_slot` checked under this
                // same lock; `value` was checked above. Nothing to deliver either way.
                Some(Err(_)) | None => unreachable!("slot acquired on a dropped channel"),
            },
            Slot::Closed(waker) => match value.take() {
                Some(value) => (Err(SendError(value)), waker),
                None => unreachable!("checked on entry"),
            },
        };
        drop(state);
        wake(waker);
        progress.made_progress();
        Poll::Ready(outcome)
    }

    /// Polls a reservation: on `Ok` one slot (and one live permit) belongs to the caller.
    pub(super) fn poll_reserve(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<()>>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        let (outcome, waker) = match state.acquire_slot(waiter, cx) {
            Slot::Pending => return Poll::Pending,
            Slot::Acquired => {
                state.permits += 1;
                (Ok(()), None)
            }
            Slot::Closed(waker) => (Err(SendError(())), waker),
        };
        drop(state);
        wake(waker);
        progress.made_progress();
        Poll::Ready(outcome)
    }

    /// Withdraws a send or reservation being dropped; room it was granted goes to the next
    /// waiting sender.
    pub(super) fn cancel_send(&self, key: WaiterKey) {
        let waker = {
            let mut state = self.state.lock();
            let removed = state.send_waiters.remove(key);
            if removed.notified && removed.payload == Grant::Room {
                state.release_slot()
            } else {
                None
            }
        };
        wake(waker);
    }

    /// A bounded send that does not wait.
    pub(super) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut state = self.state.lock();
        if state.rx_closed {
            return Err(TrySendError::Closed(value));
        }
        if state.room == 0 {
            return Err(TrySendError::Full(value));
        }
        state.room -= 1;
        let pushed = state.push(value);
        drop(state);
        match pushed {
            Ok(waker) => wake(waker),
            // `rx_dropped` implies `rx_closed`, checked above under the same lock.
            Err(_) => unreachable!("sent on a dropped channel"),
        }
        Ok(())
    }

    /// A reservation that does not wait; on `Ok` one slot and one permit are the caller's.
    pub(super) fn try_reserve(&self) -> Result<(), TrySendError<()>> {
        let mut state = self.state.lock();
        if state.rx_closed {
            return Err(TrySendError::Closed(()));
        }
        if state.room == 0 {
            return Err(TrySendError::Full(()));
        }
        state.room -= 1;
        state.permits += 1;
        Ok(())
    }

    /// An unbounded send: never waits.
    pub(super) fn send_unbounded(&self, value: T) -> Result<(), SendError<T>> {
        let mut state = self.state.lock();
        if state.rx_closed {
            return Err(SendError(value));
        }
        let pushed = state.push(value);
        drop(state);
        match pushed {
            Ok(waker) => wake(waker),
            Err(_) => unreachable!("sent on a dropped channel"),
        }
        Ok(())
    }

    /// Delivers a permit's message. Never fails: after a `close` the message is still
    /// received; after the receiver is dropped it is dropped here, outside the lock.
    pub(super) fn send_permitted(&self, value: T) {
        let mut state = self.state.lock();
        state.permits -= 1;
        let pushed = state.push(value);
        drop(state);
        match pushed {
            Ok(waker) => wake(waker),
            Err(value) => drop(value),
        }
    }

    /// Returns an unused permit's slot, to the next waiting sender or to the room. With the
    /// channel closed this may be the last outstanding permit a parked `recv` waits out.
    pub(super) fn release_permit(&self) {
        let mut state = self.state.lock();
        state.permits -= 1;
        let sender = state.release_slot();
        let receiver = if state.rx_closed {
            state.rx_waker.take()
        } else {
            None
        };
        drop(state);
        wake(sender);
        wake(receiver);
    }

    /// Polls `Sender::closed`: ready once the receiver is dropped or closed.
    pub(super) fn poll_closed(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        match waiter.take() {
            None if !state.rx_closed => {
                *waiter = Some(state.close_waiters.push_back((), cx.waker()));
                return Poll::Pending;
            }
            Some(key) if !state.close_waiters.is_notified(&key) => {
                state.close_waiters.register_waker(&key, cx.waker());
                *waiter = Some(key);
                return Poll::Pending;
            }
            Some(key) => {
                state.close_waiters.remove(key);
            }
            None => {}
        }
        drop(state);
        progress.made_progress();
        Poll::Ready(())
    }

    /// Withdraws a `Sender::closed` being dropped (nothing to hand on: a close wakes all).
    pub(super) fn cancel_closed(&self, key: WaiterKey) {
        self.state.lock().close_waiters.remove(key);
    }

    /// Whether the receiver was dropped or closed.
    pub(super) fn is_rx_closed(&self) -> bool {
        self.state.lock().rx_closed
    }

    // ----- the receiver -------------------------------------------------------------------

    /// Takes the next message, returning its slot; `Ok(None)` means the channel is drained
    /// and closed, `Err(())` that it is merely empty.
    fn take_locked(&self, state: &mut State<T>) -> Result<Option<(T, Option<Waker>)>, ()> {
        match state.queue.pop_front() {
            Some(value) => {
                let waker = if self.bound.is_some() {
                    state.release_slot()
                } else {
                    None
                };
                Ok(Some((value, waker)))
            }
            None if state.drained() => Ok(None),
            None => Err(()),
        }
    }

    /// Polls for the next message; `None` once the channel is closed and drained.
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        let taken = match self.take_locked(&mut state) {
            Ok(taken) => taken,
            Err(()) => {
                state.register_rx(cx);
                return Poll::Pending;
            }
        };
        drop(state);
        progress.made_progress();
        Poll::Ready(taken.map(|(value, waker)| {
            wake(waker);
            value
        }))
    }

    /// Polls for up to `limit` messages at once, appended to `buffer`; `0` once the channel
    /// is closed and drained (or when `limit` is 0).
    pub(super) fn poll_recv_many(
        &self,
        buffer: &mut Vec<T>,
        limit: usize,
        cx: &mut Context<'_>,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut wakers = WakeBatch::new();
        let mut state = self.state.lock();
        let count = limit.min(state.queue.len());
        if count == 0 {
            if !state.drained() {
                state.register_rx(cx);
                return Poll::Pending;
            }
        } else {
            buffer.extend(state.queue.drain(..count));
            if self.bound.is_some() {
                for _ in 0..count {
                    if let Some(waker) = state.release_slot() {
                        wakers.push(waker);
                    }
                }
            }
        }
        drop(state);
        wakers.wake_all();
        progress.made_progress();
        Poll::Ready(count)
    }

    /// A receive that does not wait.
    pub(super) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = self.state.lock();
        match self.take_locked(&mut state) {
            Ok(Some((value, waker))) => {
                drop(state);
                wake(waker);
                Ok(value)
            }
            Ok(None) => Err(TryRecvError::Disconnected),
            Err(()) => Err(TryRecvError::Empty),
        }
    }

    /// `Receiver::close`: refuses new sends and wakes every waiting sender and `closed`
    /// caller; queued messages and outstanding permits still deliver.
    pub(super) fn close(&self) {
        let mut wakers = WakeBatch::new();
        self.close_locked(&mut self.state.lock(), &mut wakers);
        wakers.wake_all();
    }

    fn close_locked(&self, state: &mut State<T>, wakers: &mut WakeBatch) {
        if state.rx_closed {
            return;
        }
        state.rx_closed = true;
        state
            .send_waiters
            .notify_all(wakers, |grant| *grant = Grant::Closed);
        state.close_waiters.notify_all(wakers, |()| {});
    }

    /// The receiver is gone: closes the channel and drops every queued message (after
    /// unlocking, since a message's `Drop` is the user's code).
    pub(super) fn drop_receiver(&self) {
        let mut wakers = WakeBatch::new();
        let queued = {
            let mut state = self.state.lock();
            self.close_locked(&mut state, &mut wakers);
            state.rx_dropped = true;
            state.rx_waker = None;
            std::mem::take(&mut state.queue)
        };
        wakers.wake_all();
        drop(queued);
    }

    /// Whether the receiver will see no more messages once the queue drains.
    pub(super) fn is_closed_for_rx(&self) -> bool {
        let state = self.state.lock();
        state.rx_closed || state.tx_gone
    }

    // ----- gauges -------------------------------------------------------------------------

    /// Free slots right now (`usize::MAX` would be meaningless for an unbounded channel, so
    /// callers only ask bounded ones).
    pub(super) fn capacity(&self) -> usize {
        self.state.lock().room
    }

    /// The capacity the channel was created with.
    pub(super) fn max_capacity(&self) -> usize {
        self.bound.unwrap_or(usize::MAX)
    }

    /// Messages queued.
    pub(super) fn len(&self) -> usize {
        self.state.lock().queue.len()
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Chan")
            .field("len", &state.queue.len())
            .field("bound", &self.bound)
            .field("rx_closed", &state.rx_closed)
            .field("senders", &self.senders.load(Ordering::Relaxed))
            .finish()
    }
}
