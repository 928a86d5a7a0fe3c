//! [`TlsConnector`]: the client side of a handshake, over any byte stream.
//!
//! A wrapper rather than a re-export of futures-rustls's connector for the two things the
//! module head lists: the handshake deadline and the errors in words. The server name is taken
//! as text, as asyncio's `server_hostname` is, and parsed here so that a bad one is refused
//! with a sentence instead of rustls's `InvalidDnsNameError`.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::client::TlsStream;
use futures_rustls::pki_types::ServerName;
use futures_rustls::rustls::ClientConfig;

use super::handshake::{self, DEFAULT_HANDSHAKE_TIMEOUT, Peer};

/// Opens TLS connections over any weft byte stream with one rustls
/// [`ClientConfig`] (asyncio's client `SSLContext`). Cheap to clone: the config is shared.
///
/// ```
/// use std::sync::Arc;
/// use weft::tls::{TlsConnector, rustls};
///
/// let mut roots = rustls::RootCertStore::empty();
/// # let ca_cert = weft::tls::__doc_certificate().0;
/// roots.add(ca_cert).unwrap(); // the CA that signed your servers' certificates
/// let config = rustls::ClientConfig::builder()
///     .with_root_certificates(roots)
///     .with_no_client_auth();
/// let connector = TlsConnector::new(Arc::new(config))
///     .with_handshake_timeout(std::time::Duration::from_secs(10));
/// assert_eq!(connector.handshake_timeout().as_secs(), 10);
/// ```
#[derive(Clone)]
pub struct TlsConnector {
    inner: futures_rustls::TlsConnector,
    config: Arc<ClientConfig>,
    handshake_timeout: Duration,
}

impl TlsConnector {
    /// A connector with `config` and the default handshake timeout
    /// ([`DEFAULT_HANDSHAKE_TIMEOUT`], 60 s).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let config = weft::tls::rustls::ClientConfig::builder()
    ///     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let connector = weft::tls::TlsConnector::new(Arc::new(config));
    /// assert_eq!(connector.handshake_timeout(), weft::tls::DEFAULT_HANDSHAKE_TIMEOUT);
    /// ```
    pub fn new(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector {
            inner: futures_rustls::TlsConnector::from(config.clone()),
            config,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }

    /// Sets how long a handshake may take before it fails with `TimedOut` (asyncio's
    /// `ssl_handshake_timeout`).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let config = Arc::new(weft::tls::rustls::ClientConfig::builder()
    /// #     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    /// #     .with_no_client_auth());
    /// let quick = weft::tls::TlsConnector::new(config)
    ///     .with_handshake_timeout(std::time::Duration::from_secs(5));
    /// assert_eq!(quick.handshake_timeout().as_secs(), 5);
    /// ```
    pub fn with_handshake_timeout(mut self, limit: Duration) -> TlsConnector {
        self.handshake_timeout = limit;
        self
    }

    /// How long a handshake may take.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let config = Arc::new(weft::tls::rustls::ClientConfig::builder()
    /// #     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    /// #     .with_no_client_auth());
    /// let connector = weft::tls::TlsConnector::new(config);
    /// assert_eq!(connector.handshake_timeout().as_secs(), 60);
    /// ```
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// The rustls config.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let config = Arc::new(weft::tls::rustls::ClientConfig::builder()
    /// #     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    /// #     .with_no_client_auth());
    /// let connector = weft::tls::TlsConnector::new(config.clone());
    /// assert!(Arc::ptr_eq(connector.config(), &config));
    /// ```
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }

    /// Runs the client handshake over `stream`, checking the server's certificate against
    /// `server_name` (a DNS name or an IP address; asyncio's `server_hostname`), and returns
    /// the encrypted stream, which is `AsyncRead + AsyncWrite` like `stream` itself.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a `server_name` that is neither a DNS name nor an IP address;
    /// `TimedOut` past the handshake timeout; otherwise the handshake's failure, in words
    /// (a [`HandshakeError`](super::HandshakeError) inside the `io::Error`: an expired or
    /// untrusted certificate, a certificate for another name, a peer that does not speak TLS).
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// use std::sync::Arc;
    /// use weft::tls::{TlsAcceptor, TlsConnector, rustls};
    /// weft::run(async {
    ///     let server = rustls::ServerConfig::builder()
    ///         .with_no_client_auth()
    ///         .with_single_cert(vec![cert.clone()], key)
    ///         .map_err(std::io::Error::other)?;
    ///     let acceptor = TlsAcceptor::new(Arc::new(server));
    ///     let mut roots = rustls::RootCertStore::empty();
    ///     roots.add(cert).map_err(std::io::Error::other)?;
    ///     let client = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    ///     let connector = TlsConnector::new(Arc::new(client));
    ///
    ///     // Over an in-memory pipe: any byte stream will do.
    ///     let (near, far) = weft::io::duplex(16 * 1024);
    ///     let server_side = acceptor.clone();
    ///     let server = weft::spawn(async move { server_side.accept(far).await.map(drop) });
    ///     let tls = connector.connect("localhost", near).await?;
    ///     assert_eq!(tls.get_ref().1.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_3));
    ///     server.await.unwrap()?;
    ///     // A name the certificate does not list is refused, and the error says so.
    ///     let (near, far) = weft::io::duplex(16 * 1024);
    ///     weft::spawn(async move { drop(acceptor.accept(far).await) });
    ///     let err = connector.connect("example.com", near).await.unwrap_err();
    ///     assert!(err.to_string().contains("not valid for the name \"example.com\""), "{err}");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect<S>(&self, server_name: &str, stream: S) -> io::Result<TlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let name = parse_server_name(server_name)?;
        handshake::run(
            self.inner.connect(name, stream),
            self.handshake_timeout,
            Peer::Server(server_name.to_owned()),
        )
        .await
    }
}

/// `name` as rustls's `ServerName`, or a sentence saying why it is not one.
pub(crate) fn parse_server_name(name: &str) -> io::Result<ServerName<'static>> {
    ServerName::try_from(name.to_owned()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{name:?} is not a valid TLS server name: give the DNS name or IP address the \
                 server's certificate was issued for"
            ),
        )
    })
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector::new(config)
    }
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("alpn_protocols", &self.config.alpn_protocols)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}
