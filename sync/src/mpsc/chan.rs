//! The state every handle of one channel shares, and the protocols between the senders and
//! the receiver. The messages themselves live in the lock-free [`List`](super::list); this
//! file adds room (bounded channels), closing, and waking.
//!
//! # The words
//!
//! * `list`: the message queue; its tail word also says "no more messages after position
//!   P" (`CLOSED`), set when the last strong sender goes, or when an unbounded channel's
//!   receiver closes.
//! * `room` (bounded channels): `free << 2 | WAITERS | CLOSED`. A send with room takes it
//!   with one compare-exchange (`free - 1`) and never locks.
//! * `rx_waker`: the receiver's waker ([`RxWaker`]); a send to a receiver that is not
//!   parked costs a fence and a load.
//! * `state`: `RX_CLOSED | RX_DROPPED | TX_GONE`, for the questions (`is_closed`) and the
//!   rare paths.
//! * `waiters`: a mutex over the crate's FIFO wait lists: senders waiting for room, and
//!   `Sender::closed` callers. Only a sender that finds no room, or a release that finds
//!   senders waiting, takes it.
//!
//! # Room: the invariants
//!
//! A bounded channel's slots are each free (counted in `room`), held by a queued message,
//! by a live [`Permit`](super::Permit), by a send between taking room and pushing, or
//! granted to a waiting sender that has not run yet (counted in `Waiters::granted`):
//!
//! * `WAITERS` is set exactly while the send wait list has Waiting nodes (changed only
//!   under the mutex). While it is set no sender takes room without the mutex, so a
//!   newcomer can never barge past a queued sender.
//! * `WAITERS` is set only by a compare-exchange from a word with `free == 0`; from then on
//!   every increase of `free` is made by a release that saw `WAITERS` and so takes the mutex
//!   and hands the slot to the oldest waiting sender ([`Chan::hand_over`]). Hence
//!   `free > 0` with `WAITERS` set is a transient state with a hand-over on its way.
//! * `CLOSED` is set under the mutex, clearing `WAITERS` and granting every waiting sender
//!   `Closed` in the same critical section; after it nobody takes room, so room only comes
//!   back. A bounded receiver that was closed is done when its queue is empty and every
//!   slot is free or granted to a sender that will give it back (`free + granted == bound`,
//!   read under the mutex); a slot given back after the close wakes the receiver.
//!
//! # Who wakes whom
//!
//! A push, the last sender's close and a release after `CLOSED` wake the receiver through
//! [`RxWaker::wake`]; the receiver registers, then looks again (see `rx_waker.rs` for why
//! no wake is lost). Room handed to a waiting sender and a close wake senders through the
//! wait list, after unlocking.

use std::fmt;
use std::task::{Context, Poll, Waker, ready};

use super::error::{SendError, TryRecvError, TrySendError};
use super::list::{List, Pop};
use super::rx_waker::RxWaker;
use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;
use crossbeam_utils::CachePadded;

/// `room` flag: the receiver closed or was dropped; nobody takes room any more.
const ROOM_CLOSED: usize = 0b01;
/// `room` flag: senders are queued for room; releases must hand it to them.
const ROOM_WAITERS: usize = 0b10;
/// One free slot in `room`.
const ROOM_ONE: usize = 0b100;

/// `state` flag: the receiver was dropped or called `close`: no new sends.
const RX_CLOSED: usize = 0b001;
/// `state` flag: the receiver was dropped: nothing will be received again.
const RX_DROPPED: usize = 0b010;
/// `state` flag: every strong sender is gone.
const TX_GONE: usize = 0b100;

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

/// The outcome of a try for room without waiting.
enum Fast {
    Acquired,
    /// No free slot, or senders queued ahead.
    Full,
    Closed,
}

/// One channel; every handle holds an `Arc` of it.
pub(super) struct Chan<T> {
    list: List<T>,
    /// Bounded channels: see the module docs. Written by senders and the receiver.
    room: CachePadded<AtomicUsize>,
    /// Read by every send; written when the receiver parks.
    rx_waker: CachePadded<RxWaker>,
    state: AtomicUsize,
    /// Live strong senders: cloning and dropping a sender that is not the last cost one
    /// atomic operation.
    senders: AtomicUsize,
    /// `Some(capacity)` for a bounded channel.
    bound: Option<usize>,
    waiters: Mutex<Waiters>,
}

