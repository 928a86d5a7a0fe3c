//! A handshake's deadline and the words for its failures.
//!
//! futures-rustls reports a refused handshake as `io::Error(InvalidData, rustls::Error)`,
//! whose text is rustls's: "invalid peer certificate: UnknownIssuer" tells an expert what
//! happened and nobody what to do. Every handshake in `weft::tls` goes through [`run`],
//! which bounds it with a timeout and rewrites a failure as a [`HandshakeError`]: a sentence
//! naming the peer, the reason in words and, where there is one, the fix, with the rustls
//! error kept as its source. The `io::ErrorKind` stays what futures-rustls chose
//! (`InvalidData` for a protocol or certificate failure, `UnexpectedEof` for a peer that hung
//! up mid-handshake), plus `TimedOut` for the deadline.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

use futures_rustls::rustls::{self, AlertDescription, CertificateError};

/// How long a handshake may take before it fails with `TimedOut`: 60 s, asyncio's default
/// `ssl_handshake_timeout`. Change it per connector or acceptor with `with_handshake_timeout`.
///
/// ```
/// assert_eq!(weft::tls::DEFAULT_HANDSHAKE_TIMEOUT, std::time::Duration::from_secs(60));
/// ```
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// Who is on the other side of a handshake, for the messages.
#[derive(Debug, Clone)]
pub(crate) enum Peer {
    /// We are the client; the server should be this name.
    Server(String),
    /// We are the server.
    Client,
}

impl Peer {
    /// "the server's" / "the client's", for the certificate being judged.
    fn whose(&self) -> &'static str {
        match self {
            Peer::Server(_) => "the server's",
            Peer::Client => "the client's",
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Server(name) => write!(f, "{name}"),
            Peer::Client => f.write_str("a client"),
        }
    }
}

/// Why a TLS handshake failed, in words, inside the `io::Error` that `connect`, `accept`,
/// `start_tls` and the TLS `open_*_connection` functions return. The rustls error, when the
/// protocol (not the socket or the clock) refused the handshake, is its
/// [`source`](Error::source) and [`rustls_error`](HandshakeError::rustls_error).
///
/// ```
/// use std::sync::Arc;
/// use weft::tls::{HandshakeError, TlsConnector, rustls};
/// weft::run(async {
///     // A "server" that answers a ClientHello with plain text.
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     weft::spawn(async move {
///         let (tcp, _) = listener.accept().await?;
///         tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await
///     });
///     let config = rustls::ClientConfig::builder()
///         .with_root_certificates(rustls::RootCertStore::empty())
///         .with_no_client_auth();
///     let tcp = weft::net::TcpStream::connect(addr).await?;
///     let err = TlsConnector::new(Arc::new(config)).connect("localhost", tcp).await.unwrap_err();
///     assert!(err.to_string().contains("does not speak TLS"), "{err}");
///     let why = err.get_ref().and_then(|e| e.downcast_ref::<HandshakeError>()).unwrap();
///     assert!(why.rustls_error().is_some());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct HandshakeError {
    message: String,
    rustls: Option<rustls::Error>,
}

impl HandshakeError {
    /// The rustls error behind the failure, when rustls refused the handshake (a bad
    /// certificate, an alert, garbage on the wire); `None` for a timeout or a dead socket.
    ///
    /// ```
    /// # // Shown in full on the type's example; here, only the shape of the call.
    /// fn is_expired(err: &std::io::Error) -> bool {
    ///     use weft::tls::rustls::{CertificateError, Error};
    ///     let why = err.get_ref().and_then(|e| e.downcast_ref::<weft::tls::HandshakeError>());
    ///     matches!(
    ///         why.and_then(|w| w.rustls_error()),
    ///         Some(Error::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. }))
    ///     )
    /// }
    /// assert!(!is_expired(&std::io::Error::other("not TLS")));
    /// ```
    pub fn rustls_error(&self) -> Option<&rustls::Error> {
        self.rustls.as_ref()
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for HandshakeError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.rustls.as_ref().map(|e| e as &(dyn Error + 'static))
    }
}

/// Runs `handshake` with `limit` as its deadline; a failure says why in words.
pub(crate) async fn run<T>(
    handshake: impl Future<Output = io::Result<T>>,
    limit: Duration,
    peer: Peer,
) -> io::Result<T> {
    match weft_reactor::timeout(limit, handshake).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(err)) => Err(explain(err, &peer)),
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            HandshakeError {
                message: format!(
                    "TLS handshake with {peer} did not complete within {limit:?}: the peer \
                     stalled (raise the limit with with_handshake_timeout if it is just slow)"
                ),
                rustls: None,
            },
        )),
    }
}

/// Rewrites a handshake failure from futures-rustls as a [`HandshakeError`].
pub(crate) fn explain(err: io::Error, peer: &Peer) -> io::Error {
    let kind = err.kind();
    let (reason, rustls) = match err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        Some(tls) => (describe(tls, peer), Some(tls.clone())),
        None if kind == io::ErrorKind::UnexpectedEof => (
            "the peer closed the connection in the middle of the handshake".to_owned(),
            None,
        ),
        None => (err.to_string(), None),
    };
    io::Error::new(
        kind,
        HandshakeError {
            message: format!("TLS handshake with {peer} failed: {reason}"),
            rustls,
        },
    )
}

/// One rustls error in words.
fn describe(err: &rustls::Error, peer: &Peer) -> String {
    match err {
        rustls::Error::InvalidCertificate(cert) => {
            let whose = peer.whose();
            let what = match cert {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "has expired".to_owned()
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "is not valid yet (check the clocks of both machines)".to_owned()
                }
                CertificateError::UnknownIssuer => "is not signed by a trusted authority (it is \
                     self-signed, or its CA is not in the root store: add the CA to the \
                     config's RootCertStore)"
                    .to_owned(),
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => match peer {
                    Peer::Server(name) => format!(
                        "is not valid for the name {name:?} (connect with a name the \
                         certificate lists)"
                    ),
                    Peer::Client => "is not valid for the name asked for".to_owned(),
                },
                CertificateError::Revoked => "has been revoked".to_owned(),
                CertificateError::BadSignature => {
                    "has a bad signature (not signed by its issuer's key)".to_owned()
                }
                CertificateError::BadEncoding => "is malformed".to_owned(),
                _ => "was refused".to_owned(),
            };
            format!("{whose} certificate {what} (rustls: {cert})")
        }
        rustls::Error::AlertReceived(alert) => {
            let hint = match alert {
                AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateExpired
                | AlertDescription::CertificateUnknown
                | AlertDescription::CertificateRequired => ": it refused our certificate",
                AlertDescription::ProtocolVersion | AlertDescription::HandshakeFailure => {
                    ": no TLS version or cipher suite in common"
                }
                AlertDescription::NoApplicationProtocol => ": no ALPN protocol in common",
                _ => "",
            };
            format!("the peer ended the handshake with the alert {alert:?}{hint}")
        }
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => format!(
            "the peer does not speak TLS, or its data was corrupted on the way (rustls: {err})"
        ),
        rustls::Error::PeerIncompatible(why) => {
            format!("the peer is incompatible ({why:?}): no TLS version or cipher suite in common")
        }
        rustls::Error::NoApplicationProtocol => {
            "no ALPN protocol in common with the peer (compare the configs' alpn_protocols)"
                .to_owned()
        }
        rustls::Error::NoCertificatesPresented => format!("{peer} sent no certificate"),
        other => other.to_string(),
    }
}
