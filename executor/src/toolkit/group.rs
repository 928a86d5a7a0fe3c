//! `TaskGroup`: structured concurrency with asyncio's failure semantics.
//!
//! Children are wrapped so that the first failure — an `Err` or a panic — flips the group to
//! *failing* and cancels every other child at once, while the group still waits for all of
//! them and reports every failure, not just the first (asyncio's `ExceptionGroup`). A child
//! cancelled explicitly through its [`AbortHandle`] is not a failure. The group owns its
//! children: dropping it cancels them, so no child outlives it.

use crate::JoinError;
use crate::task::{AbortHandle, Task, current};
use parking_lot::Mutex;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A set of child tasks that succeed or fail together (asyncio's `TaskGroup`).
///
/// ```
/// let values = weft_executor::run(async {
///     let group = weft_executor::TaskGroup::new();
///     group.spawn(async { Ok::<_, String>("a") }).unwrap();
///     group.spawn(async { Ok("b") }).unwrap();
///     group.join().await
/// });
/// assert_eq!(values.unwrap(), vec!["a", "b"]);
/// ```
pub struct TaskGroup<T, E> {
    shared: Arc<Mutex<GroupState>>,
    children: Mutex<Vec<Task<Result<T, E>>>>,
}

struct GroupState {
    failing: bool,
    aborts: Vec<AbortHandle>,
}

/// Why [`TaskGroup::spawn`] refused a child.
///
/// ```
/// let err = weft_executor::GroupSpawnError;
/// assert!(err.to_string().contains("failing"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSpawnError;

impl fmt::Display for GroupSpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the TaskGroup is failing (a child failed and the others are being cancelled): no new children are accepted")
    }
}

impl std::error::Error for GroupSpawnError {}

/// One child's failure inside a [`GroupError`].
///
/// ```
/// let err = weft_executor::run(async {
///     let group = weft_executor::TaskGroup::<(), &str>::new();
///     group.spawn(async { panic!("boom") }).unwrap();
///     group.join().await
/// })
/// .unwrap_err();
/// assert!(matches!(&err.failures()[0], weft_executor::ChildFailure::Panic(e) if e.is_panic()));
/// ```
#[derive(Debug)]
pub enum ChildFailure<E> {
    /// The child returned `Err`.
    Error(E),
    /// The child panicked; the [`JoinError`] carries the payload.
    Panic(JoinError),
}

/// Every failure of a [`TaskGroup`]'s children, in spawn order (asyncio's `ExceptionGroup`).
///
/// ```
/// let err = weft_executor::run(async {
///     let group = weft_executor::TaskGroup::<(), &str>::new();
///     group.spawn(async { Err("disk full") }).unwrap();
///     group.join().await
/// })
/// .unwrap_err();
/// assert_eq!(err.failures().len(), 1);
/// assert!(err.to_string().contains("disk full"));
/// ```
#[derive(Debug)]
pub struct GroupError<E> {
    failures: Vec<ChildFailure<E>>,
}

impl<E> GroupError<E> {
    /// The failures, in spawn order.
    ///
    /// ```
    /// # let err = weft_executor::run(async {
    /// #     let g = weft_executor::TaskGroup::<(), u8>::new();
    /// #     g.spawn(async { Err(1) }).unwrap();
    /// #     g.join().await
    /// # }).unwrap_err();
    /// assert!(matches!(err.failures()[0], weft_executor::ChildFailure::Error(1)));
    /// ```
    pub fn failures(&self) -> &[ChildFailure<E>] {
        &self.failures
    }

