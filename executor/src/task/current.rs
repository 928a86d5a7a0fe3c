//! Which task is being polled on this thread (asyncio's `current_task()`).
//!
//! The harness records the header pointer around each poll; it is a thread-local `Cell`, so
//! recording costs two stores. Only the id and name are exposed, copied out, so nothing can
//! hold on to the task past its poll.
//!
//! The thread's current context (`weft::context`) lives in a thread-local of its own, and
//! `Current` keeps only a flag saying whether it holds anything. That keeps `Current` free
//! of `Drop` (its thread-local needs no destructor registration check on access) and lets the
//! harness skip the context entirely when no task has one stored and the thread holds none,
//! the case of every program that never sets a variable: such a poll reads the count of
//! stored contexts and that flag on the way in, the flag on the way out, and touches no
//! second thread-local. The swaps are out of line, so the inlined poll stays small.

use super::header::{Header, TaskId};
use crate::context::{ContextSlot, task_contexts};
use std::cell::Cell;
use std::ptr::NonNull;

struct Current {
    task: Cell<Option<NonNull<Header>>>,
    /// The task woke itself during this poll (`yield_now`, a self-notifying future). Kept
    /// here rather than in the state word: it saves an atomic read-modify-write per yield.
    self_woken: Cell<bool>,
    /// `CONTEXT` holds a context: only then does anything need to look at it.
    has_context: Cell<bool>,
}

crate::loom::local! {
    static CURRENT: Current = Current {
        task: Cell::new(None),
        self_woken: Cell::new(false),
        has_context: Cell::new(false),
    };
}

crate::loom::local! {
    /// The context variables in force on this thread: the polled task's, or (outside tasks)
    /// the thread's own.
    static CONTEXT: Cell<ContextSlot> = Cell::new(None);
}

/// Runs `f` (the task's poll) with `task` as the current task and the task's context
/// variables (kept in `context::task_contexts` between polls) as the current context; what
/// the poll leaves there is stored back for the next poll. Returns `f`'s result and whether
/// the task woke itself meanwhile.
///
/// A program that never sets a variable pays two loads and two branches per poll: the
/// count of stored contexts (zero) and this thread's flag (false) on the way in, the flag
/// again on the way out. The swaps themselves are out of line.
#[inline(always)]
pub(crate) fn enter<R>(task: NonNull<Header>, f: impl FnOnce() -> R) -> (R, bool) {
    /// Puts the thread's task, wake flag and context back, and the poll's context in the
    /// task's entry — also when the poll unwinds, so a value's `Drop` never runs here.
    struct Restore {
        this: NonNull<Header>,
        task: Option<NonNull<Header>>,
        self_woken: bool,
        /// `Some(the thread's context)` when the task's was swapped in; `None` when neither
        /// had one, so nothing was touched.
        swapped: Option<ContextSlot>,
    }
    impl Drop for Restore {
        #[inline(always)]
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| {
                c.task.set(self.task);
                c.self_woken.set(self.self_woken);
                // Untouched and the poll set no variable: nothing to move.
                if self.swapped.is_some() || c.has_context.get() {
                    swap_out(c, self.this, self.swapped.take().flatten());
                }
            });
        }
    }
    let restore = CURRENT.with(|c| Restore {
        this: task,
        task: c.task.replace(Some(task)),
        self_woken: c.self_woken.replace(false),
        swapped: if task_contexts::any() || c.has_context.get() {
            swap_in(c, task)
        } else {
            None
        },
    });
    let out = f();
    let self_woken = CURRENT.with(|c| c.self_woken.get());
    drop(restore);
    (out, self_woken)
}

/// Makes `task`'s stored context (if any) the thread's for a poll; returns the thread's own
/// (`None`: neither had one, nothing moved). Out of line: a program that never sets a
/// variable never calls it.
#[inline(never)]
fn swap_in(c: &Current, task: NonNull<Header>) -> Option<ContextSlot> {
    // SAFETY: the poller holds a reference to the task for the whole poll.
    let vars = task_contexts::take(unsafe { task.as_ref() }.id.as_u64());
    if vars.is_none() && !c.has_context.get() {
        return None;
    }
    c.has_context.set(vars.is_some());
    Some(CONTEXT.with(|x| x.replace(vars)))
}

