//! Multi-producer, single-consumer channels with tokio's API: [`channel`] (bounded, with
//! back-pressure) and [`unbounded_channel`].
//!
//! Code written for `tokio::sync::mpsc` ports line by line: the same names, signatures and
//! closing rules. The channel closes when the last [`Sender`] is dropped — `recv` then
//! returns the buffered messages and after them `None` — or when the receiver is dropped or
//! [closed](Receiver::close), after which sends fail and hand their value back.
//!
//! # Design
//!
//! A send with room and a receive of a queued message take no lock. Per channel, one `Chan`
//! (`chan.rs`) holds:
//!
//! * the messages, in a lock-free list of fixed-size blocks (`list.rs`): a sender claims a
//!   slot number with one RMW on the tail word, writes its value and sets the slot's ready
//!   bit; the single receiver reads the slots in order and recycles drained blocks, so the
//!   steady state allocates nothing per message;
//! * for a bounded channel, the free room as an atomic word (`free << 2 | WAITERS |
//!   CLOSED`): a send takes a slot with one compare-exchange, a receive gives it back with
//!   one add;
//! * the receiver's waker in a lock-free slot (`rx_waker.rs`): a send to a receiver that is
//!   not parked costs a fence and a load, and the first send after it parks takes the waker
//!   and wakes it once;
//! * a mutex over the crate's FIFO wait list, taken only by a sender that finds no room and
//!   by a release that finds senders queued. Freed room goes straight to the oldest waiting
//!   sender, never to a newcomer: the `WAITERS` bit sends every newcomer to the queue. The
//!   grant and cancel rules are the wait list's, as for every other primitive here.
//!
//! Until this design the whole channel sat behind one mutex (one short critical section per
//! send and per receive). What the lock-free paths buy depends on the regime: while the
//! channel has room (a consumer that keeps up, an unbounded channel) sends and receives
//! touch no lock. A bounded channel that stays full, as with four producers outrunning one
//! consumer, still takes the wait-list mutex about three times per message (the sender
//! queues, the receiver's release hands it the slot, the sender collects it): that is the
//! price of strict FIFO hand-over, and there the two designs measure the same.
//! `benches/NOTES.md` has the numbers and the profile.
//!
//! Hot paths, in words:
//!
//! * a bounded send with room: a compare-exchange on the room word, a `fetch_add` on the
//!   list's tail, the value write and a `fetch_or` of its ready bit, a fence and a load of
//!   the receiver's waker state;
//! * an unbounded send: the same without the room word (the tail word carries the closed
//!   flag, so one compare-exchange both claims the slot and checks the channel is open);
//! * a `recv` that finds a message: a load of the ready bits, the read, and (bounded) an add
//!   on the room word that takes the wait-list mutex only if a sender is queued;
//! * a `recv` that finds nothing: registers its waker, fences, and looks once more.
//!
//! # Cancel safety
//!
//! `recv` and `recv_many` are cancel-safe: a message leaves the channel only in the poll that
//! returns it. `send`, `reserve` and `reserve_owned` are cancel-safe: a dropped send sends
//! nothing, and room granted to a dropped send or reservation passes to the next waiting
//! sender (FIFO). A [`Permit`] dropped unused gives its slot back the same way.
//!
//! ```
#![doc = doc_block_on!()]
//! use weft_sync::mpsc;
//!
//! let (tx, mut rx) = mpsc::channel(16);
//! let producer = std::thread::spawn(move || {
//!     for n in 0..100 {
//!         tx.blocking_send(n).unwrap(); // waits while 16 messages are in flight
//!     }
//! }); // tx dropped: the channel closes once drained
//! let sum = block_on(async {
//!     let mut sum = 0;
//!     while let Some(n) = rx.recv().await {
//!         sum += n;
//!     }
//!     sum
//! });
//! producer.join().unwrap();
//! println!("sum = {sum}");
//! assert_eq!(sum, 4950);
//! ```

mod chan;
pub mod error;
mod futures;
mod list;
mod permit;
mod receiver;
mod rx_waker;
mod sender;
mod unbounded;

#[cfg(all(test, loom))]
mod loom_model;

pub use futures::{Closed, Recv, RecvMany, Reserve, ReserveOwned, SendFuture};
pub use permit::{OwnedPermit, Permit};
pub use receiver::Receiver;
pub use sender::{Sender, WeakSender};
pub use unbounded::{UnboundedReceiver, UnboundedSender, WeakUnboundedSender};

use crate::loom::Arc;
use chan::Chan;
use std::panic::Location;

/// Creates a bounded channel holding at most `buffer` messages; senders wait (in arrival
/// order) while it is full.
///
/// # Panics
///
/// If `buffer` is 0: a channel with no room could never accept a message. (tokio panics
/// too; a rendezvous needs a [`oneshot`](crate::oneshot) per message instead.)
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::mpsc::channel(1);
/// block_on(async {
///     tx.send(1).await.unwrap();
///     assert!(tx.try_send(2).is_err()); // full
///     assert_eq!(rx.recv().await, Some(1));
/// });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        buffer > 0,
        "mpsc::channel: the buffer size must be at least 1 (a channel with no room could \
         never accept a message)"
    );
    let chan = Arc::new(Chan::new(Some(buffer)));
    (
        Sender { chan: chan.clone() },
        Receiver::new(chan, Location::caller()),
    )
}

/// Creates an unbounded channel: sends never wait, so memory is the only limit.
///
/// ```
/// let (tx, mut rx) = weft_sync::mpsc::unbounded_channel();
/// for n in 0..1000 {
///     tx.send(n).unwrap(); // never waits
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.try_recv(), Ok(0));
/// ```
#[track_caller]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Arc::new(Chan::new(None));
    (
        UnboundedSender::new(chan.clone()),
        UnboundedReceiver::new(chan, Location::caller()),
    )
}
