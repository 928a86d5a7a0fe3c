//! `Command`: what to run and how to wire its stdio (std's builder, async at the end).

use super::{Child, ExitStatus, Output, Stdio};
use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::path::Path;

/// A process to spawn (asyncio's `create_subprocess_exec`): std's `Command` with async
/// `spawn`/`output`/`status`.
///
/// ```
/// # weft::run(async {
/// let status = weft::process::Command::new("true").status().await?;
/// assert!(status.success());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    inner: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command for `program`, found on `PATH` as by std.
    ///
    /// ```
    /// let _ = weft::process::Command::new("ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            inner: std::process::Command::new(program),
            kill_on_drop: false,
        }
    }

    /// Adds one argument.
    ///
    /// ```
    /// let _ = weft::process::Command::new("echo").arg("hi");
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.inner.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// ```
    /// let _ = weft::process::Command::new("echo").args(["a", "b"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// ```
    /// let _ = weft::process::Command::new("env").env("GREETING", "hi");
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env(key, value);
        self
    }

    /// Sets the child's working directory.
    ///
    /// ```
    /// let _ = weft::process::Command::new("pwd").current_dir("/");
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.inner.current_dir(dir);
        self
    }

    /// Configures the child's standard input (`Stdio::piped()` gives [`Child::stdin`]).
    ///
    /// ```
    /// let _ = weft::process::Command::new("cat").stdin(weft::process::Stdio::piped());
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdin(cfg);
        self
    }

    /// Configures the child's standard output.
    ///
    /// ```
    /// let _ = weft::process::Command::new("ls").stdout(weft::process::Stdio::null());
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdout(cfg);
        self
    }

    /// Configures the child's standard error.
    ///
    /// ```
    /// let _ = weft::process::Command::new("ls").stderr(weft::process::Stdio::inherit());
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stderr(cfg);
        self
    }

    /// Kill the child (SIGKILL) if its [`Child`] is dropped while it still runs — what
    /// asyncio does when a subprocess transport is closed. Off by default, as in std.
    ///
    /// ```
    /// let _ = weft::process::Command::new("sleep").arg("60").kill_on_drop(true);
    /// ```
    pub fn kill_on_drop(&mut self, kill: bool) -> &mut Command {
        self.kill_on_drop = kill;
        self
    }

    /// Starts the process. Must be called inside a weft runtime (the pipes and the exit
    /// watcher register with its reactor).
    ///
    /// # Errors
    ///
    /// The OS error when the program cannot be started (e.g. `NotFound`).
    ///
    /// ```
    /// # weft::run(async {
    /// let err = weft::process::Command::new("/no/such/program").spawn().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        Child::new(self.inner.spawn()?, self.kill_on_drop)
    }

    /// Runs the process to completion with stdout and stderr captured (stdin null unless
    /// configured) and returns them with the exit status.
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]).output().await?;
    /// assert_eq!(out.status.code(), Some(3));
    /// assert_eq!(out.stdout, b"out\n");
    /// assert_eq!(out.stderr, b"err\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        super::exit_wait(async move {
            self.inner
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            self.spawn()?.wait_with_output().await
        })
    }

    /// Runs the process to completion (inheriting stdio) and returns its exit status.
    ///
    /// ```
    /// # weft::run(async {
    /// assert!(!weft::process::Command::new("false").status().await?.success());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        super::exit_wait(async move { self.spawn()?.wait().await })
    }
}