struct Waiters {
    /// Senders waiting for room, oldest first.
    send: WaitList<Grant>,
    /// Senders granted `Room` that have not collected it (polled or dropped) yet.
    granted: usize,
    /// `Sender::closed` callers.
    closed: WaitList<()>,
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        crate::wake_batch::wake(waker);
    }
}

impl<T> Chan<T> {
    /// A channel with one strong sender; `bound` is `Some(capacity)` for a bounded one.
    pub(super) fn new(bound: Option<usize>) -> Self {
        let free = bound.unwrap_or(0);
        assert!(
            free <= usize::MAX / ROOM_ONE,
            "mpsc::channel: the buffer size is too large"
        );
        Chan {
            list: List::new(),
            room: CachePadded::new(AtomicUsize::new(free * ROOM_ONE)),
            rx_waker: CachePadded::new(RxWaker::new()),
            state: AtomicUsize::new(0),
            senders: AtomicUsize::new(1),
            bound,
            waiters: Mutex::new(Waiters {
                send: WaitList::new(),
                granted: 0,
                closed: WaitList::new(),
            }),
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

    /// Forgets one strong sender; the last one closes the list's tail and wakes the
    /// receiver so that `recv` can return `None` once the queue is drained.
    pub(super) fn drop_sender(&self) {
        // AcqRel: the last sender's drop must see every other sender's pushes as done; the
        // list's close then publishes them to the receiver.
        if self.senders.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        self.state.fetch_or(TX_GONE, Ordering::Release);
        self.list.close();
        self.rx_waker.wake();
    }

    /// Queues a message whose room (if bounded) the caller holds, and wakes the receiver.
    fn deliver(&self, value: T) {
        self.list.push(value);
        self.rx_waker.wake();
    }

    /// Takes a free slot without locking, unless senders are queued or the channel is
    /// closed.
    fn try_acquire(&self) -> Fast {
        let mut room = self.room.load(Ordering::Relaxed);
        loop {
            if room & ROOM_CLOSED != 0 {
                return Fast::Closed;
            }
            if room & ROOM_WAITERS != 0 || room < ROOM_ONE {
                return Fast::Full;
            }
            match self.room.compare_exchange_weak(
                room,
                room - ROOM_ONE,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Fast::Acquired,
                Err(actual) => room = actual,
            }
        }
    }

    /// One step of a bounded send or reserve whose wait-list slot, if any, is `waiter`:
    /// `Ok` once a slot belongs to the caller, `Err` if the channel is closed.
    fn poll_acquire(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &Context<'_>,
    ) -> Poll<Result<(), ()>> {
        if waiter.is_none() {
            match self.try_acquire() {
                Fast::Acquired => return Poll::Ready(Ok(())),
                Fast::Closed => return Poll::Ready(Err(())),
                Fast::Full => {}
            }
        }
        let mut waiters = self.waiters.lock();
        let Some(key) = waiter.take() else {
            // Join the queue, unless room appeared or the channel closed meanwhile.
            let mut room = self.room.load(Ordering::Acquire);
            loop {
                if room & ROOM_CLOSED != 0 {
                    return Poll::Ready(Err(()));
                }
                if room & ROOM_WAITERS != 0 {
                    // Queued senders (and any room on its way to them) come first.
                    break;
                }
                let (next, took) = if room >= ROOM_ONE {
                    (room - ROOM_ONE, true)
                } else {
                    // Announce the queue; only from `free == 0` (module docs).
                    (room | ROOM_WAITERS, false)
                };
                match self
                    .room
                    .compare_exchange(room, next, Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) if took => return Poll::Ready(Ok(())),
                    Ok(_) => break,
                    Err(actual) => room = actual,
                }
            }
            *waiter = Some(waiters.send.push_back(Grant::Waiting, cx.waker()));
            return Poll::Pending;
        };
        if !waiters.send.is_notified(&key) {
            waiters.send.register_waker(&key, cx.waker());
            *waiter = Some(key);
            return Poll::Pending;
        }
        match waiters.send.remove(key).payload {
            Grant::Room => {
                waiters.granted -= 1;
                if self.room.load(Ordering::Acquire) & ROOM_CLOSED == 0 {
                    return Poll::Ready(Ok(()));
                }
                // Granted room, but the receiver closed before this sender ran: a send
                // after the close fails, so the slot goes back (and may be the last one a
                // closed receiver waits for).
                let waker = self.release_locked(&mut waiters);
                drop(waiters);
                wake(waker);
                self.rx_waker.wake();
                Poll::Ready(Err(()))
            }
            Grant::Closed | Grant::Waiting => Poll::Ready(Err(())),
        }
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
        let acquired = ready!(self.poll_acquire(waiter, cx));
        let Some(value) = value.take() else {
            unreachable!("checked on entry")
        };
        let outcome = match acquired {
            Ok(()) => {
                self.deliver(value);
                Ok(())
            }
            Err(()) => Err(SendError(value)),
        };
        progress.made_progress();
        Poll::Ready(outcome)
    }

    /// Polls a reservation: on `Ok` one slot belongs to the caller (a permit).
    pub(super) fn poll_reserve(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<()>>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let acquired = ready!(self.poll_acquire(waiter, cx));
        progress.made_progress();
        Poll::Ready(acquired.map_err(|()| SendError(())))
    }

    /// Withdraws a send or reservation being dropped; room it was granted goes to the next
    /// waiting sender.
    pub(super) fn cancel_send(&self, key: WaiterKey) {
        let mut waiters = self.waiters.lock();
        let removed = waiters.send.remove(key);
        let waker = if removed.notified && removed.payload == Grant::Room {
            waiters.granted -= 1;
            self.release_locked(&mut waiters)
        } else {
            if !waiters.send.has_waiting() {
                self.room.fetch_and(!ROOM_WAITERS, Ordering::AcqRel);
            }
            None
        };
        let closed = self.room.load(Ordering::Relaxed) & ROOM_CLOSED != 0;
        drop(waiters);
        wake(waker);
        if closed {
            self.rx_waker.wake();
        }
    }

    /// Gives one slot back under the mutex: to the oldest waiting sender, or to `free`.
    fn release_locked(&self, waiters: &mut Waiters) -> Option<Waker> {
        match waiters.send.notify_front(|grant| *grant = Grant::Room) {
            Some(waker) => {
                waiters.granted += 1;
                if !waiters.send.has_waiting() {
                    self.room.fetch_and(!ROOM_WAITERS, Ordering::AcqRel);
                }
                Some(waker)
            }
            None => {
                // Nobody waiting, so `WAITERS` is clear: the slot is simply free.
                self.room.fetch_add(ROOM_ONE, Ordering::AcqRel);
                None
            }
        }
    }

    /// Returns `count` slots without the mutex, unless senders are waiting for them.
    /// `wake_rx` for releases other than the receiver's own: after a close the receiver may
    /// be waiting for the last slot to come back.
    fn release(&self, count: usize, wake_rx: bool) {
        let before = self.room.fetch_add(count * ROOM_ONE, Ordering::AcqRel);
        if before & ROOM_WAITERS != 0 {
            self.hand_over();
        }
        if wake_rx && before & ROOM_CLOSED != 0 {
            self.rx_waker.wake();
        }
    }

    /// Moves free room to waiting senders, oldest first (a release saw `WAITERS`).
    #[cold]
    fn hand_over(&self) {
        let mut wakers = WakeBatch::new();
        let mut waiters = self.waiters.lock();
        loop {
            if !waiters.send.has_waiting() {
                self.room.fetch_and(!ROOM_WAITERS, Ordering::AcqRel);
                break;
            }
            // Only releases change `free` while `WAITERS` is set and we hold the mutex, and
            // they only add: a slot seen here stays ours to give.
            if self.room.load(Ordering::Acquire) < ROOM_ONE {
                break;
            }
            self.room.fetch_sub(ROOM_ONE, Ordering::AcqRel);
            if let Some(waker) = waiters.send.notify_front(|grant| *grant = Grant::Room) {
                waiters.granted += 1;
                wakers.push(waker);
            }
        }
        drop(waiters);
        wakers.wake_all();
    }

    /// A bounded send that does not wait.
    pub(super) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.try_acquire() {
            Fast::Acquired => {
                self.deliver(value);
                Ok(())
            }
            Fast::Full => Err(TrySendError::Full(value)),
            Fast::Closed => Err(TrySendError::Closed(value)),
        }
    }

