//! `as_completed`: outcomes in the order the children finish.
//!
//! Each child is wrapped so that, when it finishes (or panics), it pushes its outcome onto a
//! shared queue and wakes the consumer: O(1) per completion, however many children there are.

use crate::task::{AbortHandle, current};
use crate::{JoinError, spawn};
use parking_lot::Mutex;
use pin_project_lite::pin_project;
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

struct Finished<T> {
    outcomes: VecDeque<Result<T, JoinError>>,
    waker: Option<Waker>,
}

/// The outcomes of a set of tasks in completion order; see [`as_completed`].
pub struct AsCompleted<T> {
    finished: Arc<Mutex<Finished<T>>>,
    children: Vec<AbortHandle>,
    remaining: usize,
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").field("remaining", &self.remaining).finish()
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
/// weft_executor::run(async {
///     let (tx, rx) = std::sync::mpsc::channel::<()>();
///     let rx = std::sync::Mutex::new(rx);
///     let mut results = weft_executor::as_completed([
///         Box::pin(async move { rx.lock().unwrap().recv().unwrap(); "slow" }) as std::pin::Pin<Box<dyn std::future::Future<Output = &str> + Send>>,
///         Box::pin(async move { tx.send(()).unwrap(); "fast" }),
///     ]);
///     assert_eq!(results.next().await.unwrap().unwrap(), "fast");
///     assert_eq!(results.next().await.unwrap().unwrap(), "slow");
///     assert!(results.next().await.is_none());
/// });
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let finished = Arc::new(Mutex::new(Finished { outcomes: VecDeque::new(), waker: None }));
    let children: Vec<AbortHandle> = futures
        .into_iter()
        .map(|future| spawn(Reporter { future, finished: finished.clone() }).abort_handle())
        .collect();
    AsCompleted { remaining: children.len(), finished, children }
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
    pub async fn next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_next_outcome(cx)).await
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

    pub(crate) fn poll_next_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
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
        self.get_mut().poll_next_outcome(cx)
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
                Err(JoinError::panic(me.id(), Some(Arc::from(me.name())), payload))
            }
        };
        let waker = {
            let mut finished = this.finished.lock();
            finished.outcomes.push_back(outcome);
            finished.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Poll::Ready(())
    }
}
