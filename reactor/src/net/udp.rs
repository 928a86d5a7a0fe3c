//! UDP: [`UdpSocket`].
//!
//! A datagram socket has no stream to split: every operation takes `&self` and waits in its
//! own waiter slot, so one socket shared through an `Arc` can have a task sending and
//! another receiving, or several of each. `send`, `recv` and friends are shared with
//! [`UnixDatagram`](super::UnixDatagram) (`datagram.rs`).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use super::{ToSocketAddrs, socket};
use crate::Async;

/// A UDP socket (asyncio's `create_datagram_endpoint`, without the protocol callbacks).
///
/// ```
/// use weft_reactor::net::UdpSocket;
/// weft_reactor::doc_support::block_on(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0u8; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UdpSocket {
    io: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 picks a free port). With several resolved addresses,
    /// the first that binds wins. Name resolution: see [`TcpListener::bind`](super::TcpListener::bind).
    ///
    /// ```
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let addrs = super::lookup::resolve(addr).await?;
        socket::first_success(addrs, |addr| async move {
            UdpSocket::from_std(socket::udp_socket(addr)?)
        })
        .await
    }

    /// Wraps a standard-library socket (made non-blocking here).
    ///
    /// ```
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Async::new(socket)?,
        })
    }

    /// Sets the default peer: [`send`](UdpSocket::send) goes there and
    /// [`recv`](UdpSocket::recv) accepts datagrams from there only. The first resolved
    /// address that connects wins.
    ///
    /// ```
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let addrs = super::lookup::resolve(addr).await?;
        socket::first_success(addrs, |addr| async move { self.io.get_ref().connect(addr) }).await
    }

    /// Sends one datagram to `addr` (the first resolved address); returns the bytes sent.
    ///
    /// ```
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.send_to(b"hello", b.local_addr()?).await?, 5);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn send_to(
        &self,
        buf: &[u8],
        addr: impl ToSocketAddrs,
    ) -> impl Future<Output = io::Result<usize>> {
        crate::io_wait::io_wait(
            weft_coop::IoResource::UdpSocket,
            weft_coop::IoOp::SendTo,
            async move {
                let addr = super::lookup::resolve(addr).await?[0];
                self.io.write_with(|s| s.send_to(buf, addr)).await
            },
        )
    }

    /// Allows sending to broadcast addresses (`SO_BROADCAST`).
    ///
    /// ```
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_broadcast(true)?;
    ///     assert!(socket.broadcast()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// ```
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(!socket.broadcast()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }
}

super::datagram::datagram!(
    UdpSocket,
    SocketAddr,
    pair = "# let a = weft_reactor::net::UdpSocket::bind(\"127.0.0.1:0\").await?;\n# let b = weft_reactor::net::UdpSocket::bind(\"127.0.0.1:0\").await?;\n# a.connect(b.local_addr()?).await?;\n# b.connect(a.local_addr()?).await?;"
);

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("fd", &self.io.as_raw_fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
