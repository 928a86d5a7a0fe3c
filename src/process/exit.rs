//! Awaiting a child's exit without a thread per child: which watch a child gets, and how each
//! one waits (the OS side is [`weft_reactor::sys::child`]).
//!
//! * **pidfd** (Linux 5.3+): the kernel makes the descriptor readable when the child exits,
//!   so `wait()` parks in the reactor like any other I/O, then reaps with a non-blocking
//!   `waitpid`.
//! * **SIGCHLD** (macOS, the BSDs, and Linux without pidfds): `wait()` listens for SIGCHLD
//!   through [`crate::signal`] — the signal hub's self-pipe, watched by the reactor — and after
//!   every delivery reaps its own pid with `waitpid(pid, WNOHANG)`. It starts listening before
//!   its first check, so an exit either happened before that check (and the check reaps it)
//!   or raises SIGCHLD after the listener counted from. Only pids weft started are waited
//!   for, never `waitpid(-1)`: children other code started stay theirs to reap.
//!
//! Setting `WEFT_PROCESS_REAPER=sigchld` in the environment forces the SIGCHLD watch on Linux
//! too (read once per process), so CI runs the same process tests on both paths.

use super::ExitStatus;
use crate::signal::{SignalKind, signal};
use std::io;
use std::os::fd::OwnedFd;
use std::sync::OnceLock;
use weft_reactor::Async;
use weft_reactor::sys::child as sys;

/// The environment variable that forces the portable exit watch (value `sigchld`).
const FORCE_ENV: &str = "WEFT_PROCESS_REAPER";

/// How one child's exit is noticed.
#[derive(Debug)]
pub(crate) enum ExitWatch {
    /// Readable once the child has exited.
    Pidfd(Async<OwnedFd>),
    /// SIGCHLD deliveries, each followed by a `waitpid` of this child only.
    Sigchld,
}

impl ExitWatch {
    /// The watch for the child `pid`: a pidfd where the platform gives one and registering it
    /// works, SIGCHLD otherwise.
    pub(crate) fn for_child(pid: u32) -> ExitWatch {
        if sigchld_forced() {
            return ExitWatch::Sigchld;
        }
        sys::exit_fd(pid)
            .and_then(|fd| Async::new(fd).ok())
            .map_or(ExitWatch::Sigchld, ExitWatch::Pidfd)
    }

    /// Waits for `child` to exit and reaps it.
    pub(crate) async fn wait(&self, child: &mut std::process::Child) -> io::Result<ExitStatus> {
        match self {
            ExitWatch::Pidfd(exit) => {
                // The pidfd turns readable when the child exits; reaping is then immediate.
                exit.readable().await?;
                match child.try_wait()? {
                    Some(status) => Ok(status),
                    None => child.wait(),
                }
            }
            ExitWatch::Sigchld => {
                // Listen first, then check: see the module docs.
                let mut sigchld = signal(SignalKind::from_raw(sys::SIGCHLD))?;
                loop {
                    if let Some(status) = child.try_wait()? {
                        return Ok(status);
                    }
                    // The caller's `Child::wait` records the wait point task dumps show.
                    sigchld.wait(std::panic::Location::caller()).await?;
                }
            }
        }
    }

    /// `"pidfd"` or `"sigchld"`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            ExitWatch::Pidfd(_) => "pidfd",
            ExitWatch::Sigchld => "sigchld",
        }
    }
}

/// Whether `WEFT_PROCESS_REAPER=sigchld` forces the portable watch.
fn sigchld_forced() -> bool {
    static FORCED: OnceLock<bool> = OnceLock::new();
    *FORCED.get_or_init(|| std::env::var_os(FORCE_ENV).is_some_and(|v| v == "sigchld"))
}
