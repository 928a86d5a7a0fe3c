//! `ConcurrentFuture`: the handle `run_coroutine_threadsafe` returns (asyncio hands back a
//! `concurrent.futures.Future`).
//!
//! It is a small shared *bridge* around the spawned [`Task`]: the bridge is the task's join
//! waker, so when the task completes the runner wakes the bridge, which takes the outcome
//! out of the task at once and then runs the done-callbacks and wakes whoever waits. The
//! status the callbacks see is therefore read from the outcome itself, after the task is
//! complete: a `cancel()` that lands during the task's last poll makes *both* the callbacks
//! and `result()` say cancelled, never one of each. Taking the outcome drops the task
//! handle, so the runner drops the bridge's waker and nothing keeps the two alive in a
//! cycle.
//!
//! A plain thread blocks on it with the same flag-and-unpark waker as `block_on` (it spins
//! briefly first, so a quick task costs no sleep); another runtime can simply await it.
//! Done-callbacks are user code: a panic in one is reported to the runtime's panic handler
//! and the others still run.

use crate::JoinError;
use crate::runtime::{Handle, block_on};
use crate::scheduler::{PanicHandler, worker};
use crate::task::{AbortHandle, Task};
use parking_lot::Mutex;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// How a [`ConcurrentFuture`]'s task ended, as given to done-callbacks.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let fut = rt.handle().run_coroutine_threadsafe(std::future::pending::<()>());
/// let (tx, rx) = std::sync::mpsc::channel();
/// fut.add_done_callback(move |status| tx.send(status).unwrap());
/// fut.cancel();
/// assert_eq!(rx.recv().unwrap(), weft_executor::DoneStatus::Cancelled);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoneStatus {
    /// It produced a value.
    Completed,
    /// It panicked.
    Panicked,
    /// It was cancelled (or its runtime shut down first).
    Cancelled,
}

type DoneCallback = Box<dyn FnOnce(DoneStatus) + Send + 'static>;

impl DoneStatus {
    fn of<T>(outcome: &Result<T, JoinError>) -> DoneStatus {
        match outcome {
            Ok(_) => DoneStatus::Completed,
            Err(err) if err.is_panic() => DoneStatus::Panicked,
            Err(_) => DoneStatus::Cancelled,
        }
    }
}

/// What the [`ConcurrentFuture`] and its task share; the task's join waker.
struct Bridge<T> {
    state: Mutex<BridgeState<T>>,
    /// The runtime's panic handler, for panicking done-callbacks.
    report: PanicHandler,
}

struct BridgeState<T> {
    /// Until its outcome is taken out.
    task: Option<Task<T>>,
    /// The outcome, until `result()` or an await takes it.
    outcome: Option<Result<T, JoinError>>,
    /// Set once the outcome is known; callbacks added later run at once.
    status: Option<DoneStatus>,
    callbacks: Vec<DoneCallback>,
    /// The thread or task waiting for the outcome.
    awaiter: Option<Waker>,
}

impl<T: Send + 'static> Wake for Bridge<T> {
    fn wake(self: Arc<Self>) {
        self.collect();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.collect();
    }
}

impl<T> Bridge<T> {
    /// Takes the outcome out of a completed task, then runs the callbacks and wakes the
    /// awaiter. Does nothing before completion or a second time.
    fn collect(&self) {
        let (task, callbacks, awaiter, status) = {
            let mut state = self.state.lock();
            let Some(outcome) = state.task.as_mut().and_then(Task::take_output) else {
                return;
            };
            let status = DoneStatus::of(&outcome);
            state.status = Some(status);
            state.outcome = Some(outcome);
            (
                state.task.take(),
                std::mem::take(&mut state.callbacks),
                state.awaiter.take(),
                status,
            )
        };
        // No lock held from here on: callbacks may use the `ConcurrentFuture`.
        drop(task);
        for callback in callbacks {
            self.run_callback(callback, status);
        }
        if let Some(awaiter) = awaiter {
            weft_coop::catch("waker", || awaiter.wake());
        }
    }

    fn run_callback(&self, callback: DoneCallback, status: DoneStatus) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(status))) {
            let id = crate::task::current_id().unwrap_or_else(crate::task::TaskId::next);
            let err = JoinError::panic(
                id,
                Some(Arc::new("a ConcurrentFuture done-callback".into())),
                payload,
            );
            crate::scheduler::report(&self.report, err);
        }
    }
}

/// The result of [`Handle::run_coroutine_threadsafe`]: wait for it from a plain thread, or
/// await it from any async code.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let answer = std::thread::spawn(move || {
///     handle.run_coroutine_threadsafe(async { 6 * 7 }).result().unwrap()
/// })
/// .join()
/// .unwrap();
/// assert_eq!(answer, 42);
/// ```
pub struct ConcurrentFuture<T> {
    bridge: Arc<Bridge<T>>,
    /// Cancels and watches the task without the bridge's lock (a cancel may complete the
    /// task inline, which wakes the bridge, which takes the lock).
    abort: AbortHandle,
    /// Where `run_coroutine_threadsafe` was called: the wait point of a task awaiting it.
    site: &'static std::panic::Location<'static>,
}

impl<T> fmt::Debug for ConcurrentFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrentFuture")
            .field("task", &self.abort.id())
            .field("done", &self.done())
            .finish()
    }
}

/// [`ConcurrentFuture::result_timeout`] did not get a value.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let err = rt.handle().run_coroutine_threadsafe(async { panic!("x") })
///     .result_timeout(std::time::Duration::from_secs(10))
///     .unwrap_err();
/// assert!(matches!(err, weft_executor::ResultTimeoutError::Failed(ref e) if e.is_panic()));
/// ```
#[derive(Debug)]
pub enum ResultTimeoutError {
    /// No result within the timeout; the task was cancelled (as asyncio does).
    TimedOut(Duration),
    /// The task ended without a value.
    Failed(JoinError),
}

