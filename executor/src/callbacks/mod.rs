//! asyncio's loop callbacks: `call_soon`, `call_soon_threadsafe`, `call_later`, `call_at`.
//!
//! Every weft entry point is thread-safe, so `call_soon` and `call_soon_threadsafe` are the
//! same operation under asyncio's two names. Callbacks run in FIFO order on one worker at a
//! time (so they keep asyncio's ordering, unlike tasks, which run in parallel); see
//! `queue.rs`. Timed callbacks sleep on the reactor's wheel and then join the same queue in
//! deadline order; see `timers.rs`.

pub(crate) mod queue;
pub(crate) mod timers;

pub use queue::{CallbackHandle, CallbackRefused};
pub use timers::TimerHandle;
