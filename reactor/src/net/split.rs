//! Read and write halves of a byte stream, borrowed or owned.
//!
//! A stream's operations take `&self` (the reactor keeps one waiter slot per direction per
//! caller), so a half is nothing but a reference that only exposes one direction: borrowed
//! halves hold `&S`, owned halves share an `Arc<S>`. No lock sits between the halves; the
//! read and write directions of a socket are independent in the kernel and in the reactor.
//! Dropping an owned write half shuts the write direction down, which is what a peer waiting
//! for the end of a request needs to see.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::ops::{early_eof, write_zero};

/// The plumbing the halves reach a stream through: in a private module, so only this crate
/// can name it and no method leaks into the public API.
pub(crate) mod sealed {
    use std::io::{self, IoSlice};
    use std::task::{Context, Poll};

    pub trait Stream {
        /// What task dumps call the stream (`TcpStream`).
        const RESOURCE: weft_coop::IoResource;
        /// One read, poll-style (the poll slot: the last waker wins). Records its wait point
        /// at its (`#[track_caller]`) caller.
        fn poll_read_some(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
        /// One write, poll-style.
        fn poll_write_some(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
        /// One vectored write, poll-style.
        fn poll_write_vectored(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>>;
        /// One read, waiting in its own slot.
        fn read_some<'a>(
            &'a self,
            buf: &'a mut [u8],
        ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
        /// One write, waiting in its own slot.
        fn write_some<'a>(
            &'a self,
            buf: &'a [u8],
        ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
        /// Shuts the write direction down.
        fn shutdown_write(&self) -> io::Result<()>;
    }
}

/// A byte stream that splits into read and write halves: [`TcpStream`](super::TcpStream) and
/// [`UnixStream`](super::UnixStream). Sealed: only this crate's streams implement it.
///
/// ```
/// use weft_reactor::net::{OwnedReadHalf, SplitStream, UnixStream};
/// fn reader_of<S: SplitStream>(half: &OwnedReadHalf<S>) -> &S {
///     half.as_ref()
/// }
/// # let _ = reader_of::<UnixStream>;
/// ```
pub trait SplitStream: sealed::Stream + Send + Sync + Sized + 'static {}

/// Reads until `buf` is full, through `read`.
async fn read_exact_via<S: SplitStream>(stream: &S, buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        match stream.read_some(&mut buf[filled..]).await? {
            0 => return Err(early_eof(filled, buf.len())),
            n => filled += n,
        }
    }
    Ok(())
}

/// Writes all of `buf`, through `write`.
async fn write_all_via<S: SplitStream>(stream: &S, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match stream.write_some(buf).await? {
            0 => return Err(write_zero()),
            n => buf = &buf[n..],
        }
    }
    Ok(())
}

/// The read direction of a stream, borrowed; from [`TcpStream::split`](super::TcpStream::split)
/// or [`UnixStream::split`](super::UnixStream::split).
///
/// ```
/// use weft_reactor::net::UnixStream;
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (reader, _writer) = a.split();
///     b.write_all(b"hi").await?;
///     let mut buf = [0u8; 2];
///     reader.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ReadHalf<'a, S>(pub(crate) &'a S);

/// The write direction of a stream, borrowed; from [`TcpStream::split`](super::TcpStream::split)
/// or [`UnixStream::split`](super::UnixStream::split).
///
/// ```
/// use weft_reactor::net::UnixStream;
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (_reader, writer) = a.split();
///     writer.write_all(b"hi").await?;
///     let mut buf = [0u8; 2];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct WriteHalf<'a, S>(pub(crate) &'a S);

impl<S: SplitStream> ReadHalf<'_, S> {
    /// Reads some bytes into `buf`; `Ok(0)` at end of stream. Any number of tasks may wait.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (reader, _) = a.split();
    ///     drop(b);
    ///     assert_eq!(reader.read(&mut [0u8; 8]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn read(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::Read, async move {
            self.0.read_some(buf).await
        })
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (reader, _) = a.split();
    ///     b.write_all(b"ab").await?;
    ///     drop(b);
    ///     let err = reader.read_exact(&mut [0u8; 3]).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn read_exact(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<()>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::ReadExact, async move {
            read_exact_via(self.0, buf).await
        })
    }
}

impl<S: SplitStream> WriteHalf<'_, S> {
    /// Writes some bytes of `buf`, returning how many. Any number of tasks may wait.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     let (_, writer) = a.split();
    ///     assert_eq!(writer.write(b"abc").await?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn write(&self, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::Write, async move {
            self.0.write_some(buf).await
        })
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     let (_, writer) = a.split();
    ///     writer.write_all(b"abc").await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn write_all(&self, buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::WriteAll, async move {
            write_all_via(self.0, buf).await
        })
    }

    /// Shuts the write direction down: the peer reads end of stream.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (_, writer) = a.split();
    ///     writer.shutdown()?;
    ///     assert_eq!(b.read(&mut [0u8; 4]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        self.0.shutdown_write()
    }
}

/// The read direction of a stream, owned (shares the stream with its [`OwnedWriteHalf`]);
/// from `into_split`. Move it into another task.
///
/// ```
/// use weft_reactor::net::UnixStream;
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (reader, writer) = a.into_split();
///     writer.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     b.read_exact(&mut buf).await?;
///     b.write_all(&buf).await?;
///     reader.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct OwnedReadHalf<S: SplitStream> {
    stream: Arc<S>,
}

