//! With feature `tracing`: a span per task and an event per wake, in the shape tokio-console
//! reads, so any `tracing` subscriber sees weft's tasks.
//!
//! * The span is made at spawn: name `runtime.spawn`, target `weft::task`, fields `kind`
//!   (`task`, `blocking` or `local`), `task.id`, `task.name` (when named), `task.parent_id`
//!   (when spawned from a task) and the spawn site as `loc.file`, `loc.line`, `loc.col`.
//! * It is a root span (`parent: None`, as tokio's are), and it *follows from* the span that
//!   was current at the spawn — the spawning task's own span when a task spawns, since that
//!   is entered around its poll. That is `tracing`'s relation for "caused by, not inside":
//!   a parent would be wrong three ways. tracing-subscriber's registry keeps a span open
//!   until all its children close, so a finished task would live on, for the console (which
//!   marks a task dropped when its span closes) and every other layer, as long as anything it
//!   spawned; a layer printing span context would print the spawner's whole ancestry with
//!   each poll of the child; and it buys nothing with the console, whose server never reads
//!   a task span's parent (console-subscriber 0.5 sends every task with an empty `parents`).
//!   What the console shows as the link is the field `task.parent_id`, the spawner's
//!   `task.id`; layers that read follows-from (tracing-opentelemetry's span links) get the
//!   span relation too.
//! * The span is entered around every poll of the task; the console counts a poll for each
//!   task span entered, to that span's task. Two are entered at once only when an eager
//!   task's first poll runs inside its spawner's poll, and then each is counted to its own
//!   task (the spawner's span is no parent of the child's, so nothing is inherited either).
//! * A waker firing emits a `trace` event with target `runtime::waker`, `op` =
//!   `waker.wake` or `waker.wake_by_ref`, and `task.id` = the task span's id (the console
//!   matches wakes to tasks by span id).
//!
//! Without a subscriber interested in `trace` for these targets, each macro is one relaxed
//! load of tracing's global level filter; the follows-from link costs one more look-up of
//! the current span, only for a span some subscriber enabled.

use super::Header;
use super::TaskKind;
use std::panic::Location;

/// The span of a task being spawned, following from the span current at the spawn.
pub(crate) fn task_span(
    id: super::TaskId,
    name: Option<&str>,
    parent: Option<super::TaskId>,
    spawned_at: &'static Location<'static>,
    kind: TaskKind,
) -> tracing::Span {
    let span = tracing::trace_span!(
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
    );
    if !span.is_disabled() {
        span.follows_from(tracing::Span::current());
    }
    span
}

/// Emits the wake event `op` (`waker.wake`, `waker.wake_by_ref`) for `task`.
pub(crate) fn wake(task: &Header, op: &'static str) {
    if let Some(id) = task.span.id() {
        tracing::trace!(target: "runtime::waker", op = op, task.id = id.into_u64());
    }
}