impl fmt::Display for ResultTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultTimeoutError::TimedOut(d) => {
                write!(f, "no result within {d:?}: the task was cancelled")
            }
            ResultTimeoutError::Failed(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for ResultTimeoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResultTimeoutError::TimedOut(_) => None,
            ResultTimeoutError::Failed(err) => Some(err),
        }
    }
}

impl Handle {
    /// Submits `future` to this runtime from any thread and returns a [`ConcurrentFuture`]
    /// for its result (asyncio's `run_coroutine_threadsafe`).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let fut = rt.handle().run_coroutine_threadsafe(async { "ok" });
    /// assert_eq!(fut.result().unwrap(), "ok");
    /// ```
    #[track_caller]
    pub fn run_coroutine_threadsafe<F>(&self, future: F) -> ConcurrentFuture<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = self.spawn(future);
        let abort = task.abort_handle();
        let bridge = Arc::new(Bridge {
            state: Mutex::new(BridgeState {
                task: None,
                outcome: None,
                status: None,
                callbacks: Vec::new(),
                awaiter: None,
            }),
            report: self.inner.shared.panic_handler.clone(),
        });
        let join_waker = Waker::from(bridge.clone());
        // Registered under the lock, with the task already in place: a completion racing
        // this waits for the lock and then finds the task to collect.
        let already_complete = {
            let mut state = bridge.state.lock();
            state.task.insert(task).poll_complete(&join_waker)
        };
        if already_complete {
            bridge.collect();
        }
        ConcurrentFuture {
            bridge,
            abort,
            site: std::panic::Location::caller(),
        }
    }
}

impl<T> ConcurrentFuture<T> {
    /// Blocks this thread until the task finishes and returns its outcome
    /// (`concurrent.futures.Future.result()`).
    ///
    /// # Panics
    ///
    /// On a weft worker thread, where blocking would stall the runtime: await the
    /// `ConcurrentFuture` there instead.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let err = rt.handle().run_coroutine_threadsafe(async { panic!("no") }).result().unwrap_err();
    /// assert!(err.is_panic());
    /// ```
    #[track_caller]
    pub fn result(self) -> Result<T, JoinError> {
        assert_not_worker();
        block_on::block_on(self)
    }

    /// Like [`result`](Self::result) but waits at most `timeout`; on timeout the task is
    /// cancelled (as asyncio does) and [`ResultTimeoutError::TimedOut`] is returned. A value
    /// the task produced before that cancellation could land is returned, not dropped.
    ///
    /// # Panics
    ///
    /// On a weft worker thread.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let fut = rt.handle().run_coroutine_threadsafe(std::future::pending::<()>());
    /// let err = fut.result_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, weft_executor::ResultTimeoutError::TimedOut(_)));
    /// ```
    #[track_caller]
    pub fn result_timeout(mut self, timeout: Duration) -> Result<T, ResultTimeoutError> {
        assert_not_worker();
        let deadline = Instant::now().checked_add(timeout);
        if let Some(outcome) = block_on::block_on_until(&mut self, deadline) {
            return outcome.map_err(ResultTimeoutError::Failed);
        }
        if self.cancel() {
            return Err(ResultTimeoutError::TimedOut(timeout));
        }
        // It finished between the deadline and the cancel: its outcome is on its way.
        block_on::block_on(self).map_err(ResultTimeoutError::Failed)
    }

    /// Cancels the task (`Future.cancel()`); false when it had already finished.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let fut = rt.handle().run_coroutine_threadsafe(std::future::pending::<()>());
    /// assert!(fut.cancel());
    /// assert!(fut.result().unwrap_err().is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        self.abort.cancel()
    }

    /// True once the task has finished and its outcome is known.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let fut = rt.handle().run_coroutine_threadsafe(std::future::pending::<()>());
    /// assert!(!fut.done());
    /// ```
    pub fn done(&self) -> bool {
        self.bridge.state.lock().status.is_some()
    }

    /// Runs `callback` once the task has finished, with how it ended — on the thread that
    /// finished it, or right here if it already has. Callbacks run once each, in the order
    /// they were added; a panicking callback is reported to the runtime's panic handler and
    /// the others still run.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let fut = rt.handle().run_coroutine_threadsafe(async { 1 });
    /// fut.add_done_callback(move |status| tx.send(status).unwrap());
    /// assert_eq!(rx.recv().unwrap(), weft_executor::DoneStatus::Completed);
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(DoneStatus) + Send + 'static) {
        let mut state = self.bridge.state.lock();
        match state.status {
            None => state.callbacks.push(Box::new(callback)),
            Some(status) => {
                drop(state);
                self.bridge.run_callback(Box::new(callback), status);
            }
        }
    }
}

impl<T> Future for ConcurrentFuture<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.bridge.state.lock();
        if let Some(outcome) = state.outcome.take() {
            return Poll::Ready(outcome);
        }
        assert!(
            state.status.is_none(),
            "a ConcurrentFuture was polled again after it returned its outcome"
        );
        match &state.awaiter {
            Some(awaiter) if awaiter.will_wake(cx.waker()) => {}
            _ => state.awaiter = Some(cx.waker().clone()),
        }
        weft_coop::record(weft_coop::WaitKind::ConcurrentFuture, self.site);
        Poll::Pending
    }
}

#[track_caller]
fn assert_not_worker() {
    assert!(
        !worker::on_worker_thread(),
        "ConcurrentFuture::result was called on a weft worker thread: that would block the \
         thread that has to run the task. Await the ConcurrentFuture instead."
    );
}
