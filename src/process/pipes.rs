//! The child's stdio pipes as async readers and writers on the reactor.
//!
//! Each pipe end is held as a `File` over its descriptor: `&File` implements `Read`/`Write`,
//! which is what the reactor's `read_with`/`write_with` hand out. On Windows a pipe cannot be
//! a reactor source (IOCP through `polling` polls sockets only), so the same types run their
//! reads and writes on the blocking pool instead (`blocking_pipe.rs`).

use futures_io::{AsyncRead, AsyncWrite};
use std::fs::File;
use std::future::Future;
use std::io;
#[cfg(unix)]
use std::io::{Read, Write};
#[cfg(unix)]
use std::os::fd::OwnedFd;
#[cfg(windows)]
use std::os::windows::io::OwnedHandle;
use std::pin::Pin;
use std::task::{Context, Poll};
#[cfg(unix)]
use weft_reactor::Async;

#[cfg(windows)]
use super::blocking_pipe::BlockingPipe;

/// Marks a pipe operation as a wait on `pipe` at the line that called it, for task dumps.
#[track_caller]
fn pipe_wait<F: Future>(
    pipe: weft_coop::IoResource,
    op: weft_coop::IoOp,
    future: F,
) -> weft_coop::WaitingAs<F> {
    let kind = weft_coop::WaitKind::Io(pipe, op);
    weft_coop::waiting_as(kind, std::panic::Location::caller(), future)
}

macro_rules! reader {
    ($name:ident, $what:literal) => {
        #[doc = concat!("The child's ", $what, ", readable without blocking a thread (`futures_io::AsyncRead`).")]
        ///
        /// ```
        /// # weft::run(async {
        /// use weft::process::{Command, Stdio};
        /// let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        /// let mut text = String::new();
        /// child.stdout.take().unwrap().read_to_string(&mut text).await?;
        /// assert_eq!(text, "hi\n");
        /// child.wait().await?;
        /// # std::io::Result::Ok(())
        /// # }).unwrap();
        /// ```
        #[derive(Debug)]
        pub struct $name(#[cfg(unix)] Async<File>, #[cfg(windows)] BlockingPipe);

        impl $name {
            /// Registers a pipe's read end: std's, or one weft made (`stderr_to_stdout`).
            #[cfg(unix)]
            pub(crate) fn new(pipe: impl Into<OwnedFd>) -> io::Result<Self> {
                Async::new(File::from(pipe.into())).map($name)
            }

            /// Wraps a pipe's read end (std's, or one weft made) for the blocking pool.
            #[cfg(windows)]
            pub(crate) fn new(pipe: impl Into<OwnedHandle>) -> io::Result<Self> {
                Ok($name(BlockingPipe::new(File::from(pipe.into()))))
            }

            /// Reads some bytes; `Ok(0)` at end of stream (the child closed its end).
            ///
            /// ```
            /// # weft::run(async {
            /// # use weft::process::{Command, Stdio};
            /// # let mut child = Command::new("echo").arg("x").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            /// let mut buf = [0u8; 16];
            /// # let mut pipe = child.stdout.take().unwrap();
            /// let n = pipe.read(&mut buf).await?;
            /// assert!(n > 0);
            /// # child.wait().await?;
            /// # std::io::Result::Ok(())
            /// # }).unwrap();
            /// ```
            #[track_caller]
            pub fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
                pipe_wait(
                    weft_coop::IoResource::$name,
                    weft_coop::IoOp::Read,
                    async move {
                        #[cfg(unix)]
                        return self.0.read_with(|mut pipe| pipe.read(buf)).await;
                        #[cfg(windows)]
                        return std::future::poll_fn(|cx| self.0.poll_read(cx, buf)).await;
                    },
                )
            }

            /// Reads until end of stream, appending to `out`; returns how many bytes.
            ///
            /// ```
            /// # weft::run(async {
            /// # use weft::process::{Command, Stdio};
            /// # let mut child = Command::new("echo").arg("all").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            /// let mut out = Vec::new();
            /// child.stdout.take().unwrap().read_to_end(&mut out).await?;
            /// assert_eq!(out, b"all\n");
            /// # child.wait().await?;
            /// # std::io::Result::Ok(())
            /// # }).unwrap();
            /// ```
            #[track_caller]
            pub fn read_to_end(&mut self, out: &mut Vec<u8>) -> impl Future<Output = io::Result<usize>> {
                pipe_wait(
                    weft_coop::IoResource::$name,
                    weft_coop::IoOp::Read,
                    async move {
                        let start = out.len();
                        let mut chunk = [0u8; 8192];
                        loop {
                            match self.read(&mut chunk).await? {
                                0 => return Ok(out.len() - start),
                                n => out.extend_from_slice(&chunk[..n]),
                            }
                        }
                    },
                )
            }

            /// Reads until end of stream as UTF-8 text.
            ///
            /// # Errors
            ///
            /// `InvalidData` when the output is not UTF-8.
            ///
            /// ```
            /// # weft::run(async {
            /// # use weft::process::{Command, Stdio};
            /// # let mut child = Command::new("echo").arg("t").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            /// let mut s = String::new();
            /// child.stdout.take().unwrap().read_to_string(&mut s).await?;
            /// # child.wait().await?;
            /// # std::io::Result::Ok(())
            /// # }).unwrap();
            /// ```
            #[track_caller]
            pub fn read_to_string(&mut self, out: &mut String) -> impl Future<Output = io::Result<usize>> {
                pipe_wait(
                    weft_coop::IoResource::$name,
                    weft_coop::IoOp::Read,
                    async move {
                        let mut bytes = Vec::new();
                        let n = self.read_to_end(&mut bytes).await?;
                        out.push_str(&String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?);
                        Ok(n)
                    },
                )
            }
        }

        impl AsyncRead for $name {
            #[track_caller]
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                #[cfg(unix)]
                let polled = self.0.poll_read_with(cx, |mut pipe| pipe.read(buf));
                #[cfg(windows)]
                let polled = self.get_mut().0.poll_read(cx, buf);
                let kind = weft_coop::WaitKind::Io(weft_coop::IoResource::$name, weft_coop::IoOp::Read);
                weft_coop::note_pending(kind, std::panic::Location::caller(), polled)
            }
        }
    };
}

