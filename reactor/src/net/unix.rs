//! Unix-domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].
//!
//! Same shape as the TCP and UDP types. Binding is synchronous (a path needs no resolution
//! and `bind(2)` on a Unix socket never waits); connecting a stream is `async` because a full
//! backlog makes a non-blocking `connect(2)` fail with `EAGAIN`, which is retried (see
//! `socket.rs`). The socket file a listener or datagram socket binds is not removed when it
//! is dropped (as with the standard library): remove it yourself.

use std::fmt;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ops;
use super::socket;
use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, SplitStream, WriteHalf};
use crate::Async;

/// A Unix-domain stream socket listening for connections.
///
/// ```
/// use weft_reactor::net::{UnixListener, UnixStream};
/// let dir = std::env::temp_dir().join(format!("weft-doc-ul-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&dir);
/// weft_reactor::doc_support::block_on(async {
///     let listener = UnixListener::bind(&dir)?;
///     let client = UnixStream::connect(&dir).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0u8; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::io::Result::Ok(())
/// })?;
/// std::fs::remove_file(&dir)?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    io: Async<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet) and listens, backlog 1024.
    ///
    /// ```
    /// use weft_reactor::net::UnixListener;
    /// let path = std::env::temp_dir().join(format!("weft-doc-ulb-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     // The path is taken now.
    ///     assert!(UnixListener::bind(&path).is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(socket::unix_listener(path.as_ref())?)
    }

    /// Wraps a listening standard-library socket (made non-blocking here).
    ///
    /// ```
    /// use weft_reactor::net::UnixListener;
    /// let path = std::env::temp_dir().join(format!("weft-doc-ulfs-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path)?)?;
    ///     # drop(listener);
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
        })
    }

    /// Waits for a connection. Errors are returned as the OS reports them and the listener
    /// stays usable (see [`TcpListener::accept`](super::TcpListener::accept)).
    ///
    /// ```
    /// use weft_reactor::net::{UnixListener, UnixStream};
    /// let path = std::env::temp_dir().join(format!("weft-doc-ula-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let (_conn, addr) = listener.accept().await?;
    ///     assert!(addr.is_unnamed()); // the client did not bind a path
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.read_with(|l| l.accept()).await?;
        Ok((UnixStream::from_std(stream)?, addr))
    }

    /// Poll-style [`accept`](UnixListener::accept): only the most recent waker is kept.
    ///
    /// ```
    /// use weft_reactor::net::{UnixListener, UnixStream};
    /// let path = std::env::temp_dir().join(format!("weft-doc-ulp-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let _conn = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        match self.io.poll_read_with(cx, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => {
                Poll::Ready(UnixStream::from_std(stream).map(|s| (s, addr)))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// A never-ending `futures_core::Stream` of incoming connections.
    ///
    /// ```
    /// use futures_core::Stream;
    /// use std::pin::Pin;
    /// use weft_reactor::net::{UnixListener, UnixStream};
    /// let path = std::env::temp_dir().join(format!("weft-doc-uli-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let mut incoming = listener.incoming();
    ///     let conn = std::future::poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     assert!(conn.expect("never ends").is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// use weft_reactor::net::UnixListener;
    /// let path = std::env::temp_dir().join(format!("weft-doc-ull-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl std::os::fd::AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.as_raw_fd()
    }
}

impl std::os::fd::AsFd for UnixListener {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("fd", &self.io.as_raw_fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// The stream of connections of a [`UnixListener`]; see [`UnixListener::incoming`].
///
/// ```
/// use weft_reactor::net::{UnixIncoming, UnixListener};
/// let path = std::env::temp_dir().join(format!("weft-doc-uin-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// weft_reactor::doc_support::block_on(async {
///     let listener = UnixListener::bind(&path)?;
///     let incoming: UnixIncoming<'_> = listener.incoming();
///     # drop(incoming);
///     std::io::Result::Ok(())
/// })?;
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(())
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
}

impl futures_core::Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|result| Some(result.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for UnixIncoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixIncoming")
            .field("listener", self.listener)
            .finish()
    }
}

