//! TLS over any weft byte stream (feature `tls`): asyncio's `ssl=` and `start_tls`.
//!
//! # Design
//!
//! weft writes no TLS. [rustls] does the protocol and [futures-rustls] adapts it to the
//! futures-io traits that weft's sockets (and [`duplex`](crate::io::duplex) pipes, and the
//! asyncio streams) implement, so a [`TlsConnector`] or [`TlsAcceptor`] runs over any of them.
//! rustls is re-exported as [`weft::tls::rustls`](rustls): build configs with it and no
//! version of your own has to match ours.
//!
//! The two types here are thin wrappers over futures-rustls's, for two things weft adds:
//!
//! * **A handshake deadline.** Every handshake runs under a timeout, 60 s by default
//!   (asyncio's `ssl_handshake_timeout`), so a peer that stalls mid-handshake costs a
//!   parked future and a timer node until then, and then an error, never a hang.
//! * **Errors that say why.** A refused handshake comes back as an `io::Error` whose message
//!   names the peer and the reason in words ("the certificate has expired", "is not signed by
//!   a trusted authority", "is not valid for the name ...", "the peer does not speak TLS"),
//!   with the rustls error kept as the source (`get_ref().downcast_ref::<rustls::Error>()`).
//!
//! The crypto provider is rustls's `ring` (see the `tls` feature in Cargo.toml for why, with
//! the build times that decided it). `ClientConfig::builder()` and `ServerConfig::builder()`
//! pick it up when it is the only provider in the build. When another crate enables rustls's
//! `aws-lc-rs` too, rustls cannot choose: install one with
//! `rustls::crypto::CryptoProvider::install_default` at start-up, or pass one to
//! `builder_with_provider`. `ring` has no post-quantum key exchange (rustls 0.23.48 deprecated
//! `crypto::ring::default_provider` for that); a program that needs it enables rustls's
//! `aws-lc-rs` feature and passes that provider, and everything here works unchanged.
//!
//! The asyncio shapes built on these live where their plain twins do:
//! [`io::open_tls_connection`](crate::io::open_tls_connection) and
//! [`io::open_unix_tls_connection`](crate::io::open_unix_tls_connection) (asyncio's
//! `open_connection(..., ssl=ctx, server_hostname=...)`), [`start_tls_server`] (asyncio's
//! `start_server(..., ssl=ctx)`: the handshake runs in each connection's task, never on the
//! accept loop; [`start_unix_tls_server`] for Unix sockets), and [`StreamWriter::start_tls`](crate::io::StreamWriter::start_tls) /
//! [`accept_tls`](crate::io::StreamWriter::accept_tls) (asyncio 3.11's `writer.start_tls`). With
//! feature `hyper` too, `weft::hyper::HttpsConnector` connects `https://`
//! URIs for hyper-util's client, and hyper serves over
//! `WeftIo<ServerTlsStream<TcpStream>>`.
//!
//! A client and a server over loopback (the server's certificate is self-signed, so the client
//! trusts it explicitly):
//!
//! ```
//! # let (cert, key) = weft::tls::__doc_certificate();
//! use std::sync::Arc;
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft::tls::{TlsAcceptor, TlsConnector, rustls};
//!
//! weft::run(async {
//!     let server_config = rustls::ServerConfig::builder()
//!         .with_no_client_auth()
//!         .with_single_cert(vec![cert.clone()], key)
//!         .map_err(std::io::Error::other)?;
//!     let mut roots = rustls::RootCertStore::empty();
//!     roots.add(cert).map_err(std::io::Error::other)?;
//!     let client_config = rustls::ClientConfig::builder()
//!         .with_root_certificates(roots)
//!         .with_no_client_auth();
//!
//!     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let acceptor = TlsAcceptor::new(Arc::new(server_config));
//!     let server = weft::spawn(async move {
//!         let (tcp, _) = listener.accept().await?;
//!         let mut tls = acceptor.accept(tcp).await?;
//!         tls.write_all(b"hello over TLS").await?;
//!         tls.close().await // sends close_notify
//!     });
//!
//!     let connector = TlsConnector::new(Arc::new(client_config));
//!     let tcp = weft::net::TcpStream::connect(addr).await?;
//!     let mut tls = connector.connect("localhost", tcp).await?;
//!     let mut got = String::new();
//!     tls.read_to_string(&mut got).await?;
//!     assert_eq!(got, "hello over TLS");
//!     server.await.unwrap()?;
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! [futures-rustls]: https://docs.rs/futures-rustls

mod acceptor;
mod connector;
mod doc_cert;
mod handshake;
mod server;

pub use acceptor::TlsAcceptor;
pub use connector::TlsConnector;
#[doc(hidden)]
pub use doc_cert::__doc_certificate;
pub use handshake::{DEFAULT_HANDSHAKE_TIMEOUT, HandshakeError};
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use server::start_unix_tls_server;
pub use server::{handshake_first, start_tls_server};

pub use futures_rustls::TlsStream;
pub use futures_rustls::client::TlsStream as ClientTlsStream;
pub use futures_rustls::pki_types::ServerName;
pub use futures_rustls::rustls;
pub use futures_rustls::server::TlsStream as ServerTlsStream;