    /// A reservation that does not wait; on `Ok` one slot is the caller's permit.
    pub(super) fn try_reserve(&self) -> Result<(), TrySendError<()>> {
        match self.try_acquire() {
            Fast::Acquired => Ok(()),
            Fast::Full => Err(TrySendError::Full(())),
            Fast::Closed => Err(TrySendError::Closed(())),
        }
    }

    /// An unbounded send: never waits; fails once the receiver closed the list's tail.
    pub(super) fn send_unbounded(&self, value: T) -> Result<(), SendError<T>> {
        self.list.push_unless_closed(value).map_err(SendError)?;
        self.rx_waker.wake();
        Ok(())
    }

    /// Delivers a permit's message. Never fails: after a `close` the message is still
    /// received; after the receiver is dropped it is dropped here (or, if the receiver
    /// goes at this very moment, with the channel).
    pub(super) fn send_permitted(&self, value: T) {
        if self.state.load(Ordering::Acquire) & RX_DROPPED != 0 {
            drop(value);
        } else {
            self.deliver(value);
        }
    }

    /// Returns an unused permit's slot, to the next waiting sender or to the room. With the
    /// channel closed this may be the last outstanding slot a parked `recv` waits out.
    pub(super) fn release_permit(&self) {
        self.release(1, true);
    }