/// A Unix-domain stream connection. Same API as [`TcpStream`](super::TcpStream).
///
/// ```
/// use weft_reactor::net::UnixStream;
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixStream {
    io: Async<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path` without blocking the thread.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let err = UnixStream::connect("/nonexistent/weft.sock").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: socket::unix_connect(path.as_ref()).await?,
        })
    }

    /// A connected pair of anonymous streams.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     drop(a);
    ///     assert_eq!(b.read(&mut [0u8; 1]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a connected standard-library stream (made non-blocking here).
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = UnixStream::from_std(a)?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::new(stream)?,
        })
    }

    /// The local address.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both directions.
    ///
    /// ```
    /// use weft_reactor::net::{Shutdown, UnixStream};
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     a.shutdown(Shutdown::Write)?;
    ///     assert_eq!(b.read(&mut [0u8; 1]).await?, 0);
    ///     b.write_all(b"still open").await?; // the other direction works
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
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     a.write_all(b"hey").await?;
    ///     let mut buf = [0u8; 8];
    ///     let n = b.read(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"hey");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        ops::read(&self.io, buf).await
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     a.write_all(b"abcd").await?;
    ///     let mut buf = [0u8; 4];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"abcd");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
        self.split().0.read_exact(buf).await
    }

    /// Writes some bytes of `buf`, returning how many. Any number of tasks may wait.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     assert_eq!(a.write(b"abc").await?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        ops::write(&self.io, buf).await
    }

    /// Writes all of `buf`.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     a.write_all(b"abc").await?;
    ///     let mut buf = [0u8; 3];
    ///     b.read_exact(&mut buf).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.split().1.write_all(buf).await
    }

    /// Does nothing: nothing is buffered in user space.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     a.flush().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn flush(&self) -> io::Result<()> {
        Ok(())
    }

    /// Lends the stream as a read half and a write half.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (reader, writer) = a.split();
    ///     writer.write_all(b"x").await?;
    ///     b.write_all(b"y").await?;
    ///     let mut buf = [0u8; 1];
    ///     reader.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"y");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn split(&self) -> (ReadHalf<'_, UnixStream>, WriteHalf<'_, UnixStream>) {
        (ReadHalf(self), WriteHalf(self))
    }

    /// Splits the stream into owned halves for two tasks; dropping the write half shuts the
    /// write direction down.
    ///
    /// ```
    /// use weft_reactor::net::UnixStream;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (_reader, writer) = a.into_split();
    ///     drop(writer);
    ///     assert_eq!(b.read(&mut [0u8; 1]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<UnixStream>, OwnedWriteHalf<UnixStream>) {
        split::into_split(self)
    }
}

impl SplitStream for UnixStream {
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

super::stream_traits!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.io.as_raw_fd())
            .finish()
    }
}

/// A Unix-domain datagram socket.
///
/// ```
/// use weft_reactor::net::UnixDatagram;
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"one").await?;
///     a.send(b"two").await?;
///     let mut buf = [0u8; 8];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one"); // message boundaries are kept
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixDatagram {
    io: Async<std::os::unix::net::UnixDatagram>,
}

impl UnixDatagram {
    /// A socket bound to `path` (which must not exist yet).
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// let path = std::env::temp_dir().join(format!("weft-doc-udb-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UnixDatagram::bind(&path)?;
    ///     assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address (it can send, and receive replies only once connected
    /// to a peer that knows where to answer).
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UnixDatagram::unbound()?;
    ///     assert!(socket.local_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of anonymous datagram sockets.
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixDatagram::pair()?;
    ///     b.send(b"x").await?;
    ///     assert_eq!(a.recv(&mut [0u8; 4]).await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Wraps a standard-library socket (made non-blocking here).
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)?;
    ///     # drop(socket);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: Async::new(socket)?,
        })
    }

    /// Sets the default peer for [`send`](UnixDatagram::send) and
    /// [`recv`](UnixDatagram::recv).
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// let path = std::env::temp_dir().join(format!("weft-doc-udc-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let server = UnixDatagram::bind(&path)?;
    ///     let client = UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"hello").await?;
    ///     let mut buf = [0u8; 8];
    ///     assert_eq!(server.recv(&mut buf).await?, 5);
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixDatagram::pair()?;
    ///     assert_eq!(a.send(b"abc").await?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer (truncated to `buf`).
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, b) = UnixDatagram::pair()?;
    ///     a.send(b"abc").await?;
    ///     let mut buf = [0u8; 2];
    ///     assert_eq!(b.recv(&mut buf).await?, 2); // truncated
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// Sends one datagram to the socket bound at `path`.
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// let path = std::env::temp_dir().join(format!("weft-doc-udst-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let server = UnixDatagram::bind(&path)?;
    ///     UnixDatagram::unbound()?.send_to(b"hi", &path).await?;
    ///     assert_eq!(server.recv(&mut [0u8; 4]).await?, 2);
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.write_with(|s| s.send_to(buf, path)).await
    }

    /// Receives one datagram (truncated to `buf`) and the sender's address.
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// let dir = std::env::temp_dir();
    /// let (a_path, b_path) = (
    ///     dir.join(format!("weft-doc-udrf-a-{}", std::process::id())),
    ///     dir.join(format!("weft-doc-udrf-b-{}", std::process::id())),
    /// );
    /// # let _ = std::fs::remove_file(&a_path);
    /// # let _ = std::fs::remove_file(&b_path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let a = UnixDatagram::bind(&a_path)?;
    ///     let b = UnixDatagram::bind(&b_path)?;
    ///     a.send_to(b"ping", &b_path).await?;
    ///     let mut buf = [0u8; 8];
    ///     let (n, from) = b.recv_from(&mut buf).await?;
    ///     assert_eq!((n, from.as_pathname()), (4, Some(a_path.as_path())));
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&a_path)?;
    /// std::fs::remove_file(&b_path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// The local address.
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixDatagram::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// use weft_reactor::net::UnixDatagram;
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixDatagram::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both directions.
    ///
    /// ```
    /// use weft_reactor::net::{Shutdown, UnixDatagram};
    /// weft_reactor::doc_support::block_on(async {
    ///     let (a, _b) = UnixDatagram::pair()?;
    ///     a.shutdown(Shutdown::Write)?;
    ///     assert!(a.send(b"x").await.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl std::os::fd::AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.io.as_raw_fd()
    }
}

impl std::os::fd::AsFd for UnixDatagram {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("fd", &self.io.as_raw_fd())
            .finish()
    }
}
