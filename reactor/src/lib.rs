//! weft's reactor: one shared `polling` driver for I/O readiness and timers.
//!
//! # How it fits
//!
//! A runtime owns one [`Reactor`], shared through an `Arc`. The executor (which this crate
//! does not know about) makes it current on each thread with [`enter`], and lets one idle
//! worker at a time block in it with [`Reactor::turn`]; the other idle workers sleep on a
//! condvar, and [`Reactor::notify`] interrupts the one in the poller when it must run
//! something. A turn waits for I/O readiness or the next timer deadline, whichever comes
//! first, then wakes the [`Waker`](std::task::Waker)s of the tasks that can progress, in one
//! batch with no lock held.
//!
//! # I/O readiness
//!
//! [`Async<T>`] wraps any file descriptor (asyncio's `add_reader`/`add_writer`). Sources live
//! in a slab keyed by index and generation, so stale events are ignored. Where the platform
//! has edge-triggered polling (epoll, kqueue) each source is registered once, and a per
//! direction *readiness cache* turns "the read would block" into clearing a bit: no re-arm
//! syscall. Elsewhere sources are registered oneshot and re-armed on demand. Readiness waits
//! spend the cooperative budget of [`weft_coop`].
//!
//! # Networking
//!
//! [`net`] builds TCP, UDP and Unix-domain sockets on `Async`: non-blocking connects
//! (writability plus `SO_ERROR`), listeners, split halves, and the `futures_io` traits.
//!
//! # Timers
//!
//! [`sleep`], [`sleep_until`], [`timeout`], [`timeout_at`] and [`time::interval`] put nodes in
//! a hierarchical timing wheel (eleven levels of 64 slots, 1 ms resolution, any `u64`
//! deadline): O(1) insert and cancel under one short lock, nothing left behind by a cancelled
//! timer, and never an early completion. A timer inserted from any thread with a deadline
//! earlier than the one a blocked turn sleeps towards interrupts that turn. See [`time`].
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! // `doc_support::block_on` drives a reactor on this thread; a weft runtime does it for you.
//! weft_reactor::doc_support::block_on(async {
//!     let start = Instant::now();
//!     let too_slow = weft_reactor::timeout(
//!         Duration::from_millis(10),
//!         weft_reactor::sleep(Duration::from_secs(5)),
//!     )
//!     .await;
//!     assert!(too_slow.is_err());
//!     assert!(start.elapsed() >= Duration::from_millis(10));
//! });
//! ```
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod r#async;
mod context;
#[doc(hidden)]
pub mod doc_support;
mod driver;
mod io_safe;
mod loom;
pub mod net;
mod readiness;
mod source;
mod sys;
pub mod time;
mod wait_gate;

#[cfg(all(test, loom))]
mod loom_model;

pub use r#async::{Async, Readable, Readiness, Writable};
pub use context::{EnterGuard, enter, try_current};
pub use driver::Reactor;
pub use io_safe::IoSafe;
pub use time::{Elapsed, Instant, Sleep, Timeout, sleep, sleep_until, timeout, timeout_at};
