//! `wait`: block until some or all of a set of tasks are done, then split them.
//!
//! Every poll registers the waiter with each pending task (one waker, shared), then counts:
//! the cost is O(n) per wake, which suits the handful-of-tasks races `wait` is used for
//! (`as_completed` is the tool for streaming many results).

use crate::task::Task;
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::Location;
use std::task::Poll;
use weft_coop::WaitKind;

/// When [`wait`] returns (asyncio's `return_when`).
///
/// ```
/// assert_eq!(weft_executor::ReturnWhen::default(), weft_executor::ReturnWhen::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnWhen {
    /// As soon as any task finishes.
    FirstCompleted,
    /// As soon as any task panics (Rust's exception), or when all are done. Cancelled tasks
    /// do not count as failures, as in asyncio.
    FirstException,
    /// When every task is done.
    #[default]
    AllCompleted,
}

/// `wait` was given nothing to wait for.
///
/// ```
/// let err = weft_executor::run(weft_executor::wait(Vec::<weft_executor::Task<()>>::new(), weft_executor::ReturnWhen::AllCompleted)).unwrap_err();
/// assert!(err.to_string().contains("empty"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyWaitError;

impl fmt::Display for EmptyWaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wait() was given an empty set of tasks: there is nothing to wait for")
    }
}

impl std::error::Error for EmptyWaitError {}

/// Finished tasks and the ones still running, as returned by [`wait`].
///
/// ```
/// weft_executor::run(async {
///     let tasks = vec![weft_executor::spawn(async { 1 })];
///     let (done, pending): weft_executor::DoneAndPending<i32> =
///         weft_executor::wait(tasks, weft_executor::ReturnWhen::AllCompleted).await.unwrap();
///     assert_eq!((done.len(), pending.len()), (1, 0));
/// });
/// ```
pub type DoneAndPending<T> = (Vec<Task<T>>, Vec<Task<T>>);

/// Waits until `tasks` meet `when`, then returns `(done, pending)` (asyncio's `wait`).
/// The tasks in `done` have finished: awaiting them gives their outcome at once. Nothing is
/// cancelled: the `pending` tasks keep running.
///
/// # Errors
///
/// [`EmptyWaitError`] when `tasks` is empty.
///
/// ```
/// use weft_executor::{ReturnWhen, spawn, wait};
/// weft_executor::run(async {
///     let fast = spawn(async { "fast" });
///     let slow = spawn(std::future::pending::<&str>());
///     let (done, pending) = wait(vec![fast, slow], ReturnWhen::FirstCompleted).await.unwrap();
///     assert_eq!(done.len(), 1);
///     for task in pending {
///         task.cancel();
///     }
///     for task in done {
///         assert_eq!(task.await.unwrap(), "fast");
///     }
/// });
/// ```
#[track_caller]
pub fn wait<T>(
    tasks: Vec<Task<T>>,
    when: ReturnWhen,
) -> impl Future<Output = Result<DoneAndPending<T>, EmptyWaitError>> {
    let waits = async move {
        if tasks.is_empty() {
            return Err(EmptyWaitError);
        }
        poll_fn(|cx| {
            if condition_met(&tasks, when, cx) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        Ok(split(tasks))
    };
    weft_coop::waiting_as(WaitKind::Wait, Location::caller(), waits)
}

/// Registers the waker with every pending task and reports whether `when` holds.
pub(crate) fn condition_met<T>(
    tasks: &[Task<T>],
    when: ReturnWhen,
    cx: &mut std::task::Context<'_>,
) -> bool {
    let mut done = 0;
    let mut failed = false;
    for task in tasks {
        if task.poll_complete(cx.waker()) {
            done += 1;
            failed |= task.is_panicked();
        }
    }
    match when {
        ReturnWhen::FirstCompleted => done > 0,
        ReturnWhen::FirstException => failed || done == tasks.len(),
        ReturnWhen::AllCompleted => done == tasks.len(),
    }
}

pub(crate) fn split<T>(tasks: Vec<Task<T>>) -> DoneAndPending<T> {
    tasks.into_iter().partition(Task::is_finished)
}

/// [`wait`] with a time limit: returns when `when` holds or after `timeout`, whichever comes
/// first — never with an error on timeout (asyncio's `wait(..., timeout=)`); the tasks that
/// have not finished are simply in `pending`.
///
/// # Errors
///
/// [`EmptyWaitError`] when `tasks` is empty.
///
/// ```
/// use std::time::Duration;
/// use weft_executor::{ReturnWhen, spawn, wait_timeout};
/// weft_executor::run(async {
///     let stuck = spawn(std::future::pending::<()>());
///     let (done, pending) = wait_timeout(vec![stuck], ReturnWhen::AllCompleted, Duration::from_millis(10)).await.unwrap();
///     assert_eq!((done.len(), pending.len()), (0, 1));
/// });
/// ```
#[track_caller]
pub fn wait_timeout<T>(
    tasks: Vec<Task<T>>,
    when: ReturnWhen,
    timeout: std::time::Duration,
) -> impl Future<Output = Result<DoneAndPending<T>, EmptyWaitError>> {
    let waits = async move {
        if tasks.is_empty() {
            return Err(EmptyWaitError);
        }
        let met = poll_fn(|cx| {
            if condition_met(&tasks, when, cx) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        });
        // Timing out is not an error here: the split below reports what finished.
        let _ = weft_reactor::timeout(timeout, met).await;
        Ok(split(tasks))
    };
    weft_coop::waiting_as(WaitKind::Wait, Location::caller(), waits)
}
