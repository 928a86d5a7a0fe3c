//! `Handle`: a cloneable, thread-safe reference to a runtime (asyncio's loop object).
//!
//! This file holds spawning, blocking on futures, entering and stopping. `Handle`'s other
//! methods live beside the concept they belong to:
//!
//! - `callbacks/queue.rs`: `call_soon`, `call_soon_threadsafe`;
//! - `callbacks/timers.rs`: `call_later`, `call_at`;
//! - `concurrent_future.rs`: `run_coroutine_threadsafe`;
//! - `runtime/introspect.rs`: `tasks`, `dump_tasks`, `metrics`.

use super::{Inner, block_on, context, local};
use crate::scheduler::{Scheduler, worker};
use crate::task::{self, Origin, Task};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
#[cfg(feature = "test-util")]
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll};
use weft_reactor::time::Instant;

/// A reference to a runtime that can be cloned and sent anywhere: spawn onto the runtime from
/// plain threads, block on futures, stop `run_forever`.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let from_thread = std::thread::spawn(move || handle.block_on(handle.spawn(async { 2 + 2 })))
///     .join()
///     .unwrap();
/// assert_eq!(from_thread.unwrap(), 4);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.inner.shared.num_workers())
            .field("shut_down", &self.inner.shared.is_shutdown())
            .finish()
    }
}

impl Handle {
    /// The runtime running on this thread (asyncio's `get_running_loop()`).
    ///
    /// # Panics
    ///
    /// When called outside a weft runtime, with a message that says where it works; use
    /// [`try_current`](Self::try_current) to check instead.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = weft_executor::Handle::current();
    ///     assert_eq!(handle.spawn(async { 1 }).await.unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match context::current() {
            Some(handle) => handle,
            None => panic!("{NO_RUNTIME}"),
        }
    }

    /// The runtime running on this thread, or `None` outside one.
    ///
    /// ```
    /// assert!(weft_executor::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::current()
    }

    /// Spawns a task onto this runtime, from any thread (asyncio's `create_task`, or
    /// `run_coroutine_threadsafe` when called from a foreign thread).
    ///
    /// After the runtime has shut down the future is dropped at once and the returned task
    /// resolves to a cancelled [`JoinError`](crate::JoinError).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.handle().spawn(async { "hi" });
    /// assert_eq!(rt.block_on(task).unwrap(), "hi");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, Origin::at(Location::caller()))
    }

    pub(crate) fn spawn_with<F>(&self, future: F, origin: Origin) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let shared = &self.inner.shared;
        let eager = origin.eager.unwrap_or(self.inner.eager_tasks);
        let (handle, notified) = task::new_task(future, Scheduler(shared.clone()), origin);
        if shared.debug {
            // Debug mode lists every live task, not only the idle ones. A refusal means
            // shutdown, which the check below handles.
            shared.register(notified.task_ref());
        }
        if shared.is_shutdown() {
            // The future is dropped here, on the caller's thread; the handle reads cancelled.
            notified.cancel_and_run();
        } else if eager && self.is_current() {
            // Eager (asyncio 3.12's eager tasks): run the queue entry here instead of queueing
            // it. The harness makes the new task current for the poll (its own id, its own
            // context) and puts the spawner back after; a task that finishes in this poll
            // never touches a queue, and one that waits is registered and woken as any other.
            worker::run_eager(shared, notified);
        } else {
            // A shutdown racing this spawn is caught by `schedule_remote`'s re-check (or by
            // the worker's own final drain when the task went to its local queue).
            worker::schedule(shared, notified, false);
        }
        handle
    }

    /// True when this runtime is the one current on the calling thread (its worker, its
    /// `block_on` thread, its blocking-pool thread, or a thread that entered it).
    fn is_current(&self) -> bool {
        context::with_current(|current| current.is_some_and(|h| Arc::ptr_eq(&h.inner, &self.inner)))
    }

    /// Runs a blocking closure on the runtime's blocking pool (asyncio's `to_thread`).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.handle().spawn_blocking(|| std::fs::metadata(".").is_ok());
    /// assert!(rt.block_on(task).unwrap());
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner
            .shared
            .blocking
            .spawn(f, Origin::at(Location::caller()))
    }

    /// Runs `future` to completion on the calling thread, with this runtime current, and
    /// returns its output. The future need not be `Send`.
    ///
    /// # Panics
    ///
    /// When called on one of a runtime's worker threads (it would block the thread that has
    /// to make progress): await the future instead.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let n = std::thread::spawn(move || handle.block_on(async { 7 })).join().unwrap();
    /// assert_eq!(n, 7);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if worker::on_worker_thread() || local::in_block_on() {
            panic!("{}", NESTED_BLOCK_ON);
        }
        let _enter = context::enter(self);
        // Dropped after the root future: local tasks left over are cancelled here.
        // SAFETY: `self` owns the runtime's handler and is borrowed for this whole call,
        // longer than `locals` lives.
        let locals = unsafe { local::LocalSet::enter(&self.inner.shared.panic_handler) };
        let future = std::pin::pin!(future);
        let root = Root {
            future,
            locals: &locals,
        };
        #[cfg(not(feature = "test-util"))]
        return block_on::block_on(root);
        // With a paused clock the runtime is idle only while this thread sleeps too: the
        // root counts as busy from here until it parks, and again from when it is woken.
        #[cfg(feature = "test-util")]
        {
            let shared = &self.inner.shared;
            let _busy = RootBusy::enter(shared);
            // Weak: a stale clone of the waker left in some wait list must not keep the
            // runtime alive.
            let nudge = {
                let shared = std::sync::Arc::downgrade(shared);
                Box::new(move || {
                    if let Some(shared) = shared.upgrade() {
                        shared.nudge_paused_driver();
                    }
                })
            };
            let waker = block_on::CountedWaker::new(shared.roots_busy.clone(), nudge);
            block_on::block_on_counted(root, waker)
        }
    }

    /// Makes this runtime current on this thread until the guard drops, so `spawn` and
    /// `Handle::current` work from plain code.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let _guard = rt.handle().enter();
    /// let task = weft_executor::spawn(async { 1 });
    /// # drop(_guard);
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    pub fn enter(&self) -> context::EnterGuard {
        context::enter(self)
    }

    /// Makes [`Runtime::run_forever`](crate::Runtime::run_forever) return (asyncio's
    /// `loop.stop()`). A stop that comes before `run_forever` is called is kept, so that call
    /// returns at once.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// rt.spawn(async move { handle.stop() });
    /// rt.run_forever();
    /// ```
    pub fn stop(&self) {
        *self.inner.stop.lock() = true;
        self.inner.stop_signal.notify_all();
    }

    /// Now on the runtime's clock (asyncio's `loop.time()`): the OS's monotonic clock, or
    /// the paused test clock (feature `test-util`).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let t0 = rt.handle().time();
    /// assert!(rt.handle().time() >= t0);
    /// ```
    pub fn time(&self) -> Instant {
        self.inner.reactor.now()
    }

    /// Threads the blocking pool is running now.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().blocking_threads(), 0);
    /// ```
    pub fn blocking_threads(&self) -> usize {
        self.inner.shared.blocking.load().threads
    }
}

