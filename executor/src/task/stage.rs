//! [`Stage`]: the slot that holds a task's future while it runs and its outcome afterwards,
//! and [`StageTag`], which says which of the two it holds.
//!
//! The slot is a union, not an enum, and its tag lives in the header's cold tail. An
//! `async` block has no niche (its state byte is not offered to enclosing enums), so an
//! enum of it and its output needs a tag of its own: 8 bytes, with padding, in every task
//! whose future is a multiple of 8 bytes long — almost all of them. That was what kept the
//! small parked task of `benches/mem.rs` at 120 bytes (a 128-byte block) after its header
//! shrank ([`Lineage`](super::lineage)). Beside the registry key, which shrank to 32 bits to
//! make room, the tag costs no byte.
//!
//! The tag is not on the hot path: a task being polled always holds its future (the poller
//! holds `RUNNING` and the task is not complete), so a poll never reads it. It is written at
//! spawn, when the future is dropped, and when the outcome is stored, taken or freed — each
//! by whoever owns the slot at that moment (the `RUNNING` holder before completion, the output's
//! owner after), under the same rules as the slot itself.

use super::error::JoinError;
use std::future::Future;
use std::mem::ManuallyDrop;

/// What the task's slot holds over its life, per its [`StageTag`]. (A task's context
/// variables, `weft::context`, are kept outside the cell: see `context/task_contexts.rs`.)
pub(crate) union Stage<F: Future> {
    /// The future, while the tag says `Running`.
    pub(crate) future: ManuallyDrop<F>,
    /// The outcome, while the tag says `Finished`.
    pub(crate) output: ManuallyDrop<Result<F::Output, JoinError>>,
}

/// Which field of a [`Stage`] is live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum StageTag {
    /// The future is there (from spawn until it is dropped).
    Running,
    /// The outcome is there (from completion until the handle takes it or it is dropped).
    Finished,
    /// Neither: the future was dropped and the outcome, if any, taken.
    Consumed,
}
