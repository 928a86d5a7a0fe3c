//! The runtime: worker threads, the blocking pool, and their lifecycle.
//!
//! [`Runtime`] owns the threads; [`Handle`] is the cloneable way in. Shutdown — explicit
//! through [`Runtime::shutdown_timeout`] or on drop — follows asyncio's `run()` epilogue:
//! the registry of live tasks is closed (later spawns resolve as cancelled at once), every
//! task still alive is cancelled and its future dropped, the workers drain their queues and
//! exit, and the blocking pool is given up to the timeout to finish running jobs (queued
//! ones are cancelled).
//!
//! Shutdown is total: a worker drains until its queues and the injector are all empty at
//! once, so tasks woken (or spawned) by the `Drop` of a future being cancelled are dropped
//! too, and every future and output is dropped exactly once. It also works from the
//! runtime's own threads — a task, a loop callback, a done-callback, a blocking job may drop
//! the `Runtime` it owns: the calling thread is neither joined nor waited for (it finishes
//! on its own once the drop returns).

pub(crate) mod block_on;
mod builder;
pub(crate) mod context;
pub(crate) mod handle;
mod introspect;
mod local;
pub(crate) mod thread_options;

pub use builder::Builder;
pub use context::EnterGuard;
pub use handle::Handle;
pub use introspect::{
    IoOp, IoResource, PollTimeHistogram, RuntimeMetrics, SlowPoll, TaskInfo, TaskState, WaitKind,
    WaitPoint, WorkerMetrics,
};
pub use local::spawn_local;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use weft_reactor::sys::signal::SignalKind;

use crate::scheduler::{Shared, worker};
use crate::task::Task;
use parking_lot::{Condvar, Mutex};
use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What a [`Handle`] points to.
pub(crate) struct Inner {
    pub(crate) shared: Arc<Shared>,
    pub(crate) callbacks: crate::callbacks::queue::CallbackQueue,
    /// The I/O and timer driver, current on every thread in this runtime's context.
    pub(crate) reactor: Arc<weft_reactor::Reactor>,
    /// Installed on every thread in this runtime's context: where panics in user code that
    /// the reactor or the sync primitives call (wakers, done-callbacks) are reported.
    pub(crate) reporter: weft_coop::Reporter,
    /// Installed on every thread in this runtime's context: runs the reactor's unavoidable
    /// blocking calls (DNS lookups) on this runtime's blocking pool.
    pub(crate) offload: weft_coop::Offload,
    /// Every spawn is eager unless it says otherwise (`Builder::eager_tasks`).
    pub(crate) eager_tasks: bool,
    /// Stack size and start/stop hooks of every thread the runtime starts.
    pub(crate) thread_options: thread_options::ThreadOptions,
    /// Names worker threads (and `block_in_place`'s stand-in workers).
    pub(crate) worker_name: Arc<dyn Fn() -> String + Send + Sync>,
    stop: Mutex<bool>,
    stop_signal: Condvar,
}

/// How long dropping a runtime waits for blocking jobs that are still running (asyncio's
/// `shutdown_default_executor` limit).
const DROP_BLOCKING_TIMEOUT: Duration = Duration::from_secs(300);

/// A multi-threaded, work-stealing runtime (asyncio's event loop, run on all cores).
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// // A runtime can run any number of top-level futures (asyncio's `Runner`).
/// assert_eq!(rt.block_on(async { "a" }), "a");
/// assert_eq!(rt.block_on(async { "b" }), "b");
/// ```
///
/// # A runtime on a background thread
///
/// When the main thread must stay synchronous (a web framework's request threads, a GUI),
/// give the runtime its own thread, hand its [`Handle`] out, and stop it with
/// [`Handle::stop`]: [`run_forever`](Runtime::run_forever) returns and dropping the runtime
/// cancels what is left and joins every thread.
///
/// ```
/// use std::sync::mpsc;
/// let (tx, rx) = mpsc::channel();
/// let owner = std::thread::spawn(move || {
///     let rt = weft_executor::Runtime::new().unwrap();
///     tx.send(rt.handle().clone()).unwrap();
///     rt.run_forever();
/// });
/// let handle = rx.recv().unwrap();
/// // Plain synchronous code using the runtime:
/// let answer = handle.run_coroutine_threadsafe(async { 40 + 2 }).result().unwrap();
/// assert_eq!(answer, 42);
/// handle.stop();
/// owner.join().unwrap();
/// ```
pub struct Runtime {
    handle: Handle,
    threads: Vec<JoinHandle<()>>,
    /// The thread behind [`Builder::dump_on_signal`], if configured.
    #[cfg(unix)]
    dump: Option<introspect::dump_signal::DumpThread>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}

