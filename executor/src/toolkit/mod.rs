//! asyncio's structured-concurrency toolkit over weft tasks: `gather` and friends,
//! `TaskGroup` and the `task_group` scope, `wait` and `as_completed`; and the in-place
//! combinators `select!`, `join!` and `try_join!`.
//!
//! The in-place macros spawn nothing: their futures are pinned on the caller's stack and
//! polled by the caller's task, so they may borrow and need not be `Send`, and dropping the
//! caller drops them. Every other combinator spawns its children as real tasks, so they run in parallel on all
//! workers (asyncio's children interleave on one thread; weft's truly run at once), and each
//! one owns its children: dropping the combinator's future — which is how a caller is
//! cancelled in Rust — cancels the children it started, as cancelling asyncio's `gather`
//! does. A panic in a child is the Rust analogue of an exception: the plain forms re-raise
//! it in the caller (`resume_unwind`), the settled forms hand it back as a [`JoinError`].
//!
//! [`JoinError`]: crate::JoinError

pub(crate) mod as_completed;
pub(crate) mod gather;
pub(crate) mod group;
pub(crate) mod join;
pub(crate) mod select;
pub(crate) mod task_group;
pub(crate) mod wait;
