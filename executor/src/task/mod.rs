//! Raw tasks: one allocation per spawned future, driven by reference-counted wakers.
//!
//! A task is a single heap block: the *stage* (the future while it runs, its output once it
//! is done, in the same slot), the scheduler handle, then a `Header` (the atomic state word
//! holding flags and the reference count, a `&'static` vtable, the stage's tag, the id, the
//! parent and name and the join-waker slot). Everything outside `raw.rs` works with untyped
//! header pointers. Blocks come from a per-thread cache of task cells (`cell_cache.rs`),
//! because the worker that frees a task is often not the one that spawned it.
//!
//! References are held by: the [`Task`] handle, every [`Waker`](std::task::Waker) clone, the
//! one queue entry (`Notified`) that exists while the task is scheduled, and the runtime's
//! registry of idle tasks (which lets shutdown cancel tasks that nobody will ever wake). A
//! task joins the registry only the first time it goes idle — a task that finishes in its
//! first poll never takes the registry's lock. The allocation is freed when the count
//! reaches zero; the transitions that decide who does what
//! are in `state.rs` and are model-checked with loom (`task/loom_model.rs`).

mod abort;
mod block_in_place;
mod builder;
mod cell_cache;
pub(crate) mod current;
mod done_callbacks;
mod error;
mod header;
#[cfg(feature = "tracing")]
mod instrument;
mod join;
mod join_set;
mod lineage;
mod raw;
mod stage;
pub(crate) mod state;
mod waker;

pub use abort::AbortHandle;
pub use block_in_place::block_in_place;
pub use builder::Builder;
pub(crate) use current::current_id;
pub use current::{CurrentTask, current};
pub use error::JoinError;
pub use header::TaskId;
pub(crate) use header::{Header, UNREGISTERED};
pub use join::Task;
pub use join_set::JoinSet;

use std::future::Future;
use std::ptr::NonNull;

/// What a task needs from whoever runs it.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// What kind of task this scheduler runs (for wait points and tracing spans).
    const KIND: TaskKind = TaskKind::Task;
    /// A waker fired: queue the task (from any thread). The caller holds a reference of its
    /// own besides the entry's until this returns, because `self` lives inside the task.
    fn schedule(&self, task: Notified);
    /// The task woke itself during its own poll (`yield_now`): queue it behind other work.
    /// The same reference rule as for [`schedule`](Self::schedule) applies.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }
    /// The task is about to go idle for the first time: a scheduler that must be able to
    /// cancel idle tasks at shutdown remembers it here, taking a reference of its own (given
    /// back through [`release`](Self::release)). False when the scheduler is shutting down:
    /// the caller then cancels the task.
    fn register(&self, _task: TaskRef) -> bool {
        true
    }
    /// Whether each poll is timed (for slow-poll reports and the poll-time histogram).
    fn times_polls(&self) -> bool {
        false
    }
    /// A timed poll of `task` took `took`: record it, and report it if it was slow. A panic
    /// in the user's report handler must not escape.
    fn poll_took(&self, _task: &Header, _took: std::time::Duration) {}
    /// A panic nobody will see otherwise (a detached task's, or one in a `Drop` or waker the
    /// harness ran): report it. Must not unwind.
    fn report_panic(&self, err: JoinError) {
        if let Ok(payload) = err.try_into_panic() {
            weft_coop::report("task", payload);
        }
    }
    /// The task completed: forget it. True when the scheduler held a reference for it, which
    /// the caller then releases.
    fn release(&self, task: TaskRef) -> bool;
    /// A cancellation claimed the idle task on this thread (it holds `RUNNING` and a
    /// reference): true when the scheduler takes it over, to drop the future on another
    /// thread (a local task's owner); false to drop it here.
    fn defer_claimed_cancel(&self, _task: TaskRef) -> bool {
        false
    }
}

/// What a task is, by the scheduler that runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskKind {
    /// A task on a runtime's workers.
    Task,
    /// A job of the blocking pool: awaiting it is a `Blocking` wait, not a join.
    Blocking,
    /// A local task, run by the `block_on` thread that spawned it.
    Local,
}

impl TaskKind {
    /// The `kind` field of a task's tracing span, as tokio-console names them.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Blocking => "blocking",
            TaskKind::Local => "local",
        }
    }
}

/// A queue entry: the right (and duty) to run a scheduled task once. Owns one reference.
pub(crate) struct Notified {
    raw: NonNull<Header>,
}

// SAFETY: a queue entry is a counted reference, and the state word makes running it
// exclusive. For runtime tasks (whose futures are `Send`) running it on any thread is what
// work stealing does; a local task's entry may travel (a waker on another thread queues it
// for its owner) but its scheduler only ever runs it on the owner thread.
unsafe impl Send for Notified {}

impl Notified {
    /// # Safety
    /// The caller transfers one reference to `raw`, and the task must be `NOTIFIED` on its
    /// behalf (only one entry per task exists).
    pub(crate) unsafe fn from_raw(raw: NonNull<Header>) -> Notified {
        Notified { raw }
    }

    /// Polls the task once (or drops its future, if it was cancelled).
    pub(crate) fn run(self) {
        let raw = self.raw;
        std::mem::forget(self);
        // SAFETY: our reference passes to `poll`, which releases it.
        unsafe { (raw.as_ref().vtable.poll)(raw) };
    }

