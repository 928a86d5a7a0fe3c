//! `TaskGroup`: structured concurrency with asyncio's failure semantics.
//!
//! Children are wrapped so that the first failure — an `Err` or a panic — flips the group to
//! *failing* and cancels every other child at once, while the group still waits for all of
//! them and reports every failure, not just the first (asyncio's `ExceptionGroup`). A child
//! cancelled explicitly through its [`AbortHandle`] is not a failure. The group owns its
//! children: dropping it — or dropping the future of [`TaskGroup::join`], say under a
//! timeout or with its task cancelled — cancels every child still running, so no child
//! outlives it (asyncio cancels them too).
//!
//! Each child records its own outcome in the group's slot for it, in spawn order, when it
//! finishes, releasing the abort handle the slot held while it ran; its task handle is
//! dropped at spawn.
//! So a finished child costs the group only its outcome, and a long-lived group that spawns
//! and finishes children endlessly does not keep their tasks allocated. A child's future is
//! dropped inside the child's own harness, so a panic in its `Drop` during cancellation is
//! listed with the group's failures too (asyncio's test_taskgroup_08).

use crate::JoinError;
use crate::runtime::Handle;
use crate::task::AbortHandle;
use parking_lot::Mutex;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

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
    shared: Arc<Mutex<GroupState<T, E>>>,
}

struct GroupState<T, E> {
    failing: bool,
    /// One per child, in spawn order.
    slots: Vec<Slot<T, E>>,
    /// Children whose outcome is not recorded yet.
    pending: usize,
    /// The task waiting in `join`.
    joiner: Option<Waker>,
}

/// A child's outcome, once it is known. Small (two words for `T = ()`): a long-lived group
/// keeps one per child it ever spawned.
enum Slot<T, E> {
    /// Still running: what a failure or the group's drop cancels (`None` for a moment while
    /// it is being spawned).
    Running(Option<AbortHandle>),
    Value(T),
    Failed(Box<ChildFailure<E>>),
    Cancelled,
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
    /// The error of a group whose children failed like this (in spawn order).
    pub(crate) fn new(failures: Vec<ChildFailure<E>>) -> Self {
        GroupError { failures }
    }

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
        let state = self.shared.lock();
        f.debug_struct("TaskGroup")
            .field("children", &state.slots.len())
            .field("running", &state.pending)
            .field("failing", &state.failing)
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
                slots: Vec::new(),
                pending: 0,
                joiner: None,
            })),
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
        let location = std::panic::Location::caller();
        let handle = Handle::current();
        let index = {
            let mut state = self.shared.lock();
            if state.failing {
                return Err(GroupSpawnError);
            }
            state.slots.push(Slot::Running(None));
            state.pending += 1;
            state.slots.len() - 1
        };
        // Spawned with no lock held: a child refused by a runtime that is shutting down is
        // dropped right here, and records its outcome (which takes the lock).
        let child = Child {
            slot: FutureSlot::Running { future },
            group: self.shared.clone(),
            index,
            recorded: false,
        };
        let task = handle.spawn_with(child, crate::task::Origin::at(location));
        let abort = task.abort_handle();
        drop(task);
        let mut state = self.shared.lock();
        if let Slot::Running(slot) = &mut state.slots[index] {
            *slot = Some(abort.clone());
            // A sibling that failed while we were spawning could not see this child yet.
            if state.failing {
                drop(state);
                abort.cancel();
            }
        }
        Ok(abort)
    }

    /// Waits for every child and returns their values in spawn order, or every failure.
    /// Children cancelled explicitly contribute no value and no failure.
    ///
    /// Dropping this future before it completes (a timeout around it, its task cancelled)
    /// drops the group, which cancels every child still running.
    ///
    /// ```
    /// let err = weft_executor::run(async {
    ///     let group = weft_executor::TaskGroup::<u8, String>::new();
    ///     // Cancelled by the failure below: never finishes on its own.
    ///     group.spawn(std::future::pending()).unwrap();
    ///     group.spawn(async { Err("bad input".to_string()) }).unwrap();
    ///     group.join().await
    /// })
    /// .unwrap_err();
    /// assert_eq!(err.failures().len(), 1);
    /// ```
    #[track_caller]
    pub fn join(self) -> impl Future<Output = Result<Vec<T>, GroupError<E>>> {
        let site = std::panic::Location::caller();
        weft_coop::waiting_as(weft_coop::WaitKind::TaskGroup, site, self.join_children())
    }

    /// The body of [`join`](Self::join).
    async fn join_children(self) -> Result<Vec<T>, GroupError<E>> {
        let slots = std::future::poll_fn(|cx| {
            let progress = std::task::ready!(weft_coop::poll_proceed(cx));
            let mut state = self.shared.lock();
            if state.pending > 0 {
                state.joiner = Some(cx.waker().clone());
                return Poll::Pending;
            }
            progress.made_progress();
            Poll::Ready(std::mem::take(&mut state.slots))
        })
        .await;
        let mut values = Vec::with_capacity(slots.len());
        let mut failures = Vec::new();
        for slot in slots {
            match slot {
                Slot::Value(value) => values.push(value),
                Slot::Failed(failure) => failures.push(*failure),
                Slot::Cancelled => {}
                Slot::Running(_) => unreachable!("no child is pending"),
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
        let running: Vec<AbortHandle> = (self.shared.lock().slots.iter_mut())
            .filter_map(|slot| match slot {
                Slot::Running(abort) => abort.take(),
                _ => None,
            })
            .collect();
        // Cancelled with no lock held: an idle child's future is dropped right here, and it
        // records its outcome.
        for child in running {
            child.cancel();
        }
    }
}

/// Marks the group failing and cancels every running child except `me`.
fn abort_group<T, E>(group: &Mutex<GroupState<T, E>>, me: usize) {
    let siblings: Vec<AbortHandle> = {
        let mut state = group.lock();
        if state.failing {
            return;
        }
        state.failing = true;
        state
            .slots
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| match slot {
                Slot::Running(Some(abort)) if index != me => Some(abort.clone()),
                _ => None,
            })
            .collect()
    };
    // Cancelling outside the lock: an idle child's future is dropped right here.
    for sibling in siblings {
        sibling.cancel();
    }
}

