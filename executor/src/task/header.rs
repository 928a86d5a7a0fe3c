//! The type-erased front of every task: what wakers, queues and handles touch.
//!
//! A task is one heap block laid out as `#[repr(C)] Cell { stage, scheduler, header }`
//! (see [`raw`](super::raw)). Everything that does not know the future's type holds a pointer
//! to the [`Header`] — into the middle of the block, with the whole block's provenance — and
//! reaches the typed parts through the `&'static` [`Vtable`].
//!
//! # Layout: neighbours and cache lines
//!
//! Tasks spawned one after another sit next to each other in memory, and two workers may poll
//! neighbours at once. A cache line that holds bytes one worker touches on every poll (even
//! only reads) and bytes the other writes moves between the cores on each poll: `yield_many`
//! on 2 workers ran at two-thirds speed. So each cell ends with 48 cold bytes — the registry
//! key, written once and read only after a poll that parks the task (never on the yield path
//! `yield_many` runs), and the stage tag beside it, written when the task starts and ends
//! (see [`stage`](super::stage)); the join waker, touched once when the task is awaited and
//! once when it completes; and the id, spawn site and [`Lineage`] (parent and name), read by
//! dumps, reports and errors — and everything a poll or a wake touches comes before them.
//! Allocators place blocks at multiples of 16 bytes, so the cache line holding a cell's first
//! byte reaches at most 48 bytes back into the previous cell: into its cold tail. That keeps
//! neighbours off each other's lines at the cost of no byte (the cure before was a 64-byte
//! pad after every task).

use super::lineage::Lineage;
use super::stage::StageTag;
use super::state::State;
use crate::loom::UnsafeCell;
use std::num::NonZeroU64;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A task's given name: one thin pointer in the header, since names are optional and only
/// read by dumps, reports and errors.
pub(crate) type TaskName = Arc<String>;
use std::task::Waker;

/// The untyped part of a task, last in its allocation. Field order matters: the hot fields
/// first, then the 48-byte cold tail (see the module docs; `repr(C)` keeps the order).
#[repr(C)]
pub(crate) struct Header {
    // Hot: touched by every poll or wake.
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    /// What the task waits on, published by the `RUNNING` holder after each `Pending` poll.
    pub(crate) wait: weft_coop::WaitCell,
    /// The task's span, entered around each poll (feature `tracing`).
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
    // The cold tail: 48 bytes that no poll writes and only a parking poll reads (the key).
    /// Where the runtime's registry keeps this task; [`UNREGISTERED`] until it first goes
    /// idle. Written once by the `RUNNING` holder (under the registry's lock). 32 bits, so
    /// that it shares a word with the stage tag: a shard would need four billion live tasks
    /// (hundreds of gigabytes of cells) to run out.
    pub(crate) registry_key: AtomicU32,
    /// Which form the cell's stage holds; owned with the stage (see `stage.rs`).
    pub(crate) stage: UnsafeCell<StageTag>,
    /// The waker of whoever awaits the `Task` handle; see the `JOIN_WAKER` rules in `state`.
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
    pub(crate) id: TaskId,
    /// Where it was spawned (for task dumps and slow-poll reports).
    pub(crate) spawned_at: &'static Location<'static>,
    /// The task that spawned it (for the task tree) and the name `task::Builder::name` gave
    /// it (unnamed tasks are called `Task-<id>`), in one word.
    pub(crate) lineage: Lineage,
}

/// Bytes at the end of every task no poll or wake touches (see the module docs).
#[cfg(not(loom))]
const COLD_TAIL: usize = 48;

// The cold tail really is the header's last 48 bytes (and the header is the cell's last field,
// checked in `raw.rs`'s tests). Not under loom, whose `UnsafeCell` is bigger.
#[cfg(not(loom))]
const _: () = assert!(
    std::mem::size_of::<Header>() - std::mem::offset_of!(Header, registry_key) == COLD_TAIL
);

/// `registry_key` of a task the registry does not hold.
pub(crate) const UNREGISTERED: u32 = u32::MAX;

/// The typed operations of one `Cell<F, S>`, reached from a bare header pointer.
pub(crate) struct Vtable {
    /// Runs the task once: the caller gives up one reference (a queue entry's).
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands a queue entry (one reference) to the task's scheduler. The caller must hold
    /// another reference until it returns: the scheduler it calls lives inside the task.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation; called once, when the last reference goes.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Moves the output into `*mut Option<Result<T, JoinError>>`; the task is complete and
    /// the caller is the join handle.
    pub(crate) read_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Drops the output a detached handle left behind.
    pub(crate) drop_output: unsafe fn(NonNull<Header>),
    /// The caller won `Cancel::Claimed` (it holds `RUNNING` and a reference, which it gives
    /// up): drop the future and complete the task — here, or, when the scheduler says this
    /// thread may not drop the future, later on a thread that may.
    pub(crate) cancel_claimed: unsafe fn(NonNull<Header>),
    /// For a complete task whose output the caller owns: did it end in a panic?
    pub(crate) output_is_panic: unsafe fn(NonNull<Header>) -> bool,
    /// What the task is (a worker task, a blocking job, a local task).
    pub(crate) kind: super::TaskKind,
}

/// A task's identifier, unique for the life of the process (asyncio's `Task-N` counter).
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let a = rt.spawn(async {});
/// let b = rt.spawn(async {});
/// assert_ne!(a.id(), b.id());
/// assert_eq!(format!("{}", a.id()), a.id().as_u64().to_string());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    pub(crate) fn next() -> TaskId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        TaskId(NonZeroU64::new(id).expect("task id counter wrapped around"))
    }

    /// The id as a number.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// assert!(rt.spawn(async {}).id().as_u64() > 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }

    /// The id whose [`as_u64`](TaskId::as_u64) is `id` (non-zero: running cells use 0 for
    /// "none" and never hand it out).
    pub(crate) fn from_u64(id: u64) -> TaskId {
        TaskId(NonZeroU64::new(id).expect("task ids are never zero"))
    }
}

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Header {
    /// The task's name: the one it was given, or `Task-<id>` as asyncio names them.
    pub(crate) fn name(&self) -> std::borrow::Cow<'_, str> {
        match self.lineage.name() {
            Some(name) => std::borrow::Cow::Borrowed(name),
            None => std::borrow::Cow::Owned(format!("Task-{}", self.id)),
        }
    }

    /// The name the task was given, if any (for errors, which keep it).
    pub(crate) fn given_name(&self) -> Option<TaskName> {
        self.lineage.name().cloned()
    }

    /// The task that spawned this one, if any.
    pub(crate) fn parent(&self) -> Option<TaskId> {
        self.lineage.parent()
    }
}