impl Runtime {
    /// A runtime with the default configuration: one worker per core.
    ///
    /// # Errors
    ///
    /// The OS error when a thread cannot be started.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> std::io::Result<Runtime> {
        Builder::new().build()
    }

    /// The runtime's handle, to clone and send to other threads.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let handle: weft_executor::Handle = rt.handle().clone();
    /// # drop(handle);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Runs `future` to completion on this thread (it need not be `Send`); spawned tasks run
    /// on the workers meanwhile. See [`Handle::block_on`].
    ///
    /// # Panics
    ///
    /// When called on a worker thread.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let local = std::rc::Rc::new(5); // not Send: fine for the future given to block_on
    /// assert_eq!(rt.block_on(async move { *local }), 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task; see [`Handle::spawn`].
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { 1 });
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool; see [`Handle::spawn_blocking`].
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// Blocks this thread while the workers run spawned tasks, until [`Handle::stop`] is
    /// called (asyncio's `run_forever`).
    ///
    /// # Panics
    ///
    /// When called on a worker thread.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// std::thread::spawn(move || handle.stop());
    /// rt.run_forever();
    /// ```
    #[track_caller]
    pub fn run_forever(&self) {
        assert!(
            !worker::on_worker_thread(),
            "run_forever was called on a weft worker thread"
        );
        let inner = &self.handle.inner;
        let mut stopped = inner.stop.lock();
        while !*stopped {
            inner.stop_signal.wait(&mut stopped);
        }
        *stopped = false;
    }

    /// Shuts the runtime down: cancels every task still alive (their futures are dropped),
    /// stops the workers, and waits up to `timeout` for running blocking jobs.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let forever = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// assert!(forever.is_finished());
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(timeout);
    }

    fn shutdown(&mut self, blocking_timeout: Duration) {
        let shared = self.handle.inner.shared.clone();
        if !shared.begin_shutdown() {
            return;
        }
        #[cfg(unix)]
        drop(self.dump.take());
        // Futures dropped here may look for their runtime (to spawn, say): let them find it;
        // and panics in the `Drop`s run here go to the runtime's handler.
        let _enter = self.handle.enter();
        self.handle.inner.callbacks.close();
        for task in shared.registry.close_and_take() {
            task.cancel_and_release();
        }
        shared.unpark_all();
        let me = std::thread::current().id();
        for thread in self.threads.drain(..) {
            // Dropping the runtime from one of its own tasks must not join that very thread.
            if thread.thread().id() != me {
                let _ = thread.join();
            }
        }
        shared.cancel_injected();
        shared.blocking.shutdown(blocking_timeout);
        // Nothing turns the reactor any more: I/O objects and timers that outlive the
        // runtime fail with a message instead of waiting forever.
        self.handle.inner.reactor.shut_down();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(DROP_BLOCKING_TIMEOUT);
    }
}

/// Runs `future` on a new runtime with one worker per core, then shuts the runtime down:
/// every task still alive is cancelled and dropped and all threads are joined (asyncio's
/// `asyncio.run`). The future runs on the calling thread and need not be `Send`.
///
/// # Panics
///
/// If the runtime cannot start its threads, or when called on a worker thread.
///
/// ```
/// let out = weft_executor::run(async {
///     let task = weft_executor::spawn(async { 20 });
///     task.await.unwrap() + 1
/// });
/// assert_eq!(out, 21);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let rt =
        Runtime::new().unwrap_or_else(|err| panic!("weft::run could not start a runtime: {err}"));
    rt.block_on(future)
}
