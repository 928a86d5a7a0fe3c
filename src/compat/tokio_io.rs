//! [`TokioIo`]: tokio's I/O traits over weft's byte streams and any futures-io type.
//!
//! The read path is picked per type, as in `weft::hyper::WeftIo`: for weft's
//! [`TcpStream`] and [`UnixStream`] the `TypeId` check is a constant after
//! monomorphisation, and they read straight into the unfilled, uninitialised part of tokio's
//! `ReadBuf` (one `read(2)`); any other type reads into `ReadBuf::initialize_unfilled`,
//! which zeroes only the part of the buffer never initialised before, so a buffer reused
//! across reads (a codec's) is zeroed once, not per read.

use std::any::Any;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};
use pin_project_lite::pin_project;
use tokio::io::ReadBuf;

use crate::net::TcpStream;
#[cfg(unix)]
use crate::net::UnixStream;

pin_project! {
    /// A weft byte stream (or any futures-io type) with tokio's `AsyncRead` and `AsyncWrite`,
    /// for tokio-util's codecs, tokio-rustls, tonic's server transport and the like. No tokio
    /// runtime is involved: I/O still goes through weft's reactor.
    ///
    /// ```
    /// use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    /// use weft::compat::TokioIo;
    /// use weft::net::{TcpListener, TcpStream};
    ///
    /// weft::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = TokioIo::new(TcpStream::connect(listener.local_addr()?).await?);
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"hello\n").await?;
    ///     let mut line = String::new();
    ///     BufReader::new(TokioIo::new(server)).read_line(&mut line).await?;
    ///     assert_eq!(line, "hello\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[derive(Debug)]
    pub struct TokioIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> TokioIo<T> {
    /// Wraps `inner`.
    ///
    /// ```
    /// # weft::run(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let io = weft::compat::TokioIo::new(a);
    /// # drop(io);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(inner: T) -> TokioIo<T> {
        TokioIo { inner }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// # weft::run(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let io = weft::compat::TokioIo::new(a);
    /// assert!(io.inner().peer_addr().is_ok());
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    ///
    /// ```
    /// # weft::run(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let mut io = weft::compat::TokioIo::new(a);
    /// let _stream: &mut weft::net::UnixStream = io.inner_mut();
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    ///
    /// ```
    /// # weft::run(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let a: weft::net::UnixStream = weft::compat::TokioIo::new(a).into_inner();
    /// # drop(a);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + 'static> tokio::io::AsyncRead for TokioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut inner = self.project().inner;
        let any: &dyn Any = inner.as_ref().get_ref();
        if let Some(stream) = any.downcast_ref::<TcpStream>() {
            return read_uninit(buf, |dst| stream.poll_read_buf(cx, dst));
        }
        #[cfg(unix)]
        if let Some(stream) = any.downcast_ref::<UnixStream>() {
            return read_uninit(buf, |dst| stream.poll_read_buf(cx, dst));
        }
        let dst = buf.initialize_unfilled();
        let window = dst.len();
        let n = ready!(inner.as_mut().poll_read(cx, dst))?;
        // A reader claiming more than it was given breaks the `AsyncRead` contract; refuse it
        // rather than let `advance` panic.
        if n > window {
            return Poll::Ready(Err(io::Error::other(
                "the reader reported more bytes than the buffer it was given",
            )));
        }
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

/// Reads into the unfilled part of `buf` as it is, uninitialised.
fn read_uninit(
    buf: &mut ReadBuf<'_>,
    read: impl FnOnce(&mut [std::mem::MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: `unfilled_mut` requires that no initialised byte be de-initialised through the
    // slice; `read` is `poll_read_buf`, which only lets `read(2)` write bytes into it.
    let dst = unsafe { buf.unfilled_mut() };
    let n = ready!(read(dst))?;
    // SAFETY: `poll_read_buf` returned `n`, so `read(2)` initialised the first `n` bytes of
    // the unfilled part (`n` is at most its length: `read(2)` was given that length).
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Poll::Ready(Ok(()))
}

impl<T: AsyncWrite + 'static> tokio::io::AsyncWrite for TokioIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }

    fn is_write_vectored(&self) -> bool {
        // futures-io cannot say whether a type writes vectors for real (its default writes the
        // first buffer only), so only weft's sockets, which use `writev`, claim it.
        crate::io::is_weft_socket::<T>()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that fills whatever it is given with one byte value.
    struct Fill;

    impl AsyncRead for Fill {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            buf.fill(7);
            Poll::Ready(Ok(buf.len()))
        }
    }

    #[test]
    fn a_futures_io_reader_fills_the_read_buf() {
        let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 64];
        let mut buf = ReadBuf::uninit(&mut storage);
        let mut io = TokioIo::new(Fill);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let polled = tokio::io::AsyncRead::poll_read(Pin::new(&mut io), &mut cx, &mut buf);
        assert!(matches!(polled, Poll::Ready(Ok(()))));
        assert_eq!(buf.filled(), [7; 64]);
    }

    #[test]
    fn only_weft_sockets_claim_vectored_writes() {
        assert!(crate::io::is_weft_socket::<TcpStream>());
        #[cfg(unix)]
        assert!(crate::io::is_weft_socket::<UnixStream>());
        assert!(!crate::io::is_weft_socket::<Fill>());
    }
}
