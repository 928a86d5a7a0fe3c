//! The two descriptor calls `polling` does not cover: switching an fd to non-blocking mode
//! and asking, without waiting, whether an fd is ready right now. Both are POSIX (`fcntl`,
//! `poll`), the same on every Unix.
//!
//! The second one is only used to double-check a readiness the cache already reported once
//! (see `Source::poll_ready`); normal operation never calls it.

use std::io;
use std::os::fd::RawFd;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;
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
