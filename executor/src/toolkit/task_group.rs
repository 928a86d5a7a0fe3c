//! `task_group`: asyncio's `async with TaskGroup() as tg:` as a scope.
//!
//! The scope polls its body in place (on the caller's task) and spawns the children as real
//! tasks. A child *fails* when it returns `Err` or panics; the first failure closes the group
//! to new children, cancels every other child, and cancels the body: the scope stops polling
//! it and drops it, so the body is cancelled at the await it was suspended in, as asyncio
//! cancels the `async with` block. The scope returns only once the body is done (finished or
//! dropped) and every child has ended, with the body's output or every failure in spawn
//! order ([`GroupError`]). Dropping the scope's future cancels every child still running, so
//! no child outlives its scope.
//!
//! A failed child's error goes to the group, not to its [`Task`]: awaiting that task gives a
//! cancelled [`JoinError`]. To get there, the child's wrapper records the
//! failure and then cancels its own task (the cancel lands while it runs, so the harness
//! completes it as cancelled). The shared state is one mutex: the running children's abort
//! handles in a slab (freed as each child ends, so a long scope stays small), the failures,
//! the count of children still running, and the scope's waker.

use super::group::{ChildFailure, GroupError, GroupSpawnError};
use super::join::MaybeDone;
use crate::JoinError;
use crate::task::{AbortHandle, Task};
use parking_lot::Mutex;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Runs `body` as a task-group scope (asyncio's `async with asyncio.TaskGroup() as tg:`):
/// the body spawns children through the [`TaskGroupHandle`] it is given, and the scope
/// returns once the body and every child are done.
///
/// Children return `Result<T, E>`. The first child to fail (an `Err` or a panic) cancels its
/// siblings and the body — the body's future is dropped at the await it is suspended in —
/// and the scope returns every failure, in spawn order. Otherwise it returns the body's
/// output. Dropping the scope's future cancels every child still running.
///
/// ```
/// use std::time::Duration;
///
/// let out = weft_executor::run(weft_executor::task_group(|tg| async move {
///     let a = tg.spawn(async { Ok::<_, String>(1) }).unwrap();
///     let b = tg.spawn(async { Ok(2) }).unwrap();
///     a.await.unwrap() + b.await.unwrap()
/// }));
/// assert_eq!(out.unwrap(), 3);
///
/// let err = weft_executor::run(weft_executor::task_group(|tg| async move {
///     tg.spawn(async { Err::<(), _>("disk full".to_string()) }).unwrap();
///     // Cancelled by the failure: the body is dropped here, at its await.
///     weft_reactor::sleep(Duration::from_secs(3600)).await;
///     unreachable!("the body was cancelled");
/// }))
/// .unwrap_err();
/// println!("{err}");
/// assert_eq!(err.failures().len(), 1);
/// ```
#[track_caller]
pub fn task_group<E, B, Fut>(body: B) -> impl Future<Output = Result<Fut::Output, GroupError<E>>>
where
    E: Send + 'static,
    B: FnOnce(TaskGroupHandle<E>) -> Fut,
    Fut: Future,
{
    let site = Location::caller();
    let shared = Arc::new(Mutex::new(ScopeState {
        closed: false,
        failing: false,
        children: Vec::new(),
        free: Vec::new(),
        pending: 0,
        next_seq: 0,
        failures: Vec::new(),
        waker: None,
    }));
    let handle = TaskGroupHandle {
        shared: shared.clone(),
    };
    let body = body(handle);
    weft_coop::waiting_as(
        weft_coop::WaitKind::TaskGroup,
        site,
        run_scope(shared, body),
    )
}

/// Spawns children into a [`task_group`] scope; cloneable and `Send`, so children can spawn
/// siblings.
///
/// ```
/// let out = weft_executor::run(weft_executor::task_group(|tg| async move {
///     let sibling_spawner = tg.clone();
///     let parent = tg.spawn(async move {
///         let child = sibling_spawner.spawn(async { Ok::<_, ()>(20) }).unwrap();
///         Ok(child.await.unwrap() + 1)
///     });
///     parent.unwrap().await.unwrap()
/// }));
/// assert_eq!(out.unwrap(), 21);
/// ```
pub struct TaskGroupHandle<E> {
    shared: Arc<Mutex<ScopeState<E>>>,
}

struct ScopeState<E> {
    /// No new children: a child failed, or the scope has returned or was dropped.
    closed: bool,
    failing: bool,
    /// Running children, by slab index.
    children: Vec<ChildSlot>,
    free: Vec<usize>,
    pending: usize,
    next_seq: u64,
    /// Failures with their spawn sequence number, sorted when the scope returns.
    failures: Vec<(u64, ChildFailure<E>)>,
    waker: Option<Waker>,
}

enum ChildSlot {
    Vacant,
    /// Spawned, its abort handle not stored yet.
    Spawning,
    Running(AbortHandle),
    /// Ended before its spawner stored the handle; `failed`: the spawner must cancel it
    /// (it could not cancel itself).
    EndedEarly {
        failed: bool,
    },
}

impl<E> Clone for TaskGroupHandle<E> {
    fn clone(&self) -> Self {
        TaskGroupHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<E> fmt::Debug for TaskGroupHandle<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("TaskGroupHandle")
            .field("running", &state.pending)
            .field("failing", &state.failing)
            .field("closed", &state.closed)
            .finish()
    }
}

impl<E: Send + 'static> TaskGroupHandle<E> {
    /// Spawns a child on the current runtime and returns its task. Its `Ok` value is the
    /// task's output; an `Err` or a panic fails the whole group (the task then reports a
    /// cancelled [`JoinError`], the failure itself goes to the scope's [`GroupError`]).
    ///
    /// Refused with [`GroupSpawnError`] once the group is failing or its scope has returned
    /// (the future is dropped unstarted).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    ///
    /// ```
    /// let out = weft_executor::run(weft_executor::task_group(|tg| async move {
    ///     let task = tg.spawn(async { Ok::<_, ()>("child") }).unwrap();
    ///     task.await.unwrap()
    /// }));
    /// assert_eq!(out.unwrap(), "child");
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Result<Task<T>, GroupSpawnError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        let location = Location::caller();
        let (index, seq) = {
            let mut state = self.shared.lock();
            if state.closed {
                return Err(GroupSpawnError);
            }
            let index = match state.free.pop() {
                Some(index) => index,
                None => {
                    state.children.push(ChildSlot::Vacant);
                    state.children.len() - 1
                }
            };
            state.children[index] = ChildSlot::Spawning;
            state.pending += 1;
            state.next_seq += 1;
            (index, state.next_seq)
        };
        let child = ScopeChild {
            future: MaybeDone::new(future),
            shared: self.shared.clone(),
            index,
            seq,
            recorded: false,
        };
        // No lock held: a child refused by a runtime that is shutting down is dropped right
        // here, and records its end (which takes the lock).
        let task = crate::spawn_at(child, location);
        let abort = task.abort_handle();
        let cancel = {
            let mut state = self.shared.lock();
            match std::mem::replace(&mut state.children[index], ChildSlot::Vacant) {
                ChildSlot::Spawning => {
                    let cancel = state.failing;
                    state.children[index] = ChildSlot::Running(abort.clone());
                    // A sibling failed while we spawned: it could not see this child yet.
                    cancel
                }
                ChildSlot::EndedEarly { failed } => {
                    state.free.push(index);
                    failed
                }
                _ => unreachable!("only this spawner and the child touch a spawning slot"),
            }
        };
        if cancel {
            abort.cancel();
        }
        Ok(task)
    }
}

