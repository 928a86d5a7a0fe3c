//! [`WeftConnector`]: a `Uri` in, a TCP connection out, for hyper's clients.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::Uri;

use super::WeftIo;
use crate::net::TcpStream;

/// Connects to the host and port of a `Uri` over TCP: a `tower_service::Service<Uri>`, the
/// shape hyper-util's legacy `Client` (feature `hyper-client-legacy`) and TLS wrappers take.
///
/// Host names are looked up on the blocking pool ([`lookup_host`](crate::net::lookup_host)),
/// every resolved address is tried in turn, and `TCP_NODELAY` is set: a client sends small
/// request heads and waits for the answer, the case where Nagle's algorithm adds delay.
/// The port defaults to 80. Only `http` URIs are accepted unless
/// [`enforce_http(false)`](WeftConnector::enforce_http) says a TLS layer wraps this one.
///
/// ```
/// use tower_service::Service;
/// use weft::hyper::WeftConnector;
///
/// weft::run(async {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let port = listener.local_addr()?.port();
///     let uri = format!("http://localhost:{port}/").parse().unwrap();
///     let io = WeftConnector::new().call(uri).await?;
///     assert!(io.inner().peer_addr()?.ip().is_loopback());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone)]
pub struct WeftConnector {
    enforce_http: bool,
}

impl WeftConnector {
    /// A connector for `http` URIs.
    ///
    /// ```
    /// let connector = weft::hyper::WeftConnector::new();
    /// # drop(connector);
    /// ```
    pub fn new() -> WeftConnector {
        WeftConnector { enforce_http: true }
    }

    /// Whether URIs other than `http` are refused (the default). A TLS connector that wraps
    /// this one turns it off and handles `https` itself; the default port stays 80 for
    /// `http`, 443 for `https`.
    ///
    /// ```
    /// let for_tls = weft::hyper::WeftConnector::new().enforce_http(false);
    /// # drop(for_tls);
    /// ```
    pub fn enforce_http(mut self, enforce: bool) -> WeftConnector {
        self.enforce_http = enforce;
        self
    }
}

impl Default for WeftConnector {
    fn default() -> WeftConnector {
        WeftConnector::new()
    }
}

/// The future of [`WeftConnector`]'s `call`: the connection, or the error the lookup or the
/// OS gave.
pub type Connecting = Pin<Box<dyn Future<Output = io::Result<WeftIo<TcpStream>>> + Send>>;

impl tower_service::Service<Uri> for WeftConnector {
    type Response = WeftIo<TcpStream>;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        let target = target(&uri, self.enforce_http);
        Box::pin(async move {
            let (host, port) = target?;
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            Ok(WeftIo::new(stream))
        })
    }
}

/// The host (an IPv6 literal without its brackets) and port to connect to for `uri`.
fn target(uri: &Uri, enforce_http: bool) -> io::Result<(String, u16)> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    let default_port = match uri.scheme_str() {
        Some("http") => 80,
        Some("https") if !enforce_http => 443,
        Some(other) => {
            return Err(invalid(format!(
                "{uri}: the scheme {other:?} is not http (wrap the connector in a TLS one and \
                 turn `enforce_http` off for https)"
            )));
        }
        None => return Err(invalid(format!("{uri}: the URI has no scheme"))),
    };
    let host = uri
        .host()
        .ok_or_else(|| invalid(format!("{uri}: the URI has no host")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_owned(), uri.port_u16().unwrap_or(default_port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target_of(uri: &str, enforce_http: bool) -> io::Result<(String, u16)> {
        target(&uri.parse().unwrap(), enforce_http)
    }

    #[test]
    fn hosts_and_default_ports() {
        assert_eq!(
            target_of("http://a.test/x", true).unwrap(),
            ("a.test".into(), 80)
        );
        assert_eq!(
            target_of("http://[::1]:81/", true).unwrap(),
            ("::1".into(), 81)
        );
        assert_eq!(
            target_of("https://a.test", false).unwrap(),
            ("a.test".into(), 443)
        );
    }

    #[test]
    fn refused_uris_say_why() {
        let err = target_of("https://a.test", true).unwrap_err();
        assert!(err.to_string().contains("enforce_http"), "{err}");
        assert_eq!(
            target_of("/relative", true).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
