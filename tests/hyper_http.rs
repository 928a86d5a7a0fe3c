//! hyper 1.x HTTP/1 and HTTP/2, server and client, both on weft: keep-alive, multiplexing,
//! an 8 MiB body streamed each way, and the header-read timeout on a silent client.

mod hyper_support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hyper_support::*;
use weft::hyper::{WeftIo, WeftTimer};
use weft::net::{TcpListener, TcpStream};

const EIGHT_MIB: usize = 8 * 1024 * 1024;
const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn http1_keep_alive_serves_many_requests_over_one_connection() {
    within(LIMIT, || {
        weft::run(async {
            let (addr, accepted) = server(Version::Http1).await;
            let mut sender = http1_client(addr).await.unwrap();
            for i in 0..5 {
                // Each request waits for the connection to be ready again: the previous
                // response was read whole, and the server kept the connection open.
                sender.ready().await.unwrap();
                let response = sender.send_request(get(&format!("/{i}"))).await.unwrap();
                assert_eq!(response.status(), 200);
                assert_eq!(text(response.into_body()).await, format!("hello /{i}"));
            }
            assert_eq!(accepted.load(Ordering::SeqCst), 1);
        })
    });
}

#[test]
fn http1_streams_eight_mib_each_way() {
    within(LIMIT, || {
        weft::run(async {
            let (addr, _) = server(Version::Http1).await;
            let mut sender = http1_client(addr).await.unwrap();
            let request = hyper::Request::post("/echo")
                .header(hyper::header::HOST, "localhost")
                .body(Pattern::new(EIGHT_MIB))
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(check_pattern(response.into_body()).await, EIGHT_MIB);
        })
    });
}

#[test]
fn http2_multiplexes_requests_and_streams_eight_mib() {
    within(LIMIT, || {
        weft::run(async {
            let (addr, accepted) = server(Version::Http2).await;
            let sender = http2_client::<Pattern>(addr).await.unwrap();
            // 16 requests at once over the one connection, each its own HTTP/2 stream; the
            // server runs each stream as a task through `WeftExecutor`.
            let answers = weft::gather((0..16).map(|i| {
                let mut sender = sender.clone();
                async move {
                    let request = hyper::Request::get(format!("http://localhost/{i}"))
                        .body(Pattern::new(0))
                        .unwrap();
                    let response = sender.send_request(request).await.unwrap();
                    text(response.into_body()).await
                }
            }))
            .await;
            for (i, answer) in answers.iter().enumerate() {
                assert_eq!(answer, &format!("hello /{i}"));
            }
            let request = hyper::Request::post("http://localhost/echo")
                .body(Pattern::new(EIGHT_MIB))
                .unwrap();
            let response = sender.clone().send_request(request).await.unwrap();
            assert_eq!(check_pattern(response.into_body()).await, EIGHT_MIB);
            assert_eq!(accepted.load(Ordering::SeqCst), 1);
        })
    });
}

#[test]
fn the_header_read_timeout_closes_a_silent_client() {
    within(LIMIT, || {
        weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let timeout = Duration::from_millis(200);
            let served = weft::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                hyper::server::conn::http1::Builder::new()
                    .timer(WeftTimer::new())
                    .header_read_timeout(timeout)
                    .serve_connection(
                        WeftIo::new(stream),
                        hyper::service::service_fn(echo_or_hello),
                    )
                    .await
            });
            let start = Instant::now();
            let client = TcpStream::connect(addr).await.unwrap();
            // Say nothing; the server must give up and close the connection.
            let mut buf = [0u8; 64];
            let n = client.read(&mut buf).await.unwrap_or(0);
            assert_eq!(n, 0, "the server sent something instead of closing");
            assert!(start.elapsed() >= timeout, "closed before the timeout");
            let err = served.await.unwrap().unwrap_err();
            assert!(err.is_timeout(), "not a timeout: {err}");
        })
    });
}
