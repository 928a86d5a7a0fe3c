//! Faults: a peer that resets mid-read or mid-write, writing after the peer closed, and a
//! stream closed while another task waits on it. Each must end in an error (or end of
//! stream where asyncio gives one), never a hang.

mod net_support;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use net_support::HangGuard;
use weft::io::ReadError;
use weft::net::{Shutdown, TcpListener, TcpStream};

async fn connected() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Closes `stream` with a reset (RST) instead of the orderly FIN.
fn reset(stream: TcpStream) {
    stream.set_linger(Some(Duration::ZERO)).unwrap();
    drop(stream);
}

fn is_reset(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionAborted
    )
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine 8 closes a socket with SO_LINGER 0 with a FIN, not a reset: the peer reads end of stream"
)]
fn a_peer_reset_mid_read_is_an_error() {
    let _guard = HangGuard::new("reset mid-read", 60);
    weft::run(async {
        let (client, server) = connected().await;
        let server = Arc::new(server);
        let s = server.clone();
        let reader = weft::spawn(async move {
            let mut buf = [0u8; 64];
            let mut total = 0;
            loop {
                match s.read(&mut buf).await {
                    Ok(0) => return Ok(total),
                    Ok(n) => total += n,
                    Err(err) => return Err(err),
                }
            }
        });
        client.write_all(b"partial message").await.unwrap();
        weft::yield_now().await;
        reset(client);
        let err = reader
            .await
            .unwrap()
            .expect_err("a reset must be an error, not end of stream");
        assert!(is_reset(&err), "{err:?}");
    });
}

#[test]
fn a_peer_reset_mid_write_is_an_error() {
    let _guard = HangGuard::new("reset mid-write", 60);
    weft::run(async {
        let (client, server) = connected().await;
        // 64 MiB cannot fit in the socket buffers: the writer is parked when the reset comes.
        let writer = weft::spawn(async move { server.write_all(&vec![1u8; 64 << 20]).await });
        let mut first = [0u8; 1];
        client.read_exact(&mut first).await.unwrap(); // the write has started
        reset(client);
        let err = writer
            .await
            .unwrap()
            .expect_err("writing into a reset connection must fail");
        assert!(is_reset(&err), "{err:?}");
    });
}

#[test]
fn writing_after_the_peer_closed_fails_with_broken_pipe_or_reset() {
    let _guard = HangGuard::new("write after close", 60);
    weft::run(async {
        let (client, server) = connected().await;
        drop(client); // orderly close: FIN
        assert_eq!(server.read(&mut [0u8; 1]).await.unwrap(), 0);
        // The first write reaches a closed socket, which answers with RST; a later one fails.
        let mut outcome = Ok(0);
        for _ in 0..10_000 {
            outcome = server.write(b"anyone there?").await;
            if outcome.is_err() {
                break;
            }
            weft::yield_now().await;
        }
        let err = outcome.expect_err("writes to a closed peer kept succeeding");
        assert!(is_reset(&err), "{err:?}");

        // The same through a StreamWriter.
        let (client, server) = connected().await;
        let (_r, w) = weft::io::open_stream(server).unwrap();
        drop(client);
        let mut outcome = Ok(());
        for _ in 0..10_000 {
            outcome = w.write(b"anyone there?");
            if outcome.is_ok() {
                outcome = w.drain().await;
            }
            if outcome.is_err() {
                break;
            }
            weft::yield_now().await;
        }
        let err = outcome.expect_err("StreamWriter kept writing to a closed peer");
        assert!(is_reset(&err), "{err:?}");
    });
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine 8 closes a socket with SO_LINGER 0 with a FIN, not a reset: the peer reads end of stream"
)]
fn a_stream_reader_sees_a_peer_reset_as_an_error() {
    let _guard = HangGuard::new("reader reset", 60);
    weft::run(async {
        let (client, server) = connected().await;
        let (mut reader, writer) = weft::io::open_stream(server).unwrap();
        let waiting = weft::spawn(async move { reader.readline().await });
        client.write_all(b"no newline yet").await.unwrap();
        weft::yield_now().await;
        reset(client);
        match waiting.await.unwrap() {
            Err(ReadError::Io(err)) => assert!(is_reset(&err), "{err:?}"),
            other => panic!("expected a reset error, got {other:?}"),
        }
        // The writer learned about it too: its next drain or write reports the failure.
        let err = match writer.write(b"x") {
            Err(err) => err,
            Ok(()) => writer.drain().await.unwrap_err(),
        };
        assert!(is_reset(&err), "{err:?}");
    });
}

