//! Helpers shared by the hyper tests (`hyper_*.rs`, `web_*.rs`): a streamed body of a known
//! byte pattern and its checker, servers that count their connections, and one-connection
//! clients. Everything runs on weft; tokio is nowhere here.
#![allow(dead_code)]

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::{Request, Response};
use weft::hyper::{WeftExecutor, WeftIo, WeftTimer};
use weft::net::{TcpListener, TcpStream};

pub use weft_test_support::within;

/// The byte at offset `i` of every pattern body: a prime period, so a lost, repeated or
/// reordered chunk shows.
pub fn byte_at(i: usize) -> u8 {
    (i % 251) as u8
}

/// A request or response body of `total` pattern bytes, produced in 64 KiB frames as the
/// peer takes them (hyper polls for the next frame only when it can send it).
pub struct Pattern {
    sent: usize,
    total: usize,
}

impl Pattern {
    pub fn new(total: usize) -> Pattern {
        Pattern { sent: 0, total }
    }
}

impl Body for Pattern {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.sent == self.total {
            return Poll::Ready(None);
        }
        let n = (self.total - self.sent).min(64 * 1024);
        let chunk: Vec<u8> = (self.sent..self.sent + n).map(byte_at).collect();
        self.sent += n;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }

    fn size_hint(&self) -> SizeHint {
        // No exact size: the body goes out chunked (HTTP/1) or as plain DATA frames.
        SizeHint::default()
    }
}

/// Reads `body` to its end, checking every byte against the pattern; returns its length.
pub async fn check_pattern(mut body: Incoming) -> usize {
    let mut seen = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.expect("the body arrives whole");
        if let Ok(data) = frame.into_data() {
            for (k, &b) in data.iter().enumerate() {
                assert_eq!(b, byte_at(seen + k), "byte {} is wrong", seen + k);
            }
            seen += data.len();
        }
    }
    seen
}

/// The whole body as text.
pub async fn text(body: Incoming) -> String {
    let bytes = body.collect().await.expect("the body arrives").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// The test servers' service: `POST` echoes the request body back as it arrives (a streamed
/// response), anything else answers `hello <path>`.
pub async fn echo_or_hello(
    req: Request<Incoming>,
) -> Result<Response<http_body_util::combinators::BoxBody<Bytes, hyper::Error>>, Infallible> {
    if req.method() == hyper::Method::POST {
        return Ok(Response::new(req.into_body().boxed()));
    }
    let body = format!("hello {}", req.uri().path());
    let body = http_body_util::Full::new(Bytes::from(body))
        .map_err(|never| match never {})
        .boxed();
    Ok(Response::new(body))
}

/// Which HTTP version a test server speaks.
#[derive(Clone, Copy, Debug)]
pub enum Version {
    Http1,
    Http2,
}

/// Serves [`echo_or_hello`] on a loopback port until the runtime ends; returns the address
/// and the number of connections accepted so far.
pub async fn server(version: Version) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    weft::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let io = WeftIo::new(stream);
            let service = hyper::service::service_fn(echo_or_hello);
            match version {
                Version::Http1 => drop(weft::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .timer(WeftTimer::new())
                        .serve_connection(io, service),
                )),
                Version::Http2 => drop(weft::spawn(
                    hyper::server::conn::http2::Builder::new(WeftExecutor::new())
                        .timer(WeftTimer::new())
                        .serve_connection(io, service),
                )),
            }
        }
    });
    (addr, accepted)
}

/// An HTTP/1 client on one new connection to `addr`, its connection driven by a weft task.
pub async fn http1_client<B>(
    addr: std::net::SocketAddr,
) -> io::Result<hyper::client::conn::http1::SendRequest<B>>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let io = WeftIo::new(TcpStream::connect(addr).await?);
    let (sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(io::Error::other)?;
    drop(weft::spawn(conn));
    Ok(sender)
}

/// An HTTP/2 client on one new connection to `addr`.
pub async fn http2_client<B>(
    addr: std::net::SocketAddr,
) -> io::Result<hyper::client::conn::http2::SendRequest<B>>
where
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let io = WeftIo::new(TcpStream::connect(addr).await?);
    let (sender, conn) = hyper::client::conn::http2::Builder::new(WeftExecutor::new())
        .timer(WeftTimer::new())
        .handshake(io)
        .await
        .map_err(io::Error::other)?;
    drop(weft::spawn(conn));
    Ok(sender)
}

/// A `GET` of `path` with an empty body.
pub fn get(path: &str) -> Request<http_body_util::Empty<Bytes>> {
    Request::get(path)
        .header(hyper::header::HOST, "localhost")
        .body(http_body_util::Empty::new())
        .unwrap()
}
