//! UDP: [`UdpSocket`].
//!
//! A datagram socket has no stream to split: every operation takes `&self` and waits in its
//! own waiter slot, so one socket shared through an `Arc` can have a task sending and
//! another receiving, or several of each. `send`, `recv` and friends are shared with
//! [`UnixDatagram`](super::UnixDatagram) (`datagram.rs`).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

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

    /// Receives the next datagram into `buf` without taking it from the queue (of a
    /// connected socket, like [`recv`](UdpSocket::recv)); waits until one arrives. The
    /// `recv` after it returns the same datagram without waiting: a peek that finds one
    /// leaves the socket ready.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let a = weft_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = weft_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"hello").await?;
    /// let mut buf = [0u8; 16];
    /// let n = b.peek(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hello");
    /// let n = b.recv(&mut buf).await?; // still there
    /// assert_eq!(&buf[..n], b"hello");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn peek<'a>(&'a self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        // `read_with` clears readiness only on `WouldBlock` (the queue is empty, the kernel
        // says so); a datagram that was peeked is still queued, and the bit stays set.
        crate::io_wait::io_wait(
            weft_coop::IoResource::UdpSocket,
            weft_coop::IoOp::Recv,
            async move { self.io.read_with(|s| s.peek(buf)).await },
        )
    }

    /// Like [`recv_from`](UdpSocket::recv_from), without taking the datagram from the
    /// queue: who sent the next datagram, and what it says.
    ///
    /// ```
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"who", b.local_addr()?).await?;
    ///     let mut buf = [0u8; 16];
    ///     let (_, from) = b.peek_from(&mut buf).await?;
    ///     assert_eq!(from, a.local_addr()?);
    ///     let (n, _) = b.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"who");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn peek_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        crate::io_wait::io_wait(
            weft_coop::IoResource::UdpSocket,
            weft_coop::IoOp::RecvFrom,
            async move { self.io.read_with(|s| s.peek_from(buf)).await },
        )
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface whose address is
    /// `interface` (`Ipv4Addr::UNSPECIFIED`: the one the routing table picks). Datagrams
    /// sent to the group and this socket's port are then received here.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use weft_reactor::net::UdpSocket;
    /// weft_reactor::doc_support::block_on(async {
    ///     let socket = UdpSocket::bind("0.0.0.0:0").await?;
    ///     let group = Ipv4Addr::new(239, 255, 42, 1);
    ///     // A host without a multicast-capable interface refuses; that is its error.
    ///     if socket.join_multicast_v4(group, Ipv4Addr::LOCALHOST).is_ok() {
    ///         socket.leave_multicast_v4(group, Ipv4Addr::LOCALHOST)?;
    ///     }
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    ///
    /// ```
    /// # use std::net::Ipv4Addr;
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// let group = Ipv4Addr::new(239, 255, 42, 2);
    /// // Leaving a group never joined is an error.
    /// assert!(socket.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).is_err());
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with index `interface`
    /// (0: the one the routing table picks).
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// if let Ok(socket) = weft_reactor::net::UdpSocket::bind("[::]:0").await {
    ///     let group: std::net::Ipv6Addr = "ff02::1:4242".parse().unwrap();
    ///     if socket.join_multicast_v6(&group, 0).is_ok() {
    ///         socket.leave_multicast_v6(&group, 0)?;
    ///     }
    /// }
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with [`join_multicast_v6`](UdpSocket::join_multicast_v6).
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// if let Ok(socket) = weft_reactor::net::UdpSocket::bind("[::]:0").await {
    ///     let group: std::net::Ipv6Addr = "ff02::1:4243".parse().unwrap();
    ///     assert!(socket.leave_multicast_v6(&group, 0).is_err()); // never joined
    /// }
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// Sets `IP_MULTICAST_LOOP`: whether IPv4 multicast this socket sends is also delivered
    /// to group members on this host (on by default).
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// socket.set_multicast_loop_v4(false)?;
    /// assert!(!socket.multicast_loop_v4()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Whether `IP_MULTICAST_LOOP` is set.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// assert!(socket.multicast_loop_v4()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_IF`: the interface (by its address) IPv4 multicast from this
    /// socket leaves through; `Ipv4Addr::UNSPECIFIED` (the default) lets the routing table
    /// choose. `Ipv4Addr::LOCALHOST` keeps a group on this host.
    ///
    /// ```
    /// # use std::net::Ipv4Addr;
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// socket.set_multicast_if_v4(Ipv4Addr::LOCALHOST)?;
    /// assert_eq!(socket.multicast_if_v4()?, Ipv4Addr::LOCALHOST);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_multicast_if_v4(&self, interface: Ipv4Addr) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_multicast_if_v4(&interface)
    }

    /// The `IP_MULTICAST_IF` setting.
    ///
    /// ```
    /// # use std::net::Ipv4Addr;
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// assert_eq!(socket.multicast_if_v4()?, Ipv4Addr::UNSPECIFIED);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn multicast_if_v4(&self) -> io::Result<Ipv4Addr> {
        socket2::SockRef::from(self.io.get_ref()).multicast_if_v4()
    }

    /// Sets `IP_MULTICAST_TTL`: how many routers IPv4 multicast from this socket may cross
    /// (1 by default: the local network only).
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// socket.set_multicast_ttl_v4(4)?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 4);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The `IP_MULTICAST_TTL` setting.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("0.0.0.0:0").await?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 1);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`: the IPv6 twin of
    /// [`set_multicast_loop_v4`](UdpSocket::set_multicast_loop_v4).
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// if let Ok(socket) = weft_reactor::net::UdpSocket::bind("[::]:0").await {
    ///     socket.set_multicast_loop_v6(false)?;
    ///     assert!(!socket.multicast_loop_v6()?);
    /// }
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Whether `IPV6_MULTICAST_LOOP` is set.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// if let Ok(socket) = weft_reactor::net::UdpSocket::bind("[::]:0").await {
    ///     assert!(socket.multicast_loop_v6()?);
    /// }
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Sets `IP_TTL`: the time-to-live of unicast datagrams this socket sends.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_ttl(42)?;
    /// assert_eq!(socket.ttl()?, 42);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_TTL` setting.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let socket = weft_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.ttl()? > 0);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
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
            .field("fd", &crate::sys::raw_source(&self.io))
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
