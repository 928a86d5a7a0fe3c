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
//!   is the facade's `StreamWriter::sendfile`; and the check that a socket is plain TCP
//!   (`linux/plain_tcp.rs`), whose short reads then save the `EAGAIN` read on direct epoll,
//!   and whose fallback is that read.
//! * `windows/` — the Windows twins, compiled only with `cfg(windows)`: the socket calls
//!   (`socket`: non-blocking mode, the readiness probe, a read into uninitialised memory),
//!   a child's exit as a registered wait on its process handle (`child`) and Ctrl-C as a
//!   console control handler (`signal`). `windows-sys` covers what std and `polling` lack.
//!   Nothing above the platform layer calls the OS directly.
//!
//! # What a source is
//!
//! The reactor registers *sources*: a file descriptor on Unix, a socket on Windows (IOCP
//! through `polling`'s AFD layer polls sockets only). The aliases below (`AsSource`,
//! `RawSource`, `BorrowedSource`) name the one that exists on the platform being built, so
//! the code above this layer is written once; a public API that takes `AsFd` on Unix takes
//! `AsSocket` on Windows through them.
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
#[cfg(windows)]
mod windows;

#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use unix::{child, signal};

#[cfg(windows)]
#[cfg_attr(docsrs, doc(cfg(windows)))]
pub use windows::{child, signal};

#[cfg(unix)]
pub(crate) use unix::fd::{connect_in_progress, is_ready_now, read_uninit, set_nonblocking};
#[cfg(unix)]
pub(crate) use unix::sockopt;
#[cfg(windows)]
pub(crate) use windows::socket::{connect_in_progress, is_ready_now, read_uninit, set_nonblocking};

#[cfg(unix)]
pub(crate) use std::os::fd::{
    AsFd as AsSource, AsRawFd as AsRawSource, BorrowedFd as BorrowedSource, RawFd as RawSource,
};
#[cfg(windows)]
pub(crate) use std::os::windows::io::{
    AsRawSocket as AsRawSource, AsSocket as AsSource, BorrowedSocket as BorrowedSource,
    RawSocket as RawSource,
};

/// Whether `io` is a socket of the kernel's own TCP with no upper-layer protocol, whose short
/// reads drain it (`linux/plain_tcp.rs`, `readiness.rs`). Only Linux's direct epoll backend
/// can use the answer, so elsewhere it is `false` without asking.
pub(crate) fn is_plain_tcp(io: &impl AsSource) -> bool {
    #[cfg(target_os = "linux")]
    return linux::plain_tcp::is_plain_tcp(io.as_fd());
    #[cfg(not(target_os = "linux"))]
    {
        let _ = io;
        false
    }
}

/// The raw handle of a source, to register with the poller.
pub(crate) fn raw_source(io: &impl AsSource) -> RawSource {
    #[cfg(unix)]
    return io.as_fd().as_raw_fd();
    #[cfg(windows)]
    return io.as_socket().as_raw_socket();
}

/// Borrows a raw source handle for the length of a call.
///
/// # Safety
///
/// `raw` must be open for the whole lifetime `'a`.
pub(crate) unsafe fn borrow_source<'a>(raw: RawSource) -> BorrowedSource<'a> {
    // SAFETY: our caller's promise, passed on: `raw` stays open for `'a`.
    unsafe { BorrowedSource::borrow_raw(raw) }
}