pub(crate) const NO_RUNTIME: &str = "no weft runtime is running on this thread: call this from \
    inside weft::run(..), Runtime::block_on(..) or a spawned task, or enter a runtime first \
    with Handle::enter()";

const NESTED_BLOCK_ON: &str = "weft::run / block_on cannot be called from a running runtime \
    (inside a task, or inside another run/block_on on this thread): await the future instead, \
    or use spawn (asyncio: asyncio.run() cannot be called from a running event loop)";

/// The future `block_on` drives: before each poll of the user's root future, the local
/// tasks that are ready run (`spawn_local`).
struct Root<'a, F> {
    future: Pin<&'a mut F>,
    locals: &'a local::LocalSet,
}

/// Counts a `block_on` thread as busy for a paused clock (see `Handle::block_on`), until
/// dropped (also on unwind).
#[cfg(feature = "test-util")]
struct RootBusy<'a>(&'a crate::scheduler::Shared);

#[cfg(feature = "test-util")]
impl<'a> RootBusy<'a> {
    fn enter(shared: &'a crate::scheduler::Shared) -> RootBusy<'a> {
        shared.roots_busy.fetch_add(1, SeqCst);
        // An idle look that read the roots before this count may still jump the clock: let
        // it finish before the root reads the clock or arms a timer.
        shared.driver.wait_out_advance();
        RootBusy(shared)
    }
}

#[cfg(feature = "test-util")]
impl Drop for RootBusy<'_> {
    fn drop(&mut self) {
        self.0.roots_busy.fetch_sub(1, SeqCst);
        self.0.nudge_paused_driver();
    }
}

impl<F: Future> Future for Root<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let more_local_work = this.locals.run_ready(cx.waker());
        let polled = this.future.as_mut().poll(cx);
        if polled.is_pending() && (more_local_work || this.locals.adopt_new_queue(cx.waker())) {
            cx.waker().wake_by_ref();
        }
        polled
    }
}
