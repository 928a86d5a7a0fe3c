//! Seed 004 (the asyncio documentation index: "network I/O and IPC"): the asyncio docs'
//! "TCP echo client using streams".
//!
//! ```python
//! async def tcp_echo_client(message):
//!     reader, writer = await asyncio.open_connection('127.0.0.1', 8888)
//!     print(f'Send: {message!r}')
//!     writer.write(message.encode())
//!     await writer.drain()
//!     data = await reader.read(100)
//!     print(f'Received: {data.decode()!r}')
//!     print('Close the connection')
//!     writer.close()
//!     await writer.wait_closed()
//!
//! asyncio.run(tcp_echo_client('Hello World!'))
//! ```
//!
//! How weft differs: nothing in the client. So that it runs on its own, `demo` starts a small
//! echo server in-process on a free port first; `echo_client HOST:PORT` talks to a server you
//! started (for example `echo_server --serve 127.0.0.1:8888`).
use std::time::Duration;

async fn tcp_echo_client(message: &str, addr: std::net::SocketAddr) -> std::io::Result<Vec<u8>> {
    let (mut reader, writer) = weft::io::open_connection(addr).await?;
    println!("Send: {message:?}");
    writer.write(message.as_bytes())?;
    writer.drain().await?;
    let data = reader.read(100).await?;
    println!("Received: {:?}", String::from_utf8_lossy(&data));
    println!("Close the connection");
    writer.close();
    writer.wait_closed().await?;
    Ok(data)
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        // The in-process server: echo one message per connection.
        let server = weft::io::start_server(
            |mut reader, writer| async move {
                if let Ok(data) = reader.read(100).await {
                    let _ = writer.write(&data);
                }
            },
            "127.0.0.1:0",
        )
        .await
        .expect("bind a loopback port");
        let addr = server.local_addr().expect("TCP address");
        let echoed = weft::timeout(
            secs(50.0, scale.max(0.1)),
            tcp_echo_client("Hello World!", addr),
        )
        .await
        .expect("the echo came back in time")
        .expect("the echo succeeded");
        assert_eq!(echoed, b"Hello World!");
        server.close();
        server.wait_closed().await;
    })
}

fn secs(s: f64, scale: f64) -> Duration {
    Duration::from_secs_f64(s * scale)
}

#[allow(dead_code)]
fn main() {
    if let Some(addr) = std::env::args().nth(1) {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&addr)
            .ok()
            .and_then(|mut a| a.next())
            .expect("usage: echo_client HOST:PORT");
        let data = weft::run(tcp_echo_client("Hello World!", addr)).expect("echo");
        assert_eq!(data, b"Hello World!");
        return;
    }
    demo(
        std::env::var("WEFT_TIME_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.1),
    )
}
