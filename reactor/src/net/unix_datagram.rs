//! [`UnixDatagram`]: a Unix-domain datagram socket.
//!
//! Every operation takes `&self` and waits in its own waiter slot, so one socket shared
//! through an `Arc` can have a task sending and another receiving. The socket file a bound
//! socket creates is not removed when it is dropped: remove it yourself. `send`, `recv` and
//! friends are shared with [`UdpSocket`] (`datagram.rs`).
//!
//! [`UdpSocket`]: super::UdpSocket

use std::fmt;
use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::Async;

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
    #[track_caller]
    pub fn send_to(
        &self,
        buf: &[u8],
        path: impl AsRef<Path>,
    ) -> impl Future<Output = io::Result<usize>> {
        crate::io_wait::io_wait(
            weft_coop::IoResource::UnixDatagram,
            weft_coop::IoOp::SendTo,
            async move {
                let path = path.as_ref();
                self.io.write_with(|s| s.send_to(buf, path)).await
            },
        )
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

super::datagram::datagram!(
    UnixDatagram,
    SocketAddr,
    pair = "# let (a, b) = weft_reactor::net::UnixDatagram::pair()?;"
);

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("fd", &self.io.as_raw_fd())
            .finish()
    }
}