reader!(ChildStdout, "standard output");
reader!(ChildStderr, "standard error");

/// The child's standard input, writable without blocking a thread (`futures_io::AsyncWrite`).
/// Drop it (or call [`close`](Self::close)) to send end-of-file.
///
/// ```
/// # weft::run(async {
/// use weft::process::{Command, Stdio};
/// let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
/// let mut stdin = child.stdin.take().unwrap();
/// stdin.write_all(b"echoed").await?;
/// stdin.close();
/// let mut out = Vec::new();
/// child.stdout.take().unwrap().read_to_end(&mut out).await?;
/// assert_eq!(out, b"echoed");
/// child.wait().await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct ChildStdin(
    #[cfg(unix)] Option<Async<File>>,
    #[cfg(windows)] Option<BlockingPipe>,
);

/// The error for a write after `poll_close`.
fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "write to the child's stdin after it was closed",
    )
}

impl ChildStdin {
    #[cfg(unix)]
    pub(crate) fn new(pipe: std::process::ChildStdin) -> io::Result<Self> {
        Async::new(File::from(OwnedFd::from(pipe))).map(|pipe| ChildStdin(Some(pipe)))
    }

    #[cfg(windows)]
    pub(crate) fn new(pipe: std::process::ChildStdin) -> io::Result<Self> {
        let pipe = File::from(OwnedHandle::from(pipe));
        Ok(ChildStdin(Some(BlockingPipe::new(pipe))))
    }

