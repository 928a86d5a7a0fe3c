//! The per-thread runtime context shared by every weft crate: the cooperative budget, the
//! panic reporter, whether this thread is a runtime worker, where blocking work goes, and
//! where its task waits.
//!
//! The crates that run user code or park on its behalf (`weft-reactor`, `weft-sync`) must
//! not depend on the executor, yet they need five things from it; this crate sits below all
//! of them in the dependency graph and keeps each in a thread-local the executor fills in:
//!
//! * **the budget** ([`with_budget`], [`poll_proceed`]) — described below;
//! * **the panic reporter** ([`report`], [`catch`]) — where a panic in user code that the
//!   runtime called outside any task (a waker, a done-callback, a handler) is reported,
//!   instead of unwinding into a worker or a reactor turn;
//! * **the thread's role** ([`is_worker_thread`]) — so a blocking call made by mistake on a
//!   worker thread panics with a message instead of stalling every task behind it;
//! * **the blocking offload** ([`offload`], [`set_offload`]) — where the reactor sends a
//!   blocking call it cannot avoid (a DNS lookup), so it runs on the runtime's blocking pool
//!   instead of a worker;
//! * **where a task waits** ([`record`], [`recording`], [`WaitCell`]) — what leaf futures
//!   note when they return `Pending`, for task dumps.
//!
//! # The cooperative budget
//!
//! A task that loops over always-ready leaf futures (a channel that never empties, a socket
//! that always has data) would never return `Pending` and so never give its worker back. weft
//! prevents that the way tokio does: the executor grants each task poll a budget of
//! [`BUDGET`] operations, and every *leaf* future (a timer, an I/O readiness wait, a sync
//! wait, a `Task` join) spends one unit each time it completes. Once the budget is spent, the
//! leaf wakes its own task and returns `Pending`, so the task goes to the back of the queue and
//! its neighbours get to run.
//!
//! The budget lives in a thread-local so that the crates which consume it (`weft-reactor`,
//! `weft-sync`) need not depend on the executor that refills it; this crate sits below all of
//! them in the dependency graph. Outside a weft task (a plain thread, another executor) the
//! budget is unconstrained and leaves never yield on its account.
//!
//! A leaf calls [`poll_proceed`] before it does its work and calls
//! [`Progress::made_progress`] when it completes; a leaf that ends up `Pending` anyway drops
//! the [`Progress`] token, which gives the unit back, so waiting never costs budget.
//!
//! ```
//! use std::future::Future;
//! use std::pin::Pin;
//! use std::task::{Context, Poll};
//!
//! /// A leaf future that is always ready, but still yields when its task's budget is spent.
//! struct AlwaysReady;
//!
//! impl Future for AlwaysReady {
//!     type Output = ();
//!     fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
//!         let progress = std::task::ready!(weft_coop::poll_proceed(cx));
//!         progress.made_progress();
//!         Poll::Ready(())
//!     }
//! }
//!
//! // Inside a budgeted poll the 129th ready operation yields.
//! let waker = std::task::Waker::noop();
//! let mut cx = Context::from_waker(&waker);
//! weft_coop::with_budget(|| {
//!     for _ in 0..weft_coop::BUDGET {
//!         assert!(Pin::new(&mut AlwaysReady).poll(&mut cx).is_ready());
//!     }
//!     assert!(Pin::new(&mut AlwaysReady).poll(&mut cx).is_pending());
//! });
//! ```
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod budget;
mod installed;
#[doc(hidden)]
pub mod loom_shim;
mod offload;
mod report;
mod role;
mod wait;

pub use budget::{
    BUDGET, Progress, poll_consume, poll_proceed, poll_stamp, remaining, unconstrained, with_budget,
};
pub use offload::{Job, Offload, OffloadGuard, offload, set_offload, set_offload_lookup};
pub use report::{
    Reporter, ReporterGuard, catch, drop_payload, panic_message, report, set_reporter,
    set_reporter_lookup,
};
pub use role::{WorkerThreadGuard, enter_worker_thread, is_worker_thread, leave_worker_thread};
pub use wait::{
    IoOp, IoResource, WaitCell, WaitKind, Waited, WaitingAs, coarse_elapsed, coarse_now_ms,
    note_pending, record, recording, refresh_clock, signal_name, waiting_as, waiting_at,
};

/// A thread-local that is loom's under `--cfg loom`, so models that run several loom threads
/// on one OS thread give each its own copy (std's would be shared by all of them, and a wake
/// from one model thread would look like a self-wake of the task another one is polling).
/// Shared by every weft crate (each keeps its `loom` shim's name for it, `local!`); not an API.
#[cfg(not(loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! loom_local {
    ($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        std::thread_local! { $(#[$meta])* static $name: $ty = const { $init }; }
    };
}

#[cfg(loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! loom_local {
    ($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        loom::thread_local! { $(#[$meta])* static $name: $ty = $init; }
    };
}

pub(crate) use loom_local as local;
