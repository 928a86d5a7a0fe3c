//! With feature `tracing`: a span per task and an event per wake, in the shape tokio-console
//! reads, so any `tracing` subscriber sees weft's tasks.
//!
//! * The span is made at spawn: name `runtime.spawn`, target `weft::task`, fields `kind`
//!   (`task`, `blocking` or `local`), `task.id`, `task.name` (when named), `task.parent_id`
//!   (when spawned from a task) and the spawn site as `loc.file`, `loc.line`, `loc.col`. It is
//!   a root span (`parent: None`): a task outlives whatever spawned it, and the console
//!   attributes a poll to the innermost task span entered, so task spans must not nest. The
//!   spawning task is the `task.parent_id` field instead.
//! * The span is entered around every poll of the task.
//! * A waker firing emits a `trace` event with target `runtime::waker`, `op` =
//!   `waker.wake` or `waker.wake_by_ref`, and `task.id` = the task span's id (the console
//!   matches wakes to tasks by span id).
//!
//! Without a subscriber interested in `trace` for these targets, each macro is one relaxed
//! load of tracing's global level filter.

use super::Header;
use super::TaskKind;
use std::panic::Location;

/// The span of a task being spawned.
pub(crate) fn task_span(
    id: super::TaskId,
    name: Option<&str>,
    parent: Option<super::TaskId>,
    spawned_at: &'static Location<'static>,
    kind: TaskKind,
) -> tracing::Span {
    tracing::trace_span!(
        target: "weft::task",
        parent: None,
        "runtime.spawn",
        kind = kind.as_str(),
        task.id = id.as_u64(),
        task.name = name,
        task.parent_id = parent.map(super::TaskId::as_u64),
        loc.file = spawned_at.file(),
        loc.line = spawned_at.line(),
        loc.col = spawned_at.column(),
    )
}

/// Emits the wake event `op` (`waker.wake`, `waker.wake_by_ref`) for `task`.
pub(crate) fn wake(task: &Header, op: &'static str) {
    if let Some(id) = task.span.id() {
        tracing::trace!(target: "runtime::waker", op = op, task.id = id.into_u64());
    }
}
