//! [`HttpsConnector`]: [`WeftConnector`] with TLS for `https://` URIs (features `hyper` and
//! `tls`).
//!
//! A separate type rather than a mode inside `WeftConnector`, because a `Service`'s output
//! is one type: giving `WeftConnector` a TLS-or-not output would have changed it for every
//! plain-HTTP user (and with it the socket fast path of [`WeftIo`], which reads straight into
//! hyper's buffer). Here the output is [`MaybeHttpsStream`], an enum whose plain arm is that
//! same `WeftIo<TcpStream>`, so `http://` URIs through an `HttpsConnector` lose nothing.
//!
//! ALPN: unless the config already lists protocols, the connector offers `h2` and
//! `http/1.1`, and tells hyper-util's legacy `Client` when the server picked `h2`
//! (`Connected::negotiated_h2`), which then speaks HTTP/2 on that connection without being
//! built `http2_only`.
//!
//! The serving side is [`serve`](fn@super::serve)`(listener, service).tls(acceptor)`, whose
//! acceptor config lists `h2` and `http/1.1`: each connection's handshake runs in its own task
//! and hyper-util's auto builder speaks whichever protocol the client chose. By hand, serve
//! `WeftIo::new(tls_stream)` (see [`HttpsConnector`]'s example).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_rustls::rustls::ClientConfig;
use hyper::Uri;

use super::{WeftConnector, WeftIo};
use crate::net::TcpStream;
use crate::tls::{ClientTlsStream, TlsConnector};

/// Connects `https://` URIs over TLS and `http://` URIs in plain text: a
/// `tower_service::Service<Uri>` for hyper-util's legacy `Client` (feature
/// `hyper-client-legacy`) or your own use. The TLS server name is the URI's host.
///
/// An HTTPS server on weft (ALPN picks HTTP/2 or HTTP/1.1 per connection) and the pooled
/// client fetching from it:
///
/// ```
/// # let (cert, key) = weft::tls::__doc_certificate();
/// use std::sync::Arc;
/// use http_body_util::{BodyExt, Empty, Full};
/// use hyper::body::Bytes;
/// use hyper_util::client::legacy::Client;
/// use weft::hyper::{HttpsConnector, WeftExecutor, WeftIo, WeftTimer};
/// use weft::tls::{TlsAcceptor, rustls};
///
/// weft::run(async {
///     let mut server_config = rustls::ServerConfig::builder()
///         .with_no_client_auth()
///         .with_single_cert(vec![cert.clone()], key)
///         .map_err(std::io::Error::other)?;
///     server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
///     let acceptor = TlsAcceptor::new(Arc::new(server_config));
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let port = listener.local_addr()?.port();
///     weft::spawn(async move {
///         while let Ok((tcp, _)) = listener.accept().await {
///             let acceptor = acceptor.clone();
///             weft::spawn(async move {
///                 let Ok(tls) = acceptor.accept(tcp).await else { return };
///                 let service = hyper::service::service_fn(|req: hyper::Request<_>| async move {
///                     let body = format!("{:?}", req.version());
///                     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from(body))))
///                 });
///                 let _ = hyper_util::server::conn::auto::Builder::new(WeftExecutor::new())
///                     .serve_connection(WeftIo::new(tls), service)
///                     .await;
///             });
///         }
///     });
///
///     let mut roots = rustls::RootCertStore::empty();
///     roots.add(cert).map_err(std::io::Error::other)?;
///     let client_config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
///     let client = Client::builder(WeftExecutor::new())
///         .timer(WeftTimer::new())
///         .build::<_, Empty<Bytes>>(HttpsConnector::new(Arc::new(client_config)));
///     let response = client
///         .get(format!("https://localhost:{port}/").parse().unwrap())
///         .await
///         .map_err(std::io::Error::other)?;
///     let body = response.into_body().collect().await.map_err(std::io::Error::other)?;
///     assert_eq!(body.to_bytes(), "HTTP/2.0"); // ALPN chose h2
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone)]
pub struct HttpsConnector {
    http: WeftConnector,
    tls: TlsConnector,
    https_only: bool,
}

impl WeftConnector {
    /// This connector with TLS for `https://` URIs, using `config` (ALPN `h2` and `http/1.1`
    /// are offered unless `config.alpn_protocols` is already set). The same as
    /// [`HttpsConnector::with_http`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// let config = weft::tls::rustls::ClientConfig::builder()
    ///     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let https = weft::hyper::WeftConnector::new().https(Arc::new(config));
    /// assert_eq!(https.tls().config().alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    /// ```
    pub fn https(self, config: Arc<ClientConfig>) -> HttpsConnector {
        HttpsConnector::with_http(self, config)
    }
}

