//! [`WeftIo`]: hyper's I/O traits over weft's sockets and any futures-io type.
//!
//! The read path is picked per type (see the module docs of `weft::hyper`): weft's sockets
//! read into hyper's uninitialised buffer; anything else reads into a zeroed window of at
//! most [`ZEROED_WINDOW`] bytes, so the zero-filling never costs more than one copy of that.

use std::any::Any;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

use crate::net::TcpStream;
#[cfg(unix)]
use crate::net::UnixStream;

/// The most a futures-io read is offered: hyper's read buffer grows to hundreds of KiB, and
/// zero-filling all of it before every read would cost more than the read. A read of this
/// size is what most sockets hand over per call anyway.
const ZEROED_WINDOW: usize = 64 * 1024;

/// A byte stream that hyper can serve or send over: implements `hyper::rt::Read` and
/// `hyper::rt::Write` for weft's [`TcpStream`] and [`UnixStream`] (reading straight into
/// hyper's buffer, writing with `writev`) and for any `futures_io` `AsyncRead`/`AsyncWrite`
/// type (reading into a zeroed buffer).
///
/// ```
/// use weft::hyper::WeftIo;
/// use weft::net::{TcpListener, TcpStream};
///
/// weft::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let io = WeftIo::new(TcpStream::connect(listener.local_addr()?).await?);
///     assert!(hyper::rt::Write::is_write_vectored(&io));
///     assert_eq!(io.inner().peer_addr()?, listener.local_addr()?);
///     let _stream: TcpStream = io.into_inner();
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct WeftIo<T> {
    inner: T,
}

impl<T> WeftIo<T> {
    /// Wraps `inner` for hyper.
    ///
    /// ```
    /// # weft::run(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let io = weft::hyper::WeftIo::new(a);
    /// # drop(io);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(inner: T) -> WeftIo<T> {
        WeftIo { inner }
    }

    /// The wrapped stream.
    ///
    /// ```
    /// # weft::run(async {
    /// let (a, _b) = weft::net::UnixStream::pair()?;
    /// let io = weft::hyper::WeftIo::new(a);
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
    /// let mut io = weft::hyper::WeftIo::new(a);
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
    /// let a: weft::net::UnixStream = weft::hyper::WeftIo::new(a).into_inner();
    /// # drop(a);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin + 'static> hyper::rt::Read for WeftIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = &mut self.get_mut().inner;
        let any: &dyn Any = inner;
        if let Some(stream) = any.downcast_ref::<TcpStream>() {
            return read_uninit(buf, |dst| stream.poll_read_buf(cx, dst));
        }
        #[cfg(unix)]
        if let Some(stream) = any.downcast_ref::<UnixStream>() {
            return read_uninit(buf, |dst| stream.poll_read_buf(cx, dst));
        }
        read_zeroed(buf, |dst| Pin::new(&mut *inner).poll_read(cx, dst))
    }
}

/// Reads into the unfilled part of hyper's buffer as it is, uninitialised.
fn read_uninit(
    mut buf: ReadBufCursor<'_>,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: `as_mut` requires that no initialised byte be de-initialised through the
    // slice; `read` is `poll_read_buf`, which only lets `read(2)` write bytes into it.
    let dst = unsafe { buf.as_mut() };
    let n = ready!(read(dst))?;
    // SAFETY: `poll_read_buf` returned `n`, so `read(2)` initialised the first `n` bytes of
    // `dst`, which are the next `n` bytes of the cursor.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

/// Reads into a zeroed window of hyper's buffer, for readers that need `&mut [u8]`.
fn read_zeroed(
    mut buf: ReadBufCursor<'_>,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    let window = buf.remaining().min(ZEROED_WINDOW);
    let dst = buf.initialize_unfilled_to(window);
    let n = ready!(read(dst))?;
    // A reader claiming more than it was given breaks the `AsyncRead` contract; refuse it
    // rather than advance past what is initialised.
    if n > window {
        return Poll::Ready(Err(io::Error::other(
            "the reader reported more bytes than the buffer it was given",
        )));
    }
    // SAFETY: the first `window` bytes of the unfilled part were initialised (zeroed, then
    // written by the reader), and `n <= window`.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

impl<T: AsyncWrite + Unpin + 'static> hyper::rt::Write for WeftIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
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
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
}

/// hyper-util's legacy `Client` asks each connection for metadata; weft's connections have
/// none to add (no proxy, no negotiated protocol: HTTP/2 is chosen on the client builder).
#[cfg(feature = "hyper-client-legacy")]
impl<T> hyper_util::client::legacy::connect::Connection for WeftIo<T> {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        hyper_util::client::legacy::connect::Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that fills its whole buffer with one byte value, to tell which path ran.
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
    fn a_futures_io_reader_gets_a_bounded_zeroed_window() {
        let mut storage = vec![MaybeUninit::<u8>::uninit(); ZEROED_WINDOW * 2];
        let mut buf = hyper::rt::ReadBuf::uninit(&mut storage);
        let mut io = WeftIo::new(Fill);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let polled = hyper::rt::Read::poll_read(Pin::new(&mut io), &mut cx, buf.unfilled());
        assert!(matches!(polled, Poll::Ready(Ok(()))));
        assert_eq!(buf.filled().len(), ZEROED_WINDOW);
        assert!(buf.filled().iter().all(|&b| b == 7));
    }

    #[test]
    fn only_weft_sockets_claim_vectored_writes() {
        assert!(crate::io::is_weft_socket::<TcpStream>());
        #[cfg(unix)]
        assert!(crate::io::is_weft_socket::<UnixStream>());
        assert!(!crate::io::is_weft_socket::<Fill>());
    }
}
