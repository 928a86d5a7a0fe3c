//! `ConcurrentFuture`: the handle `run_coroutine_threadsafe` returns (asyncio hands back a
//! `concurrent.futures.Future`).
//!
//! It wraps the spawned [`Task`] itself: a plain thread blocks on it with the same
//! flag-and-unpark waker as `block_on` (it spins briefly first, so a quick task costs no
//! sleep), and another runtime can simply await it. Done-callbacks hang off the spawned
//! future: they run when it finishes, panics, or is dropped by cancellation.

use crate::JoinError;
use crate::runtime::{Handle, block_on};
use crate::scheduler::worker;
use crate::task::Task;
use parking_lot::Mutex;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
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

/// Callbacks waiting for the task, or how it ended.
enum Done {
    Waiting(Vec<DoneCallback>),
    Finished(DoneStatus),
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
    task: Task<T>,
    done: Arc<Mutex<Done>>,
}

impl<T> fmt::Debug for ConcurrentFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrentFuture")
            .field("task", &self.task)
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
    pub fn run_coroutine_threadsafe<F>(&self, future: F) -> ConcurrentFuture<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let done = Arc::new(Mutex::new(Done::Waiting(Vec::new())));
        let task = self.spawn(NotifyDone {
            future,
            done: Some(done.clone()),
        });
        ConcurrentFuture { task, done }
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
        let mut task = self.task;
        block_on::block_on(&mut task)
    }

    /// Like [`result`](Self::result) but waits at most `timeout`; on timeout the task is
    /// cancelled (as asyncio does) and [`ResultTimeoutError::TimedOut`] is returned.
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
    pub fn result_timeout(self, timeout: Duration) -> Result<T, ResultTimeoutError> {
        assert_not_worker();
        let mut task = self.task;
        let deadline = Instant::now().checked_add(timeout);
        match block_on::block_on_until(&mut task, deadline) {
            Some(outcome) => outcome.map_err(ResultTimeoutError::Failed),
            None => {
                task.cancel();
                Err(ResultTimeoutError::TimedOut(timeout))
            }
        }
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
        self.task.cancel()
    }

    /// True once the task has finished.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let fut = rt.handle().run_coroutine_threadsafe(std::future::pending::<()>());
    /// assert!(!fut.done());
    /// ```
    pub fn done(&self) -> bool {
        self.task.is_finished()
    }

    /// Runs `callback` once the task has finished — on the worker that finished it, or
    /// right here if it already has. Callbacks run once each, in the order they were added.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let fut = rt.handle().run_coroutine_threadsafe(async { 1 });
    /// fut.add_done_callback(move |status| tx.send(status).unwrap());
    /// assert_eq!(rx.recv().unwrap(), weft_executor::DoneStatus::Completed);
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(DoneStatus) + Send + 'static) {
        let mut done = self.done.lock();
        match &mut *done {
            Done::Waiting(callbacks) => callbacks.push(Box::new(callback)),
            Done::Finished(status) => {
                let status = *status;
                drop(done);
                callback(status);
            }
        }
    }
}

impl<T> Future for ConcurrentFuture<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx)
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

pin_project! {
    /// The spawned future: runs the done-callbacks however it ends.
    struct NotifyDone<F> {
        #[pin]
        future: F,
        done: Option<Arc<Mutex<Done>>>,
    }

    impl<F> PinnedDrop for NotifyDone<F> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before finishing: cancelled, or its runtime shut down.
            if let Some(done) = this.project().done.take() {
                finish(&done, DoneStatus::Cancelled);
            }
        }
    }
}

impl<F: Future> Future for NotifyDone<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let polled = catch_unwind(AssertUnwindSafe(|| this.future.poll(cx)));
        let status = match &polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(_)) => DoneStatus::Completed,
            Err(_) => DoneStatus::Panicked,
        };
        if let Some(done) = this.done.take() {
            finish(&done, status);
        }
        match polled {
            Ok(poll) => poll,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

fn finish(done: &Mutex<Done>, status: DoneStatus) {
    let callbacks = match std::mem::replace(&mut *done.lock(), Done::Finished(status)) {
        Done::Waiting(callbacks) => callbacks,
        Done::Finished(_) => Vec::new(),
    };
    for callback in callbacks {
        // A panicking callback must not keep the others from running.
        let _ = catch_unwind(AssertUnwindSafe(|| callback(status)));
    }
}
