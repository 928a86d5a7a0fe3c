//! TCP: [`TcpListener`] and [`TcpStream`].
//!
//! Both wrap an `Async` of the standard library type. Listeners are created with
//! `SO_REUSEADDR` and a backlog of 1024; connects are non-blocking (see `socket.rs`). Accept
//! errors such as `EMFILE` are returned to the caller as they are: the pending connection
//! stays in the backlog and the readiness cache still says "ready", so the next `accept`
//! retries it at once instead of waiting for an edge that would never come.

use std::fmt;
use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::ops;
use super::socket;
use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, SplitStream, WriteHalf};
use crate::Async;

/// A TCP socket listening for connections (asyncio's server socket).
///
/// ```
/// use weft_reactor::net::{TcpListener, TcpStream};
/// weft_reactor::doc_support::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let _client = TcpStream::connect(addr).await?;
///     let (_conn, peer) = listener.accept().await?;
///     assert!(peer.ip().is_loopback());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens (backlog 1024, `SO_REUSEADDR` set). With several resolved
    /// addresses, the first that binds wins; otherwise the last error is returned.
    ///
    /// `addr` is resolved with the standard library on this thread: literals never block, a
    /// host name does a blocking lookup (see the [module docs](crate::net)). Port 0 picks a
    /// free port; ask [`local_addr`](TcpListener::local_addr) which.
    ///
    /// ```
    /// use weft_reactor::net::TcpListener;
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     // The same port cannot be bound twice.
    ///     let taken = listener.local_addr()?;
    ///     assert!(TcpListener::bind(taken).await.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let addrs = socket::resolve(addr)?;
        socket::first_success(addrs, |addr| async move {
            TcpListener::from_std(socket::tcp_listener(addr)?)
        })
        .await
    }

    /// Wraps a listening standard-library socket (made non-blocking here).
    ///
    /// ```
    /// use weft_reactor::net::TcpListener;
    /// weft_reactor::doc_support::block_on(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let addr = std_listener.local_addr()?;
    ///     let listener = TcpListener::from_std(std_listener)?;
    ///     assert_eq!(listener.local_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// Errors (`EMFILE` when the process is out of file descriptors, say) are returned as the
    /// OS reports them; the listener stays usable and the connection that could not be
    /// accepted is accepted by a later call. Any number of tasks may accept at once.
    ///
    /// ```
    /// use weft_reactor::net::{TcpListener, TcpStream};
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (conn, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     assert_eq!(conn.peer_addr()?, client.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.read_with(|l| l.accept()).await?;
        Ok((TcpStream::from_std(stream)?, addr))
    }

    /// Poll-style [`accept`](TcpListener::accept): only the most recent waker is kept.
    ///
    /// ```
    /// use weft_reactor::net::{TcpListener, TcpStream};
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_conn, _peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.io.poll_read_with(cx, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => {
                Poll::Ready(TcpStream::from_std(stream).map(|s| (s, addr)))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// A stream of incoming connections (`futures_core::Stream`): each item is what
    /// [`accept`](TcpListener::accept) would return, without the address. It never ends.
    ///
    /// ```
    /// use futures_core::Stream;
    /// use std::pin::Pin;
    /// use weft_reactor::net::{TcpListener, TcpStream};
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let mut incoming = listener.incoming();
    ///     let next = std::future::poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     let conn = next.expect("the stream never ends")?;
    ///     assert!(conn.peer_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// use weft_reactor::net::TcpListener;
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("fd", &self.io.as_raw_fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// The stream of connections of a [`TcpListener`]; see [`TcpListener::incoming`].
///
/// ```
/// use weft_reactor::net::{Incoming, TcpListener};
/// weft_reactor::doc_support::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let incoming: Incoming<'_> = listener.incoming();
///     # drop(incoming);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl futures_core::Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|result| Some(result.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}

/// A TCP connection.
///
/// Its methods take `&self`: share one stream between tasks with an `Arc`, or split it with
/// [`split`](TcpStream::split) / [`into_split`](TcpStream::into_split). It implements
/// `futures_io::AsyncRead` and `AsyncWrite` (also for `&TcpStream`), for the ecosystem's
/// adapters.
///
/// ```
/// use weft_reactor::net::{TcpListener, TcpStream};
/// weft_reactor::doc_support::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     server.read_exact(&mut buf).await?;
///     server.write_all(&buf).await?;
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpStream {
    io: Async<std::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr` without blocking the thread. With several resolved addresses each
    /// is tried in turn; the last error is returned if none answers.
    ///
    /// A refused or unreachable peer comes back as the `io::Error` the OS gave
    /// (`ConnectionRefused`, `NetworkUnreachable`, ...). Name resolution: see
    /// [`TcpListener::bind`].
    ///
    /// ```
    /// use weft_reactor::net::{TcpListener, TcpStream};
    /// weft_reactor::doc_support::block_on(async {
    ///     // A port nobody listens on (bound, then closed).
    ///     let addr = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
    ///     let err = TcpStream::connect(addr).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let addrs = socket::resolve(addr)?;
        let io = socket::first_success(addrs, socket::tcp_connect).await?;
        Ok(TcpStream { io })
    }

    /// Wraps a connected standard-library stream (made non-blocking here).
    ///
    /// ```
    /// use weft_reactor::net::TcpStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let stream = TcpStream::from_std(std_stream)?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new(stream)?,
        })
    }

    /// The remote address.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(client.peer_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// assert_eq!(client.local_addr()?, server.peer_addr()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm: small writes go out at once).
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(!stream.nodelay()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes closing the stream reset the connection
    /// (the peer gets `ConnectionReset`) instead of the orderly FIN.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_linger(Some(Duration::ZERO))?;
    /// assert_eq!(stream.linger()?, Some(Duration::ZERO));
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        socket::set_linger(self.io.get_ref(), linger)
    }

    /// The `SO_LINGER` setting.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.linger()?, None);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket::linger(self.io.get_ref())
    }

    /// Shuts down the read, write or both directions (`Shutdown::Write` is asyncio's
    /// `write_eof`: the peer reads end of stream, and this side can still read).
    ///
    /// ```
    /// use weft_reactor::net::{Shutdown, TcpListener, TcpStream};
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"question").await?;
    ///     client.shutdown(Shutdown::Write)?;
    ///     let mut q = [0u8; 8];
    ///     server.read_exact(&mut q).await?;
    ///     assert_eq!(server.read(&mut [0u8; 1]).await?, 0); // end of the request
    ///     server.write_all(b"answer").await?;
    ///     let mut a = [0u8; 6];
    ///     client.read_exact(&mut a).await?; // the client still reads
    ///     assert_eq!(&a, b"answer");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Reads some bytes into `buf`; `Ok(0)` at end of stream. Any number of tasks may wait.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"hey").await?;
    /// let mut buf = [0u8; 16];
    /// let n = server.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hey");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        ops::read(&self.io, buf).await
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"ab").await?;
    /// drop(client);
    /// let err = server.read_exact(&mut [0u8; 3]).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        self.split().0.read_exact(buf).await
    }

    /// Writes some bytes of `buf`, returning how many. Any number of tasks may wait.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(client.write(b"abc").await?, 3);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        ops::write(&self.io, buf).await
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// client.write_all(&[7u8; 10_000]).await?; // the kernel buffers it
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.split().1.write_all(buf).await
    }

    /// Does nothing: a `TcpStream` buffers nothing in user space. Present so that code
    /// written for buffered writers reads naturally.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// client.flush().await?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn flush(&self) -> io::Result<()> {
        Ok(())
    }

    /// Lends the stream as a read half and a write half, for reading and writing at once
    /// within one task (e.g. `join` of a reader and a writer future).
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// let (reader, writer) = server.split();
    /// client.write_all(b"x").await?;
    /// let mut b = [0u8; 1];
    /// reader.read_exact(&mut b).await?;
    /// writer.write_all(&b).await?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn split(&self) -> (ReadHalf<'_, TcpStream>, WriteHalf<'_, TcpStream>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Splits the stream into owned halves that can move to two tasks. Dropping the write
    /// half shuts the write direction down; [`OwnedReadHalf::reunite`] puts them together.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (reader, writer) = client.into_split();
    /// # drop((reader, writer));
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<TcpStream>, OwnedWriteHalf<TcpStream>) {
        split::into_split(self)
    }
}

impl SplitStream for TcpStream {
    fn split_poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        ops::poll_read(&self.io, cx, buf)
    }

    fn split_poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ops::poll_write(&self.io, cx, buf)
    }

    fn split_poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ops::poll_write_vectored(&self.io, cx, bufs)
    }

    async fn split_read<'a>(&'a self, buf: &'a mut [u8]) -> io::Result<usize> {
        ops::read(&self.io, buf).await
    }

    async fn split_write<'a>(&'a self, buf: &'a [u8]) -> io::Result<usize> {
        ops::write(&self.io, buf).await
    }

    fn split_shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    fn split_try_write(&self, buf: &[u8]) -> io::Result<usize> {
        std::io::Write::write(&mut self.io.get_ref(), buf)
    }

    fn split_try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::io::Read::read(&mut self.io.get_ref(), buf)
    }
}

super::stream_traits!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("fd", &self.io.as_raw_fd())
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}
