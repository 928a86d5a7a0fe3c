//! [`TlsAcceptor`]: the server side of a handshake, over any byte stream.
//!
//! The twin of `connector.rs`, for the same reasons: a deadline on every handshake (a client
//! that connects and then sends nothing must not hold its connection task forever) and
//! failures in words.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::rustls::ServerConfig;
use futures_rustls::server::TlsStream;

use super::handshake::{self, DEFAULT_HANDSHAKE_TIMEOUT, Peer};

/// Accepts TLS connections over any weft byte stream with one rustls [`ServerConfig`]
/// (asyncio's server `SSLContext`). Cheap to clone: the config is shared.
///
/// ```
/// # let (cert, key) = weft::tls::__doc_certificate();
/// use std::sync::Arc;
/// let mut config = weft::tls::rustls::ServerConfig::builder()
///     .with_no_client_auth()
///     .with_single_cert(vec![cert], key)
///     .unwrap();
/// config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
/// let acceptor = weft::tls::TlsAcceptor::new(Arc::new(config));
/// assert_eq!(acceptor.handshake_timeout().as_secs(), 60);
/// ```
#[derive(Clone)]
pub struct TlsAcceptor {
    inner: futures_rustls::TlsAcceptor,
    config: Arc<ServerConfig>,
    handshake_timeout: Duration,
}

impl TlsAcceptor {
    /// An acceptor with `config` and the default handshake timeout
    /// ([`DEFAULT_HANDSHAKE_TIMEOUT`], 60 s).
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// let config = weft::tls::rustls::ServerConfig::builder()
    ///     .with_no_client_auth()
    ///     .with_single_cert(vec![cert], key)
    ///     .unwrap();
    /// let acceptor = weft::tls::TlsAcceptor::new(std::sync::Arc::new(config));
    /// # drop(acceptor);
    /// ```
    pub fn new(config: Arc<ServerConfig>) -> TlsAcceptor {
        TlsAcceptor {
            inner: futures_rustls::TlsAcceptor::from(config.clone()),
            config,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }

    /// Sets how long a handshake may take before it fails with `TimedOut` (asyncio's
    /// `ssl_handshake_timeout`).
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// # let config = std::sync::Arc::new(weft::tls::rustls::ServerConfig::builder()
    /// #     .with_no_client_auth().with_single_cert(vec![cert], key).unwrap());
    /// let acceptor = weft::tls::TlsAcceptor::new(config)
    ///     .with_handshake_timeout(std::time::Duration::from_secs(5));
    /// assert_eq!(acceptor.handshake_timeout().as_secs(), 5);
    /// ```
    pub fn with_handshake_timeout(mut self, limit: Duration) -> TlsAcceptor {
        self.handshake_timeout = limit;
        self
    }

    /// How long a handshake may take.
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// # let config = std::sync::Arc::new(weft::tls::rustls::ServerConfig::builder()
    /// #     .with_no_client_auth().with_single_cert(vec![cert], key).unwrap());
    /// let acceptor = weft::tls::TlsAcceptor::new(config);
    /// assert_eq!(acceptor.handshake_timeout(), weft::tls::DEFAULT_HANDSHAKE_TIMEOUT);
    /// ```
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// The rustls config.
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// # let config = std::sync::Arc::new(weft::tls::rustls::ServerConfig::builder()
    /// #     .with_no_client_auth().with_single_cert(vec![cert], key).unwrap());
    /// let acceptor = weft::tls::TlsAcceptor::new(config.clone());
    /// assert!(std::sync::Arc::ptr_eq(acceptor.config(), &config));
    /// ```
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Runs the server handshake over `stream` (an accepted connection) and returns the
    /// encrypted stream.
    ///
    /// # Errors
    ///
    /// `TimedOut` past the handshake timeout; otherwise the handshake's failure, in words
    /// (a [`HandshakeError`](super::HandshakeError) inside the `io::Error`): a client that
    /// does not speak TLS, one that refused our certificate, one that hung up.
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// use std::sync::Arc;
    /// use weft::io::AsyncWriteExt;
    /// weft::run(async {
    ///     let config = weft::tls::rustls::ServerConfig::builder()
    ///         .with_no_client_auth()
    ///         .with_single_cert(vec![cert], key)
    ///         .map_err(std::io::Error::other)?;
    ///     let acceptor = weft::tls::TlsAcceptor::new(Arc::new(config));
    ///     // A client that speaks plain HTTP to a TLS port is refused with a reason.
    ///     let (mut client, server_side) = weft::io::duplex(1024);
    ///     client.write_all(b"GET / HTTP/1.1\r\n\r\n").await?;
    ///     let err = acceptor.accept(server_side).await.unwrap_err();
    ///     assert!(err.to_string().contains("does not speak TLS"), "{err}");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn accept<S>(&self, stream: S) -> io::Result<TlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        handshake::run(
            self.inner.accept(stream),
            self.handshake_timeout,
            Peer::Client,
        )
        .await
    }
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> TlsAcceptor {
        TlsAcceptor::new(config)
    }
}

impl fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsAcceptor")
            .field("alpn_protocols", &self.config.alpn_protocols)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}
