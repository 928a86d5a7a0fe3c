//! A multi-producer, multi-consumer channel where every receiver sees every value (tokio's
//! `broadcast`).
//!
//! Values go into a ring of `capacity` slots (rounded up to a power of two, so a position
//! maps to its slot with a mask). Every value gets a position, counting up from zero; the
//! `tail` (under a mutex with the receiver count, the closed flag and the wait list of
//! receivers) is the position the next send takes. A receiver is just the position it
//! reads next. Each slot remembers the position it holds and how many receivers still have
//! to read it (`remaining`), in its own read-write lock.
//!
//! The invariants the code relies on:
//!
//! * the tail mutex is taken before a slot's lock, never the other way round; a send holds
//!   both while it fills a slot, so under the tail mutex a slot and the tail agree;
//! * `remaining` is the receiver count at the moment of the send, and every receiver
//!   counted there reads the value, skips it by lagging (only once it was overwritten) or
//!   gives it up in its `Drop`; whoever takes `remaining` to zero drops the value. So a
//!   value is freed as soon as everyone has seen it, and cloned only on receive;
//! * a slot holding position `p` tells a receiver at `next` everything: `p == next` is the
//!   value, `p + capacity == next` is "not sent yet", anything else is "overwritten": the
//!   receiver lagged, skips to the oldest value still held (`tail - capacity`) and reports
//!   how many it missed, [`RecvError::Lagged`](error::RecvError::Lagged), once;
//! * a receiver re-checks its slot under the tail mutex before it queues, and a send wakes
//!   every queued receiver under that mutex after filling the slot, so no send is missed.
//!   Wakers are woken, and replaced values dropped, after the locks are released.
//!
//! Receiving consumes nothing shared until it completes, so a dropped
//! [`recv`](Receiver::recv) loses no value.
//!
//! ```
#![doc = doc_block_on!()]
//! use weft_sync::broadcast;
//!
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! let sender = std::thread::spawn(move || {
//!     tx.send("hello").unwrap();
//!     tx.send("world").unwrap();
//! });
//! block_on(async {
//!     // Every receiver gets every value, in order; `Closed` once the sender is gone.
//!     for rx in [&mut rx1, &mut rx2] {
//!         assert_eq!(rx.recv().await, Ok("hello"));
//!         assert_eq!(rx.recv().await, Ok("world"));
//!         assert_eq!(rx.recv().await, Err(broadcast::error::RecvError::Closed));
//!     }
//! });
//! sender.join().unwrap();
//! ```

pub mod error;
mod receiver;
mod sender;

#[cfg(all(test, loom))]
mod loom_model;

pub use receiver::{Receiver, Recv};
pub use sender::Sender;

use crate::loom::{Arc, AtomicUsize, Mutex, Ordering, RwLock, RwLockReadGuard};
use crate::waitlist::WaitList;

/// The largest capacity a channel may ask for.
const MAX_CAPACITY: usize = usize::MAX >> 1;

/// Creates a broadcast channel holding up to `capacity` values that some receiver has not
/// read yet, rounded up to the next power of two.
///
/// A receiver that falls further behind than that loses the oldest values: its next
/// receive reports how many with [`RecvError::Lagged`](error::RecvError::Lagged).
///
/// # Panics
///
/// If `capacity` is 0 or larger than `usize::MAX / 2`.
///
/// ```
/// use weft_sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel(2);
/// for n in 1..=3 {
///     tx.send(n).unwrap();
/// }
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1))); // 1 was overwritten
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(rx.try_recv(), Ok(3));
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast::channel: the capacity must be at least 1"
    );
    assert!(
        capacity <= MAX_CAPACITY,
        "broadcast::channel: a capacity of {capacity} exceeds the maximum, usize::MAX / 2"
    );
    let capacity = capacity.next_power_of_two();
    let slots = (0..capacity)
        .map(|index| {
            RwLock::new(Slot {
                // One lap behind: "not sent yet" for the first reader of each slot.
                pos: (index as u64).wrapping_sub(capacity as u64),
                remaining: AtomicUsize::new(0),
                value: None,
            })
        })
        .collect();
    let shared = Arc::new(Shared {
        slots,
        mask: capacity - 1,
        tail: OwnLine(Mutex::new(Tail {
            pos: 0,
            receivers: 1,
            closed: false,
            waiters: WaitList::new(),
        })),
        senders: AtomicUsize::new(1),
    });
    let receiver = Receiver::new(shared.clone(), 0);
    (Sender::new(shared), receiver)
}

/// What every sender and receiver share.
struct Shared<T> {
    slots: Box<[RwLock<Slot<T>>]>,
    /// `capacity - 1`: a position's slot is `pos & mask`.
    mask: usize,
    /// On a cache line of its own: every send writes it, and every receive reads `slots`
    /// and `mask`, which sat on the same line. Moving it off took `chan_broadcast_1to16`
    /// (16 receivers, 2 workers) from 8.7 to 5.5 ms per 16,384 items.
    tail: OwnLine<Mutex<Tail>>,
    /// Live senders; the last one to go closes the channel.
    senders: AtomicUsize,
}

/// Aligns what it wraps to 128 bytes, so that nothing else shares its cache line (nor the
/// line next to it, which x86 fetches in pairs).
#[repr(align(128))]
struct OwnLine<T>(T);

impl<T> std::ops::Deref for OwnLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// One value of the ring and its bookkeeping.
struct Slot<T> {
    /// The position of the value held (or last held) here.
    pos: u64,
    /// Receivers that still have to read (or give up) this value.
    remaining: AtomicUsize,
    /// `None` once every receiver has read it (or before the first lap).
    value: Option<T>,
}

/// The write end of the ring, under the channel's mutex.
struct Tail {
    /// The position the next send takes.
    pos: u64,
    /// Live receivers: what a send records in its slot's `remaining`.
    receivers: usize,
    /// Every sender was dropped.
    closed: bool,
    /// Receivers waiting for the next send.
    waiters: WaitList<()>,
}

impl<T> Shared<T> {
    fn capacity(&self) -> u64 {
        self.slots.len() as u64
    }

    fn slot(&self, pos: u64) -> &RwLock<Slot<T>> {
        // The mask keeps the index below the slice's length, so indexing cannot panic.
        &self.slots[pos as usize & self.mask]
    }

    /// Gives up one receiver's claim on the value at `pos`, dropping the value if it was the
    /// last claim. A slot that moved on to a later position was overwritten: nothing to do.
    fn release(&self, pos: u64) {
        let held = self.slot(pos).read();
        if held.pos == pos {
            self.release_held(pos, held);
        }
    }

    /// [`release`](Self::release) for a receiver that already holds the read lock of the
    /// slot at `pos`, with the slot holding `pos`: a receive gives up its claim under the
    /// lock it read the value with. That lock's word is what 16 receivers on two workers
    /// fight over; a second read lock for the release cost two more atomic read-modify-writes
    /// on it per receive (`chan_broadcast_1to16`: 11.5 ms with it, 8.7 ms without).
    fn release_held(&self, pos: u64, held: RwLockReadGuard<'_, Slot<T>>) {
        if held.remaining.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        drop(held);
        let dropped = {
            let mut held = self.slot(pos).write();
            // A send may have reused the slot between the two locks; then it is not ours.
            if held.pos == pos {
                held.value.take()
            } else {
                None
            }
        };
        // The user's `Drop` runs after every lock is released.
        drop(dropped);
    }
}
