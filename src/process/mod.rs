//! Subprocesses (asyncio's `create_subprocess_exec`): spawn a program, talk to it through
//! non-blocking pipes, and await its exit without tying up a thread.
//!
//! The pipes are ordinary file descriptors registered with the reactor through
//! [`Async`](crate::io::Async), so reading a child's output is the same readiness dance as a
//! socket. Exit is awaited in the reactor too, never on a thread: with a *pidfd* on Linux
//! 5.3+ (readable when the child exits), and with SIGCHLD through the signal pipe on macOS,
//! the BSDs and older Linux kernels, reaping only the children weft started (`exit.rs` has the
//! details; `WEFT_PROCESS_REAPER=sigchld` forces the portable path on Linux).
//!
//! asyncio's whole `Process` API is here: [`Command::shell`] (`create_subprocess_shell`),
//! [`Child::communicate`], [`Child::terminate`], [`Child::send_signal`], [`Child::kill`],
//! [`Command::stderr_to_stdout`] (`stderr=STDOUT`), and the pipes as asyncio streams through
//! [`StreamReader::new`](crate::io::StreamReader::new) and
//! [`StreamWriter::new`](crate::io::StreamWriter::new). [`Command`] also has std's builder
//! (environment, directory, `uid`/`gid`, `process_group`, `pre_exec`) and converts from a
//! `std::process::Command`.
//!
//! | asyncio | weft |
//! |---|---|
//! | `create_subprocess_exec(prog, *args, stdin=PIPE, ...)` | [`Command::new`]`(prog).args(..).stdin(`[`Stdio::piped()`]`).spawn()` |
//! | `create_subprocess_shell(cmd)` | [`Command::shell`]`(cmd).spawn()` |
//! | `stderr=asyncio.subprocess.STDOUT` | [`Command::stderr_to_stdout`] |
//! | `proc.communicate(input)` | [`Child::communicate`]`(Some(input))` → [`Output`] |
//! | `proc.wait()`, `proc.returncode` | [`Child::wait`], [`Child::try_wait`] |
//! | `terminate()`, `kill()`, `send_signal(sig)` | [`Child::terminate`], [`Child::kill`], [`Child::send_signal`] |
//! | `await proc.stdout.readline()` | `StreamReader::new(child.stdout.take().unwrap()).readline()` |
//!
//! On Windows the same API runs differently underneath: the pipes' reads and writes run on
//! the blocking pool (anonymous pipes cannot be polled through IOCP; `blocking_pipe.rs`), the
//! exit is a wait registered with the OS thread pool (no thread per child), `kill` and
//! `terminate` are `TerminateProcess`, `shell` runs `cmd.exe /C`, and `send_signal`, `uid`,
//! `gid`, `process_group` and `pre_exec` are Unix-only.
//!
//! ```
//! # weft::run(async {
//! let out = weft::process::Command::new("echo").arg("hello").output().await?;
//! assert!(out.status.success());
//! assert_eq!(out.stdout, b"hello\n");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

#[cfg(windows)]
mod blocking_pipe;
mod child;
mod command;
mod exit;
mod pipes;

pub use child::Child;
pub use command::Command;
pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};

/// Marks an operation that waits for a child's exit as such at the line that called it, for
/// task dumps (`Child::wait at src/main.rs:12`).
#[track_caller]
fn exit_wait<F: std::future::Future>(future: F) -> weft_coop::WaitingAs<F> {
    let site = std::panic::Location::caller();
    weft_coop::waiting_as(weft_coop::WaitKind::ChildExit, site, future)
}
