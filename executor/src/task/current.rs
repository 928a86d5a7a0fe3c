//! Which task is being polled on this thread (asyncio's `current_task()`).
//!
//! The harness records the header pointer around each poll; it is a thread-local `Cell`, so
//! recording costs two stores. Only the id and name are exposed, copied out, so nothing can
//! hold on to the task past its poll.
//!
//! The thread's current context (`weft::context`) lives in a thread-local of its own, and
//! `Current` keeps only a flag saying whether it holds anything. That keeps `Current` free
//! of `Drop` (its thread-local needs no destructor registration check on access) and lets the
//! harness skip the context entirely when neither the task nor the thread has one, the case
//! of every program that never sets a variable: such a poll reads one flag more than it did
//! before context variables existed, and touches no second thread-local.

use super::header::{Header, TaskId};
use crate::context::ContextSlot;
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

/// Runs `f` (the task's poll) with `task` as the current task and `context` (the task's own,
/// updated with whatever the poll set) as the current context. Returns `f`'s result and
/// whether the task woke itself meanwhile.
pub(crate) fn enter<R>(
    task: NonNull<Header>,
    context: &mut ContextSlot,
    f: impl FnOnce() -> R,
) -> (R, bool) {
    /// Puts the thread's task, wake flag and context back, and the poll's context in the
    /// task's slot — also when the poll unwinds, so a value's `Drop` never runs here.
    struct Restore<'a> {
        task: Option<NonNull<Header>>,
        self_woken: bool,
        /// `Some(the thread's context)` when the task's was swapped in; `None` when neither
        /// had one, so nothing was touched.
        swapped: Option<ContextSlot>,
        slot: &'a mut ContextSlot,
    }
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| {
                c.task.set(self.task);
                c.self_woken.set(self.self_woken);
                // Untouched and the poll set no variable: nothing to move.
                if self.swapped.is_none() && !c.has_context.get() {
                    return;
                }
                let previous = self.swapped.take().flatten();
                c.has_context.set(previous.is_some());
                // The task's slot is empty (taken when swapped in, or never filled).
                *self.slot = CONTEXT.try_with(|x| x.replace(previous)).ok().flatten();
            });
        }
    }
    let restore = CURRENT.with(|c| {
        let swapped = (context.is_some() || c.has_context.get()).then(|| {
            c.has_context.set(context.is_some());
            CONTEXT.with(|x| x.replace(context.take()))
        });
        Restore {
            task: c.task.replace(Some(task)),
            self_woken: c.self_woken.replace(false),
            swapped,
            slot: context,
        }
    });
    let out = f();
    let self_woken = CURRENT.with(|c| c.self_woken.get());
    drop(restore);
    (out, self_woken)
}

/// Whether this thread's context holds anything (one thread-local read): spawns and
/// callbacks of programs that never set a variable capture nothing without looking further.
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
