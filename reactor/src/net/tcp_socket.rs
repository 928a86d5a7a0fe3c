//! [`TcpSocket`]: a TCP socket before it is a stream or a listener, for the options that must
//! be set before `bind`, `connect` or `listen` (tokio's `TcpSocket`).
//!
//! It owns a non-blocking `socket2::Socket` and is *not* registered with the reactor: nothing
//! can wait on a socket that is neither connected nor listening. Registration happens in the
//! two calls that consume it: [`connect`](TcpSocket::connect) hands the socket to the same
//! non-blocking connect as [`TcpStream::connect`] (`socket.rs`), and
//! [`listen`](TcpSocket::listen) wraps it as a [`TcpListener`]. The options socket2 covers go
//! through it; `SO_REUSEPORT` needs socket2's `all` feature, so it is a raw `setsockopt` in
//! the platform layer (`sys/unix/sockopt.rs`) instead.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use super::{TcpListener, TcpStream, socket};

/// A TCP socket that has not been connected or made a listener yet: set options, perhaps
/// [`bind`](TcpSocket::bind), then [`connect`](TcpSocket::connect) or
/// [`listen`](TcpSocket::listen).
///
/// ```
/// use weft_reactor::net::TcpSocket;
/// weft_reactor::doc_support::block_on(async {
///     let socket = TcpSocket::new_v4()?;
///     socket.set_reuseaddr(true)?;
///     socket.bind("127.0.0.1:0".parse().unwrap())?;
///     let listener = socket.listen(128)?;
///
///     let client = TcpSocket::new_v4()?;
///     client.set_nodelay(true)?;
///     let stream = client.connect(listener.local_addr()?).await?;
///     assert!(stream.nodelay()?);
///     let (_conn, peer) = listener.accept().await?;
///     assert_eq!(peer, stream.local_addr()?);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.is_ipv4());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec). Fails where the host has no IPv6.
    ///
    /// ```
    /// if let Ok(socket) = weft_reactor::net::TcpSocket::new_v6() {
    ///     // (binding `[::1]` needs a loopback with IPv6 configured)
    ///     if socket.bind("[::1]:0".parse().unwrap()).is_ok() {
    ///         assert!(socket.local_addr()?.is_ipv6());
    ///     }
    /// }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_REUSEADDR`: a listener may bind a port that connections from an earlier
    /// listener still occupy (in `TIME_WAIT`), so a restarted server need not wait for them.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuse)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets that all set it may bind the same address and
    /// port; on Linux the kernel spreads incoming connections across their listeners (one
    /// accept loop per thread or process, with no shared accept queue).
    ///
    /// ```
    /// use weft_reactor::net::TcpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let first = TcpSocket::new_v4()?;
    ///     first.set_reuseport(true)?;
    ///     first.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let addr = first.local_addr()?;
    ///     let second = TcpSocket::new_v4()?;
    ///     second.set_reuseport(true)?;
    ///     second.bind(addr)?; // the same port, allowed
    ///     let (_a, _b) = (first.listen(16)?, second.listen(16)?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ///
    /// Unix only: Windows has no `SO_REUSEPORT` (its `SO_REUSEADDR` means something else).
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        use std::os::fd::AsFd;
        crate::sys::sockopt::set_reuse_port(self.inner.as_fd(), reuse)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseport()?);
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// ```
    ///
    /// Unix only, like [`set_reuseport`](TcpSocket::set_reuseport).
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn reuseport(&self) -> io::Result<bool> {
        use std::os::fd::AsFd;
        crate::sys::sockopt::reuse_port(self.inner.as_fd())
    }

    /// Sets `TCP_NODELAY` (Nagle's algorithm off: small writes go out at once). The stream
    /// [`connect`](TcpSocket::connect) returns keeps it; so do the connections a listener
    /// made from this socket accepts, on Linux.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and reports a dead peer as
    /// an error on the next read or write (after the system's keepalive times, hours by
    /// default).
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_SNDBUF`, the kernel's send buffer, in bytes. The kernel may round it (Linux
    /// doubles it for its own bookkeeping and caps it at `net.core.wmem_max`): read
    /// [`send_buffer_size`](TcpSocket::send_buffer_size) for the size it chose.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(buffer_size(size))
    }

    /// The `SO_SNDBUF` size the kernel uses, in bytes.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        Ok(u32::try_from(self.inner.send_buffer_size()?).unwrap_or(u32::MAX))
    }

    /// Sets `SO_RCVBUF`, the kernel's receive buffer, in bytes (rounded by the kernel as
    /// for [`set_send_buffer_size`](TcpSocket::set_send_buffer_size)). Set it before
    /// `connect`/`listen`: it bounds the TCP window the peer is offered.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(64 * 1024)?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(buffer_size(size))
    }

    /// The `SO_RCVBUF` size the kernel uses, in bytes.
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        Ok(u32::try_from(self.inner.recv_buffer_size()?).unwrap_or(u32::MAX))
    }

    /// Binds the socket to `addr`: before [`listen`](TcpSocket::listen), the address to
    /// serve on; before [`connect`](TcpSocket::connect), the local address (and port) the
    /// connection leaves from. Port 0 lets the OS choose; ask
    /// [`local_addr`](TcpSocket::local_addr).
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// The address the socket is bound to (`0.0.0.0:0` or `[::]:0` before `bind`).
    ///
    /// ```
    /// let socket = weft_reactor::net::TcpSocket::new_v4()?;
    /// assert_eq!(socket.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.as_socket().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the socket has no IP address")
        })
    }

    /// Connects to `addr` without blocking the thread, consuming the socket; the stream
    /// keeps every option set here. A refused or unreachable peer comes back as the
    /// `io::Error` the OS gave, as with [`TcpStream::connect`].
    ///
    /// ```
    /// use weft_reactor::net::{TcpListener, TcpSocket};
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let socket = TcpSocket::new_v4()?;
    ///     socket.bind("127.0.0.1:0".parse().unwrap())?; // bind before connect
    ///     let chosen = socket.local_addr()?;
    ///     let stream = socket.connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.local_addr()?, chosen);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn connect(self, addr: SocketAddr) -> impl Future<Output = io::Result<TcpStream>> {
        crate::io_wait::io_wait(
            weft_coop::IoResource::TcpStream,
            weft_coop::IoOp::Connect,
            async move {
                let io = socket::connect_socket(self.inner, addr).await?;
                Ok(TcpStream::from_async(io))
            },
        )
    }

    /// Listens for connections with a queue of up to `backlog` not yet accepted ones (the
    /// kernel caps it at `net.core.somaxconn`), consuming the socket. Bind it first; an
    /// unbound socket listens on a port the OS picks, on every address.
    ///
    /// ```
    /// use weft_reactor::net::{TcpSocket, TcpStream};
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = TcpSocket::new_v4()?;
    ///     socket.bind("127.0.0.1:0".parse().unwrap())?;
    ///     let listener = socket.listen(1)?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_conn, _peer) = listener.accept().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        // The kernel clamps larger values to `somaxconn` anyway.
        let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
        self.inner.listen(backlog)?;
        TcpListener::from_std(self.inner.into())
    }
}

/// A buffer size as socket2 takes it (`usize` holds every `u32` on the targets weft builds for).
fn buffer_size(size: u32) -> usize {
    usize::try_from(size).unwrap_or(usize::MAX)
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.inner)
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for TcpSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.inner)
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsRawSocket for TcpSocket {
    fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
        std::os::windows::io::AsRawSocket::as_raw_socket(&self.inner)
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsSocket for TcpSocket {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        std::os::windows::io::AsSocket::as_socket(&self.inner)
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("fd", &crate::sys::raw_source(&self.inner))
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
