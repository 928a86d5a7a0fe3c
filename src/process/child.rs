//! `Child`: a running process, its pipes, and its exit.

use super::exit::ExitWatch;
use super::{ChildStderr, ChildStdin, ChildStdout, ExitStatus, Output};
use std::future::Future;
use std::io;

/// A spawned process (asyncio's `Process`). Await [`wait`](Self::wait) for its exit status;
/// the piped stdio ends are in the public fields.
///
/// ```
/// # weft::run(async {
/// let mut child = weft::process::Command::new("sleep").arg("30").spawn()?;
/// child.kill()?;
/// let status = child.wait().await?;
/// use std::os::unix::process::ExitStatusExt;
/// assert_eq!(status.signal(), Some(9)); // asyncio: returncode == -SIGKILL
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Child {
    inner: std::process::Child,
    /// The child's stdin, when it was configured as `Stdio::piped()`.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, when piped.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, when piped.
    pub stderr: Option<ChildStderr>,
    /// How the child's exit is noticed (see `exit.rs`).
    exit: ExitWatch,
    status: Option<ExitStatus>,
    kill_on_drop: bool,
}

impl Child {
    pub(crate) fn new(mut inner: std::process::Child, kill_on_drop: bool) -> io::Result<Child> {
        let stdin = inner.stdin.take().map(ChildStdin::new).transpose()?;
        let stdout = inner.stdout.take().map(ChildStdout::new).transpose()?;
        let stderr = inner.stderr.take().map(ChildStderr::new).transpose()?;
        let exit = ExitWatch::for_child(inner.id());
        Ok(Child {
            inner,
            stdin,
            stdout,
            stderr,
            exit,
            status: None,
            kill_on_drop,
        })
    }

    /// The OS process id.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut child = weft::process::Command::new("true").spawn()?;
    /// assert!(child.id() > 0);
    /// child.wait().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn id(&self) -> u32 {
        self.inner.id()
    }

    /// How this child's exit is watched: `"pidfd"` or `"sigchld"` (see the
    /// [module docs](super)). For tests that must know which path they exercise.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut child = weft::process::Command::new("true").spawn()?;
    /// assert!(["pidfd", "sigchld"].contains(&child.exit_watch()));
    /// child.wait().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[doc(hidden)]
    pub fn exit_watch(&self) -> &'static str {
        self.exit.name()
    }

    /// Waits for the child to exit and returns its status; later calls return the same
    /// status. Closes the child's stdin first (so a child reading it sees EOF), as asyncio's
    /// `communicate` does.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut child = weft::process::Command::new("sh").args(["-c", "exit 7"]).spawn()?;
    /// assert_eq!(child.wait().await?.code(), Some(7));
    /// assert_eq!(child.wait().await?.code(), Some(7));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn wait(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        super::exit_wait(async move {
            drop(self.stdin.take());
            if let Some(status) = self.status {
                return Ok(status);
            }
            let status = self.exit.wait(&mut self.inner).await?;
            self.status = Some(status);
            Ok(status)
        })
    }

    /// The exit status if the child has exited, without waiting.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut child = weft::process::Command::new("sleep").arg("30").spawn()?;
    /// assert!(child.try_wait()?.is_none());
    /// child.kill()?;
    /// child.wait().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.inner.try_wait()?;
        }
        Ok(self.status)
    }

    /// Sends SIGKILL (asyncio's `kill()`); `wait` then reports the signal.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut child = weft::process::Command::new("sleep").arg("30").spawn()?;
    /// child.kill()?;
    /// assert!(!child.wait().await?.success());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn kill(&mut self) -> io::Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        self.inner.kill()
    }

    /// Waits for exit while collecting stdout and stderr (those that are piped), reading
    /// both concurrently so neither pipe can fill up and stall the child.
    ///
    /// ```
    /// # weft::run(async {
    /// use weft::process::{Command, Stdio};
    /// let child = Command::new("echo").arg("x").stdout(Stdio::piped()).spawn()?;
    /// assert_eq!(child.wait_with_output().await?.stdout, b"x\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn wait_with_output(mut self) -> impl Future<Output = io::Result<Output>> {
        super::exit_wait(async move {
            drop(self.stdin.take());
            let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
            let out = weft_executor::spawn(async move {
                let mut buf = Vec::new();
                if let Some(mut pipe) = stdout {
                    pipe.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            });
            let err = weft_executor::spawn(async move {
                let mut buf = Vec::new();
                if let Some(mut pipe) = stderr {
                    pipe.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            });
            let stdout = out.await.map_err(io::Error::other)??;
            let stderr = err.await.map_err(io::Error::other)??;
            let status = self.wait().await?;
            Ok(Output {
                status,
                stdout,
                stderr,
            })
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.kill_on_drop && self.status.is_none() && matches!(self.inner.try_wait(), Ok(None)) {
            let _ = self.inner.kill();
            let _ = self.inner.wait();
        }
    }
}