/// The scope: polls the body until it finishes or a child fails, then waits for the
/// children.
async fn run_scope<E, Fut: Future>(
    shared: Arc<Mutex<ScopeState<E>>>,
    body: Fut,
) -> Result<Fut::Output, GroupError<E>> {
    let _guard = ScopeGuard(shared.clone());
    let mut body = pin!(MaybeDone::new(body));
    let mut body_done = false;
    std::future::poll_fn(|cx| {
        let progress = std::task::ready!(weft_coop::poll_proceed(cx));
        // The waker goes in first: a child that fails or ends after the checks below wakes us.
        let failing = {
            let mut state = shared.lock();
            match &mut state.waker {
                Some(old) if old.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
            state.failing
        };
        if !body_done && !failing {
            body_done = body.as_mut().poll_done(cx);
        }
        let (failing, pending) = {
            let state = shared.lock();
            (state.failing, state.pending)
        };
        if failing && !body_done {
            // Cancel the body: dropped at the await it is suspended in.
            body.set(MaybeDone::Taken);
            body_done = true;
        }
        if body_done && pending == 0 {
            progress.made_progress();
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let failures = {
        let mut state = shared.lock();
        state.closed = true;
        std::mem::take(&mut state.failures)
    };
    if failures.is_empty() {
        Ok(body.as_mut().take())
    } else {
        let mut failures = failures;
        failures.sort_by_key(|(seq, _)| *seq);
        Err(GroupError::new(
            failures.into_iter().map(|(_, f)| f).collect(),
        ))
    }
}

/// Closes the group and cancels the children still running when the scope ends or is
/// dropped (its caller was cancelled).
struct ScopeGuard<E>(Arc<Mutex<ScopeState<E>>>);

impl<E> Drop for ScopeGuard<E> {
    fn drop(&mut self) {
        let running: Vec<AbortHandle> = {
            let mut state = self.0.lock();
            state.closed = true;
            state.waker = None;
            running_children(&state)
        };
        // No lock held: an idle child's future is dropped inside `cancel`, and records its
        // end.
        for child in running {
            child.cancel();
        }
    }
}

fn running_children<E>(state: &ScopeState<E>) -> Vec<AbortHandle> {
    state
        .children
        .iter()
        .filter_map(|slot| match slot {
            ChildSlot::Running(abort) => Some(abort.clone()),
            _ => None,
        })
        .collect()
}

pin_project! {
    /// A child: hands its failure to the scope, and records its end however it ends.
    struct ScopeChild<F: Future, E> {
        #[pin]
        future: MaybeDone<F>,
        shared: Arc<Mutex<ScopeState<E>>>,
        index: usize,
        seq: u64,
        recorded: bool,
    }

    impl<F: Future, E> PinnedDrop for ScopeChild<F, E> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before it ended: cancelled (explicitly, by a failure, by the scope, or
            // by shutdown). A panic in the future's `Drop` is a failure, as in `TaskGroup`.
            let mut this = this.project();
            if *this.recorded {
                return;
            }
            *this.recorded = true;
            let failure = catch_unwind(AssertUnwindSafe(|| this.future.set(MaybeDone::Taken)))
                .err()
                .map(|payload| {
                    let id = crate::task::current_id().unwrap_or_else(crate::task::TaskId::next);
                    ChildFailure::Panic(JoinError::panic(id, None, payload))
                });
            record_end(this.shared, *this.index, *this.seq, failure);
        }
    }
}

impl<F, T, E> Future for ScopeChild<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut this = self.project();
        if *this.recorded {
            // Failed earlier and cancelled itself: the harness drops it before any repoll.
            return Poll::Pending;
        }
        let failure = match catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll_done(cx))) {
            Ok(false) => return Poll::Pending,
            Ok(true) => match this.future.as_mut().take() {
                Ok(value) => {
                    *this.recorded = true;
                    record_end(this.shared, *this.index, *this.seq, None);
                    return Poll::Ready(value);
                }
                Err(err) => ChildFailure::Error(err),
            },
            Err(payload) => {
                this.future.set(MaybeDone::Taken);
                let id = crate::task::current_id().unwrap_or_else(crate::task::TaskId::next);
                ChildFailure::Panic(JoinError::panic(id, None, payload))
            }
        };
        *this.recorded = true;
        if let Some(me) = record_end(this.shared, *this.index, *this.seq, Some(failure)) {
            // The failure belongs to the group: this task ends cancelled. The cancel lands
            // while we run, so the harness drops us after this poll.
            me.cancel();
        }
        Poll::Pending
    }
}