    /// Polls `Sender::closed`: ready once the receiver is dropped or closed.
    pub(super) fn poll_closed(
        &self,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut waiters = self.waiters.lock();
        // `RX_CLOSED` is set under this mutex, before the waiters are notified.
        let closed = self.state.load(Ordering::Acquire) & RX_CLOSED != 0;
        match waiter.take() {
            None if !closed => {
                *waiter = Some(waiters.closed.push_back((), cx.waker()));
                return Poll::Pending;
            }
            Some(key) if !waiters.closed.is_notified(&key) => {
                waiters.closed.register_waker(&key, cx.waker());
                *waiter = Some(key);
                return Poll::Pending;
            }
            Some(key) => {
                waiters.closed.remove(key);
            }
            None => {}
        }
        drop(waiters);
        progress.made_progress();
        Poll::Ready(())
    }

    /// Withdraws a `Sender::closed` being dropped (nothing to hand on: a close wakes all).
    pub(super) fn cancel_closed(&self, key: WaiterKey) {
        self.waiters.lock().closed.remove(key);
    }

    /// Whether the receiver was dropped or closed.
    pub(super) fn is_rx_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & RX_CLOSED != 0
    }

    // ----- the receiver -------------------------------------------------------------------
    //
    // The methods below are `unsafe`: only the channel's one receiver may call them (the
    // list's cursor and the waker slot are its alone), and never two at once. `Receiver`
    // and `UnboundedReceiver` call them from `&mut self` (or from futures that borrow the
    // receiver mutably), and `len` from `&self`, which excludes every mutating call.

    /// Takes the next message, returning its slot (bounded); `Ok(None)` means the channel
    /// is drained and closed, `Err(())` that it is merely empty.
    ///
    /// # Safety
    ///
    /// Receiver only (see above).
    unsafe fn take(&self) -> Result<Option<T>, ()> {
        // SAFETY: the caller is the receiver.
        match unsafe { self.list.pop() } {
            Pop::Value(value) => {
                if self.bound.is_some() {
                    self.release(1, false);
                }
                Ok(Some(value))
            }
            Pop::Closed => Ok(None),
            Pop::Empty if self.drained_after_close() => Ok(None),
            Pop::Empty => Err(()),
        }
    }

    /// Whether a closed bounded channel can deliver nothing more: no message queued or in
    /// flight, no permit outstanding. Called only after the queue was found empty.
    fn drained_after_close(&self) -> bool {
        let Some(bound) = self.bound else {
            // An unbounded receiver's close closes the list's tail: `Pop::Closed` says it.
            return false;
        };
        if self.room.load(Ordering::Acquire) & ROOM_CLOSED == 0 {
            return false;
        }
        // Granted-but-uncollected room will come back unused: those senders will fail.
        let waiters = self.waiters.lock();
        self.room.load(Ordering::Acquire) / ROOM_ONE + waiters.granted == bound
    }

    /// Polls for the next message; `None` once the channel is closed and drained.
    ///
    /// # Safety
    ///
    /// Receiver only (see above).
    pub(super) unsafe fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        // SAFETY: the caller is the receiver.
        let taken = match unsafe { self.take() } {
            Ok(taken) => taken,
            Err(()) => {
                // SAFETY: the caller is the receiver, the waker slot's only registrant.
                unsafe { self.rx_waker.register(cx.waker()) };
                // Look again: a message (or close) that came before the registration
                // woke nobody.
                // SAFETY: the caller is the receiver.
                match unsafe { self.take() } {
                    Ok(taken) => {
                        self.unregister();
                        taken
                    }
                    Err(()) => return Poll::Pending,
                }
            }
        };
        progress.made_progress();
        Poll::Ready(taken)
    }

    /// Withdraws a registration the receiver turned out not to need (its second look found
    /// a message): otherwise the next send would wake the task for nothing, a whole
    /// executor round trip for one RMW here.
    fn unregister(&self) {
        drop(self.rx_waker.take());
    }

    /// Polls for up to `limit` messages at once, appended to `buffer`; `0` once the channel
    /// is closed and drained (or when `limit` is 0). The batch's room goes back in one RMW.
    ///
    /// # Safety
    ///
    /// Receiver only (see above).
    pub(super) unsafe fn poll_recv_many(
        &self,
        buffer: &mut Vec<T>,
        limit: usize,
        cx: &mut Context<'_>,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut registered = false;
        let mut count = 0;
        loop {
            // SAFETY: the caller is the receiver.
            match unsafe { self.list.pop() } {
                Pop::Value(value) => {
                    buffer.push(value);
                    count += 1;
                    if count < limit {
                        continue;
                    }
                }
                Pop::Closed => {}
                Pop::Empty if count > 0 || self.drained_after_close() => {}
                Pop::Empty if !registered => {
                    // SAFETY: the caller is the receiver.
                    unsafe { self.rx_waker.register(cx.waker()) };
                    registered = true;
                    continue;
                }
                Pop::Empty => return Poll::Pending,
            }
            break;
        }
        if registered {
            self.unregister();
        }
        if count > 0 && self.bound.is_some() {
            self.release(count, false);
        }
        progress.made_progress();
        Poll::Ready(count)
    }

    /// A receive that does not wait.
    ///
    /// # Safety
    ///
    /// Receiver only (see above).
    pub(super) unsafe fn try_recv(&self) -> Result<T, TryRecvError> {
        // SAFETY: the caller is the receiver.
        match unsafe { self.take() } {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(TryRecvError::Disconnected),
            Err(()) => Err(TryRecvError::Empty),
        }
    }

    /// `Receiver::close`: refuses new sends and wakes every waiting sender and `closed`
    /// caller; queued messages and outstanding permits still deliver.
    pub(super) fn close(&self) {
        let mut wakers = WakeBatch::new();
        self.close_with(0, &mut wakers);
        wakers.wake_all();
    }

    fn close_with(&self, extra: usize, wakers: &mut WakeBatch) {
        let mut waiters = self.waiters.lock();
        let before = self.state.fetch_or(RX_CLOSED | extra, Ordering::AcqRel);
        if before & RX_CLOSED != 0 {
            return;
        }
        if self.bound.is_some() {
            // Both under the mutex, with the grants below: no sender queues after this.
            self.room.fetch_or(ROOM_CLOSED, Ordering::AcqRel);
            self.room.fetch_and(!ROOM_WAITERS, Ordering::AcqRel);
        } else {
            self.list.close();
        }
        waiters
            .send
            .notify_all(wakers, |grant| *grant = Grant::Closed);
        waiters.closed.notify_all(wakers, |()| {});
    }

    /// The receiver is gone: closes the channel and drops every queued message (outside
    /// the mutex, since a message's `Drop` is the user's code).
    ///
    /// # Safety
    ///
    /// Receiver only (see above), as its last call.
    pub(super) unsafe fn drop_receiver(&self) {
        let mut wakers = WakeBatch::new();
        self.close_with(RX_DROPPED, &mut wakers);
        wakers.wake_all();
        drop(self.rx_waker.take());
        // A message a sender is still writing stays in the list and is dropped with it.
        // SAFETY: the caller is the receiver.
        while let Pop::Value(value) = unsafe { self.list.pop() } {
            drop(value);
        }
    }

    /// Whether the receiver will see no more messages once the queue drains.
    pub(super) fn is_closed_for_rx(&self) -> bool {
        self.state.load(Ordering::Acquire) & (RX_CLOSED | TX_GONE) != 0
    }

    // ----- gauges -------------------------------------------------------------------------

    /// Free slots right now (bounded channels only; callers only ask bounded ones).
    pub(super) fn capacity(&self) -> usize {
        self.room.load(Ordering::Acquire) / ROOM_ONE
    }

    /// The capacity the channel was created with.
    pub(super) fn max_capacity(&self) -> usize {
        self.bound.unwrap_or(usize::MAX)
    }

    /// Messages queued.
    ///
    /// # Safety
    ///
    /// Receiver only (see above); concurrent `len` calls are fine.
    pub(super) unsafe fn len(&self) -> usize {
        // SAFETY: the caller is the receiver.
        unsafe { self.list.len() }
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No length: the receiver's cursor is not for senders to read.
        f.debug_struct("Chan")
            .field("bound", &self.bound)
            .field("rx_closed", &self.is_rx_closed())
            .field("senders", &self.senders.load(Ordering::Relaxed))
            .finish()
    }
}