/// Ends a poll's context: the thread gets `previous` back, and what the poll left is stored
/// as the task's, before the task can be woken and polled again (the harness drops it,
/// reporting a panicking `Drop`, when the task ends).
#[inline(never)]
fn swap_out(c: &Current, task: NonNull<Header>, previous: ContextSlot) {
    c.has_context.set(previous.is_some());
    if let Some(left) = CONTEXT.try_with(|x| x.replace(previous)).ok().flatten() {
        // SAFETY: the poller holds a reference to the task for the whole poll.
        task_contexts::put(unsafe { task.as_ref() }.id.as_u64(), left);
    }
}

/// Whether this thread's context holds anything (one thread-local read): spawns and
/// callbacks of programs that never set a variable capture nothing without looking further.
#[inline]
pub(crate) fn has_context() -> bool {
    CURRENT.try_with(|c| c.has_context.get()).unwrap_or(false)
}

/// Runs `f` on this thread's context slot (`None` while the thread's locals are torn down),
/// and keeps the flag in `Current` true to what `f` left there.
pub(crate) fn with_context<R>(f: impl FnOnce(&Cell<ContextSlot>) -> R) -> Option<R> {
    CONTEXT
        .try_with(|slot| {
            let out = f(slot);
            let vars = slot.take();
            let some = vars.is_some();
            slot.set(vars);
            let _ = CURRENT.try_with(|c| c.has_context.set(some));
            out
        })
        .ok()
}

/// Records a wake of `task` if it is the task being polled on this thread; true if so
/// (the caller then need not touch the state word).
pub(crate) fn note_self_wake(task: NonNull<Header>) -> bool {
    CURRENT
        .try_with(|c| {
            let is_current = c.task.get() == Some(task);
            if is_current {
                c.self_woken.set(true);
            }
            is_current
        })
        .unwrap_or(false)
}

/// The id of the task being polled on this thread (one thread-local read).
pub(crate) fn current_id() -> Option<TaskId> {
    CURRENT
        .try_with(|c| c.task.get())
        .ok()
        .flatten()
        .map(|ptr| {
            // SAFETY: set only while that task is polled on this thread, which holds a reference.
            unsafe { ptr.as_ref() }.id
        })
}

/// The id and name of the task being polled on this thread.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let task = weft_executor::task::Builder::new()
///     .name("worker")
///     .spawn_on(&rt.handle(), async { weft_executor::task::current().unwrap().name().to_owned() });
/// assert_eq!(rt.block_on(task).unwrap(), "worker");
/// assert!(weft_executor::task::current().is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentTask {
    id: TaskId,
    name: String,
}

impl CurrentTask {
    /// The task's id.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { weft_executor::task::current().unwrap().id() });
    /// let id = task.id();
    /// assert_eq!(rt.block_on(task).unwrap(), id);
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name (`Task-<id>` unless it was given one).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { weft_executor::task::current().unwrap().name().to_owned() });
    /// let expected = format!("Task-{}", task.id());
    /// assert_eq!(rt.block_on(task).unwrap(), expected);
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The task being polled on this thread, or `None` outside a task (in `block_on`'s own
/// future, a plain thread, or a callback).
///
/// ```
/// assert!(weft_executor::task::current().is_none());
/// ```
pub fn current() -> Option<CurrentTask> {
    CURRENT.with(|c| c.task.get()).map(|ptr| {
        // SAFETY: the pointer is set only while that task is being polled on this thread, and
        // the poller holds a reference for the whole poll.
        let header = unsafe { ptr.as_ref() };
        CurrentTask {
            id: header.id,
            name: header.name().into_owned(),
        }
    })
}