    /// Cancels the task and runs it, which drops its future: used when a runtime shuts down
    /// with this entry still queued.
    pub(crate) fn cancel_and_run(self) {
        // The task is `NOTIFIED`, so this can only flag it: we hold its one queue entry.
        // SAFETY: the entry owns a reference.
        let _ = unsafe { self.raw.as_ref() }.state.transition_to_cancelled();
        self.run();
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the entry owns a reference.
        unsafe { self.raw.as_ref() }
    }

    /// The task, as the registry keeps it (the allocation's own pointer).
    pub(crate) fn task_ref(&self) -> TaskRef {
        TaskRef(self.raw)
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        // Only reached when an entry is discarded without running (a queue torn down at
        // shutdown after its tasks were cancelled).
        let header = self.header();
        if header.state.ref_dec(1) {
            // SAFETY: this entry held the last reference.
            unsafe { (header.vtable.dealloc)(self.raw) };
        }
    }
}

impl std::fmt::Debug for Notified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notified")
            .field("id", &self.header().id)
            .finish()
    }
}

/// A task pointer that owns nothing: the registry's entries (their reference is accounted
/// for by the state word, see [`Schedule::release`]). Always the allocation's own pointer,
/// never one rebuilt from a `&Header`, so the typed code can widen it to the whole cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskRef(pub(crate) NonNull<Header>);

// SAFETY: a plain pointer to a `Send` task, only dereferenced while a reference is held.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// # Safety
    /// The caller must hold (or account for) a reference to the task.
    pub(crate) unsafe fn header<'a>(self) -> &'a Header {
        // SAFETY: per the caller's contract the task is alive.
        unsafe { self.0.as_ref() }
    }
}

/// Who made a task, and what it is called: for names, dumps and reports; and what it
/// inherits from its spawner (its context variables) and how it starts (eagerly or queued).
pub(crate) struct Origin {
    pub(crate) name: Option<header::TaskName>,
    pub(crate) spawned_at: &'static std::panic::Location<'static>,
    pub(crate) parent: Option<TaskId>,
    /// A copy of the spawner's context variables; `None` (free) when none is set.
    pub(crate) context: crate::context::ContextSlot,
    /// Poll at once on the spawning thread (`Some(true)`), queue (`Some(false)`), or do what
    /// the runtime does by default (`None`, see `Builder::eager_tasks`).
    pub(crate) eager: Option<bool>,
}

impl Origin {
    /// An unnamed task spawned at `location` by whatever task is running on this thread, in
    /// a copy of the current context.
    pub(crate) fn at(location: &'static std::panic::Location<'static>) -> Origin {
        Origin {
            name: None,
            spawned_at: location,
            parent: current::current_id(),
            context: crate::context::capture(),
            eager: None,
        }
    }

    /// Like [`at`](Self::at), for the runtime's own tasks (the callback runner): no context
    /// (each callback brings its own) and never eager.
    pub(crate) fn internal(location: &'static std::panic::Location<'static>) -> Origin {
        Origin {
            name: None,
            spawned_at: location,
            parent: current::current_id(),
            context: None,
            eager: Some(false),
        }
    }

    pub(crate) fn eager(mut self, eager: Option<bool>) -> Origin {
        self.eager = eager;
        self
    }

    pub(crate) fn named(mut self, name: Option<header::TaskName>) -> Origin {
        self.name = name;
        self
    }
}

/// Allocates a task, queued once and with a join handle.
pub(crate) fn new_task<F, S>(future: F, scheduler: S, origin: Origin) -> (Task<F::Output>, Notified)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the future is `Send`, so any thread may poll and drop it.
    unsafe { new_unsend_task(future, scheduler, origin) }
}

/// Allocates a task whose future need not be `Send` (a local task).
///
/// # Safety
///
/// `scheduler` must poll the task, and drop its future (by running claimed cancellations,
/// see [`Schedule::defer_claimed_cancel`]), only on a thread where `F` may be used.
pub(crate) unsafe fn new_unsend_task<F, S>(
    future: F,
    scheduler: S,
    origin: Origin,
) -> (Task<F::Output>, Notified)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let raw = raw::allocate(future, scheduler, origin);
    // SAFETY: `allocate` counted one reference for the handle and one for the queue entry,
    // and the task starts `NOTIFIED` with output type `F::Output`.
    unsafe { (Task::from_raw(raw), Notified::from_raw(raw)) }
}

impl TaskRef {
    /// Cancels a task taken out of the registry and releases the registry's reference.
    pub(crate) fn cancel_and_release(self) {
        let (claimed, vtable) = {
            // SAFETY: the registry's reference, now ours, keeps the task alive until we
            // release it below; this borrow ends before that.
            let header = unsafe { self.header() };
            let claimed = header.state.transition_to_cancelled() == state::Cancel::Claimed;
            (claimed, header.vtable)
        };
        if claimed {
            // SAFETY: `Claimed` gave us `RUNNING` and a reference for the cancellation.
            unsafe { (vtable.cancel_claimed)(self.0) };
        }
        // SAFETY: the registry's reference is still ours, and no borrow of the task is left.
        if unsafe { self.header() }.state.ref_dec(1) {
            // SAFETY: that was the last reference.
            unsafe { (vtable.dealloc)(self.0) };
        }
    }
}

#[cfg(all(test, loom))]
mod loom_model;
