//! The `wrk` peer of `examples/http_hello.rs`: the same minimal HTTP/1.1 keep-alive server
//! (read a request head up to `\r\n\r\n`, answer `GET /` with "Hello, world!"), written on
//! tokio's multi-thread runtime with the same worker count. Not a criterion suite: a helper
//! server for `benches/http_wrk.sh`.
//!
//! `tokio_http_hello --serve ADDR` serves until killed. Run any other way (as `cargo bench`
//! does, with `--bench`), it starts on a free port, answers one request and exits, so that
//! `cargo bench` never hangs on it.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, world!\n";
const NOT_FOUND: &[u8] =
    b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nNot found\n";
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
/// The longest request head accepted (the weft server's `StreamReader` limit).
const LIMIT: usize = 64 * 1024;

/// One connection: answers requests until the client closes or asks to.
async fn handle(mut stream: TcpStream) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut searched = 0;
    loop {
        // Find the end of the next request head in what was read so far.
        let end = loop {
            if let Some(at) = buf[searched..].windows(4).position(|w| w == b"\r\n\r\n") {
                break searched + at + 4;
            }
            searched = buf.len().saturating_sub(3);
            if buf.len() > LIMIT {
                stream.write_all(BAD_REQUEST).await?;
                return Ok(());
            }
            buf.reserve(4096);
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        };
        let head: Vec<u8> = buf.drain(..end).collect();
        searched = 0;
        let mut request_line = head.split(|&b| b == b' ');
        let response = match (request_line.next(), request_line.next()) {
            (Some(b"GET"), Some(b"/")) => HELLO,
            (Some(_), Some(_)) => NOT_FOUND,
            _ => BAD_REQUEST,
        };
        stream.write_all(response).await?;
        if response == BAD_REQUEST || wants_close(&head) {
            return Ok(());
        }
    }
}

fn wants_close(head: &[u8]) -> bool {
    const NAME: &[u8] = b"connection:";
    head.split(|&b| b == b'\n').any(|line| {
        line.len() > NAME.len()
            && line[..NAME.len()].eq_ignore_ascii_case(NAME)
            && line[NAME.len()..]
                .windows(5)
                .any(|w| w.eq_ignore_ascii_case(b"close"))
    })
}

async fn serve(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(async move {
                    let _ = handle(stream).await;
                });
            }
            Err(err) => eprintln!("accept failed: {err}"),
        }
    }
}

fn main() {
    let workers = std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let addr = args
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| "127.0.0.1:8081".to_owned());
        rt.block_on(async move {
            let listener = TcpListener::bind(&addr).await.expect("bind");
            println!(
                "Serving on http://{}/ ({workers} workers)",
                listener.local_addr().unwrap()
            );
            serve(listener).await
        });
        return;
    }
    // Self-check (what `cargo bench` runs): one keep-alive request, then exit.
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener));
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut response = vec![0u8; HELLO.len()];
        client.read_exact(&mut response).await.unwrap();
        assert_eq!(response, HELLO);
        println!("tokio_http_hello: self-check ok (run with --serve ADDR to serve)");
    });
}