impl HttpsConnector {
    /// A connector for `https://` (and `http://`) URIs with `config`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let config = weft::tls::rustls::ClientConfig::builder()
    ///     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let connector = weft::hyper::HttpsConnector::new(Arc::new(config));
    /// # drop(connector);
    /// ```
    pub fn new(config: Arc<ClientConfig>) -> HttpsConnector {
        HttpsConnector::with_http(WeftConnector::new(), config)
    }

    /// Like [`new`](HttpsConnector::new), connecting TCP through `http` (the plain connector
    /// does the name lookup and the TCP connect).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let config = weft::tls::rustls::ClientConfig::builder()
    ///     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let connector =
    ///     weft::hyper::HttpsConnector::with_http(weft::hyper::WeftConnector::new(), Arc::new(config));
    /// # drop(connector);
    /// ```
    pub fn with_http(http: WeftConnector, config: Arc<ClientConfig>) -> HttpsConnector {
        let config = if config.alpn_protocols.is_empty() {
            let mut config = Arc::unwrap_or_clone(config);
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Arc::new(config)
        } else {
            config
        };
        HttpsConnector {
            http: http.enforce_http(false),
            tls: TlsConnector::new(config),
            https_only: false,
        }
    }

    /// Whether `http://` URIs are refused (default: no, they are connected in plain text).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let config = Arc::new(weft::tls::rustls::ClientConfig::builder()
    /// #     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    /// #     .with_no_client_auth());
    /// let strict = weft::hyper::HttpsConnector::new(config).https_only(true);
    /// # drop(strict);
    /// ```
    pub fn https_only(mut self, only: bool) -> HttpsConnector {
        self.https_only = only;
        self
    }

    /// The TLS connector (its config, its handshake timeout).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let config = Arc::new(weft::tls::rustls::ClientConfig::builder()
    /// #     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
    /// #     .with_no_client_auth());
    /// let connector = weft::hyper::HttpsConnector::new(config);
    /// assert_eq!(connector.tls().handshake_timeout().as_secs(), 60);
    /// ```
    pub fn tls(&self) -> &TlsConnector {
        &self.tls
    }
}

/// The future of [`HttpsConnector`]'s `call`.
pub type HttpsConnecting = Pin<Box<dyn Future<Output = io::Result<MaybeHttpsStream>> + Send>>;

impl tower_service::Service<Uri> for HttpsConnector {
    type Response = MaybeHttpsStream;
    type Error = io::Error;
    type Future = HttpsConnecting;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> HttpsConnecting {
        let is_https = uri.scheme_str() == Some("https");
        let refused = !is_https && self.https_only;
        let connecting = self.http.call(uri.clone());
        let tls = self.tls.clone();
        Box::pin(async move {
            if refused {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{uri}: not https, and this connector is https_only"),
                ));
            }
            let tcp = connecting.await?;
            if !is_https {
                return Ok(MaybeHttpsStream::Http(tcp));
            }
            // `connecting` succeeded, so the URI has a host.
            let host = uri.host().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let stream = tls.connect(host, tcp.into_inner()).await?;
            Ok(MaybeHttpsStream::Https(Box::new(WeftIo::new(stream))))
        })
    }
}

/// A connection from [`HttpsConnector`]: plain TCP for `http://`, TLS for `https://`. Both
/// arms are hyper I/O (`hyper::rt::Read + Write`).
///
/// ```
/// use tower_service::Service;
/// # use std::sync::Arc;
/// # let config = Arc::new(weft::tls::rustls::ClientConfig::builder()
/// #     .with_root_certificates(weft::tls::rustls::RootCertStore::empty())
/// #     .with_no_client_auth());
/// weft::run(async {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let uri = format!("http://{}/", listener.local_addr()?).parse().unwrap();
///     let io = weft::hyper::HttpsConnector::new(config).call(uri).await?;
///     assert!(matches!(io, weft::hyper::MaybeHttpsStream::Http(_)));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub enum MaybeHttpsStream {
    /// Plain text, with `WeftIo`'s socket fast path.
    Http(WeftIo<TcpStream>),
    /// TLS (boxed: a TLS session is a few kilobytes, a socket a few words).
    Https(Box<WeftIo<ClientTlsStream<TcpStream>>>),
}

super::io_by_arm::hyper_io_by_arm!(impl[] for MaybeHttpsStream where [] { Http, Https });

/// Tells hyper-util's legacy `Client` that the server chose HTTP/2 through ALPN, so that it
/// speaks HTTP/2 on this connection.
#[cfg(feature = "hyper-client-legacy")]
impl hyper_util::client::legacy::connect::Connection for MaybeHttpsStream {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        let connected = hyper_util::client::legacy::connect::Connected::new();
        match self {
            MaybeHttpsStream::Https(io)
                if io.inner().get_ref().1.alpn_protocol() == Some(b"h2") =>
            {
                connected.negotiated_h2()
            }
            _ => connected,
        }
    }
}