#[test]
fn dropping_the_writer_wakes_a_task_waiting_in_the_reader_with_an_error() {
    let _guard = HangGuard::new("drop writer while reading", 60);
    weft::run(async {
        let (client, server) = connected().await;
        let (mut reader, writer) = weft::io::open_stream(server).unwrap();
        client.write_all(b"12345").await.unwrap();
        // Another task waits for 10 bytes; only 5 will ever come.
        let waiting = weft::spawn(async move { reader.readexactly(10).await });
        weft::yield_now().await;
        drop(writer); // closes the connection (asyncio: StreamWriter.__del__ → close)
        match waiting.await.unwrap() {
            Err(ReadError::Incomplete(err)) => {
                assert_eq!(err.expected, Some(10));
                assert!(err.partial.len() <= 5);
            }
            other => panic!("expected an IncompleteReadError, got {other:?}"),
        }
        // The peer sees the connection end.
        let mut rest = Vec::new();
        let mut buf = [0u8; 16];
        loop {
            match client.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => rest.extend_from_slice(&buf[..n]),
            }
        }
        assert!(rest.is_empty());
    });
}

#[test]
fn shutting_a_shared_stream_down_wakes_every_waiting_task() {
    let _guard = HangGuard::new("shutdown wakes waiters", 60);
    weft::run(async {
        let (_client, server) = connected().await;
        let server = Arc::new(server);
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let s = server.clone();
                weft::spawn(async move { s.read(&mut [0u8; 8]).await })
            })
            .collect();
        weft::yield_now().await;
        server.shutdown(Shutdown::Both).unwrap();
        for w in waiters {
            // End of stream for each: nobody is left parked.
            assert_eq!(w.await.unwrap().unwrap(), 0);
        }
    });
}

#[test]
fn a_server_handler_sees_a_reset_client_as_an_error() {
    let _guard = HangGuard::new("server reset", 60);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let tx = std::sync::Mutex::new(tx);
    weft::run(async move {
        let server = weft::io::start_server(
            move |mut reader, writer| {
                let tx = tx.lock().unwrap().clone();
                async move {
                    writer.write(b"ready\n").unwrap();
                    let outcome = reader.readexactly(1000).await;
                    let _ = tx.send(format!("{outcome:?}"));
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let client = TcpStream::connect(server.local_addr().unwrap())
            .await
            .unwrap();
        let mut ready = [0u8; 6];
        client.read_exact(&mut ready).await.unwrap(); // the handler is running
        client.write_all(b"short").await.unwrap();
        reset(client);
        server.close();
        server.wait_closed().await; // the handler returned
    });
    let outcome = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(outcome.contains("Err"), "{outcome}");
}

#[test]
fn a_stream_used_after_its_runtime_was_dropped_fails_with_a_message_instead_of_hanging() {
    use std::io::Write;
    let _g = HangGuard::new("stream of a dropped runtime", 60);
    let first = weft::Runtime::new().unwrap();
    let (server, mut peer) = first.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (server, peer)
    });
    drop(first);
    // The peer sends data, but the reactor that would report it is gone: from a new
    // runtime or from another executor, the read says so instead of waiting forever.
    peer.write_all(b"hello").unwrap();
    let mut buf = [0u8; 8];
    let second = weft::Runtime::new().unwrap();
    let err = second.block_on(server.read(&mut buf)).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    let err = futures_lite::future::block_on(server.read(&mut buf)).unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
}
