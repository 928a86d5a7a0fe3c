//! A single-producer, multi-consumer channel that keeps only the latest value (tokio's
//! `watch`).
//!
//! The value lives in a read-write lock beside a state word: a version counter in the upper
//! bits and a "sender dropped" flag in bit 0, so one atomic load answers both "is there an
//! unseen value?" and "is the channel closed?". Each [`Receiver`] remembers the version it
//! last saw; it has an unseen value when the shared version differs from it.
//!
//! The invariants the code relies on:
//!
//! * the version is bumped only while the value's *write* lock is held, so a reader holding
//!   the read lock sees a version and a value that belong together ([`Ref::has_changed`]);
//! * a sender bumps the version (or sets the closed flag) *before* it takes the waiters'
//!   mutex to wake every [`changed`](Receiver::changed) waiter, and a waiter re-checks the
//!   state under that mutex before it queues: it either sees the new version or is in the
//!   list the sender walks, so no change is missed;
//! * wakers are woken after that mutex is released (`WakeBatch`).
//!
//! [`Sender::closed`] waits the same way on a second list, for the receiver count to reach
//! zero.
//!
//! The lock is `parking_lot`'s, which is not reentrant for readers once a writer queues: a
//! thread holding a [`Ref`] must not borrow again or send on the same channel, and a `Ref`
//! should not be held across an `.await`.
//!
//! ```
#![doc = doc_block_on!()]
//! use weft_sync::watch;
//!
//! let (tx, mut rx) = watch::channel("starting");
//! let worker = std::thread::spawn(move || {
//!     tx.send("running").unwrap();
//!     tx.send("stopped").unwrap(); // a slow receiver only sees the latest value
//! });
//! block_on(async {
//!     while rx.changed().await.is_ok() {
//!         println!("status: {}", *rx.borrow_and_update());
//!     }
//! });
//! worker.join().unwrap();
//! assert_eq!(*rx.borrow(), "stopped");
//! ```

pub mod error;
mod receiver;
mod sender;

#[cfg(all(test, loom))]
mod loom_model;

pub use receiver::{Changed, Receiver, Ref};
pub use sender::{Closed, Sender};

use std::fmt;
use std::task::{Context, Poll, ready};

use crate::loom::{Arc, AtomicUsize, Mutex, Ordering, RwLock};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;

/// Bit 0 of the state word: the sender was dropped.
const CLOSED: usize = 1;
/// What one new value adds to the state word (the version lives above the flag).
const STEP: usize = 2;

/// Creates a watch channel holding `init`; the receiver starts with `init` marked as seen.
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::watch::channel(0);
/// assert_eq!(*rx.borrow(), 0);
/// tx.send(1).unwrap();
/// block_on(rx.changed()).unwrap();
/// assert_eq!(*rx.borrow_and_update(), 1);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        receivers: AtomicUsize::new(1),
        waiters: Mutex::new(Waiters {
            changed: WaitList::new(),
            closed: WaitList::new(),
        }),
    });
    let receiver = Receiver::new(shared.clone(), 0);
    (Sender::new(shared), receiver)
}

/// What the sender and every receiver share.
struct Shared<T> {
    value: RwLock<T>,
    /// The version (multiples of [`STEP`]) plus the [`CLOSED`] flag.
    state: AtomicUsize,
    /// Live receivers; the channel is closed for sending when it reaches zero.
    receivers: AtomicUsize,
    waiters: Mutex<Waiters>,
}

/// The two kinds of waiter, under one mutex.
struct Waiters {
    /// `Receiver::changed` and `wait_for`, waiting for a new version or the closed flag.
    changed: WaitList<()>,
    /// `Sender::closed`, waiting for the last receiver to go.
    closed: WaitList<()>,
}

/// Which list a wait queues on.
#[derive(Clone, Copy)]
enum List {
    Changed,
    Closed,
}

impl Waiters {
    fn list(&mut self, which: List) -> &mut WaitList<()> {
        match which {
            List::Changed => &mut self.changed,
            List::Closed => &mut self.closed,
        }
    }
}

impl<T> Shared<T> {
    /// The current version, without the closed flag.
    fn version(&self) -> usize {
        self.state.load(Ordering::Acquire) & !CLOSED
    }

    /// Wakes every waiter on `which`. The caller changed what they wait for first.
    fn wake_all(&self, which: List) {
        let mut wakers = WakeBatch::new();
        self.waiters
            .lock()
            .list(which)
            .notify_all(&mut wakers, |()| {});
        wakers.wake_all();
    }

    /// One poll of a wait on `which` until `check` returns an outcome.
    ///
    /// `check` runs once without the mutex (the fast path) and again under it before the
    /// waiter queues, which is what makes a concurrent send impossible to miss (see the
    /// module head). A waiter that was woken but finds nothing (woken by a change another
    /// `check` consumed) queues again at the back.
    fn poll_wait<R>(
        &self,
        which: List,
        waiter: &mut Option<WaiterKey>,
        cx: &mut Context<'_>,
        mut check: impl FnMut() -> Option<R>,
    ) -> Poll<R> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let outcome = match check() {
            Some(outcome) => {
                if let Some(key) = waiter.take() {
                    self.waiters.lock().list(which).remove(key);
                }
                outcome
            }
            None => {
                let mut waiters = self.waiters.lock();
                let list = waiters.list(which);
                match check() {
                    Some(outcome) => {
                        if let Some(key) = waiter.take() {
                            list.remove(key);
                        }
                        outcome
                    }
                    None => {
                        match waiter {
                            Some(key) if !list.is_notified(key) => {
                                list.register_waker(key, cx.waker());
                            }
                            _ => {
                                if let Some(key) = waiter.take() {
                                    list.remove(key);
                                }
                                *waiter = Some(list.push_back((), cx.waker()));
                            }
                        }
                        return Poll::Pending;
                    }
                }
            }
        };
        progress.made_progress();
        Poll::Ready(outcome)
    }

    /// Leaves `which` (a dropped wait). Nothing to hand on: every waiter is woken anyway.
    fn cancel_wait(&self, which: List, waiter: &mut Option<WaiterKey>) {
        if let Some(key) = waiter.take() {
            self.waiters.lock().list(which).remove(key);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Acquire);
        f.debug_struct("watch")
            .field("value", &*self.value.read())
            .field("version", &(state / STEP))
            .field("closed", &(state & CLOSED != 0))
            .field("receivers", &self.receivers.load(Ordering::Relaxed))
            .finish()
    }
}
