//! weft: a multi-threaded, work-stealing async runtime with the toolkit of Python's asyncio.
//!
//! ```
//! let squares = weft::run(async {
//!     // Children are real tasks: they run in parallel on every core.
//!     weft::gather((1..=4).map(|x| async move {
//!         weft::sleep(std::time::Duration::from_millis(1)).await;
//!         x * x
//!     }))
//!     .await
//! });
//! assert_eq!(squares, [1, 4, 9, 16]);
//! ```
//!
//! # Coming from asyncio
//!
//! | asyncio | weft |
//! |---|---|
//! | `asyncio.run(main())` | [`run`]`(main())` |
//! | `asyncio.Runner()` | [`Runtime::new`], then [`Runtime::block_on`] as often as needed |
//! | `loop.run_forever()` / `loop.stop()` | [`Runtime::run_forever`] / [`Handle::stop`] |
//! | `get_running_loop()` / `loop.time()` | [`Handle::current`] / [`Handle::time`] |
//! | `create_task(coro)` | [`spawn`]`(fut)`, named with [`task::Builder`] |
//! | `await task`, `task.cancel()` | `task.await` gives `Result<T, `[`JoinError`]`>`; [`Task::cancel`] drops the future at its next await |
//! | `shield(task)` | await `&mut task`: dropping that borrow leaves the task running |
//! | `asyncio.sleep(d)` / `sleep(0)` | [`sleep`]`(d)` / [`yield_now`] |
//! | `gather(*aws)` | [`gather()`], [`try_gather`], [`gather!`], [`gather_settled`] (`return_exceptions=True`) |
//! | `TaskGroup` | [`TaskGroup`] |
//! | `wait(aws, return_when=…)` | [`wait`], [`wait_timeout`] with [`ReturnWhen`] |
//! | `as_completed(aws)` | [`as_completed`], [`as_completed_timeout`] |
//! | `timeout(d)` / `wait_for(aw, d)` | [`timeout`]`(d, fut)`, [`timeout_at`] |
//! | `call_soon` / `call_later` / `call_at` | [`Handle::call_soon`], [`Handle::call_later`], [`Handle::call_at`] |
//! | `call_soon_threadsafe` | [`Handle::call_soon_threadsafe`] |
//! | `run_coroutine_threadsafe(coro, loop)` | [`Handle::run_coroutine_threadsafe`] → [`ConcurrentFuture`] |
//! | `to_thread(f)` / `run_in_executor(None, f)` | [`to_thread`] / [`spawn_blocking`] |
//! | `Queue`, `Lock`, `Event`, `Semaphore`, `Condition`, `Barrier`, `Future` | [`sync`] (thread-safe, usable from plain threads too) |
//! | `add_reader` / `add_writer` | [`io::Async`] |
//!
//! Cancellation is dropping: a cancelled task's future is dropped at its next await point, so
//! cleanup lives in `Drop` (asyncio's `except CancelledError: ...; raise`).
//!
//! # Cargo features
//!
//! `full` (the default) is `net` ([`net`], [`io`]), `fs` ([`fs`]), `process` ([`process`]),
//! `signal` ([`signal`]), `time` ([`time`] and `sleep`/`timeout` here) and `macros`
//! (`#[weft::main]`, `#[weft::test]`). Off by default: `test-util` (the paused clock:
//! `time::pause`, `Builder::start_paused`). Tasks, the runtime, the toolkit and [`sync`] are
//! always there; each feature builds on its own.
//!
//! `tokio-compat` (off by default, not in `full`) hosts crates written for tokio: `compat`'s
//! `TokioIo` gives weft's byte streams tokio's I/O traits, and its `Compat` (async-compat's)
//! runs a future that needs tokio's reactor, timers or `tokio::spawn` inside the context of a
//! tokio runtime that async-compat starts on a thread of its own. It is the only feature that
//! runs any part of tokio.
//!
//! `tracing` (off by default, not in `full`) gives every task a `tracing` span, entered around
//! each of its polls, and every wake an event, under the names and fields tokio-console reads:
//! the console's task list then shows weft's tasks with their names, ids, kinds, spawn sites,
//! poll and wake counts, busy and idle times, and in its fields column `task.parent_id`, the
//! id of the task that spawned each one. To watch a program, call `console_subscriber::init()`
//! first thing in `main` (or add `console_subscriber::spawn()` as a layer to your own
//! subscriber), then build it with the cfg console-subscriber asks for — tokio's
//! `tokio_unstable`, or `console_without_tokio_unstable` for a runtime that is not tokio; without
//! either it panics at start — and run `tokio-console` beside it:
//!
//! ```text
//! RUSTFLAGS="--cfg console_without_tokio_unstable" cargo run --features weft/tracing
//! ```
//!
//! The cfg changes `RUSTFLAGS`, so the first such build recompiles every crate; give it a
//! target directory of its own (`CARGO_TARGET_DIR`) to keep your usual build.
//!
//! # Coming from tokio
//!
//! The shape is familiar — `spawn`, `Task` (tokio's `JoinHandle`), `spawn_blocking`,
//! `Runtime`/`Builder`/`Handle`, `sleep`/`timeout`/`interval` — with three differences:
//! dropping a [`Task`] detaches it (as in tokio) but [`Task::cancel`] is asyncio's cancel;
//! `Task` is `Unpin` and can be awaited by reference; and the asyncio toolkit above
//! ([`TaskGroup`], [`gather()`], [`wait`], [`as_completed`], the loop callbacks and the thread
//! bridges) is built in. There is one runtime flavour: multi-threaded, work-stealing, with
//! one I/O reactor shared by all workers.
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use weft_executor::{
    AbortHandle, AsCompleted, AsCompletedError, AsCompletedTimeout, Builder, CallbackHandle,
    CallbackRefused, ChildFailure, ConcurrentFuture, DoneAndPending, DoneStatus, EmptyWaitError,
    EnterGuard, GroupError, GroupSpawnError, Handle, JoinError, ResultTimeoutError, ReturnWhen,
    Runtime, Task, TaskGroup, TimerHandle, as_completed, as_completed_timeout, gather,
    gather_settled, run, spawn, spawn_blocking, spawn_local, to_thread, try_gather, wait,
    wait_timeout, yield_now,
};
// In-place combinators (nothing spawned; borrows allowed) and the `task_group` scope.
pub use weft_executor::{TaskGroupHandle, join, select, task_group, try_join};
/// Which OS readiness API a runtime's reactor drives; see [`Builder::io_backend`].
pub use weft_reactor::IoBackend;
#[cfg(feature = "time")]
#[cfg_attr(docsrs, doc(cfg(feature = "time")))]
pub use weft_reactor::{sleep, sleep_until, timeout, timeout_at};

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use weft_macros::{main, test};

