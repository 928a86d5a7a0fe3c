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
//! * **registered wait** (Windows): the OS thread pool waits on the process handle
//!   (`RegisterWaitForSingleObject`, `weft_reactor::sys::child::ExitWatch`) and wakes the
//!   waiting task when it is signalled; one pool thread watches many children.
//!
//! Setting `WEFT_PROCESS_REAPER=sigchld` in the environment forces the SIGCHLD watch on Linux
//! too (read once per process), so CI runs the same process tests on both paths.

use super::ExitStatus;
#[cfg(unix)]
use crate::signal::{SignalKind, signal};
use std::io;
#[cfg(unix)]
use std::os::fd::OwnedFd;
#[cfg(unix)]
use std::sync::OnceLock;
#[cfg(unix)]
use weft_reactor::Async;
use weft_reactor::sys::child as sys;

/// The environment variable that forces the portable exit watch (value `sigchld`).
#[cfg(unix)]
const FORCE_ENV: &str = "WEFT_PROCESS_REAPER";

/// How one child's exit is noticed.
#[derive(Debug)]
pub(crate) enum ExitWatch {
    /// Readable once the child has exited.
    #[cfg(unix)]
    Pidfd(Async<OwnedFd>),
    /// SIGCHLD deliveries, each followed by a `waitpid` of this child only.
    #[cfg(unix)]
    Sigchld,
    /// Woken from the OS thread pool when the process handle is signalled.
    #[cfg(windows)]
    Registered(sys::ExitWatch),
}

impl ExitWatch {
    /// The watch for `child`: a pidfd where the platform gives one and registering it
    /// works, SIGCHLD otherwise; on Windows a registered wait (the one way that can fail).
    pub(crate) fn for_child(child: &std::process::Child) -> io::Result<ExitWatch> {
        #[cfg(unix)]
        {
            if sigchld_forced() {
                return Ok(ExitWatch::Sigchld);
            }
            Ok(sys::exit_fd(child.id())
                .and_then(|fd| Async::new(fd).ok())
                .map_or(ExitWatch::Sigchld, ExitWatch::Pidfd))
        }
        #[cfg(windows)]
        {
            use std::os::windows::io::AsHandle;
            sys::ExitWatch::new(child.as_handle()).map(ExitWatch::Registered)
        }
    }

    /// Waits for `child` to exit and reaps it.
    pub(crate) async fn wait(&self, child: &mut std::process::Child) -> io::Result<ExitStatus> {
        match self {
            #[cfg(windows)]
            ExitWatch::Registered(exit) => {
                // Signalled on exit; collecting the status is then immediate.
                std::future::poll_fn(|cx| exit.poll_exited(cx)).await;
                match child.try_wait()? {
                    Some(status) => Ok(status),
                    None => child.wait(),
                }
            }
            #[cfg(unix)]
            ExitWatch::Pidfd(exit) => {
                // The pidfd turns readable when the child exits; reaping is then immediate.
                exit.readable().await?;
                match child.try_wait()? {
                    Some(status) => Ok(status),
                    None => child.wait(),
                }
            }
            #[cfg(unix)]
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

    /// `"pidfd"` or `"sigchld"`; `"registered-wait"` on Windows.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            #[cfg(unix)]
            ExitWatch::Pidfd(_) => "pidfd",
            #[cfg(unix)]
            ExitWatch::Sigchld => "sigchld",
            #[cfg(windows)]
            ExitWatch::Registered(_) => "registered-wait",
        }
    }
}

/// Whether `WEFT_PROCESS_REAPER=sigchld` forces the portable watch.
#[cfg(unix)]
fn sigchld_forced() -> bool {
    static FORCED: OnceLock<bool> = OnceLock::new();
    *FORCED.get_or_init(|| std::env::var_os(FORCE_ENV).is_some_and(|v| v == "sigchld"))
}
