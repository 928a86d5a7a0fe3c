//! `as_completed`: outcomes in the order the children finish.
//!
//! Each child is wrapped so that, when it finishes (or panics), it pushes its outcome onto a
//! shared queue and wakes the consumer: O(1) per completion, however many children there are.

use crate::task::{AbortHandle, current};
use crate::{JoinError, spawn_at};
use parking_lot::Mutex;
use pin_project_lite::pin_project;
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use weft_coop::WaitKind;

struct Finished<T> {
    outcomes: VecDeque<Result<T, JoinError>>,
    waker: Option<Waker>,
}

/// The outcomes of a set of tasks in completion order; see [`as_completed`].
///
/// ```
/// weft_executor::run(async {
///     let mut it: weft_executor::AsCompleted<u8> = weft_executor::as_completed([async { 1 }]);
///     assert_eq!(it.next().await.unwrap().unwrap(), 1);
/// });
/// ```
pub struct AsCompleted<T> {
    finished: Arc<Mutex<Finished<T>>>,
    children: Vec<AbortHandle>,
    remaining: usize,
    /// Where `as_completed` was called: the wait point of the stream.
    site: &'static std::panic::Location<'static>,
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.remaining)
            .finish()
    }
}

/// Runs every future as a task and yields their outcomes as they finish, fastest first
/// (asyncio's `as_completed`). A child that panics yields an `Err(JoinError)` in its place.
/// Dropping the `AsCompleted` cancels the children that have not finished.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// weft_executor::run(async {
///     // The slow child waits until the fast one's outcome has been read.
///     let fast_read = std::sync::Arc::new(weft_sync::Event::new());
///     let slow_waits = fast_read.clone();
///     let mut results = weft_executor::as_completed([
///         Box::pin(async move {
///             slow_waits.wait().await;
///             "slow"
///         }) as Pin<Box<dyn Future<Output = &str> + Send>>,
///         Box::pin(async { "fast" }),
///     ]);
///     assert_eq!(results.next().await.unwrap().unwrap(), "fast");
///     fast_read.set();
///     assert_eq!(results.next().await.unwrap().unwrap(), "slow");
///     assert!(results.next().await.is_none());
/// });
/// ```
#[track_caller]
pub fn as_completed<I>(futures: I) -> AsCompleted<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let location = std::panic::Location::caller();
    let finished = Arc::new(Mutex::new(Finished {
        outcomes: VecDeque::new(),
        waker: None,
    }));
    let children: Vec<AbortHandle> = futures
        .into_iter()
        .map(|future| {
            spawn_at(
                Reporter {
                    future,
                    finished: finished.clone(),
                },
                location,
            )
            .abort_handle()
        })
        .collect();
    AsCompleted {
        remaining: children.len(),
        finished,
        children,
        site: location,
    }
}

impl<T> AsCompleted<T> {
    /// The next outcome to finish; `None` once every outcome was returned.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut it = weft_executor::as_completed([async { 1 }]);
    ///     assert_eq!(it.next().await.unwrap().unwrap(), 1);
    ///     assert!(it.next().await.is_none());
    /// });
    /// ```
    #[track_caller]
    #[allow(clippy::should_implement_trait)] // an async `next`, like a stream's
    pub fn next(&mut self) -> impl Future<Output = Option<Result<T, JoinError>>> {
        let site = std::panic::Location::caller();
        poll_fn(move |cx| self.poll_next_at(cx, site))
    }

    /// How many outcomes have not been returned yet.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let it = weft_executor::as_completed((1..=2).map(|i| async move { i }));
    ///     assert_eq!(it.remaining(), 2);
    /// });
    /// ```
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// [`poll_next_outcome`](Self::poll_next_outcome), with `site` as the wait point.
    fn poll_next_at(
        &mut self,
        cx: &mut Context<'_>,
        site: &'static std::panic::Location<'static>,
    ) -> Poll<Option<Result<T, JoinError>>> {
        weft_coop::note_pending(WaitKind::AsCompleted, site, self.poll_next_outcome(cx))
    }

