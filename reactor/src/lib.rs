//! weft's reactor: one shared driver for I/O readiness and timers.
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
//! The poller behind it is direct epoll on Linux (one `epoll_wait` per turn, `EPOLLRDHUP`
//! reported) and the `polling` crate elsewhere, and on Linux when asked
//! ([`IoBackend`], `WEFT_IO_BACKEND=polling`): two implementations of one small internal
//! interface (`poller/`), chosen per reactor. Why a direct backend, with the numbers, is in
//! that module's docs.
//!
//! # I/O readiness
//!
//! [`Async<T>`] wraps any file descriptor (asyncio's `add_reader`/`add_writer`). Sources live
//! in a slab keyed by index and generation, so stale events are ignored. Where the platform
//! has edge-triggered polling (epoll, kqueue) each source is registered once, and a per
//! direction *readiness cache* turns "the read would block" into clearing a bit: no re-arm
//! syscall. On direct epoll a plain TCP stream's read that comes back short clears the bit too,
//! unless an event said a read may stop short of the queued bytes (urgent data, end of
//! stream, an error), so the read that would answer `EAGAIN` is never made (`readiness.rs`
//! has the kernel's rules). Elsewhere sources are registered oneshot and re-armed on demand.
//! Readiness waits spend the cooperative budget of [`weft_coop`].
//!
//! # Networking
//!
//! [`net`] builds TCP, UDP and Unix-domain sockets on `Async`: non-blocking connects
//! (writability plus `SO_ERROR`), listeners, split halves, and the `futures_io` traits.
//!
//! # Timers
//!
//! [`sleep`], [`sleep_until`], [`timeout`], [`timeout_at`] and [`time::interval`] put nodes in
//! a hierarchical timing wheel (eleven levels of 64 slots, 10 µs resolution, any `u64`
//! deadline): O(1) insert and cancel under one short lock, nothing left behind by a cancelled
//! timer, and never an early completion. A timer inserted from any thread with a deadline
//! earlier than the one a blocked turn sleeps towards interrupts that turn. See [`time`].
//!
//! # Platforms
//!
//! Every OS call goes through one platform layer, [`sys`]: common Unix code, Linux-only fast
//! paths behind `cfg(target_os = "linux")` with a portable fallback beside each, and nothing
//! OS-specific anywhere else. On Linux the reactor drives epoll itself (`sys/linux/epoll.rs`);
//! `polling` speaks kqueue on macOS and the BSDs (and epoll on Linux, when chosen), all
//! edge-triggered. Linux is tested in CI; macOS and the BSDs are built by construction —
//! CI checks every `libc` item compiled for them against the `libc` crate's own Apple and
//! FreeBSD definitions (`.ci/portability.py`). Windows is not supported yet; what it needs is
//! below, and the code is arranged so that it adds modules rather than rewrites them.
//! Unix-only items are marked `cfg(unix)`.
//!
//! ## Windows, on paper
//!
//! * **Poller.** `polling` drives IOCP through its AFD layer, which reports readiness for
//!   *sockets only*. It has no edge mode there, so [`Reactor::new`] takes the oneshot path it
//!   already has (`Reactor::new_oneshot` is that path, tested on Linux today).
//! * **Sources.** A `sys/windows/` module beside `sys/unix/` gives the descriptor calls
//!   (`ioctlsocket(FIONBIO)` for non-blocking mode, `WSAPoll` for the readiness probe), and
//!   `Async<T>` gains a twin over `AsSocket + IoSafe` (registering the `RawSocket`) in a module
//!   next to today's `AsFd` one, with the same methods; the socket types in [`net`] keep their
//!   API. Unix-domain sockets stay Unix-only.
//! * **Pipes and files.** Anonymous pipes cannot be polled through AFD, so a Windows child's
//!   stdio and the facade's pipes run their reads and writes on the blocking pool, and exit is
//!   awaited with a blocking wait there (or `RegisterWaitForSingleObject`).
//! * **Signals.** Only `ctrl_c` exists: a `SetConsoleCtrlHandler` routine bumps the same
//!   delivery counter and wakes the reactor through a loopback socket pair standing in for
//!   the self-pipe (a handler routine runs on its own thread, so it may also call
//!   `Reactor::notify`). `signal(SignalKind)` stays Unix-only.
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
#![cfg_attr(docsrs, feature(doc_cfg))]

mod r#async;
mod context;
#[doc(hidden)]
pub mod doc_support;
mod driver;
mod io_safe;
mod io_wait;
mod loom;
pub mod net;
mod poller;
mod readiness;
mod source;
pub mod sys;
pub mod time;
mod wait_gate;

#[cfg(all(test, loom))]
mod loom_model;

pub use r#async::{Async, Readable, Readiness, Writable};
pub use context::{EnterGuard, enter, try_current};
pub use driver::Reactor;
pub use io_safe::IoSafe;
pub use poller::IoBackend;
pub use time::{Elapsed, Instant, Sleep, Timeout, sleep, sleep_until, timeout, timeout_at};
