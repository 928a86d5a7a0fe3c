//! `gather`, `try_gather`, `gather_settled` and the `gather!` macro.
//!
//! Results are collected by awaiting the children in input order, so a whole gather costs
//! O(n) polls however the children finish. `try_gather` also listens to a shared failure
//! slot, so the first error (in time, not in position) ends it at once.

use crate::task::{AbortHandle, Task};
use crate::{JoinError, spawn_at};
use parking_lot::Mutex;
use std::future::{Future, poll_fn};
use std::panic::Location;
use std::sync::Arc;
use std::task::{Poll, Waker};
use weft_coop::WaitKind;

/// Cancels the tasks it holds when dropped (the caller was cancelled).
pub(crate) struct Children<T>(pub(crate) Vec<Task<T>>);

impl<T> Drop for Children<T> {
    fn drop(&mut self) {
        for task in &self.0 {
            task.cancel();
        }
    }
}

/// The output of a child, or the child's panic resumed in the caller.
fn unwrap_child<T>(outcome: Result<T, JoinError>) -> T {
    match outcome {
        Ok(value) => value,
        Err(err) => match err.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(err) => panic!("a gathered child ended without a value: {err}"),
        },
    }
}

/// Runs every future as its own task, in parallel, and returns their outputs in input order
/// (asyncio's `gather`).
///
/// If a child panics, the panic is resumed in the caller once that child's turn comes in the
/// input order; the other children keep running, as in asyncio. Dropping the returned future
/// cancels the children that have not finished.
///
/// # Panics
///
/// Outside a weft runtime (the children are spawned on the current one).
///
/// ```
/// let squares = weft_executor::run(weft_executor::gather((1..=4).map(|x| async move { x * x })));
/// assert_eq!(squares, vec![1, 4, 9, 16]);
/// ```
#[track_caller]
pub fn gather<I>(futures: I) -> impl Future<Output = Vec<<I::Item as Future>::Output>>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let site = Location::caller();
    weft_coop::waiting_as(
        WaitKind::Gather,
        site,
        collect_in_order(futures, site, unwrap_child),
    )
}

/// Spawns every future (at `location`, the combinator's caller) and maps each outcome in
/// input order; the children are cancelled if the returned future is dropped. Spawning
/// happens at the first poll, so `run(gather(..))` works before any runtime exists.
async fn collect_in_order<I, R>(
    futures: I,
    location: &'static Location<'static>,
    mut each: impl FnMut(Result<<I::Item as Future>::Output, JoinError>) -> R,
) -> Vec<R>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let mut children = Children(futures.into_iter().map(|f| spawn_at(f, location)).collect());
    {
        let mut out = Vec::with_capacity(children.0.len());
        for task in &mut children.0 {
            out.push(each(task.await));
        }
        out
    }
}

/// Like [`gather`], but every outcome comes back in input order, failures in place: a child
/// that panicked or was cancelled gives an `Err(JoinError)` (asyncio's
/// `gather(..., return_exceptions=True)`).
///
/// ```
/// let outcomes = weft_executor::run(weft_executor::gather_settled([
///     Box::pin(async { "ok" }) as std::pin::Pin<Box<dyn std::future::Future<Output = &str> + Send>>,
///     Box::pin(async { panic!("boom") }),
/// ]));
/// assert_eq!(*outcomes[0].as_ref().unwrap(), "ok");
/// assert!(outcomes[1].as_ref().unwrap_err().is_panic());
/// ```
#[track_caller]
pub fn gather_settled<I>(
    futures: I,
) -> impl Future<Output = Vec<Result<<I::Item as Future>::Output, JoinError>>>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    let site = Location::caller();
    let gathered = collect_in_order(futures, site, |outcome| outcome);
    weft_coop::waiting_as(WaitKind::Gather, site, gathered)
}

/// The first error any child reported, and who to wake when one arrives.
struct FirstError<E> {
    error: Option<E>,
    waker: Option<Waker>,
}

