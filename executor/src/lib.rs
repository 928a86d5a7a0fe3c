//! weft's executor: raw tasks, the work-stealing scheduler, the runtime and its blocking pool.
//!
//! Most programs use this through the `weft` facade crate; the paths there are the contract.
//!
//! # How it works
//!
//! **Tasks** ([`task`]) are one heap allocation each: a header with an atomic state word
//! (flags and reference count), then the future, whose slot later holds the output. Wakers
//! point at the header, so waking, cloning and dropping a waker are reference-count
//! operations; a wake of a task that is already queued or running does not queue it twice.
//!
//! **Workers** each own a local FIFO deque plus a LIFO slot for the task most recently woken
//! by the running task; a global injector takes spawns and wakes from other threads. Idle
//! workers steal half of a random victim's queue before they park; at most half of them
//! search at once, and a queued task wakes a sleeper only when nobody is searching. Sleeping
//! workers block in the I/O driver (one at a time) or on a condvar. See `scheduler`.
//!
//! **Budget**: each task poll gets a budget of operations (`weft-coop`); leaf futures spend
//! it and yield when it runs out, so a task that is always ready cannot hog its worker.
//!
//! **Blocking pool**: threads on demand, up to a cap, exiting when idle; blocking jobs are
//! tasks too, with the same handles and error reporting.
//!
//! **Proofs.** Every lock-free protocol is model-checked with loom. The models follow one
//! pattern in every weft crate: they live in a `loom_model.rs` beside the code they check —
//! one per module directory (`task/`, `scheduler/`, `blocking_pool/`) — compiled only under
//! `#[cfg(all(test, loom))]`, with `loom_`-prefixed test names. The code itself reaches
//! atomics, cells, mutexes and thread-locals through the crate's `loom.rs` shim, so the
//! models check the code that ships. Run them with
//! `RUSTFLAGS="--cfg loom" cargo test --release -p weft-executor -p weft-reactor -p weft-runtime-sync --lib loom`.
//!
//! ```
//! let total = weft_executor::run(async {
//!     let tasks: Vec<_> = (0..10).map(|i| weft_executor::spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for task in tasks {
//!         sum += task.await.unwrap();
//!     }
//!     sum
//! });
//! assert_eq!(total, 285);
//! ```
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod blocking_pool;
mod callbacks;
mod concurrent_future;
pub mod context;
mod loom;
pub mod runtime;
mod scheduler;
mod spin_pays;
pub mod task;
mod toolkit;
mod yield_now;

pub use callbacks::{CallbackHandle, CallbackRefused, TimerHandle};
pub use concurrent_future::{ConcurrentFuture, DoneStatus, ResultTimeoutError};
pub use runtime::{Builder, EnterGuard, Handle, Runtime, run, spawn_local};
pub use task::{AbortHandle, JoinError, Task, TaskId};
pub use toolkit::as_completed::{
    AsCompleted, AsCompletedError, AsCompletedTimeout, as_completed, as_completed_timeout,
};
pub use toolkit::gather::{gather, gather_settled, try_gather};
pub use toolkit::group::{ChildFailure, GroupError, GroupSpawnError, TaskGroup};
pub use toolkit::task_group::{TaskGroupHandle, task_group};
pub use toolkit::wait::{DoneAndPending, EmptyWaitError, ReturnWhen, wait, wait_timeout};

/// Items the exported macros refer to; not part of the API.
#[doc(hidden)]
pub mod toolkit_support {
    pub use crate::toolkit::gather::GatherMember;
}
/// What `join!`/`try_join!` expand to; not part of the API.
#[doc(hidden)]
pub mod __join_support {
    pub use crate::toolkit::join::MaybeDone;
}
/// What `select!` expands to; not part of the API.
#[doc(hidden)]
pub mod __select_support {
    pub use crate::toolkit::select::random_start;
    pub use weft_macros::select_impl;
}
pub use yield_now::{YieldNow, yield_now};

use std::future::Future;

/// Spawns a task on the current runtime (asyncio's `create_task`): it starts running on some
/// worker right away, in parallel with the caller.
///
/// # Panics
///
/// Outside a weft runtime (use [`Handle::spawn`] from plain threads).
///
/// ```
/// weft_executor::run(async {
///     let task = weft_executor::spawn(async { "done" });
///     assert_eq!(task.await.unwrap(), "done");
/// });
/// ```
#[track_caller]
#[inline]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_at(future, std::panic::Location::caller())
}

/// `spawn` with an explicit spawn location (combinators pass their caller's). Outside a
/// runtime it panics at its caller's site (`spawn`'s caller, through `#[track_caller]`).
#[track_caller]
#[inline]
pub(crate) fn spawn_at<F>(
    future: F,
    location: &'static std::panic::Location<'static>,
) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Borrow the current handle instead of cloning it: spawning is a hot path.
    let spawned = runtime::context::with_current(|handle| {
        handle.map(|handle| handle.spawn_with(future, task::Origin::at(location)))
    });
    match spawned {
        Some(task) => task,
        None => panic!("{}", runtime::handle::NO_RUNTIME),
    }
}

/// Runs a blocking closure on the current runtime's blocking pool and returns a handle to its
/// result (asyncio's `to_thread`). A panic in the closure becomes a [`JoinError`].
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// weft_executor::run(async {
///     let len = weft_executor::spawn_blocking(|| "blocking work".len()).await.unwrap();
///     assert_eq!(len, 13);
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> Task<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let location = std::panic::Location::caller();
    let spawned = runtime::context::with_current(|handle| {
        handle.map(|handle| {
            handle
                .inner
                .shared
                .blocking
                .spawn(f, task::Origin::at(location))
        })
    });
    match spawned {
        Some(task) => task,
        None => panic!("{}", runtime::handle::NO_RUNTIME),
    }
}

/// asyncio's name for [`spawn_blocking`].
///
/// ```
/// weft_executor::run(async {
///     assert_eq!(weft_executor::to_thread(|| 2 * 21).await.unwrap(), 42);
/// });
/// ```
#[track_caller]
pub fn to_thread<F, R>(f: F) -> Task<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    spawn_blocking(f)
}
