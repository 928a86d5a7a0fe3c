//! Socket set-up shared by the net types: trying resolved addresses in turn, listening
//! sockets and the non-blocking connect (resolution itself is `lookup.rs`).
//!
//! Sockets are created with `socket2` so that options that must precede `bind`/`listen`
//! (`SO_REUSEADDR`, the backlog) can be set, and so that `connect(2)` can start on a socket
//! that is already non-blocking: the connect then finishes in the background and is awaited
//! as writability, with its outcome read from `SO_ERROR`.

use std::io;
use std::net::SocketAddr;
#[cfg(unix)]
use std::path::Path;
use std::time::Duration;

#[cfg(unix)]
use socket2::SockAddr;
use socket2::{Domain, Protocol, Socket, Type};

use crate::Async;
use crate::sys::{self, AsSource};

/// The listen backlog for every listener: large enough that a burst of connects does not
/// overflow it before the accept loop runs (the kernel caps it at `somaxconn`).
const BACKLOG: i32 = 1024;

/// Calls `f` on each address until one succeeds; otherwise returns the last error.
pub(crate) async fn first_success<T, F, Fut>(addrs: Vec<SocketAddr>, mut f: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addrs {
        match f(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last = Some(err),
        }
    }
    // `lookup::resolve` never returns an empty list, so `last` is set; keep a message regardless.
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no addresses")))
}

/// A non-blocking TCP listening socket bound to `addr`, with `SO_REUSEADDR` set.
pub(crate) fn tcp_listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// A non-blocking UDP socket bound to `addr`.
pub(crate) fn udp_socket(addr: SocketAddr) -> io::Result<std::net::UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// A non-blocking Unix stream listening socket bound to `path`.
#[cfg(unix)]
pub(crate) fn unix_listener(path: &Path) -> io::Result<std::os::unix::net::UnixListener> {
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    socket.bind(&SockAddr::unix(path)?)?;
    socket.listen(BACKLOG)?;
    Ok(std::os::unix::net::UnixListener::from(
        std::os::fd::OwnedFd::from(socket),
    ))
}

/// A non-blocking TCP socket, neither bound nor connected, of `addr`'s family.
pub(crate) fn tcp_socket(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// Connects a TCP stream to `addr` without blocking the thread.
pub(crate) async fn tcp_connect(addr: SocketAddr) -> io::Result<Async<std::net::TcpStream>> {
    connect_socket(tcp_socket(addr)?, addr).await
}

/// Connects `socket` (non-blocking, perhaps bound and configured by a `TcpSocket`) to `addr`
/// without blocking the thread.
pub(crate) async fn connect_socket(
    socket: Socket,
    addr: SocketAddr,
) -> io::Result<Async<std::net::TcpStream>> {
    let started = socket.connect(&addr.into());
    let stream = Async::new(std::net::TcpStream::from(socket))?;
    match started {
        Ok(()) => return Ok(stream),
        Err(err) if sys::connect_in_progress(&err) => {}
        Err(err) => return Err(err),
    }
    // The connect finishes in the background; the socket turns writable when it does, and
    // `SO_ERROR` then holds the outcome (0, or ECONNREFUSED, ENETUNREACH, ...).
    stream.writable().await?;
    if let Some(err) = stream.get_ref().take_error()? {
        return Err(err);
    }
    // Writable without a pending error means connected; `peer_addr` double-checks it and
    // turns anything else into an error rather than a retry loop.
    stream.get_ref().peer_addr()?;
    Ok(stream)
}

/// Connects a Unix stream socket to `path` without blocking the thread.
///
/// A Unix `connect(2)` completes at once or fails with `EAGAIN` when the listener's backlog
/// is full (nothing is "in progress" then, and no readiness event announces room). That case
/// is retried with a short, growing pause, for at most about two seconds, before the
/// `WouldBlock` error is returned.
#[cfg(unix)]
pub(crate) async fn unix_connect(path: &Path) -> io::Result<Async<std::os::unix::net::UnixStream>> {
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    let addr = SockAddr::unix(path)?;
    let mut pause = Duration::from_millis(1);
    let mut waited = Duration::ZERO;
    loop {
        match socket.connect(&addr) {
            Ok(()) => break,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock && waited < MAX_UNIX_RETRY => {
                crate::sleep(pause).await;
                waited += pause;
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {
                let stream = Async::new(std::os::unix::net::UnixStream::from(
                    std::os::fd::OwnedFd::from(socket),
                ))?;
                stream.writable().await?;
                if let Some(err) = stream.get_ref().take_error()? {
                    return Err(err);
                }
                return Ok(stream);
            }
            Err(err) => return Err(err),
        }
    }
    Async::new(std::os::unix::net::UnixStream::from(
        std::os::fd::OwnedFd::from(socket),
    ))
}

/// How long a Unix connect keeps retrying a full backlog.
#[cfg(unix)]
const MAX_UNIX_RETRY: Duration = Duration::from_secs(2);

/// Sets `SO_LINGER` on any socket.
pub(crate) fn set_linger(fd: &impl AsSource, linger: Option<Duration>) -> io::Result<()> {
    socket2::SockRef::from(fd).set_linger(linger)
}

/// Reads `SO_LINGER` from any socket.
pub(crate) fn linger(fd: &impl AsSource) -> io::Result<Option<Duration>> {
    socket2::SockRef::from(fd).linger()
}

/// `AsRawFd` and `AsFd` (`AsRawSocket` and `AsSocket` on Windows) for a socket type that
/// holds its `Async` in `io`.
#[cfg(unix)]
macro_rules! fd_impls {
    ($Socket:ty) => {
        impl std::os::fd::AsRawFd for $Socket {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.io)
            }
        }

        impl std::os::fd::AsFd for $Socket {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.io)
            }
        }
    };
}

/// `AsRawFd` and `AsFd` (`AsRawSocket` and `AsSocket` on Windows) for a socket type that
/// holds its `Async` in `io`.
#[cfg(windows)]
macro_rules! fd_impls {
    ($Socket:ty) => {
        impl std::os::windows::io::AsRawSocket for $Socket {
            fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
                std::os::windows::io::AsRawSocket::as_raw_socket(&self.io)
            }
        }

        impl std::os::windows::io::AsSocket for $Socket {
            fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
                std::os::windows::io::AsSocket::as_socket(&self.io)
            }
        }
    };
}

pub(crate) use fd_impls;