/// Runs fallible futures as tasks and returns all their values in input order, or the first
/// error to occur — in time, not in position — after cancelling the other children.
///
/// A panicking child is resumed in the caller, as in [`gather`].
///
/// ```
/// let all = weft_executor::run(weft_executor::try_gather((1..=3).map(|x| async move { Ok::<_, String>(x) })));
/// assert_eq!(all, Ok(vec![1, 2, 3]));
///
/// let first_err = weft_executor::run(weft_executor::try_gather((1..=3).map(|x| async move {
///     if x == 2 { Err(format!("child {x} failed")) } else { std::future::pending::<Result<u8, String>>().await }
/// })));
/// assert_eq!(first_err, Err("child 2 failed".to_string()));
/// ```
#[track_caller]
pub fn try_gather<I, T, E>(futures: I) -> impl Future<Output = Result<Vec<T>, E>>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let location = Location::caller();
    let gathered = async move {
        let slot = Arc::new(Mutex::new(FirstError {
            error: None,
            waker: None,
        }));
        let report = |future: I::Item| {
            let slot = slot.clone();
            async move {
                match future.await {
                    Ok(value) => Some(value),
                    Err(err) => {
                        let waker = {
                            let mut slot = slot.lock();
                            slot.error.get_or_insert(err);
                            slot.waker.take()
                        };
                        if let Some(waker) = waker {
                            weft_coop::catch("waker", || waker.wake());
                        }
                        None
                    }
                }
            }
        };
        let mut children = Children(
            futures
                .into_iter()
                .map(|f| spawn_at(report(f), location))
                .collect(),
        );
        let mut out = Vec::with_capacity(children.0.len());
        let mut next = 0;
        poll_fn(|cx| {
            loop {
                {
                    let mut slot = slot.lock();
                    if let Some(err) = slot.error.take() {
                        return Poll::Ready(Err(err));
                    }
                    slot.waker = Some(cx.waker().clone());
                }
                let Some(task) = children.0.get_mut(next) else {
                    return Poll::Ready(Ok(()));
                };
                match std::pin::Pin::new(task).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(outcome) => match unwrap_child(outcome) {
                        Some(value) => {
                            out.push(value);
                            next += 1;
                        }
                        // The child stored its error before finishing: the loop returns it.
                        None => continue,
                    },
                }
            }
        })
        .await?;
        Ok(out)
    };
    weft_coop::waiting_as(WaitKind::Gather, location, gathered)
}

/// One `gather!` member: a task that cancels on drop and resumes its panic when awaited.
#[doc(hidden)]
#[derive(Debug)]
pub struct GatherMember<T>(Option<Task<T>>, Option<AbortHandle>);

impl<T> GatherMember<T> {
    #[doc(hidden)]
    pub fn new(task: Task<T>) -> Self {
        let abort = task.abort_handle();
        GatherMember(Some(task), Some(abort))
    }

    #[doc(hidden)]
    pub async fn join(&mut self) -> T {
        let task = self.0.as_mut().expect("gather! awaits each member once");
        let out = unwrap_child(task.await);
        self.1 = None;
        out
    }
}

impl<T> Drop for GatherMember<T> {
    fn drop(&mut self) {
        if let Some(abort) = &self.1 {
            abort.cancel();
        }
    }
}

/// Runs futures of different types as parallel tasks and returns their outputs as a tuple
/// (asyncio's `gather(a(), b(), c())`). Evaluates to a future; `.await` it.
///
/// ```
/// let (n, s, v) = weft_executor::run(async {
///     weft_executor::gather!(async { 1 }, async { "two" }, async { vec![3] }).await
/// });
/// assert_eq!((n, s, v), (1, "two", vec![3]));
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__gather_munch!([] [] $($future,)+)
    };
}

/// Implementation detail of [`gather!`]: pairs each future with the `_` patterns that skip
/// the members before it, so each can be picked out of the tuple by position.
#[doc(hidden)]
#[macro_export]
macro_rules! __gather_munch {
    ([$($done:tt)*] [$($acc:tt)*] $future:expr, $($rest:expr,)*) => {
        $crate::__gather_munch!([$($done)* _] [$($acc)* ([$($done)*] $future)] $($rest,)*)
    };
    ([$($done:tt)*] [$(([$($skip:tt)*] $future:expr))*]) => {
        async {
            let mut members = ($($crate::toolkit_support::GatherMember::new($crate::spawn($future)),)*);
            ($({
                let ($($skip,)* member, ..) = &mut members;
                member.join().await
            },)*)
        }
    };
}
