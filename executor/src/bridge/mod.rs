//! asyncio's loop callbacks and thread bridges: `call_soon`, `call_later`, `call_at`,
//! `call_soon_threadsafe`, `run_coroutine_threadsafe`.
//!
//! Every weft entry point is thread-safe, so `call_soon` and `call_soon_threadsafe` are the
//! same operation under asyncio's two names. Callbacks run in FIFO order on one worker at a
//! time (so they keep asyncio's ordering, unlike tasks, which run in parallel); see
//! `callbacks.rs`. `run_coroutine_threadsafe` spawns the future and hands back a
//! [`ConcurrentFuture`] that a plain thread can block on, or another runtime can await.

pub(crate) mod callbacks;
pub(crate) mod concurrent;
pub(crate) mod timers;

pub use callbacks::{CallbackHandle, CallbackRefused};
pub use concurrent::{ConcurrentFuture, DoneStatus, ResultTimeoutError};
pub use timers::TimerHandle;
