//! How a child's exit is noticed without a thread per child.
//!
//! The fast path is a Linux pidfd (`linux/pidfd.rs`): the kernel makes it readable when the
//! child exits, so the exit is one more readiness event for the reactor. Its portable
//! fallback, used on every other Unix and on Linux kernels that refuse pidfds, is SIGCHLD
//! through the signal hub ([`super::signal`]): the caller starts listening for [`SIGCHLD`]
//! *before* it first checks the child, then reaps with `waitpid(pid, WNOHANG)` (std's
//! `Child::try_wait`) after every delivery. Only pids the caller started are ever waited for —
//! never `waitpid(-1)`, which would steal the children of other code in the process. SIGCHLD
//! coalesces (several exits may raise it once), which is why every waiter re-checks its own
//! pid after every delivery rather than trusting a count.

use std::io;
use std::os::fd::OwnedFd;
#[cfg(target_os = "linux")]
use std::sync::atomic::{AtomicBool, Ordering};

/// The signal a parent receives when a child exits: what the portable exit watch listens to.
///
/// ```
/// assert_eq!(weft_reactor::sys::child::SIGCHLD, libc::SIGCHLD);
/// ```
pub const SIGCHLD: i32 = libc::SIGCHLD;

/// Set once the kernel has said that pidfds cannot work in this process, so later children
/// skip the syscall.
#[cfg(target_os = "linux")]
static PIDFD_UNSUPPORTED: AtomicBool = AtomicBool::new(false);

/// A descriptor that turns readable when child `pid` exits, where the platform has one (a
/// Linux pidfd). `None` means: use the SIGCHLD fallback — always on macOS and the BSDs, and
/// on Linux when the kernel has no `pidfd_open` (before 5.3), refuses it (`EPERM` from a
/// sandbox) or cannot give one more descriptor right now.
///
/// ```
/// let mut child = std::process::Command::new("true").spawn()?;
/// match weft_reactor::sys::child::exit_fd(child.id()) {
///     Some(_pidfd) => {} // register it with the reactor: readable on exit
///     None => {}         // listen for SIGCHLD, then `try_wait` after each delivery
/// }
/// child.wait()?;
/// # std::io::Result::Ok(())
/// ```
pub fn exit_fd(pid: u32) -> Option<OwnedFd> {
    #[cfg(target_os = "linux")]
    {
        use crate::sys::linux::pidfd;
        if PIDFD_UNSUPPORTED.load(Ordering::Relaxed) {
            return None;
        }
        match pidfd::open(pid) {
            Ok(fd) => Some(fd),
            Err(err) => {
                if pidfd::is_unsupported(&err) {
                    PIDFD_UNSUPPORTED.store(true, Ordering::Relaxed);
                }
                None
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// Sends signal `signum` to the process `pid` (`kill(2)`): how a parent terminates or
/// interrupts its child.
///
/// Call it only for a child you started and have not reaped yet: until it is reaped, even an
/// exited child keeps its pid (as a zombie), so the signal cannot reach another process that
/// reused the number.
///
/// ```
/// let mut child = std::process::Command::new("sleep").arg("30").spawn()?;
/// weft_reactor::sys::child::send_signal(child.id(), libc::SIGTERM)?;
/// use std::os::unix::process::ExitStatusExt;
/// assert_eq!(child.wait()?.signal(), Some(libc::SIGTERM));
/// # std::io::Result::Ok(())
/// ```
pub fn send_signal(pid: u32, signum: i32) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, "send_signal: pid out of range")
    })?;
    // SAFETY: kill(2) takes two integers and reads or writes no memory of this process.
    if unsafe { libc::kill(pid, signum) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
