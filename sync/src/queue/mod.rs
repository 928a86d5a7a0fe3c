//! asyncio's queues: [`Queue`] (FIFO), [`LifoQueue`] and [`PriorityQueue`].
//!
//! The three kinds share one core (`core.rs`): a mutex over the item buffer, three wait lists
//! (getters, putters, `join` callers) and a few counters. They differ only in the buffer: a
//! `VecDeque`, a `Vec` or a min-heap. A handle is an `Arc` of the core, so clones are cheap
//! and every clone sees the same queue from any task or thread.
//!
//! Blocked getters and putters are served strictly in arrival order by *reservation*: a put
//! that finds a getter waiting promises it an item, a get that frees room promises it to the
//! oldest waiting putter, and newcomers (including `put_nowait`/`get_nowait`) cannot take what
//! was promised. That ordering rule is also what makes the queues cancel-safe: an item only
//! leaves the buffer into a `get` that completes, so a dropped `get` never loses one; a
//! `put`'s item stays in its future until the queue accepts it, so a dropped `put` never adds
//! one; and a promise held by a dropped waiter passes to the next waiter in line.
//!
//! Plain threads use the same queues through `put_blocking`/`get_blocking` (and their
//! `_timeout` forms), which wait in the same FIFO as the tasks: the bridge between sync code
//! and async code.
//!
//! One difference from asyncio follows from the no-overtaking rule: in the instant between a
//! `put` waking a waiting `get` and that `get` running, the item is counted by `qsize` but is
//! not available to `get_nowait`.

#[macro_use]
mod methods;
mod core;
mod error;
mod fifo;
mod futures;
mod lifo;
mod priority;

pub use error::{
    GetNowaitError, GetTimeoutError, PutNowaitError, PutTimeoutError, QueueEmpty, QueueFull,
    QueueShutDown, TaskDoneError,
};
pub use fifo::Queue;
pub use futures::{Get, Join, Put, QueueStream};
pub use lifo::LifoQueue;
pub use priority::PriorityQueue;
