//! The socket calls `polling` does not cover on Windows: non-blocking mode, the readiness
//! probe, and a read into uninitialised memory — the twins of `unix/fd.rs`.
//!
//! Winsock reports its errors through `WSAGetLastError`, not `GetLastError`, so each error
//! is read from there (std does the same for its sockets). Every socket here came from std or
//! socket2, which called `WSAStartup` before creating it, so the calls need no set-up.

use std::io;
use std::mem::MaybeUninit;
use std::os::windows::io::{AsRawSocket, BorrowedSocket, RawSocket};

use windows_sys::Win32::Networking::WinSock;

use crate::source::Direction;

/// The last Winsock error of this thread as an `io::Error`.
fn last_error() -> io::Error {
    // SAFETY: `WSAGetLastError` takes no arguments and only reads thread-local state.
    io::Error::from_raw_os_error(unsafe { WinSock::WSAGetLastError() })
}

/// Winsock's handle type for a raw socket (`SOCKET` is pointer-sized, `RawSocket` is `u64`).
fn winsock(socket: RawSocket) -> WinSock::SOCKET {
    // Lossless: a `RawSocket` holds a `SOCKET` widened to 64 bits, so it fits back.
    socket as WinSock::SOCKET
}

/// Puts `socket` in non-blocking mode (a no-op when it already is).
pub(crate) fn set_nonblocking(socket: RawSocket) -> io::Result<()> {
    let mut on: u32 = 1;
    // SAFETY: `on` is a live, exclusively borrowed `u32`, which is the argument `FIONBIO`
    // reads; an invalid socket makes the call fail with `WSAENOTSOCK`, reported below.
    let rc = unsafe { WinSock::ioctlsocket(winsock(socket), WinSock::FIONBIO, &mut on) };
    if rc == 0 { Ok(()) } else { Err(last_error()) }
}

/// Whether `socket` is ready in `direction` at this instant (errors and hang-ups count as
/// ready: the next operation reports them).
pub(crate) fn is_ready_now(socket: RawSocket, direction: Direction) -> io::Result<bool> {
    let events = match direction {
        // POLLIN: normal and priority data, and for a listener a pending connection.
        Direction::Read => WinSock::POLLIN,
        Direction::Write => WinSock::POLLOUT,
    };
    let mut pollfd = WinSock::WSAPOLLFD {
        fd: winsock(socket),
        events,
        revents: 0,
    };
    // SAFETY: `pollfd` is a valid, exclusively borrowed `WSAPOLLFD` for the whole call, and
    // the count is exactly 1; a zero timeout means the call never blocks.
    let rc = unsafe { WinSock::WSAPoll(&mut pollfd, 1, 0) };
    if rc < 0 {
        return Err(last_error());
    }
    Ok(rc > 0 && pollfd.revents != 0)
}

/// Whether `err` from a non-blocking `connect` says the connect has started and will finish
/// in the background: Winsock says so with `WSAEWOULDBLOCK`, not `EINPROGRESS`.
pub(crate) fn connect_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(WinSock::WSAEWOULDBLOCK)
}

/// One `recv` straight into possibly uninitialised memory (the twin of Unix's `read(2)`):
/// returns how many bytes of `buf`'s front are now initialised.
pub(crate) fn read_uninit(
    socket: BorrowedSocket<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> io::Result<usize> {
    // `recv` takes an `i32` length: a larger buffer is filled in part, as a short read.
    let len = i32::try_from(buf.len()).unwrap_or(i32::MAX);
    // SAFETY: `socket` is open (borrowed from its owner for this call). `buf` is valid for
    // writes of at least `len` bytes, and `recv` only writes initialised bytes into it, at
    // most `len` of them; it never reads the buffer, so uninitialised contents are fine.
    let n = unsafe {
        WinSock::recv(
            winsock(socket.as_raw_socket()),
            buf.as_mut_ptr().cast(),
            len,
            0,
        )
    };
    // `recv` returns `SOCKET_ERROR` (-1) on error, else the count, at most `len`.
    match usize::try_from(n) {
        Ok(n) => Ok(n),
        // A socket whose read side this process shut down answers `WSAESHUTDOWN` where Unix
        // answers end of stream; std's `recv` maps it to `Ok(0)` too, so both read paths
        // (this one and `Read for &TcpStream`) agree.
        Err(_) => match last_error() {
            err if err.raw_os_error() == Some(WinSock::WSAESHUTDOWN) => Ok(0),
            err => Err(err),
        },
    }
}