/// Records a child's end: frees its slot, stores its failure (failing the group and
/// cancelling the other children on the first), and wakes the scope when it must look.
/// Returns the child's own abort handle when it failed and the handle was stored.
fn record_end<E>(
    shared: &Mutex<ScopeState<E>>,
    index: usize,
    seq: u64,
    failure: Option<ChildFailure<E>>,
) -> Option<AbortHandle> {
    let failed = failure.is_some();
    let (me, siblings, waker) = {
        let mut state = shared.lock();
        let me = match std::mem::replace(&mut state.children[index], ChildSlot::Vacant) {
            ChildSlot::Running(abort) => {
                state.free.push(index);
                Some(abort)
            }
            ChildSlot::Spawning => {
                state.children[index] = ChildSlot::EndedEarly { failed };
                None
            }
            _ => None,
        };
        state.pending -= 1;
        let mut siblings = Vec::new();
        if let Some(failure) = failure {
            state.failures.push((seq, failure));
            if !state.failing {
                state.failing = true;
                state.closed = true;
                siblings = running_children(&state);
            }
        }
        let waker = if failed || state.pending == 0 {
            state.waker.take()
        } else {
            None
        };
        (me, siblings, waker)
    };
    // No lock held: an idle sibling's future is dropped inside `cancel`.
    for sibling in siblings {
        sibling.cancel();
    }
    if let Some(waker) = waker {
        weft_coop::catch("waker", || waker.wake());
    }
    if failed { me } else { None }
}
