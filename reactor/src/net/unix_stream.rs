//! [`UnixStream`]: a Unix-domain stream socket.
//!
//! Connecting is `async` because a full backlog makes a non-blocking `connect(2)` fail with
//! `EAGAIN`, which is retried (see `socket.rs`). The byte-stream API is shared with
//! [`TcpStream`] (`byte_stream.rs`).
//!
//! [`TcpStream`]: super::TcpStream

use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::socket;
use super::ucred::UCred;
use crate::Async;

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
    #[track_caller]
    pub fn connect(path: impl AsRef<Path>) -> impl Future<Output = io::Result<UnixStream>> {
        crate::io_wait::io_wait(
            weft_coop::IoResource::UnixStream,
            weft_coop::IoOp::Connect,
            async move {
                Ok(UnixStream {
                    io: socket::unix_connect(path.as_ref()).await?,
                })
            },
        )
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
}

super::byte_stream::byte_stream!(
    UnixStream,
    pair = "# let (a, b) = weft_reactor::net::UnixStream::pair()?;"
);

impl UnixStream {
    /// The credentials of the process at the other end (uid, gid, and the pid where the OS
    /// gives it), as the kernel recorded them when the connection was made: a server can
    /// trust them to decide what a local client may do.
    ///
    /// ```
    /// use weft_reactor::net::{UnixListener, UnixStream};
    /// let path = std::env::temp_dir().join(format!("weft-doc-cred-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft_reactor::doc_support::block_on(async {
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let (conn, _) = listener.accept().await?;
    ///     let cred = conn.peer_cred()?;
    ///     // SAFETY: geteuid takes no arguments and cannot fail.
    ///     assert_eq!(cred.uid(), unsafe { libc::geteuid() }); // the client is us
    ///     std::io::Result::Ok(())
    /// })?;
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        let (uid, gid, pid) = crate::sys::sockopt::peer_cred(self.io.as_fd())?;
        Ok(UCred { uid, gid, pid })
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.io.as_raw_fd())
            .finish()
    }
}
