//! [`UnixListener`]: a Unix-domain stream socket accepting connections.
//!
//! Binding is synchronous (a path needs no resolution and `bind(2)` on a Unix socket never
//! waits). The socket file is not removed when the listener is dropped (as with the standard
//! library): remove it yourself. The accept API is shared with [`TcpListener`]
//! (`listener.rs`).
//!
//! [`TcpListener`]: super::TcpListener

use std::fmt;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::UnixStream;
use super::socket;
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

    /// A stream for a connection this listener accepted.
    fn adopt(&self, stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
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

super::listener::listener!(
    UnixListener,
    UnixStream,
    SocketAddr,
    UnixIncoming,
    pre = "# let path = std::env::temp_dir().join(format!(\"weft-doc-{}-{:?}\", std::process::id(), std::thread::current().id()));\n# let _ = std::fs::remove_file(&path);",
    setup = "# let listener = weft_reactor::net::UnixListener::bind(&path)?;\n# let client = weft_reactor::net::UnixStream::connect(&path);",
    cleanup = "# std::fs::remove_file(&path)?;"
);

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("fd", &self.io.as_raw_fd())
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