    fn poll_next_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let mut finished = self.finished.lock();
        match finished.outcomes.pop_front() {
            Some(outcome) => {
                self.remaining -= 1;
                Poll::Ready(Some(outcome))
            }
            None => {
                finished.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> futures_core::Stream for AsCompleted<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let site = this.site;
        this.poll_next_at(cx, site)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> Drop for AsCompleted<T> {
    fn drop(&mut self) {
        for child in &self.children {
            child.cancel();
        }
    }
}

pin_project! {
    struct Reporter<F: Future> {
        #[pin]
        future: F,
        finished: Arc<Mutex<Finished<F::Output>>>,
    }
}

impl<F: Future> Future for Reporter<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let outcome = match catch_unwind(AssertUnwindSafe(|| this.future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(value)) => Ok(value),
            Err(payload) => {
                let me = current().expect("as_completed children run as tasks");
                Err(JoinError::panic(
                    me.id(),
                    Some(Arc::new(me.name().to_owned())),
                    payload,
                ))
            }
        };
        let waker = {
            let mut finished = this.finished.lock();
            finished.outcomes.push_back(outcome);
            finished.waker.take()
        };
        if let Some(waker) = waker {
            weft_coop::catch("waker", || waker.wake());
        }
        Poll::Ready(())
    }
}

/// An outcome of [`as_completed_timeout`] that is not a value.
///
/// ```
/// weft_executor::run(async {
///     let mut it = weft_executor::as_completed_timeout([std::future::pending::<()>()], std::time::Duration::ZERO);
///     match it.next().await.unwrap() {
///         Err(weft_executor::AsCompletedError::TimedOut(e)) => println!("{e}"),
///         other => panic!("{other:?}"),
///     }
/// });
/// ```
#[derive(Debug)]
pub enum AsCompletedError {
    /// The child panicked (or was cancelled by its runtime's shutdown).
    Failed(JoinError),
    /// The deadline passed before another child finished (asyncio raises `TimeoutError` on
    /// each pending await). The children keep running until the `AsCompletedTimeout` drops.
    TimedOut(weft_reactor::Elapsed),
}

impl fmt::Display for AsCompletedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsCompletedError::Failed(err) => write!(f, "{err}"),
            AsCompletedError::TimedOut(elapsed) => write!(f, "as_completed: {elapsed}"),
        }
    }
}

impl std::error::Error for AsCompletedError {}

/// [`as_completed`] with one deadline for the whole set; see [`as_completed_timeout`].
///
/// ```
/// weft_executor::run(async {
///     let mut it: weft_executor::AsCompletedTimeout<u8> =
///         weft_executor::as_completed_timeout([async { 2 }], std::time::Duration::from_secs(1));
///     assert_eq!(it.next().await.unwrap().unwrap(), 2);
/// });
/// ```
#[derive(Debug)]
pub struct AsCompletedTimeout<T> {
    inner: AsCompleted<T>,
    deadline: weft_reactor::time::Instant,
}

/// Like [`as_completed`], but once `timeout` has passed, every outcome not yet finished comes
/// back as [`AsCompletedError::TimedOut`] (asyncio's `as_completed(..., timeout=)`).
///
/// ```
/// use std::time::Duration;
/// weft_executor::run(async {
///     let mut it = weft_executor::as_completed_timeout(
///         [std::future::pending::<u8>()],
///         Duration::from_millis(10),
///     );
///     let first = it.next().await.unwrap();
///     assert!(matches!(first, Err(weft_executor::AsCompletedError::TimedOut(_))));
///     assert!(it.next().await.is_none());
/// });
/// ```
#[track_caller]
pub fn as_completed_timeout<I>(
    futures: I,
    timeout: std::time::Duration,
) -> AsCompletedTimeout<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let deadline = weft_reactor::time::saturating_add(weft_reactor::time::Instant::now(), timeout);
    AsCompletedTimeout {
        inner: as_completed(futures),
        deadline,
    }
}

impl<T> AsCompletedTimeout<T> {
    /// The next outcome, or `TimedOut` for each one still missing after the deadline;
    /// `None` once every child is accounted for.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut it = weft_executor::as_completed_timeout([async { 5 }], std::time::Duration::from_secs(5));
    ///     assert_eq!(it.next().await.unwrap().unwrap(), 5);
    /// });
    /// ```
    #[track_caller]
    #[allow(clippy::should_implement_trait)] // an async `next`, like a stream's
    pub fn next(&mut self) -> impl Future<Output = Option<Result<T, AsCompletedError>>> {
        let site = std::panic::Location::caller();
        async move {
            let inner = &mut self.inner;
            let next = poll_fn(|cx| inner.poll_next_at(cx, site));
            let outcome = weft_reactor::timeout_at(self.deadline, next).await;
            match outcome {
                Ok(None) => None,
                Ok(Some(outcome)) => Some(outcome.map_err(AsCompletedError::Failed)),
                Err(elapsed) => {
                    self.inner.remaining -= 1;
                    Some(Err(AsCompletedError::TimedOut(elapsed)))
                }
            }
        }
    }
}
