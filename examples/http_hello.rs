//! Seed 004 (the asyncio documentation index: "network I/O and IPC") and the Real Python
//! tutorial's contrast of synchronous and asynchronous web serving: a minimal HTTP/1.1 server
//! on weft's streams that answers `GET /` with keep-alive.
//!
//! ```python
//! async def handle(reader, writer):
//!     while True:
//!         try:
//!             head = await reader.readuntil(b"\r\n\r\n")
//!         except (asyncio.IncompleteReadError, ConnectionError):
//!             break
//!         method, path, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
//!         body = b"Hello, world!\n" if path == b"/" else b"Not found\n"
//!         writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
//!         await writer.drain()
//!     writer.close()
//!
//! async def main():
//!     server = await asyncio.start_server(handle, "127.0.0.1", 8080)
//!     async with server:
//!         await server.serve_forever()
//! ```
//!
//! How weft differs: `start_server` runs each connection's handler as its own task on every
//! core (asyncio runs them all on one thread). `demo` starts the server on a free port,
//! fetches `/` a few times over one keep-alive connection with a tiny client, prints the
//! response and stops. Run `http_hello --serve 127.0.0.1:8080 [--workers N]` to serve until
//! killed (the `wrk` comparison in `benches/http_wrk.sh` does that).
use std::time::Duration;

use weft::io::{ReadError, StreamReader, StreamWriter};

const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, world!\n";
const NOT_FOUND: &[u8] =
    b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nNot found\n";
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// One connection: answers requests until the client closes or asks to.
async fn handle(mut reader: StreamReader, writer: StreamWriter) {
    loop {
        let head = match reader.readuntil(b"\r\n\r\n").await {
            Ok(head) => head,
            // End of stream between requests, a reset, or a head over the 64 KiB limit.
            Err(ReadError::LimitOverrun(_)) => {
                let _ = writer.write(BAD_REQUEST);
                return;
            }
            Err(_) => return,
        };
        let mut request_line = head.split(|&b| b == b' ');
        let (method, path) = (request_line.next(), request_line.next());
        let response = match (method, path) {
            (Some(b"GET"), Some(b"/")) => HELLO,
            (Some(_), Some(_)) => NOT_FOUND,
            _ => BAD_REQUEST,
        };
        if writer.write(response).is_err() || writer.drain().await.is_err() {
            return;
        }
        if response == BAD_REQUEST || wants_close(&head) {
            return; // dropping the writer closes the connection
        }
    }
}

/// Whether the request head says `Connection: close` (HTTP/1.1 keeps alive otherwise).
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

/// A tiny HTTP/1.1 client: sends `GET path` on an open connection and reads one response.
async fn get(
    reader: &mut StreamReader,
    writer: &StreamWriter,
    path: &str,
) -> std::io::Result<(String, String)> {
    writer.write(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())?;
    writer.drain().await?;
    let head = String::from_utf8_lossy(&reader.readuntil(b"\r\n\r\n").await?).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let body = String::from_utf8_lossy(&reader.readexactly(length).await?).into_owned();
    Ok((head, body))
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let server = weft::io::start_server(handle, "127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = server.local_addr().expect("a TCP server has an address");
        println!("Serving on http://{addr}/");

        let fetches = async {
            let (mut reader, writer) = weft::io::open_connection(addr).await?;
            let mut bodies = Vec::new();
            for i in 1..=3 {
                let (head, body) = get(&mut reader, &writer, "/").await?;
                if i == 1 {
                    print!("{head}{body}");
                }
                println!(
                    "request {i} on the same connection: {}",
                    head.lines().next().unwrap_or("")
                );
                bodies.push(body);
            }
            let (head, _) = get(&mut reader, &writer, "/missing").await?;
            println!("GET /missing: {}", head.lines().next().unwrap_or(""));
            std::io::Result::Ok(bodies)
        };
        let bodies = weft::timeout(secs(50.0, scale.max(0.1)), fetches)
            .await
            .expect("the fetches finished in time")
            .expect("the fetches succeeded");
        assert!(
            bodies.iter().all(|b| b == "Hello, world!\n"),
            "unexpected bodies: {bodies:?}"
        );
        server.close();
        server.wait_closed().await;
        println!(
            "server closed after {} keep-alive requests",
            bodies.len() + 1
        );
    })
}

/// Serves on `addr` until the process is killed, on `workers` worker threads (default: one
/// per core).
#[allow(dead_code)] // used by `main` only, not when the tour includes this file
fn serve(addr: &str, workers: Option<usize>) {
    let mut builder = weft::Builder::new();
    if let Some(n) = workers {
        builder = builder.worker_threads(n);
    }
    let rt = builder.build().expect("start a runtime");
    rt.block_on(async {
        let server = weft::io::start_server(handle, addr)
            .await
            .expect("bind the address");
        println!(
            "Serving on http://{}/ (Ctrl-C to stop)",
            server.local_addr().expect("TCP address")
        );
        server.serve_forever().await;
    })
}

fn secs(s: f64, scale: f64) -> Duration {
    Duration::from_secs_f64(s * scale)
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let workers = args
            .iter()
            .position(|a| a == "--workers")
            .and_then(|w| args.get(w + 1)?.parse().ok());
        serve(
            args.get(i + 1).map_or("127.0.0.1:8080", String::as_str),
            workers,
        );
        return;
    }
    demo(
        std::env::var("WEFT_TIME_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.1),
    )
}
