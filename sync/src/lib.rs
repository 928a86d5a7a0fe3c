//! asyncio's synchronization primitives and queues, and tokio's channels, for any executor:
//! thread-safe and cancel-safe.
//!
//! [`Lock`], [`Event`], [`Semaphore`], [`BoundedSemaphore`], [`Condition`], [`Barrier`],
//! [`Promise`] (asyncio's `Future`) and the queues [`Queue`], [`LifoQueue`] and
//! [`PriorityQueue`] keep asyncio's semantics, but unlike asyncio's they may be shared by
//! tasks on many worker threads and by plain threads at once. Beside them, with tokio's
//! names so tokio code ports line by line: the channels [`mpsc`], [`oneshot`], [`broadcast`]
//! and [`watch`], [`Notify`], [`RwLock`], [`OnceCell`] and [`CancellationToken`], and owned
//! and multi-permit forms of the lock and semaphore ([`Lock::lock_owned`],
//! [`Semaphore::acquire_many`], [`Semaphore::acquire_owned`]). They depend on no runtime:
//! they talk to whatever executor polls them only through [`Waker`](std::task::Waker).
//!
//! | tokio | weft |
//! |---|---|
//! | `tokio::sync::mpsc::{channel, unbounded_channel}` | [`mpsc::channel`], [`mpsc::unbounded_channel`] |
//! | `tokio::sync::{oneshot, broadcast, watch}` | [`oneshot`], [`broadcast`], [`watch`] |
//! | `tokio::sync::{Notify, RwLock, OnceCell}` | [`Notify`], [`RwLock`], [`OnceCell`] |
//! | `tokio::sync::{Mutex, Semaphore}` | [`Lock`] (asyncio's name), [`Semaphore`] |
//! | `tokio_util::sync::CancellationToken` | [`CancellationToken`] |
//!
//! # One wait list
//!
//! Every primitive is a thin layer over the same mechanism, a FIFO *wait list*
//! (`waitlist.rs`) kept under the primitive's own mutex beside its state. A future that
//! cannot complete parks its waker there and becomes **Waiting**. Whoever makes progress
//! possible (an unlock, a release, a `set`, a `put`) *grants* it directly: it unlinks the
//! oldest waiter, records the grant in that waiter's node (**Notified**) and wakes it after
//! releasing the mutex. The waiter's next poll collects the grant and frees its node
//! (**Done**). Granting to a specific waiter, instead of waking everyone to race for it, is
//! what makes the primitives strictly FIFO (nobody barges past a queued waiter) and spares
//! them thundering herds. Uncontended paths skip the list: locking a free [`Lock`] or taking
//! a free [`Semaphore`] permit is one atomic CAS.
//!
//! # Cancel safety
//!
//! In Rust a task is cancelled by dropping its future, at any await point. Every future here
//! handles that in `Drop`, under the same mutex as the grant, so "cancelled" and "granted"
//! cannot both win:
//!
//! * dropped while Waiting: it leaves the list and nothing else changes;
//! * dropped while Notified: the grant is handed on (the lock or permit to the next waiter,
//!   a condition's notification to the next waiter, a queue's reserved item or room to the
//!   next getter or putter), never lost and never duplicated.
//!
//! So a cancelled `get` never loses a queue item, a cancelled `put` never inserts its item,
//! and a lock handed to a task that is cancelled before it runs passes to the next in line.
//!
//! ```
//! use std::future::Future;
//! use std::task::{Context, Poll, Waker};
//! use weft_sync::Lock;
//!
//! let lock = Lock::new(0);
//! let mut cx = Context::from_waker(Waker::noop());
//!
//! let held = lock.try_lock().unwrap();
//! let mut first = Box::pin(lock.lock());
//! let mut second = Box::pin(lock.lock());
//! assert!(first.as_mut().poll(&mut cx).is_pending()); // queued 1st
//! assert!(second.as_mut().poll(&mut cx).is_pending()); // queued 2nd
//!
//! drop(held); // the lock is handed straight to `first`...
//! assert!(lock.try_lock().is_none()); // ...so a newcomer cannot barge in,
//! drop(first); // and when `first` is cancelled before it runs, it passes the lock on.
//! assert!(matches!(second.as_mut().poll(&mut cx), Poll::Ready(_)));
//! ```
//!
//! # Cooperative budget and blocking threads
//!
//! Every wait consumes one unit of the task's cooperative budget (`weft_coop`) when it
//! completes, so a task looping over an always-ready queue still yields to its neighbours.
//! Outside a weft task the budget is unconstrained. Plain threads can feed and drain queues
//! with `put_blocking`/`get_blocking`, which park the thread in the same FIFO as the tasks.
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

/// The hidden `block_on` the doc examples run their async code with: a thread parked until
/// its waker unparks it (this crate depends on no executor). Defined before the modules so
/// every one can use it: `#[doc = doc_block_on!()]` inside a doc example.
macro_rules! doc_block_on {
    () => {
        "# fn block_on<F: std::future::Future>(f: F) -> F::Output {
#     struct U(std::thread::Thread);
#     impl std::task::Wake for U { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
#     let w = std::task::Waker::from(std::sync::Arc::new(U(std::thread::current())));
#     let (mut f, mut cx) = (std::pin::pin!(f), std::task::Context::from_waker(&w));
#     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } std::thread::park() }
# }"
    };
}

mod barrier;
mod block_on;
pub mod broadcast;
mod cancellation_token;
mod condition;
mod event;
mod lock;
mod loom;
pub mod mpsc;
mod notify;
mod once_cell;
pub mod oneshot;
mod permits;
mod promise;
mod queue;
mod rwlock;
mod semaphore;
mod waitlist;
mod wake_batch;
pub mod watch;

#[cfg(all(test, loom))]
mod loom_model;

pub use barrier::{Barrier, BarrierWait, BrokenBarrierError, ZeroPartiesError};
pub use cancellation_token::{
    CancellationToken, DropGuard, WaitForCancellationFuture, WaitForCancellationFutureOwned,
};
pub use condition::{Condition, ConditionWait};
pub use event::{Event, EventWait};
pub use lock::{Lock, LockFuture, LockGuard, OwnedLockFuture, OwnedLockGuard};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use promise::{CallbackId, Cancelled, InvalidStateError, Promise, PromiseError, PromiseWait};
pub use queue::{
    Get, GetNowaitError, GetTimeoutError, Join, LifoQueue, PriorityQueue, Put, PutNowaitError,
    PutTimeoutError, Queue, QueueEmpty, QueueFull, QueueShutDown, QueueStream, TaskDoneError,
};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    TryLockError,
};
pub use semaphore::{
    Acquire, AcquireError, AcquireOwned, BoundedSemaphore, OverReleaseError, OwnedPermit, Permit,
    Semaphore, TryAcquireError,
};
