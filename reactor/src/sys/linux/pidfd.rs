//! pidfd (Linux 5.3+): a descriptor that turns readable when a process exits, so a child's
//! exit is one more readiness event in the reactor and needs no signal handler at all.
//!
//! Kernels before 5.3 answer `ENOSYS`, and some container sandboxes refuse the syscall with
//! `EPERM`; both mean "never in this process", and the caller falls back to SIGCHLD.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// A pidfd for `pid`: readable once that process has exited (reaping stays the caller's job).
pub(crate) fn open(pid: u32) -> io::Result<OwnedFd> {
    let pid = libc::pid_t::try_from(pid)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))?;
    // SAFETY: pidfd_open takes a pid and a flags word and returns a new descriptor or -1; it
    // touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // A descriptor number always fits an `int`: the kernel returned one.
    let fd = RawFd::try_from(fd).map_err(io::Error::other)?;
    // SAFETY: the syscall succeeded, so `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Whether `err` from [`open`] means pidfds cannot work in this process at all, rather than
/// for this one call (as `EMFILE` would).
pub(crate) fn is_unsupported(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::ENOSYS | libc::EPERM))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Direction;
    use crate::sys::is_ready_now;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_pidfd_turns_readable_when_its_child_exits() {
        let mut child = std::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let fd = match open(child.id()) {
            Ok(fd) => fd,
            Err(err) if is_unsupported(&err) => {
                child.kill().unwrap();
                child.wait().unwrap();
                return;
            }
            Err(err) => panic!("pidfd_open: {err}"),
        };
        assert!(!is_ready_now(fd.as_raw_fd(), Direction::Read).unwrap());
        drop(child.stdin.take()); // cat sees end of input and exits
        child.wait().unwrap();
        assert!(is_ready_now(fd.as_raw_fd(), Direction::Read).unwrap());
    }

    #[test]
    fn only_enosys_and_eperm_rule_pidfds_out() {
        assert!(is_unsupported(&io::Error::from_raw_os_error(libc::ENOSYS)));
        assert!(is_unsupported(&io::Error::from_raw_os_error(libc::EPERM)));
        assert!(!is_unsupported(&io::Error::from_raw_os_error(libc::EMFILE)));
    }
}
