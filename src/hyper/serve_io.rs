//! What a connection accepted by [`serve`](fn@super::serve) goes through before hyper sees it:
//! nothing, or a TLS handshake ([`Serve::tls`](super::Serve::tls), features `hyper` and `tls`).
//!
//! One enum, [`ConnIo`], rather than a type parameter on `Serve`: the TLS choice is made at
//! run time (`.tls(acceptor)` or not) and the public types stay `Serve<L, S>`, the same with
//! or without feature `tls`. Its plain arm is `WeftIo` over the socket itself, so plain
//! connections keep `WeftIo`'s fast path (reads into hyper's buffer, `writev`); the price is
//! one `match` per read or write, nothing next to the system call behind it. The handshake
//! runs in the connection's own task, never in the accept loop, so a slow or silent client
//! holds only its own connection (and for at most the acceptor's handshake timeout).

use std::io;

use super::WeftIo;
use crate::net::{AsyncRead, AsyncWrite};

/// How accepted connections are set up: plain, or TLS with an acceptor.
#[derive(Clone, Default)]
pub(super) struct Handshake {
    #[cfg(feature = "tls")]
    acceptor: Option<crate::tls::TlsAcceptor>,
}

impl Handshake {
    /// Turns an accepted stream into what hyper serves; a TLS handshake that fails (or
    /// times out) is that connection's error.
    pub(super) async fn run<I>(&self, io: I) -> io::Result<ConnIo<I>>
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        #[cfg(feature = "tls")]
        if let Some(acceptor) = &self.acceptor {
            let tls = acceptor.accept(io).await?;
            return Ok(ConnIo::Tls(Box::new(WeftIo::new(tls))));
        }
        Ok(ConnIo::Plain(WeftIo::new(io)))
    }
}

/// A served connection's byte stream, as hyper reads and writes it.
pub(super) enum ConnIo<I> {
    /// The accepted stream itself.
    Plain(WeftIo<I>),
    /// TLS over it (boxed: a TLS session is a few kilobytes, a socket a few words).
    #[cfg(feature = "tls")]
    Tls(Box<WeftIo<crate::tls::ServerTlsStream<I>>>),
}

super::io_by_arm::hyper_io_by_arm!(
    impl[I] for ConnIo<I> where [I: AsyncRead + AsyncWrite + Unpin + 'static]
    {
        Plain,
        #[cfg(feature = "tls")]
        Tls,
    }
);

#[cfg(feature = "tls")]
impl<L, S> super::Serve<L, S> {
    /// Serves HTTPS: each accepted connection first completes a TLS handshake with
    /// `acceptor` (in its own task, under the acceptor's handshake timeout), then hyper
    /// serves HTTP/1.1 or HTTP/2 over it, whichever the client chose through ALPN when the
    /// acceptor's config lists `h2` and `http/1.1`. A failed handshake ends that connection
    /// only.
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// use std::sync::Arc;
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    /// use weft::tls::{TlsAcceptor, TlsConnector, rustls};
    ///
    /// weft::run(async {
    ///     let config = rustls::ServerConfig::builder()
    ///         .with_no_client_auth()
    ///         .with_single_cert(vec![cert.clone()], key)
    ///         .map_err(std::io::Error::other)?;
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let router = hyper::service::service_fn(|_: hyper::Request<hyper::body::Incoming>| async {
    ///         Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("secret")))
    ///     });
    ///     let acceptor = TlsAcceptor::new(Arc::new(config));
    ///     weft::spawn(weft::hyper::serve(listener, router).tls(acceptor).into_future());
    ///
    ///     // A client that trusts the (self-signed) test certificate.
    ///     let mut roots = rustls::RootCertStore::empty();
    ///     roots.add(cert).map_err(std::io::Error::other)?;
    ///     let client = rustls::ClientConfig::builder()
    ///         .with_root_certificates(roots)
    ///         .with_no_client_auth();
    ///     let tcp = weft::net::TcpStream::connect(addr).await?;
    ///     let mut tls = TlsConnector::new(Arc::new(client)).connect("localhost", tcp).await?;
    ///     tls.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await?;
    ///     let mut answer = String::new();
    ///     tls.read_to_string(&mut answer).await?;
    ///     assert!(answer.ends_with("secret"), "{answer}");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn tls(mut self, acceptor: crate::tls::TlsAcceptor) -> super::Serve<L, S> {
        self.handshake.acceptor = Some(acceptor);
        self
    }
}
