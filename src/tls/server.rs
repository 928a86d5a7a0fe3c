//! `start_tls_server` / `start_unix_tls_server`: asyncio's `start_server(..., ssl=ctx)`.
//!
//! These are [`start_server`] and [`start_unix_server`] with a callback, [`handshake_first`],
//! that first upgrades the accepted connection ([`StreamWriter::accept_tls`]) and then runs
//! the user's; the same adapter makes any other server start (`ServerOptions::start_server`)
//! a TLS one, so TLS needed no change to the server itself. So
//! everything the plain server does holds unchanged (the `Server` handle, `close`,
//! `wait_closed`, the per-connection task named `client_connected_cb`, panics reported and the
//! server serving on), and the handshake runs **in the connection's own task**, never on the
//! accept loop: a client that stalls mid-handshake parks one task (no worker) until the
//! acceptor's handshake timeout fails it, while the accept loop goes on accepting. A failed
//! handshake (a timeout, a client that does not speak TLS, one that refused our certificate)
//! closes that connection and never reaches the callback; asyncio logs it and moves on, and
//! so does this server, without the log: a port on the internet sees such clients all day.
//!
//! The price of reusing the plain server is a transport built for the plain-text socket and
//! replaced after the handshake, and the callback's future boxed (its type cannot be named in
//! the plain server's signature): two allocations per connection, next to a handshake's
//! public-key crypto.

use std::future::Future;
use std::io;
#[cfg(unix)]
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use weft_reactor::net::ToSocketAddrs;

use super::TlsAcceptor;
#[cfg(unix)]
use crate::io::start_unix_server;
use crate::io::{Server, StreamReader, StreamWriter, start_server};

/// Starts a TLS server on `addr` (asyncio's `start_server(cb, host, port, ssl=ctx)`): each
/// accepted connection runs the TLS handshake in its own task, bounded by the acceptor's
/// [`handshake_timeout`](TlsAcceptor::handshake_timeout) (asyncio's `ssl_handshake_timeout`),
/// then `client_connected_cb(reader, writer)` over the encrypted stream. A connection whose
/// handshake fails is closed without calling the callback. Otherwise the same as
/// [`start_server`].
///
/// ```
/// # let (cert, key) = weft::tls::__doc_certificate();
/// use std::sync::Arc;
/// use weft::tls::{TlsAcceptor, TlsConnector, rustls};
/// weft::run(async {
///     let server_config = rustls::ServerConfig::builder()
///         .with_no_client_auth()
///         .with_single_cert(vec![cert.clone()], key)
///         .map_err(std::io::Error::other)?;
///     let acceptor = TlsAcceptor::new(Arc::new(server_config))
///         .with_handshake_timeout(std::time::Duration::from_secs(10));
///     let server = weft::tls::start_tls_server(
///         |_r, w| async move { w.write(b"hello, TLS client\n").unwrap() },
///         "127.0.0.1:0",
///         acceptor,
///     )
///     .await?;
///
///     let mut roots = rustls::RootCertStore::empty();
///     roots.add(cert).map_err(std::io::Error::other)?;
///     let client_config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
///     let connector = TlsConnector::new(Arc::new(client_config));
///     let (mut r, _w) = weft::io::open_tls_connection(server.local_addr()?, &connector, "localhost").await?;
///     assert_eq!(r.readline().await.unwrap(), b"hello, TLS client\n");
///     server.close();
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn start_tls_server<F, Fut>(
    client_connected_cb: F,
    addr: impl ToSocketAddrs,
    acceptor: TlsAcceptor,
) -> impl Future<Output = io::Result<Server>>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    start_server(handshake_first(acceptor, client_connected_cb), addr)
}

/// Starts a TLS server on a Unix-domain socket at `path` (asyncio's
/// `start_unix_server(cb, path, ssl=ctx)`): [`start_tls_server`]'s behaviour, with
/// [`start_unix_server`]'s socket file handling.
///
/// ```
/// # let (cert, key) = weft::tls::__doc_certificate();
/// use std::sync::Arc;
/// let path = std::env::temp_dir().join(format!("weft-doc-suts-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// weft::run(async {
///     let config = weft::tls::rustls::ServerConfig::builder()
///         .with_no_client_auth()
///         .with_single_cert(vec![cert], key)
///         .map_err(std::io::Error::other)?;
///     let acceptor = weft::tls::TlsAcceptor::new(Arc::new(config));
///     let server = weft::tls::start_unix_tls_server(|_r, _w| async {}, &path, acceptor).await?;
///     assert_eq!(server.unix_path(), Some(path.as_path()));
///     server.close();
///     server.wait_closed().await;
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
#[track_caller]
pub fn start_unix_tls_server<F, Fut>(
    client_connected_cb: F,
    path: impl AsRef<Path>,
    acceptor: TlsAcceptor,
) -> impl Future<Output = io::Result<Server>>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    start_unix_server(handshake_first(acceptor, client_connected_cb), path)
}

/// A server callback that runs the TLS handshake on the accepted connection, then
/// `client_connected_cb` over the encrypted stream; what [`start_tls_server`] passes to
/// [`start_server`]. Use it with any other way of starting a server, such as
/// [`ServerOptions`](crate::io::ServerOptions) for a backlog or `SO_REUSEPORT`, to make that
/// server a TLS one. A connection whose handshake fails (or times out) is closed without
/// calling `client_connected_cb`.
///
/// ```
/// # let (cert, key) = weft::tls::__doc_certificate();
/// use std::sync::Arc;
/// weft::run(async {
///     let config = weft::tls::rustls::ServerConfig::builder()
///         .with_no_client_auth()
///         .with_single_cert(vec![cert], key)
///         .map_err(std::io::Error::other)?;
///     let acceptor = weft::tls::TlsAcceptor::new(Arc::new(config));
///     let server = weft::io::ServerOptions::new()
///         .backlog(1024)
///         .start_server(
///             weft::tls::handshake_first(acceptor, |_r, w| async move {
///                 w.write(b"hello\n").unwrap();
///             }),
///             "127.0.0.1:0",
///         )
///         .await?;
///     assert!(server.is_serving());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn handshake_first<F, Fut>(
    acceptor: TlsAcceptor,
    client_connected_cb: F,
) -> impl Fn(StreamReader, StreamWriter) -> Pin<Box<dyn Future<Output = ()> + Send>>
+ Send
+ Sync
+ 'static
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let callback = Arc::new(client_connected_cb);
    move |mut reader, mut writer| {
        let callback = callback.clone();
        let acceptor = acceptor.clone();
        Box::pin(async move {
            if writer.accept_tls(&mut reader, &acceptor).await.is_ok() {
                callback(reader, writer).await;
            }
        })
    }
}
