//! A hyper server on weft against clients that misbehave: one sends garbage, one stalls in
//! the middle of its headers, one disconnects in the middle of its body. The server answers
//! or closes each, goes on serving, and every descriptor is closed afterwards. Its own test
//! binary, so no other test opens descriptors while this one counts them.

mod hyper_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_support::{text, within};
use weft::hyper::{WeftIo, WeftTimer};
use weft::net::{TcpListener, TcpStream};
use weft::sync::Queue;
#[cfg(unix)]
use weft_test_support::fds::open_fds;

const HEADER_TIMEOUT: Duration = Duration::from_millis(300);

/// Reads the whole upload before answering with its length; a broken upload is an error,
/// which hyper turns into closing the connection.
async fn upload(
    req: Request<Incoming>,
    broken: Arc<AtomicUsize>,
) -> Result<Response<String>, hyper::Error> {
    match req.into_body().collect().await {
        Ok(body) => Ok(Response::new(body.to_bytes().len().to_string())),
        Err(err) => {
            broken.fetch_add(1, Ordering::SeqCst);
            Err(err)
        }
    }
}

/// Accepts connections forever; each ended connection puts `()` into `done`.
async fn serve(listener: TcpListener, done: Queue<()>, broken: Arc<AtomicUsize>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (done, broken) = (done.clone(), broken.clone());
        drop(weft::spawn(async move {
            let service = hyper::service::service_fn(move |req| upload(req, broken.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(WeftTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(WeftIo::new(stream), service)
                .await;
            done.put_nowait(()).unwrap();
        }));
    }
}

/// Writes `bytes` on a new connection and reads until the server closes it.
async fn send_raw(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// One well-formed request over its own connection, closed again before returning.
async fn good_request(addr: std::net::SocketAddr) -> String {
    let io = WeftIo::new(TcpStream::connect(addr).await.unwrap());
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
    let conn = weft::spawn(conn);
    let request = Request::post("/")
        .header(hyper::header::HOST, "localhost")
        .body(http_body_util::Full::new(Bytes::from_static(b"12345")))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let body = text(response.into_body()).await;
    drop(sender); // the client's connection task then ends and closes its socket
    conn.await.unwrap().unwrap();
    body
}

#[test]
fn misbehaving_clients_are_answered_or_closed_and_leak_nothing() {
    within(Duration::from_secs(120), || {
        weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (done, broken) = (Queue::new(), Arc::new(AtomicUsize::new(0)));
            drop(weft::spawn(serve(listener, done.clone(), broken.clone())));
            // Warm up: whatever the runtime opens lazily is open before the baseline.
            assert_eq!(good_request(addr).await, "5");
            done.get().await.unwrap();
            #[cfg(unix)]
            let baseline = open_fds();

            // Garbage: hyper answers 400 Bad Request and closes.
            let answer = send_raw(addr, b"THIS IS NOT HTTP AT ALL\r\n\r\n").await;
            assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
            done.get().await.unwrap();

            // Stalled mid-headers: the header-read timeout closes the connection.
            let start = std::time::Instant::now();
            let answer = send_raw(addr, b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Half").await;
            assert!(
                start.elapsed() >= HEADER_TIMEOUT,
                "closed before the timeout"
            );
            assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
                "{answer:?}"
            );
            done.get().await.unwrap();

            // Disconnected mid-body: the service sees a broken body, the connection ends.
            let stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(
                    b"POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n",
                )
                .await
                .unwrap();
            stream.write_all(&[7u8; 10]).await.unwrap();
            drop(stream);
            done.get().await.unwrap();
            assert_eq!(broken.load(Ordering::SeqCst), 1);

            // The server goes on serving, and nothing is left open.
            assert_eq!(good_request(addr).await, "5");
            done.get().await.unwrap();
            // Descriptors are Unix's (under Wine `/proc` shows Wine's own, which come and go).
            #[cfg(unix)]
            assert_eq!(open_fds(), baseline, "descriptors leaked");
        })
    });
}