    /// The open pipe; `BrokenPipe` once `poll_close` closed it.
    #[cfg(unix)]
    fn pipe(&self) -> io::Result<&Async<File>> {
        self.0.as_ref().ok_or_else(closed)
    }

    /// One write, poll-style: the reactor's on Unix, a blocking-pool job on Windows.
    fn poll_write_once(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        #[cfg(unix)]
        return match self.pipe() {
            Ok(pipe) => pipe.poll_write_with(cx, |mut pipe| pipe.write(buf)),
            Err(err) => Poll::Ready(Err(err)),
        };
        #[cfg(windows)]
        return match &mut self.0 {
            Some(pipe) => pipe.poll_write(cx, buf),
            None => Poll::Ready(Err(closed())),
        };
    }

    /// Writes some bytes; returns how many were taken.
    ///
    /// ```
    /// # weft::run(async {
    /// # use weft::process::{Command, Stdio};
    /// # let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    /// # let mut stdin = child.stdin.take().unwrap();
    /// let n = stdin.write(b"abc").await?;
    /// assert!(n > 0);
    /// # stdin.close();
    /// # child.wait().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn write(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        pipe_wait(
            weft_coop::IoResource::ChildStdin,
            weft_coop::IoOp::Write,
            async move {
                #[cfg(unix)]
                return self.pipe()?.write_with(|mut pipe| pipe.write(buf)).await;
                #[cfg(windows)]
                return std::future::poll_fn(|cx| self.poll_write_once(cx, buf)).await;
            },
        )
    }

    /// Writes all of `buf`, waiting for pipe space as needed.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` when the child closed its end.
    ///
    /// ```
    /// # weft::run(async {
    /// # use weft::process::{Command, Stdio};
    /// # let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    /// # let mut stdin = child.stdin.take().unwrap();
    /// stdin.write_all(&[b'x'; 100_000]).await?; // more than a pipe holds
    /// # stdin.close();
    /// # child.wait().await?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn write_all(&mut self, mut buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        pipe_wait(
            weft_coop::IoResource::ChildStdin,
            weft_coop::IoOp::WriteAll,
            async move {
                while !buf.is_empty() {
                    match self.write(buf).await? {
                        0 => return Err(io::ErrorKind::WriteZero.into()),
                        n => buf = &buf[n..],
                    }
                }
                // Windows writes behind (`blocking_pipe.rs`): wait for the last chunk, so
                // that a child that stopped reading is reported here, as on Unix.
                #[cfg(windows)]
                if let Some(pipe) = &mut self.0 {
                    std::future::poll_fn(|cx| pipe.poll_flush(cx)).await?;
                }
                Ok(())
            },
        )
    }

    /// Closes the pipe: the child reads end-of-file.
    ///
    /// ```
    /// # weft::run(async {
    /// # use weft::process::{Command, Stdio};
    /// # let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    /// child.stdin.take().unwrap().close();
    /// assert!(child.wait().await?.success()); // cat saw EOF and exited
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn close(self) {}
}

impl AsyncWrite for ChildStdin {
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = self.get_mut().poll_write_once(cx, buf);
        let kind =
            weft_coop::WaitKind::Io(weft_coop::IoResource::ChildStdin, weft_coop::IoOp::Write);
        weft_coop::note_pending(kind, std::panic::Location::caller(), polled)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no user-space buffer: written bytes are already in the kernel.
        #[cfg(unix)]
        return Poll::Ready(Ok(()));
        // Except on Windows, where the last chunk may still be with its blocking job.
        #[cfg(windows)]
        return match &mut self.get_mut().0 {
            Some(pipe) => pipe.poll_flush(_cx),
            None => Poll::Ready(Ok(())),
        };
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Closing is what the child waits for (its end of stream), so close the descriptor
        // now rather than when this value is dropped: a `StreamWriter` or a codec may hold
        // the pipe long after closing it.
        self.get_mut().0 = None;
        Poll::Ready(Ok(()))
    }
}
