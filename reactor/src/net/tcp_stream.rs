//! [`TcpStream`]: a TCP connection.
//!
//! It wraps an `Async` of the standard library type; connecting is non-blocking (see
//! `socket.rs`). The byte-stream API — reads, writes, the non-blocking `try_*` and
//! `poll_*_ready` calls, splitting — is shared with [`UnixStream`] (`byte_stream.rs`).
//!
//! [`UnixStream`]: super::UnixStream

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use super::{ToSocketAddrs, socket};
use crate::Async;

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
    /// [`TcpListener::bind`](super::TcpListener::bind).
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
    #[track_caller]
    pub fn connect(addr: impl ToSocketAddrs) -> impl Future<Output = io::Result<TcpStream>> {
        crate::io_wait::io_wait(
            weft_coop::IoResource::TcpStream,
            weft_coop::IoOp::Connect,
            async move {
                let addrs = super::lookup::resolve(addr).await?;
                let io = socket::first_success(addrs, socket::tcp_connect).await?;
                Ok(TcpStream::from_async(io))
            },
        )
    }

    /// A stream over a connected socket already registered with the reactor.
    pub(crate) fn from_async(io: Async<std::net::TcpStream>) -> TcpStream {
        // weft made the socket (`IPPROTO_TCP`, nothing layered on it).
        io.trust_short_reads();
        TcpStream { io }
    }

    /// A stream over `stream`, which is plain TCP if `plain_tcp` (known by whoever made it).
    pub(crate) fn adopt(stream: std::net::TcpStream, plain_tcp: bool) -> io::Result<TcpStream> {
        let io = Async::new(stream)?;
        if plain_tcp {
            io.trust_short_reads();
        }
        Ok(TcpStream { io })
    }

    /// Wraps a connected standard-library stream (made non-blocking here).
    ///
    /// On Linux this asks the kernel once whether the socket is its own TCP with nothing
    /// layered on it (`SO_PROTOCOL`, `TCP_ULP`); if so, a read that comes back short ends the
    /// wait for data without a second `read` answering `EAGAIN`, as for the streams weft
    /// connects and accepts. A socket you later hand to kernel TLS or a BPF sockmap reads by
    /// other rules: wrap such a socket in [`Async`](crate::Async) instead.
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
        let plain_tcp = crate::sys::is_plain_tcp(&stream);
        TcpStream::adopt(stream, plain_tcp)
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

    /// Reads into `buf` what the next [`read`](TcpStream::read) would return, without
    /// taking it from the socket's queue; waits until there is something (`Ok(0)`: the peer
    /// closed). A peek that finds data leaves the socket ready, so the read after it does
    /// not wait.
    ///
    /// ```
    /// # use weft_reactor::net::{TcpListener, TcpStream};
    /// # weft_reactor::doc_support::block_on(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"GET /").await?;
    /// let mut first = [0u8; 3];
    /// let n = server.peek(&mut first).await?;
    /// assert_eq!(&first[..n], &b"GET"[..n]); // looked at, still queued
    /// let mut all = [0u8; 5];
    /// server.read_exact(&mut all).await?;
    /// assert_eq!(&all, b"GET /");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn peek<'a>(&'a self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        // `read_with` clears readiness only on `WouldBlock`, the kernel's own word that the
        // queue is empty; a successful peek leaves the bytes, and the ready bit, in place.
        crate::io_wait::io_wait(
            weft_coop::IoResource::TcpStream,
            weft_coop::IoOp::Read,
            async move { self.io.read_with(|s| s.peek(buf)).await },
        )
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
}

super::byte_stream::byte_stream!(
    TcpStream,
    pair = "# let listener = weft_reactor::net::TcpListener::bind(\"127.0.0.1:0\").await?;\n# let a = weft_reactor::net::TcpStream::connect(listener.local_addr()?).await?;\n# let (b, _) = listener.accept().await?;"
);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("fd", &crate::sys::raw_source(&self.io))
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}
