//! [`ServerOptions`]: asyncio's `start_server` keyword arguments (`backlog=`, `reuse_address=`,
//! `reuse_port=`, `limit=`) as a builder.
//!
//! A struct with private fields and one method per option, rather than more parameters on
//! `start_server` or a public field struct: options can be added (a TLS acceptor, say)
//! without breaking a caller, and `start_server(cb, addr)` stays the two-argument call it is
//! in asyncio's common case (it is `ServerOptions::new().start_server(cb, addr)`). The
//! listener is made with [`TcpSocket`], so every option is set before `bind`, where the
//! kernel reads it; the accept loop, connection registry and `Server` are `server.rs`'s.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use weft_reactor::net::{TcpListener, TcpSocket, ToSocketAddrs};

use super::server::{Listener, Server, ServerAddr, current_handle, start};
use super::{DEFAULT_LIMIT, StreamReader, StreamWriter};

/// The listen backlog `start_server` uses: a burst of connects fits before the accept loop
/// runs (the kernel caps it at `somaxconn`). asyncio's default is 100.
const DEFAULT_BACKLOG: u32 = 1024;

/// How [`start_server`](ServerOptions::start_server) makes its server: asyncio's
/// `start_server(cb, host, port, limit=, backlog=, reuse_address=, reuse_port=)`.
///
/// The defaults are those of [`weft::io::start_server`](super::start_server): backlog 1024,
/// `SO_REUSEADDR` on, `SO_REUSEPORT` off, each reader's limit [`DEFAULT_LIMIT`].
///
/// ```
/// use weft::io::ServerOptions;
/// weft::run(async {
///     let server = ServerOptions::new()
///         .backlog(16)
///         .limit(1024) // each StreamReader's limit
///         .start_server(
///             |mut r, w| async move {
///                 let line = r.readline().await.unwrap();
///                 w.write(&line).unwrap();
///             },
///             "127.0.0.1:0",
///         )
///         .await?;
///     let (mut r, w) = weft::io::open_connection(server.local_addr()?).await?;
///     w.write(b"echo\n")?;
///     assert_eq!(r.readline().await.unwrap(), b"echo\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone)]
pub struct ServerOptions {
    backlog: u32,
    reuse_address: bool,
    reuse_port: bool,
    limit: usize,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions::new()
    }
}

impl ServerOptions {
    /// The defaults of [`start_server`](super::start_server).
    ///
    /// ```
    /// let options = weft::io::ServerOptions::new();
    /// # drop(options);
    /// ```
    pub fn new() -> ServerOptions {
        ServerOptions {
            backlog: DEFAULT_BACKLOG,
            reuse_address: true,
            reuse_port: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// How many connections the kernel queues before the accept loop takes them (asyncio's
    /// `backlog=`; the kernel caps it at `net.core.somaxconn`). Beyond it, new clients wait
    /// in `connect` or are refused.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::ServerOptions::new()
    ///         .backlog(8)
    ///         .start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///         .await?;
    ///     weft::io::open_connection(server.local_addr()?).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn backlog(mut self, backlog: u32) -> ServerOptions {
        self.backlog = backlog;
        self
    }

    /// Sets `SO_REUSEADDR` on the listener (asyncio's `reuse_address=`, on by default on
    /// Unix): a restarted server can bind its port while connections of the last one linger
    /// in `TIME_WAIT`.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::ServerOptions::new()
    ///         .reuse_address(false)
    ///         .start_server(|_r, _w| async {}, "127.0.0.1:0")
    ///         .await?;
    ///     assert!(server.is_serving());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuse_address(mut self, on: bool) -> ServerOptions {
        self.reuse_address = on;
        self
    }

    /// Sets `SO_REUSEPORT` on the listener (asyncio's `reuse_port=`): several servers (in
    /// this process or others) that all set it may listen on the same port, and Linux
    /// spreads new connections across them.
    ///
    /// ```
    /// use weft::io::ServerOptions;
    /// weft::run(async {
    ///     let options = ServerOptions::new().reuse_port(true);
    ///     let first = options.clone().start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     let addr = first.local_addr()?;
    ///     let second = options.start_server(|_r, _w| async {}, addr).await?;
    ///     assert_eq!(second.local_addr()?, addr);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuse_port(mut self, on: bool) -> ServerOptions {
        self.reuse_port = on;
        self
    }

    /// The limit of every connection's [`StreamReader`] (asyncio's `limit=`): the longest
    /// line `readline` accepts before it fails with `LimitOverrun`. A smaller limit bounds
    /// what one client can make the server buffer.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::ServerOptions::new()
    ///         .limit(4)
    ///         .start_server(
    ///             |mut r, w| async move {
    ///                 let outcome = r.readline().await;
    ///                 w.write(if outcome.is_err() { b"too long\n" } else { b"ok\n" }).unwrap();
    ///             },
    ///             "127.0.0.1:0",
    ///         )
    ///         .await?;
    ///     let (mut r, w) = weft::io::open_connection(server.local_addr()?).await?;
    ///     w.write(b"far longer than four bytes\n")?;
    ///     assert_eq!(r.readline().await.unwrap(), b"too long\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn limit(mut self, limit: usize) -> ServerOptions {
        self.limit = limit;
        self
    }

    /// Starts a TCP server on `addr` with these options; everything else is
    /// [`start_server`](super::start_server)'s (one task per connection running
    /// `client_connected_cb(reader, writer)`, panics reported and survived). With several
    /// resolved addresses the first that binds wins; otherwise the last error is returned.
    ///
    /// ```
    /// weft::run(async {
    ///     let taken = weft::io::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     // Without reuse_port on both, a second server cannot bind the same port.
    ///     let err = weft::io::ServerOptions::new()
    ///         .start_server(|_r, _w| async {}, taken.local_addr()?)
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn start_server<F, Fut>(
        self,
        client_connected_cb: F,
        addr: impl ToSocketAddrs,
    ) -> impl Future<Output = io::Result<Server>>
    where
        F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            let handle = current_handle()?;
            let mut last = None;
            for addr in weft_reactor::net::lookup_host(addr).await? {
                match self.listen(addr) {
                    Ok(listener) => {
                        let addr = ServerAddr::Tcp(listener.local_addr()?);
                        return Ok(start(
                            Listener::Tcp(listener),
                            addr,
                            client_connected_cb,
                            handle,
                            self.limit,
                        ));
                    }
                    Err(err) => last = Some(err),
                }
            }
            Err(last.unwrap_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the address did not resolve to any socket address",
                )
            }))
        })
    }

    /// A listener on `addr` with these options set before `bind`.
    fn listen(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(self.reuse_address)?;
        if self.reuse_port {
            #[cfg(unix)]
            socket.set_reuseport(true)?;
            #[cfg(not(unix))]
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "ServerOptions::reuse_port: SO_REUSEPORT exists on Unix only",
            ));
        }
        socket.bind(addr)?;
        socket.listen(self.backlog)
    }
}
