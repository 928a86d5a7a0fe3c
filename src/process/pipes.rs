//! The child's stdio pipes as async readers and writers on the reactor.
//!
//! Each pipe end is held as a `File` over its descriptor: `&File` implements `Read`/`Write`,
//! which is what the reactor's `read_with`/`write_with` hand out.

use futures_io::{AsyncRead, AsyncWrite};
use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_reactor::Async;

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
        pub struct $name(Async<File>);

        impl $name {
            /// Registers a pipe's read end: std's, or one weft made (`stderr_to_stdout`).
            pub(crate) fn new(pipe: impl Into<OwnedFd>) -> io::Result<Self> {
                Async::new(File::from(pipe.into())).map($name)
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
                        self.0.read_with(|mut pipe| pipe.read(buf)).await
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
                let polled = self.0.poll_read_with(cx, |mut pipe| pipe.read(buf));
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
pub struct ChildStdin(Option<Async<File>>);

impl ChildStdin {
    pub(crate) fn new(pipe: std::process::ChildStdin) -> io::Result<Self> {
        Async::new(File::from(OwnedFd::from(pipe))).map(|pipe| ChildStdin(Some(pipe)))
    }

    /// The open pipe; `BrokenPipe` once `poll_close` closed it.
    fn pipe(&self) -> io::Result<&Async<File>> {
        self.0.as_ref().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write to the child's stdin after it was closed",
            )
        })
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
            async move { self.pipe()?.write_with(|mut pipe| pipe.write(buf)).await },
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
        let polled = match self.pipe() {
            Ok(pipe) => pipe.poll_write_with(cx, |mut pipe| pipe.write(buf)),
            Err(err) => Poll::Ready(Err(err)),
        };
        let kind =
            weft_coop::WaitKind::Io(weft_coop::IoResource::ChildStdin, weft_coop::IoOp::Write);
        weft_coop::note_pending(kind, std::panic::Location::caller(), polled)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no user-space buffer: written bytes are already in the kernel.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Closing is what the child waits for (its end of stream), so close the descriptor
        // now rather than when this value is dropped: a `StreamWriter` or a codec may hold
        // the pipe long after closing it.
        self.get_mut().0 = None;
        Poll::Ready(Ok(()))
    }
}