#[cfg(feature = "macros")]
mod test_timeout;

/// What `#[weft::test]` expands to; not an API.
#[cfg(feature = "macros")]
#[doc(hidden)]
pub mod __private {
    pub use crate::test_timeout::run_with_timeout;
}

#[cfg(feature = "fs")]
#[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
pub mod fs;

/// The runtime and what it shows of itself: the live task list and tree with what each task
/// waits on ([`Handle::tasks`](crate::Handle::tasks), [`Handle::dump_tasks`](crate::Handle::dump_tasks)),
/// per-worker metrics ([`Handle::metrics`](crate::Handle::metrics)), slow-poll reports, and a
/// dump on a signal ([`Builder::dump_on_signal`](crate::Builder::dump_on_signal)).
pub mod runtime {
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub use weft_executor::runtime::SignalKind;
    pub use weft_executor::runtime::{
        Builder, EnterGuard, Handle, IoOp, IoResource, PollTimeHistogram, Runtime, RuntimeMetrics,
        SlowPoll, TaskInfo, TaskState, WaitKind, WaitPoint, WorkerMetrics,
    };
}

/// Tasks: handles, names, identity (asyncio's `Task`, `current_task`).
pub mod task {
    pub use weft_executor::spawn_local;
    pub use weft_executor::task::block_in_place;
    pub use weft_executor::task::{
        AbortHandle, Builder, CurrentTask, JoinError, JoinSet, Task, TaskId, current,
    };
}

/// Context variables (asyncio's `contextvars`): values that follow the flow of control into
/// tasks, loop callbacks, blocking jobs and thread bridges, each of which starts with a copy of
/// the context it was scheduled from.
pub mod context {
    pub use weft_executor::context::{Context, ContextVar, ResetError, Token, copy_context};
}

/// Time: the runtime clock, sleeps, intervals and timeouts, driven by the reactor's timer
/// wheel (10 µs resolution, never early). With feature `test-util`, the clock can be
/// paused for tests: `pause`, `resume`, `advance`, and `Builder::start_paused`.
#[cfg(feature = "time")]
#[cfg_attr(docsrs, doc(cfg(feature = "time")))]
pub mod time {
    pub use weft_reactor::time::{
        Elapsed, Instant, Interval, MissedTickBehavior, Sleep, Timeout, interval, interval_at,
        sleep, sleep_until, timeout, timeout_at,
    };
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub use weft_reactor::time::{advance, pause, resume};
}

#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;

#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
pub mod io;

#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub mod tls;

#[cfg(feature = "tokio-compat")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-compat")))]
pub mod compat;

/// Networking: TCP, UDP and Unix-domain sockets on the shared reactor (see
/// [`weft_reactor::net`] for the design). For asyncio's stream API, see [`io`].
#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
pub mod net {
    pub use weft_reactor::net::*;
}

#[cfg(feature = "process")]
#[cfg_attr(docsrs, doc(cfg(feature = "process")))]
pub mod process;
#[cfg(feature = "signal")]
#[cfg_attr(docsrs, doc(cfg(feature = "signal")))]
pub mod signal;

/// asyncio's synchronization primitives and queues — thread-safe, cancel-safe, FIFO-fair.
pub mod sync {
    pub use weft_sync::*;
}