    /// The failures, by value.
    ///
    /// ```
    /// # let err = weft_executor::run(async {
    /// #     let g = weft_executor::TaskGroup::<(), u8>::new();
    /// #     g.spawn(async { Err(1) }).unwrap();
    /// #     g.join().await
    /// # }).unwrap_err();
    /// assert_eq!(err.into_failures().len(), 1);
    /// ```
    pub fn into_failures(self) -> Vec<ChildFailure<E>> {
        self.failures
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(
            f,
            "{n} unhandled error{} in a TaskGroup",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, failure) in self.failures.iter().enumerate() {
            match failure {
                ChildFailure::Error(e) => write!(f, "{}{e}", if i == 0 { ": " } else { "; " })?,
                ChildFailure::Panic(e) => write!(f, "{}{e}", if i == 0 { ": " } else { "; " })?,
            }
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("children", &self.children.lock().len())
            .field("failing", &self.shared.lock().failing)
            .finish()
    }
}

impl<T: Send + 'static, E: Send + 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static, E: Send + 'static> TaskGroup<T, E> {
    /// An empty group.
    ///
    /// ```
    /// let group = weft_executor::TaskGroup::<u8, String>::new();
    /// # drop(group);
    /// ```
    pub fn new() -> Self {
        TaskGroup {
            shared: Arc::new(Mutex::new(GroupState {
                failing: false,
                aborts: Vec::new(),
            })),
            children: Mutex::new(Vec::new()),
        }
    }

    /// Starts a child task on the current runtime. Returns a handle that cancels just this
    /// child (which does not abort the group), or an error once the group is failing (the
    /// future is dropped unstarted).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let group = weft_executor::TaskGroup::<(), ()>::new();
    ///     let slow = group.spawn(std::future::pending()).unwrap();
    ///     group.spawn(async { Ok(()) }).unwrap();
    ///     slow.cancel(); // explicit: the group carries on
    ///     assert!(group.join().await.is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Result<AbortHandle, GroupSpawnError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let mut state = self.shared.lock();
        if state.failing {
            return Err(GroupSpawnError);
        }
        let task = crate::spawn_at(
            Child {
                future,
                group: self.shared.clone(),
            },
            std::panic::Location::caller(),
        );
        let abort = task.abort_handle();
        state.aborts.push(abort.clone());
        drop(state);
        self.children.lock().push(task);
        Ok(abort)
    }

    /// Waits for every child and returns their values in spawn order, or every failure.
    /// Children cancelled explicitly contribute no value and no failure.
    ///
    /// ```
    /// let err = weft_executor::run(async {
    ///     let group = weft_executor::TaskGroup::<u8, String>::new();
    ///     group.spawn(async { Err("bad input".to_string()) }).unwrap();
    ///     // Cancelled by the failure above: never finishes on its own.
    ///     group.spawn(std::future::pending()).unwrap();
    ///     group.join().await
    /// })
    /// .unwrap_err();
    /// assert_eq!(err.failures().len(), 1);
    /// ```
    pub async fn join(self) -> Result<Vec<T>, GroupError<E>> {
        let mut children = std::mem::take(&mut *self.children.lock());
        let mut values = Vec::with_capacity(children.len());
        let mut failures = Vec::new();
        for task in &mut children {
            match task.await {
                Ok(Ok(value)) => values.push(value),
                Ok(Err(err)) => failures.push(ChildFailure::Error(err)),
                Err(err) if err.is_panic() => failures.push(ChildFailure::Panic(err)),
                Err(_cancelled) => {}
            }
        }
        if failures.is_empty() {
            Ok(values)
        } else {
            Err(GroupError { failures })
        }
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        for task in self.children.get_mut().iter() {
            task.cancel();
        }
    }
}

/// Marks the group failing and cancels every child except the caller.
fn abort_group(group: &Mutex<GroupState>) {
    let me = current().map(|t| t.id());
    let aborts: Vec<AbortHandle> = {
        let mut state = group.lock();
        if state.failing {
            return;
        }
        state.failing = true;
        state
            .aborts
            .iter()
            .filter(|a| Some(a.id()) != me)
            .cloned()
            .collect()
    };
    // Cancelling outside the lock: an idle child's future is dropped right here.
    for abort in aborts {
        abort.cancel();
    }
}

pin_project! {
    /// A group child: reports its failure to the group before finishing.
    struct Child<F> {
        #[pin]
        future: F,
        group: Arc<Mutex<GroupState>>,
    }
}

impl<F: Future<Output = Result<T, E>>, T, E> Future for Child<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match catch_unwind(AssertUnwindSafe(|| this.future.poll(cx))) {
            Ok(Poll::Ready(Err(err))) => {
                abort_group(this.group);
                Poll::Ready(Err(err))
            }
            Ok(poll) => poll,
            Err(payload) => {
                abort_group(this.group);
                std::panic::resume_unwind(payload)
            }
        }
    }
}
