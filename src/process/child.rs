//! `Child`: a running process, its pipes, and its exit.
//!
//! `communicate` (and `wait_with_output`, which is `communicate(None)`) drives three things
//! in one future: writing stdin, reading stdout, reading stderr. All three at once is what
//! keeps it from deadlocking: a child blocked writing a full stderr pipe never reads the
//! rest of its stdin, and one blocked on a full stdin never finishes its output. It polls them
//! in place rather than spawning tasks, so dropping (cancelling) `communicate` stops all
//! three and leaves nothing running.

use super::exit::ExitWatch;
use super::{ChildStderr, ChildStdin, ChildStdout, ExitStatus, Output};
#[cfg(unix)]
use crate::signal::SignalKind;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::pin;
use std::task::Poll;
#[cfg(unix)]
use weft_reactor::sys::child as sys;

/// A spawned process (asyncio's `Process`). Await [`wait`](Self::wait) for its exit status;
/// the piped stdio ends are in the public fields.
///
/// For asyncio's `StreamReader` methods (`readline`, `readuntil`, `readexactly`) on the
/// output, wrap the pipe: `child.stdout.take().map(weft::io::StreamReader::new)`.
///
/// ```
/// # weft::run(async {
/// use weft::io::StreamReader;
/// use weft::process::{Command, Stdio};
/// let mut child = Command::shell("echo first; echo second").stdout(Stdio::piped()).spawn()?;
/// let mut lines = child.stdout.take().map(StreamReader::new).unwrap();
/// assert_eq!(lines.readline().await.unwrap(), b"first\n");
/// assert_eq!(lines.readline().await.unwrap(), b"second\n");
/// assert!(child.wait().await?.success());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
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
    /// Wraps a spawned child; `merged_stdout` is the read end of the pipe that both stdout
    /// and stderr write to, when the command asked for that.
    pub(crate) fn new(
        mut inner: std::process::Child,
        kill_on_drop: bool,
        merged_stdout: Option<std::io::PipeReader>,
    ) -> io::Result<Child> {
        let stdin = inner.stdin.take().map(ChildStdin::new).transpose()?;
        let stdout = match merged_stdout {
            Some(pipe) => Some(ChildStdout::new(pipe)?),
            None => inner.stdout.take().map(ChildStdout::new).transpose()?,
        };
        let stderr = inner.stderr.take().map(ChildStderr::new).transpose()?;
        let exit = ExitWatch::for_child(&inner)?;
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

    /// Sends SIGKILL (asyncio's `kill()`); `wait` then reports the signal. On Windows:
    /// `TerminateProcess`, and the exit code is 1.
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

    /// Sends SIGTERM (asyncio's `terminate()`): the polite request to exit, which a child may
    /// catch or ignore; [`kill`](Self::kill) cannot be. `wait` then reports the signal if the
    /// child died of it. A child that has already exited is left alone (`Ok`).
    ///
    /// On Windows, which has no SIGTERM, this is [`kill`](Self::kill), as asyncio's
    /// `terminate()` is there.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut child = weft::process::Command::new("sleep").arg("30").spawn()?;
    /// child.terminate()?;
    /// use std::os::unix::process::ExitStatusExt;
    /// assert_eq!(child.wait().await?.signal(), Some(libc::SIGTERM)); // asyncio: -SIGTERM
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn terminate(&mut self) -> io::Result<()> {
        #[cfg(windows)]
        return self.kill();
        #[cfg(unix)]
        self.send_signal(SignalKind::terminate())
    }

    /// Sends `signal` to the child (asyncio's `send_signal`). A child that has already exited
    /// is left alone (`Ok`), as std's `kill` does.
    ///
    /// The signal cannot reach another process that reused the pid: the child is reaped only
    /// through this `Child` (`wait`, `try_wait`), which this call holds mutably, and an
    /// exited but unreaped child keeps its pid.
    ///
    /// A signal the child ignores does nothing: ignored signals stay ignored across `exec`, and a
    /// non-interactive shell starts its background jobs with `SIGINT` and `SIGQUIT` ignored, so
    /// this example sends `SIGUSR1`, whose default action still ends a child started anywhere.
    ///
    /// ```
    /// # weft::run(async {
    /// use weft::signal::SignalKind;
    /// let mut child = weft::process::Command::new("sleep").arg("30").spawn()?;
    /// child.send_signal(SignalKind::user_defined1())?;
    /// use std::os::unix::process::ExitStatusExt;
    /// assert_eq!(child.wait().await?.signal(), Some(libc::SIGUSR1));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn send_signal(&mut self, signal: SignalKind) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        sys::send_signal(self.id(), signal.as_raw())
    }

    /// Writes `input` to the child's stdin (then closes it), while reading its stdout and
    /// stderr, and waits for it to exit (asyncio's `communicate`). Returns the exit status
    /// and everything read from the pipes that are piped (an empty `Vec` for the others).
    ///
    /// Without `input`, stdin (if piped) is closed at once. A child that exits or closes
    /// stdin before reading all of `input` is not an error: as asyncio does, `BrokenPipe`
    /// on stdin is ignored and the output is returned.
    ///
    /// # Errors
    ///
    /// A read or write error of a pipe; `InvalidInput` when `input` is given but stdin is not
    /// piped.
    ///
    /// ```
    /// # weft::run(async {
    /// use weft::process::{Command, Stdio};
    /// let mut child = Command::new("sort")
    ///     .stdin(Stdio::piped())
    ///     .stdout(Stdio::piped())
    ///     .spawn()?;
    /// let out = child.communicate(Some(b"pear\napple\n".to_vec())).await?;
    /// assert!(out.status.success());
    /// assert_eq!(out.stdout, b"apple\npear\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn communicate(
        &mut self,
        input: Option<Vec<u8>>,
    ) -> impl Future<Output = io::Result<Output>> {
        super::exit_wait(async move {
            let stdin = self.stdin.take();
            if input.is_some() && stdin.is_none() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "communicate: input was given but the child's stdin is not piped \
                     (use Command::stdin(Stdio::piped()))",
                ));
            }
            let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
            let write = async move {
                let (Some(mut stdin), Some(input)) = (stdin, input) else {
                    return Ok(()); // stdin, if any, is dropped here: the child reads EOF
                };
                match stdin.write_all(&input).await {
                    // The child stopped reading: what it wrote is still worth having.
                    Err(err)
                        if matches!(
                            err.kind(),
                            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                        ) =>
                    {
                        Ok(())
                    }
                    other => other,
                }
            };
            let read_out = async move {
                let mut buf = Vec::new();
                if let Some(mut pipe) = stdout {
                    pipe.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            };
            let read_err = async move {
                let mut buf = Vec::new();
                if let Some(mut pipe) = stderr {
                    pipe.read_to_end(&mut buf).await?;
                }
                io::Result::Ok(buf)
            };
            let (written, stdout, stderr) = join3(write, read_out, read_err).await;
            written?;
            let (stdout, stderr) = (stdout?, stderr?);
            let status = self.wait().await?;
            Ok(Output {
                status,
                stdout,
                stderr,
            })
        })
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
        super::exit_wait(async move { self.communicate(None).await })
    }
}

/// Polls three futures in place until all are done (no tasks: see the module head).
async fn join3<A: Future, B: Future, C: Future>(
    a: A,
    b: B,
    c: C,
) -> (A::Output, B::Output, C::Output) {
    let (mut a, mut b, mut c) = (pin!(a), pin!(b), pin!(c));
    let (mut ra, mut rb, mut rc) = (None, None, None);
    poll_fn(|cx| {
        if ra.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        if rc.is_none()
            && let Poll::Ready(v) = c.as_mut().poll(cx)
        {
            rc = Some(v);
        }
        match (ra.take(), rb.take(), rc.take()) {
            (Some(a), Some(b), Some(c)) => Poll::Ready((a, b, c)),
            (a, b, c) => {
                (ra, rb, rc) = (a, b, c);
                Poll::Pending
            }
        }
    })
    .await
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.kill_on_drop && self.status.is_none() && matches!(self.inner.try_wait(), Ok(None)) {
            let _ = self.inner.kill();
            let _ = self.inner.wait();
        }
    }
}