pin_project! {
    /// A child's future, until it is dropped in place.
    #[project = FutureSlotProj]
    #[project_replace = FutureSlotReplace]
    enum FutureSlot<F> {
        Running { #[pin] future: F },
        Dropped,
    }
}

pin_project! {
    /// A group child: records its outcome in the group, and fails the group, however it ends.
    struct Child<F, T, E> {
        #[pin]
        slot: FutureSlot<F>,
        group: Arc<Mutex<GroupState<T, E>>>,
        index: usize,
        recorded: bool,
    }

    impl<F, T, E> PinnedDrop for Child<F, T, E> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before it finished: cancelled (explicitly, by a failing sibling, by the
            // group's drop, or by shutdown).
            let mut this = this.project();
            if *this.recorded {
                return;
            }
            let outcome = match drop_in_place(this.slot.as_mut()) {
                Ok(()) => Slot::Cancelled,
                Err(payload) => {
                    // Possibly on the canceller's thread: the id comes from the group's table.
                    let id = match &this.group.lock().slots[*this.index] {
                        Slot::Running(Some(abort)) => Some(abort.id()),
                        _ => None,
                    };
                    let id = id.unwrap_or_else(crate::task::TaskId::next);
                    failed(ChildFailure::Panic(JoinError::panic(id, None, payload)))
                }
            };
            *this.recorded = true;
            record(this.group, *this.index, outcome);
        }
    }
}

impl<F: Future<Output = Result<T, E>>, T, E> Future for Child<F, T, E> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let FutureSlotProj::Running { future } = this.slot.as_mut().project() else {
            unreachable!("a group child is not polled after it finished");
        };
        let outcome = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(value))) => Slot::Value(value),
            Ok(Poll::Ready(Err(err))) => failed(ChildFailure::Error(err)),
            Err(payload) => failed(ChildFailure::Panic(own_panic(payload))),
        };
        // The future is done with: drop it now, so its `Drop` panicking is this child's
        // failure rather than a detached task's.
        let outcome = match drop_in_place(this.slot.as_mut()) {
            Ok(()) => outcome,
            Err(payload) if matches!(outcome, Slot::Value(_)) => {
                failed(ChildFailure::Panic(own_panic(payload)))
            }
            Err(payload) => {
                // Already a failure: the second panic is reported, not lost.
                weft_coop::report("task's future (while being dropped)", payload);
                outcome
            }
        };
        *this.recorded = true;
        record(this.group, *this.index, outcome);
        Poll::Ready(())
    }
}

/// Drops a child's future in place, catching a panicking `Drop`.
fn drop_in_place<F>(slot: Pin<&mut FutureSlot<F>>) -> Result<(), Box<dyn std::any::Any + Send>> {
    catch_unwind(AssertUnwindSafe(|| {
        slot.project_replace(FutureSlot::Dropped);
    }))
}

/// A panic of the child being polled on this thread (inside its own task).
fn own_panic(payload: Box<dyn std::any::Any + Send>) -> JoinError {
    let id = crate::task::current_id().unwrap_or_else(crate::task::TaskId::next);
    JoinError::panic(id, None, payload)
}

fn failed<T, E>(failure: ChildFailure<E>) -> Slot<T, E> {
    Slot::Failed(Box::new(failure))
}

/// Stores a child's outcome, fails the group on a failure, and wakes `join` after the last.
fn record<T, E>(group: &Mutex<GroupState<T, E>>, index: usize, outcome: Slot<T, E>) {
    let failed = matches!(outcome, Slot::Failed(_));
    let (running, joiner) = {
        let mut state = group.lock();
        let running = std::mem::replace(&mut state.slots[index], outcome);
        state.pending -= 1;
        let joiner = if state.pending == 0 {
            state.joiner.take()
        } else {
            None
        };
        (running, joiner)
    };
    // The child's abort handle, released with no lock held.
    drop(running);
    if failed {
        abort_group(group, index);
    }
    if let Some(joiner) = joiner {
        weft_coop::catch("waker", || joiner.wake());
    }
}
