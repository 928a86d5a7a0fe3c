//! weft's platform layer: every OS call of the reactor, the process and the signal code, one
//! module per concern.
//!
//! # Layout
//!
//! * `unix/` — what every Unix shares (Linux, macOS, the BSDs): descriptor flags and a
//!   readiness probe (`fd`, crate-internal), the socket calls std and socket2 leave out
//!   (`sockopt`: `SO_REUSEPORT`, a Unix peer's credentials), the process-wide signal hub
//!   ([`signal`]) and the choice of how a child's exit is watched ([`child`]).
//! * `linux/` — Linux-only fast paths, compiled only with `cfg(target_os = "linux")`. Each has
//!   a portable fallback beside it that every other Unix uses, and that Linux falls back to
//!   when the kernel refuses the fast path: the pidfd exit watch (`linux/pidfd.rs`), whose
//!   fallback is SIGCHLD through the signal hub, and the direct epoll poller
//!   (`linux/epoll.rs`), whose fallback is the `polling` crate (`poller/portable.rs`), and
//!   zero-copy `sendfile(2)` (`linux/sendfile.rs`), whose fallback (read a chunk, write it)
//!   is the facade's `StreamWriter::sendfile`.
//! * A Windows port adds `windows/` beside these with modules of the same names (see "Windows"
//!   in the crate docs); nothing above the platform layer calls the OS directly.
//!
//! # Rules
//!
//! std first (`std::io::pipe`, `OwnedFd::try_clone`, `io::Error::last_os_error`), then the
//! small portable `errno` crate for what std lacks (saving `errno` in a signal handler), and
//! `libc` only for calls neither covers (`sigaction`, `fcntl`, `poll`, `write` in the handler).
//! Every `libc` item used in code compiled for macOS or FreeBSD is checked against the `libc`
//! crate's definitions for those targets by `.ci/portability.py`, so a Linux-only name outside
//! `cfg(target_os = "linux")` fails CI on Linux.
//!
//! Public so that the facade crate `weft` (its `signal` and `process` modules) can use it; it
//! is weft's internal platform API, not an API for applications.

#[cfg(target_os = "linux")]
pub(crate) mod linux;
#[cfg(unix)]
mod unix;

#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use unix::{child, signal};

#[cfg(unix)]
pub(crate) use unix::fd::{is_ready_now, set_nonblocking};
#[cfg(unix)]
pub(crate) use unix::sockopt;
