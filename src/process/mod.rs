//! Subprocesses (asyncio's `create_subprocess_exec`): spawn a program, talk to it through
//! non-blocking pipes, and await its exit without tying up a thread.
//!
//! The pipes are ordinary file descriptors registered with the reactor through
//! [`Async`](crate::io::Async), so reading a child's output is the same readiness dance as a
//! socket. Exit is watched with a *pidfd* (Linux 5.3+): the kernel makes it readable when the
//! child exits, so `wait()` parks in the reactor like any other I/O and reaps the child with a
//! non-blocking `waitpid`. Where pidfds are unavailable, `wait()` falls back to one blocking
//! `waitpid` on the blocking pool.
//!
//! ```
//! # weft::run(async {
//! let out = weft::process::Command::new("echo").arg("hello").output().await?;
//! assert!(out.status.success());
//! assert_eq!(out.stdout, b"hello\n");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

mod child;
mod command;
mod pipes;

pub use child::Child;
pub use command::Command;
pub use pipes::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};
