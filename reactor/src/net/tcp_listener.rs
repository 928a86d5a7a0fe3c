//! [`TcpListener`]: a TCP socket accepting connections.
//!
//! It wraps an `Async` of the standard library type. Listeners are created with
//! `SO_REUSEADDR` and a backlog of 1024. Accept errors such as `EMFILE` are returned to the
//! caller as they are: the pending connection stays in the backlog and the readiness cache
//! still says "ready", so the next `accept` retries it at once instead of waiting for an edge
//! that would never come. The accept API itself is shared with [`UnixListener`]
//! (`listener.rs`).
//!
//! [`UnixListener`]: super::UnixListener

use std::fmt;
use std::io;
use std::net::SocketAddr;

use super::TcpStream;
use super::{ToSocketAddrs, socket};
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
    /// The kernel's own TCP, so the streams it accepts are too: their short reads may save
    /// the `EAGAIN` read (`readiness.rs`). Asked once, here, not per connection.
    plain_tcp: bool,
}

impl TcpListener {
    /// Binds to `addr` and listens (backlog 1024, `SO_REUSEADDR` set). With several resolved
    /// addresses, the first that binds wins; otherwise the last error is returned.
    ///
    /// `addr` is any [`ToSocketAddrs`]: literals are parsed in place, a host name is looked up
    /// off this thread ([`lookup_host`](super::lookup_host)). Port 0 picks a free port; ask
    /// [`local_addr`](TcpListener::local_addr) which.
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
        let addrs = super::lookup::resolve(addr).await?;
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
        let plain_tcp = crate::sys::is_plain_tcp(&listener);
        Ok(TcpListener {
            io: Async::new(listener)?,
            plain_tcp,
        })
    }

    /// A stream for a connection this listener accepted.
    fn adopt(&self, stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::adopt(stream, self.plain_tcp)
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

super::listener::listener!(
    TcpListener,
    TcpStream,
    SocketAddr,
    Incoming,
    pre = "",
    setup = "# let listener = weft_reactor::net::TcpListener::bind(\"127.0.0.1:0\").await?;\n# let client = weft_reactor::net::TcpStream::connect(listener.local_addr()?);",
    cleanup = ""
);

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("fd", &crate::sys::raw_source(&self.io))
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
