//! hyper 1.x "hello" on weft and on tokio, for `benches/http_wrk.sh`: the same `service_fn`,
//! the same `http1::Builder` (defaults, no timer on either side), `TCP_NODELAY` on both, the
//! same worker count (`BENCH_WORKERS`, default: cores). Not a criterion suite: a helper
//! server for wrk.
//!
//! * `http_hyper --serve weft ADDR` / `--serve tokio ADDR` serves until killed.
//! * Run any other way (as `cargo bench` does), it starts both on free ports, checks one
//!   keep-alive request against each, and exits, so `cargo bench` never hangs on it.
//!
//! The weft side uses `weft::hyper::WeftIo` (feature `hyper`: reads straight into hyper's
//! buffer, vectored writes); tokio's uses `hyper_util::rt::TokioIo`.

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

const HELLO: &[u8] = b"Hello, world!\n";

/// The one handler both servers run.
async fn hello(_req: Request<Incoming>) -> Result<Response<Full<&'static [u8]>>, Infallible> {
    Ok(Response::new(Full::new(HELLO)))
}

fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Serves hyper hello on weft until the process ends (or `stop_after` connections, for the
/// self-check).
async fn serve_weft(listener: weft::net::TcpListener, stop_after: Option<usize>) {
    let mut served = 0;
    while stop_after.is_none_or(|n| served < n) {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        served += 1;
        let _ = stream.set_nodelay(true);
        drop(weft::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(weft::hyper::WeftIo::new(stream), service_fn(hello))
                .await;
        }));
    }
}

/// The same on tokio.
async fn serve_tokio(listener: tokio::net::TcpListener, stop_after: Option<usize>) {
    let mut served = 0;
    while stop_after.is_none_or(|n| served < n) {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        served += 1;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}

fn weft_runtime() -> weft::Runtime {
    weft::Builder::new()
        .worker_threads(workers())
        .build()
        .expect("weft runtime")
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// One keep-alive request with a blocking client; panics unless the answer is hello.
fn check_one(addr: std::net::SocketAddr) {
    use std::io::{Read, Write};
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.ends_with(HELLO) {
        let n = client.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "the server closed early: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let runtime = args.get(i + 1).map(String::as_str).unwrap_or("weft");
        let addr = args
            .get(i + 2)
            .cloned()
            .unwrap_or_else(|| "127.0.0.1:8082".to_owned());
        println!(
            "hyper on {runtime}: serving http://{addr}/ ({} workers)",
            workers()
        );
        match runtime {
            "weft" => weft_runtime().block_on(async move {
                let listener = weft::net::TcpListener::bind(&addr).await.expect("bind");
                serve_weft(listener, None).await
            }),
            "tokio" => tokio_runtime().block_on(async move {
                let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
                serve_tokio(listener, None).await
            }),
            other => panic!("--serve {other}: use weft or tokio"),
        }
        return;
    }
    // Self-check (what `cargo bench` runs): one request to each, then exit.
    let rt = weft_runtime();
    let listener = rt
        .block_on(weft::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rt.spawn(serve_weft(listener, Some(1)));
    check_one(addr);
    rt.block_on(server).unwrap();

    let rt = tokio_runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rt.spawn(serve_tokio(listener, Some(1)));
    check_one(addr);
    rt.block_on(server).unwrap();
    println!("http_hyper: self-check ok on weft and tokio (run with --serve weft|tokio ADDR)");
}
