//! weft: a multi-threaded, work-stealing async runtime with the toolkit of Python's asyncio.
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub use weft_executor::{Builder, EnterGuard, Handle, JoinError, Runtime, Task, run, spawn, spawn_blocking, to_thread, yield_now};

/// Tasks: handles, names, identity (asyncio's `Task`, `current_task`).
pub mod task {
    pub use weft_executor::task::{Builder, CurrentTask, JoinError, Task, TaskId, current};
}
