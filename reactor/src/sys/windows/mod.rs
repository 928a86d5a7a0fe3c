//! The Windows twins of `unix/`: what `polling`'s IOCP backend and std leave out, through
//! `windows-sys`. Compiled only with `cfg(windows)`.
//!
//! * `socket` — the three socket calls the reactor makes itself: non-blocking mode
//!   (`ioctlsocket(FIONBIO)`), the readiness probe (`WSAPoll` with a zero timeout) and a
//!   `recv` into uninitialised memory. IOCP through `polling` polls sockets only, so a source
//!   on Windows is always a socket.
//! * [`child`] — a child's exit as a registered wait on its process handle
//!   (`RegisterWaitForSingleObject`): the OS thread pool waits on all of them, so no thread
//!   per child.
//! * [`signal`] — Ctrl-C and Ctrl-Break through a console control handler
//!   (`SetConsoleCtrlHandler`), with the delivery counters and the waker table of the Unix
//!   hub, and no self-pipe: the handler runs on a thread of its own, so it wakes listeners
//!   directly.

pub mod child;
pub mod signal;
pub(crate) mod socket;