/// The write direction of a stream, owned; from `into_split`. Dropping it shuts the write
/// direction down (the peer reads end of stream) while the read half keeps working.
///
/// ```
/// use weft_reactor::net::UnixStream;
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (reader, writer) = a.into_split();
///     writer.write_all(b"request").await?;
///     drop(writer); // half-close: the peer sees the end of the request
///     let mut req = [0u8; 7];
///     b.read_exact(&mut req).await?;
///     assert_eq!(b.read(&mut [0u8; 1]).await?, 0);
///     b.write_all(b"reply").await?;
///     let mut reply = [0u8; 5];
///     reader.read_exact(&mut reply).await?;
///     assert_eq!(&reply, b"reply");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct OwnedWriteHalf<S: SplitStream> {
    stream: Arc<S>,
    shutdown_on_drop: bool,
}

/// Splits `stream` into owned halves.
pub(crate) fn into_split<S: SplitStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let stream = Arc::new(stream);
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        },
    )
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// Reads some bytes into `buf`; `Ok(0)` at end of stream.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (reader, _writer) = a.into_split();
    ///     b.write_all(b"x").await?;
    ///     assert_eq!(reader.read(&mut [0u8; 8]).await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn read(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::Read, async move {
            self.stream.read_some(buf).await
        })
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (reader, _writer) = a.into_split();
    ///     b.write_all(b"xyz").await?;
    ///     let mut buf = [0u8; 3];
    ///     reader.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"xyz");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn read_exact(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<()>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::ReadExact, async move {
            read_exact_via(&*self.stream, buf).await
        })
    }

    /// Puts the halves back together; fails (handing both back) if they come from different
    /// streams.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (ra, wa) = a.into_split();
    ///     let (rb, wb) = b.into_split();
    ///     let err = ra.reunite(wb).unwrap_err();
    ///     let a = err.0.reunite(wa).expect("same stream");
    ///     let b = rb.reunite(err.1).expect("same stream");
    ///     a.write_all(b"!").await?;
    ///     assert_eq!(b.read(&mut [0u8; 1]).await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        let mut other = other;
        other.shutdown_on_drop = false;
        drop(other);
        // Only the two halves ever hold the `Arc`, and the write half is gone.
        match Arc::try_unwrap(self.stream) {
            Ok(stream) => Ok(stream),
            Err(_) => unreachable!("a stream's Arc is held by its two halves only"),
        }
    }
}

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// Writes some bytes of `buf`, returning how many.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     let (_reader, writer) = a.into_split();
    ///     assert_eq!(writer.write(b"abc").await?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn write(&self, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::Write, async move {
            self.stream.write_some(buf).await
        })
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (_reader, writer) = a.into_split();
    ///     writer.write_all(b"abc").await?;
    ///     let mut buf = [0u8; 3];
    ///     b.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn write_all(&self, buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        crate::io_wait::io_wait(S::RESOURCE, weft_coop::IoOp::WriteAll, async move {
            write_all_via(&*self.stream, buf).await
        })
    }

    /// Shuts the write direction down now (dropping the half does it too).
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (_reader, writer) = a.into_split();
    ///     writer.shutdown()?;
    ///     assert_eq!(b.read(&mut [0u8; 1]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown_write()
    }
}

impl<S: SplitStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The socket may already be shut down or reset; there is nobody to tell.
            let _ = self.stream.shutdown_write();
        }
    }
}

impl<S> AsRef<S> for ReadHalf<'_, S> {
    fn as_ref(&self) -> &S {
        self.0
    }
}

impl<S> AsRef<S> for WriteHalf<'_, S> {
    fn as_ref(&self) -> &S {
        self.0
    }
}

impl<S: SplitStream> AsRef<S> for OwnedReadHalf<S> {
    fn as_ref(&self) -> &S {
        &self.stream
    }
}

impl<S: SplitStream> AsRef<S> for OwnedWriteHalf<S> {
    fn as_ref(&self) -> &S {
        &self.stream
    }
}

impl<S: SplitStream> AsyncRead for ReadHalf<'_, S> {
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read_some(cx, buf)
    }
}

impl<S: SplitStream> AsyncRead for OwnedReadHalf<S> {
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.poll_read_some(cx, buf)
    }
}

impl<S: SplitStream> WriteHalf<'_, S> {
    fn stream_ref(&self) -> &S {
        self.0
    }
}

impl<S: SplitStream> OwnedWriteHalf<S> {
    fn stream_ref(&self) -> &S {
        &self.stream
    }
}

/// `AsyncWrite` for a write half: writes go to the stream, flushing is a no-op (nothing is
/// buffered here) and closing shuts the write direction down.
macro_rules! async_write_for_half {
    ($half:ty, $($generics:tt)*) => {
        impl<$($generics)*> AsyncWrite for $half {
            #[track_caller]
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.stream_ref().poll_write_some(cx, buf)
            }

            #[track_caller]
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.stream_ref().poll_write_vectored(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.stream_ref().shutdown_write())
            }
        }
    };
}

async_write_for_half!(WriteHalf<'_, S>, S: SplitStream);
async_write_for_half!(OwnedWriteHalf<S>, S: SplitStream);

impl<S> fmt::Debug for ReadHalf<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for WriteHalf<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}

impl<S: SplitStream + fmt::Debug> fmt::Debug for OwnedReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("stream", &self.stream)
            .finish()
    }
}

impl<S: SplitStream + fmt::Debug> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("stream", &self.stream)
            .finish()
    }
}

/// [`OwnedReadHalf::reunite`] was given halves of two different streams; both are handed
/// back.
///
/// ```
/// use weft_reactor::net::UnixStream;
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (ra, _wa) = a.into_split();
///     let (_rb, wb) = b.into_split();
///     let err = ra.reunite(wb).unwrap_err();
///     assert!(err.to_string().contains("different streams"));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ReuniteError<S: SplitStream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S: SplitStream> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<S: SplitStream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite the halves of two different streams")
    }
}

impl<S: SplitStream> std::error::Error for ReuniteError<S> {}
