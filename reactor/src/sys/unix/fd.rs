//! The descriptor calls `polling` does not cover: switching an fd to non-blocking mode,
//! asking, without waiting, whether an fd is ready right now, and a read into uninitialised
//! memory. All are POSIX (`fcntl`, `poll`, `read`), the same on every Unix.
//!
//! The second one is only used to double-check a readiness the cache already reported once
//! (see `Source::poll_ready`); normal operation never calls it.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use crate::source::Direction;

/// Sets `O_NONBLOCK` on `fd` (a no-op when it is already set).
pub(crate) fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: `fcntl(F_GETFL)` takes no pointers; on an invalid fd it fails with EBADF, which
    // is reported as an error.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above; `F_SETFL` takes an integer argument, no pointers.
        let rc = unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whether `fd` is ready in `direction` at this instant (errors and hang-ups count as ready:
/// the next operation reports them).
pub(crate) fn is_ready_now(fd: RawFd, direction: Direction) -> io::Result<bool> {
    let events = match direction {
        Direction::Read => libc::POLLIN,
        Direction::Write => libc::POLLOUT,
    };
    let mut pollfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    loop {
        // SAFETY: `pollfd` is a valid, exclusively borrowed `pollfd` for the whole call, and we
        // pass a count of exactly 1; a zero timeout means the call never blocks.
        let rc = unsafe { libc::poll(&mut pollfd, 1, 0) };
        if rc >= 0 {
            return Ok(rc > 0 && pollfd.revents != 0);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// One `read(2)` straight into possibly uninitialised memory: no zero-filling first, which
/// std's `Read` would need (its `read_buf` is unstable). Returns how many bytes of `buf`'s
/// front are now initialised.
pub(crate) fn read_uninit(fd: BorrowedFd<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `fd` is open (borrowed from its owner for this call). `buf` is valid for writes
    // of `buf.len()` bytes, and `read(2)` only ever writes initialised bytes into it, at most
    // `buf.len()` of them; it never reads the buffer, so uninitialised contents are fine.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    // `read` returns -1 on error, else the count, which is at most `buf.len()`.
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Whether `err` from a non-blocking `connect(2)` says the connect has started and will
/// finish in the background (`EINPROGRESS`; an `EAGAIN` from a TCP connect means no local
/// port was free: a real error).
pub(crate) fn connect_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::EINPROGRESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    #[test]
    fn readiness_probe_and_nonblocking() {
        let (mut a, b) = UnixStream::pair().unwrap();
        set_nonblocking(b.as_raw_fd()).unwrap();
        set_nonblocking(b.as_raw_fd()).unwrap();
        let mut buf = [0u8; 4];
        let err = std::io::Read::read(&mut &b, &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(!is_ready_now(b.as_raw_fd(), Direction::Read).unwrap());
        assert!(is_ready_now(b.as_raw_fd(), Direction::Write).unwrap());
        a.write_all(b"x").unwrap();
        assert!(is_ready_now(b.as_raw_fd(), Direction::Read).unwrap());
    }
}
