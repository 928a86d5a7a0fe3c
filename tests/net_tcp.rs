//! TCP on weft's runtime: echo with 1,000 concurrent connections, half-close, split halves
//! used from two tasks, the `futures_io` traits, `incoming()`, options and connect errors.

mod net_support;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use net_support::{HangGuard, connections_that_fit, payload};
use weft::net::{Shutdown, TcpListener, TcpStream};

/// Echoes every byte back until the client half-closes, then closes.
async fn echo(conn: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

#[test]
fn echo_with_1000_concurrent_connections() {
    let _guard = HangGuard::new("echo_with_1000_concurrent_connections", 180);
    let clients = connections_that_fit(1000);
    weft::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weft::spawn(async move {
            for _ in 0..clients {
                let (conn, _) = listener.accept().await.unwrap();
                weft::spawn(async move { echo(conn).await.unwrap() });
            }
        });
        let echoed = weft::gather((0..clients).map(|id| async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let sent = payload(id, 2048 + id);
            // Write everything, then half-close: the echo ends when the server sees EOF.
            let (reader, writer) = stream.split();
            let send = async {
                writer.write_all(&sent).await.unwrap();
                writer.shutdown().unwrap();
            };
            let receive = async {
                let mut got = Vec::new();
                let mut buf = [0u8; 1024];
                loop {
                    let n = reader.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break got;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            };
            let ((), got) = futures_lite::future::zip(send, receive).await;
            got == sent
        }))
        .await;
        server.await.unwrap();
        assert_eq!(echoed.len(), clients);
        assert!(
            echoed.iter().all(|ok| *ok),
            "some connection got back other bytes than it sent"
        );
    });
}

#[test]
fn half_close_lets_the_peer_answer_after_end_of_request() {
    let _guard = HangGuard::new("half_close", 60);
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();

        // The request has no length: its end is the half-close.
        client
            .write_all(b"how long is this request?")
            .await
            .unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let answer = format!("{} bytes", request.len());
        server.write_all(answer.as_bytes()).await.unwrap();
        drop(server);

        let mut reply = Vec::new();
        loop {
            let n = client.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
        }
        assert_eq!(reply, b"25 bytes");
        // Writing after our own shutdown is refused by the OS.
        assert!(client.write(b"x").await.is_err());
    });
}

#[test]
fn dropping_an_owned_write_half_half_closes_and_the_read_half_keeps_reading() {
    let _guard = HangGuard::new("owned write half drop", 60);
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let (reader, writer) = client.into_split();
        writer.write_all(b"request").await.unwrap();
        drop(writer);
        let mut req = [0u8; 7];
        server.read_exact(&mut req).await.unwrap();
        assert_eq!(
            server.read(&mut [0u8; 1]).await.unwrap(),
            0,
            "the peer saw end of stream"
        );
        server.write_all(b"reply").await.unwrap();
        let mut reply = [0u8; 5];
        reader.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"reply");
    });
}

#[test]
fn owned_halves_stream_both_ways_from_two_tasks() {
    let _guard = HangGuard::new("owned halves both ways", 120);
    const SIZE: usize = 4 << 20;
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // Both sides send 4 MiB while receiving 4 MiB: without independent halves (or with
        // a lost wake-up) this deadlocks once the socket buffers fill.
        let side = |stream: TcpStream, id: usize| async move {
            let (reader, writer) = stream.into_split();
            let send = weft::spawn(async move {
                writer.write_all(&payload(id, SIZE)).await.unwrap();
            });
            let receive = weft::spawn(async move {
                let mut got = vec![0u8; SIZE];
                reader.read_exact(&mut got).await.unwrap();
                got
            });
            send.await.unwrap();
            receive.await.unwrap()
        };
        let (a, b) = weft::gather!(side(client, 1), side(server, 2)).await;
        assert!(
            a == payload(2, SIZE),
            "client received the server's bytes in order"
        );
        assert!(
            b == payload(1, SIZE),
            "server received the client's bytes in order"
        );
    });
}

#[test]
fn borrowed_halves_and_reunite() {
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        {
            let (r, w) = server.split();
            client.write_all(b"abc").await.unwrap();
            let mut buf = [0u8; 3];
            r.read_exact(&mut buf).await.unwrap();
            w.write_all(&buf).await.unwrap();
        }
        let mut buf = [0u8; 3];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abc");

        let (r, w) = client.into_split();
        let client = r.reunite(w).expect("halves of one stream");
        client.write_all(b"!").await.unwrap(); // reunite did not shut the stream down
        let mut one = [0u8; 1];
        server.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"!");
    });
}

#[test]
fn futures_io_traits_work_with_ecosystem_adapters() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weft::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            // `futures_lite::io::copy` over the halves: an echo written with adapters only.
            let (r, w) = conn.into_split();
            futures_lite::io::copy(r, w).await.unwrap()
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"through the adapters").await.unwrap();
        client.close().await.unwrap(); // AsyncWrite::poll_close = shutdown(Write)
        let mut echoed = String::new();
        client.read_to_string(&mut echoed).await.unwrap();
        assert_eq!(echoed, "through the adapters");
        assert_eq!(server.await.unwrap(), 20);
    });
}

#[test]
fn incoming_stream_yields_connections() {
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients = weft::spawn(async move {
            let mut kept = Vec::new();
            for _ in 0..3 {
                kept.push(TcpStream::connect(addr).await.unwrap());
            }
            kept
        });
        let mut incoming = listener.incoming();
        let mut peers = Vec::new();
        for _ in 0..3 {
            let conn = std::future::poll_fn(|cx| {
                futures_core::Stream::poll_next(std::pin::Pin::new(&mut incoming), cx)
            })
            .await
            .expect("incoming never ends")
            .unwrap();
            peers.push(conn.peer_addr().unwrap());
        }
        let clients = clients.await.unwrap();
        let mut locals: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
        locals.sort();
        peers.sort();
        assert_eq!(peers, locals);
    });
}

#[test]
fn socket_options_and_addresses() {
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(server.local_addr().unwrap(), client.peer_addr().unwrap());
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_nodelay(false).unwrap();
        assert!(!client.nodelay().unwrap());
        client.set_linger(Some(Duration::from_secs(1))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(1)));
        assert!(format!("{client:?}").contains("TcpStream"));
    });
}

#[test]
fn connect_errors_are_the_os_errors() {
    weft::run(async {
        // Refused: a port that was just freed.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        // Unresolvable input is an error value, not a panic.
        let err = TcpStream::connect("not an address").await.unwrap_err();
        assert!(!err.to_string().is_empty());
        let err = TcpStream::connect(&[][..] as &[std::net::SocketAddr])
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}

#[test]
fn many_tasks_can_wait_on_one_shared_stream() {
    let _guard = HangGuard::new("shared stream waiters", 60);
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = Arc::new(
            TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap(),
        );
        let (server, _) = listener.accept().await.unwrap();
        // Eight tasks wait in `read` on the same stream at once; each gets one byte.
        let readers: Vec<_> = (0..8)
            .map(|_| {
                let c = client.clone();
                weft::spawn(async move {
                    let mut b = [0u8; 1];
                    c.read_exact(&mut b).await.unwrap();
                    b[0]
                })
            })
            .collect();
        for i in 0..8u8 {
            server.write_all(&[i]).await.unwrap();
            weft::yield_now().await;
        }
        let mut got = Vec::new();
        for r in readers {
            got.push(r.await.unwrap());
        }
        got.sort();
        assert_eq!(got, (0..8).collect::<Vec<u8>>());
    });
}
