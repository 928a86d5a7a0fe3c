//! Seed 004 (the asyncio documentation index: "network I/O and IPC"): the asyncio docs'
//! "TCP echo server using streams".
//!
//! ```python
//! async def handle_echo(reader, writer):
//!     data = await reader.read(100)
//!     message = data.decode()
//!     addr = writer.get_extra_info('peername')
//!     print(f"Received {message!r} from {addr!r}")
//!     print(f"Send: {message!r}")
//!     writer.write(data)
//!     await writer.drain()
//!     print("Close the connection")
//!     writer.close()
//!     await writer.wait_closed()
//!
//! async def main():
//!     server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
//!     addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
//!     print(f'Serving on {addrs}')
//!     async with server:
//!         await server.serve_forever()
//! ```
//!
//! How weft differs: `get_extra_info('peername')` is `writer.socket()` and its
//! `peer_addr()`; every handler runs as its own task, on any core. So that it ends by itself,
//! `demo` serves on a free port, lets three in-process clients connect, and closes the
//! server once it has served them (`serve_forever` returns when `close` is called). Run
//! `echo_server --serve 127.0.0.1:8888` to serve until killed, and `echo_client
//! 127.0.0.1:8888` against it.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use weft::io::{Server, StreamReader, StreamSocket, StreamWriter};

/// The connections `demo` serves before it closes the server.
const DEMO_CONNECTIONS: usize = 3;

async fn handle_echo(mut reader: StreamReader, writer: StreamWriter) -> std::io::Result<()> {
    let data = reader.read(100).await?;
    let message = String::from_utf8_lossy(&data);
    let addr = match writer.socket() {
        StreamSocket::Tcp(s) => s.peer_addr()?.to_string(),
        #[cfg(unix)]
        StreamSocket::Unix(s) => format!("{:?}", s.peer_addr()?),
    };
    println!("Received {message:?} from {addr:?}");
    println!("Send: {message:?}");
    writer.write(&data)?;
    writer.drain().await?;
    println!("Close the connection");
    writer.close();
    writer.wait_closed().await
}

/// Starts the echo server; `served` counts finished connections and `on_served` runs after each.
async fn start(
    addr: &str,
    served: Arc<AtomicUsize>,
    on_served: impl Fn(usize) + Send + Sync + 'static,
) -> std::io::Result<Server> {
    let on_served = Arc::new(on_served);
    weft::io::start_server(
        move |reader, writer| {
            let (served, on_served) = (served.clone(), on_served.clone());
            async move {
                if let Err(err) = handle_echo(reader, writer).await {
                    println!("connection failed: {err}");
                }
                on_served(served.fetch_add(1, Ordering::SeqCst) + 1);
            }
        },
        addr,
    )
    .await
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let served = Arc::new(AtomicUsize::new(0));
        let all_served = Arc::new(weft::sync::Event::new());
        let signal = all_served.clone();
        let server = start("127.0.0.1:0", served.clone(), move |n| {
            if n == DEMO_CONNECTIONS {
                signal.set();
            }
        })
        .await
        .expect("bind a loopback port");
        let addr = server.local_addr().expect("TCP address");
        println!("Serving on {addr}");

        // Three clients, one after the other (the output stays readable).
        for i in 1..=DEMO_CONNECTIONS {
            let (mut reader, writer) = weft::io::open_connection(addr).await.expect("connect");
            let message = format!("Hello World! #{i}");
            writer.write(message.as_bytes()).expect("write");
            let echoed = reader.read_to_end().await.expect("read the echo");
            assert_eq!(
                echoed,
                message.as_bytes(),
                "the server echoes what it receives"
            );
        }

        // Close once every connection was served (or after a generous window, as a guard).
        weft::timeout(secs(100.0, scale.max(0.1)), all_served.wait())
            .await
            .expect("all connections served in time");
        server.close();
        server.serve_forever().await; // returns at once: the server is closed
        server.wait_closed().await;
        assert_eq!(served.load(Ordering::SeqCst), DEMO_CONNECTIONS);
        println!("served {DEMO_CONNECTIONS} connections; server closed");
    })
}

/// Serves on `addr` until the process is killed.
#[allow(dead_code)] // used by `main` only, not when the tour includes this file
fn serve(addr: &str) {
    weft::run(async {
        let server = start(addr, Arc::new(AtomicUsize::new(0)), |_| {})
            .await
            .expect("bind the address");
        println!("Serving on {}", server.local_addr().expect("TCP address"));
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
        serve(args.get(i + 1).map_or("127.0.0.1:8888", String::as_str));
        return;
    }
    demo(
        std::env::var("WEFT_TIME_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.1),
    )
}