/// The channel's unsafe paths end to end, small enough for Miri (`cargo +nightly miri test
/// -p weft-runtime-sync --lib -- mpsc`): block crossing and recycling behind the room word,
/// the receiver's waker slot across threads, close, and drops with messages inside.
#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    use super::super::list::BLOCK_CAP;
    use super::super::{channel, error::TryRecvError, unbounded_channel};

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn bounded_messages_cross_blocks_with_permits_in_between() {
        let (tx, mut rx) = channel(3);
        for n in 0..(BLOCK_CAP * 3) as u32 {
            if n % 3 == 0 {
                tx.try_reserve().unwrap().send(n);
            } else {
                tx.try_send(n).unwrap();
            }
            assert_eq!(rx.try_recv(), Ok(n));
        }
        assert_eq!(tx.capacity(), 3);
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }

    #[test]
    fn a_receiver_parked_on_one_thread_is_woken_by_sends_from_another() {
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let (tx, mut rx) = unbounded_channel();
        let total = BLOCK_CAP as u32 * 2 + 1;
        let sender = std::thread::spawn(move || {
            for n in 0..total {
                tx.send(n).unwrap();
            }
        });
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut expected = 0;
        loop {
            match rx.poll_recv(&mut cx) {
                Poll::Ready(Some(n)) => {
                    assert_eq!(n, expected);
                    expected += 1;
                }
                Poll::Ready(None) => break,
                Poll::Pending => std::thread::park(),
            }
        }
        assert_eq!(expected, total);
        sender.join().unwrap();
    }

    #[test]
    fn close_then_drop_with_messages_inside_drops_each_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel(BLOCK_CAP + 2);
        for _ in 0..BLOCK_CAP + 2 {
            tx.try_send(Counted(drops.clone())).ok().unwrap();
        }
        rx.close();
        assert!(tx.try_send(Counted(drops.clone())).is_err()); // refused, dropped here
        drop(rx.try_recv().unwrap());
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        drop(rx); // drains the rest
        assert_eq!(drops.load(Ordering::SeqCst), BLOCK_CAP + 3);
        drop(tx);

        // Unbounded, with the last handle a sender: the channel's own drop frees them.
        let (tx, rx) = unbounded_channel();
        for _ in 0..BLOCK_CAP + 1 {
            tx.send(Counted(drops.clone())).ok().unwrap();
        }
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 2 * BLOCK_CAP + 4);
        drop(tx);
    }
}
