//! A server under clients that misbehave: half-closed peers still get their reply, a
//! slowloris client dribbling a line longer than the reader's limit gets `LimitOverrun`
//! while other clients are served, and nothing leaks a descriptor. (The connection flood past
//! the fd limit is `server_fd_flood.rs`: it lowers a process-wide limit.)
//!
//! The tests take one lock each: the descriptor counts (`/proc/self/fd`) must not see
//! another test's sockets.

mod net_support;

use std::sync::Mutex;

use net_support::HangGuard;
use weft::io::{ReadError, ServerOptions};
use weft::sync::mpsc;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serialize() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Open descriptors, where the platform lists them.
fn open_fds() -> Option<usize> {
    #[cfg(target_os = "linux")]
    return Some(net_support::open_fds());
    #[cfg(not(target_os = "linux"))]
    None
}

/// Waits (bounded) until the descriptor count is back to `before`; the last transports are
/// dropped by tasks that finish just after `wait_closed` returns.
async fn assert_no_fd_leak(before: Option<usize>) {
    let Some(before) = before else { return };
    for _ in 0..1_000 {
        if open_fds() == Some(before) {
            return;
        }
        weft::yield_now().await;
    }
    assert_eq!(open_fds(), Some(before), "descriptors leaked");
}

/// Runs a server through one connection and closes it, so that whatever the runtime opens
/// lazily (blocking-pool threads, the reactor's wake-up) is open; then returns the baseline
/// descriptor count, which the test's own server must be back to once it is closed.
async fn baseline_after_warm_up() -> Option<usize> {
    let server = weft::io::start_server(
        |mut r, w| async move {
            let line = r.readline().await.unwrap();
            w.write(&line).unwrap();
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let (mut r, w) = weft::io::open_connection(server.local_addr().unwrap())
        .await
        .unwrap();
    w.write(b"warm up\n").unwrap();
    assert_eq!(r.read_to_end().await.unwrap(), b"warm up\n");
    drop((r, w));
    server.close();
    server.wait_closed().await;
    for _ in 0..100 {
        weft::yield_now().await;
    }
    open_fds()
}

#[test]
fn half_closed_peers_still_get_their_reply() {
    let _one = serialize();
    let _guard = HangGuard::new("half-closed peers", 60);
    weft::run(async {
        let before = baseline_after_warm_up().await;
        // Replies after reading the whole request: only a client's end of stream ends it.
        let server = weft::io::start_server(
            |mut r, w| async move {
                let request = r.read_to_end().await.unwrap();
                w.write(format!("got {} bytes\n", request.len()).as_bytes())
                    .unwrap();
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addr().unwrap();

        for size in [0usize, 1, 4096, 300_000] {
            let (mut r, w) = weft::io::open_connection(addr).await.unwrap();
            w.write(&vec![b'q'; size]).unwrap();
            w.write_eof(); // our write half is shut; the read half stays open
            assert_eq!(
                r.read_to_end().await.unwrap(),
                format!("got {size} bytes\n").into_bytes()
            );
            assert!(
                w.write(b"late").is_err(),
                "write after write_eof is refused"
            );
        }
        // Raw sockets too: shutdown(Write), then read the reply.
        for _ in 0..20 {
            let stream = weft::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"raw").await.unwrap();
            stream.shutdown(weft::net::Shutdown::Write).unwrap();
            let mut reply = Vec::new();
            weft::io::AsyncReadExt::read_to_end(&mut &stream, &mut reply)
                .await
                .unwrap();
            assert_eq!(reply, b"got 3 bytes\n");
        }
        server.close();
        server.wait_closed().await;
        assert!(server.connection_count() == 0);
        assert_no_fd_leak(before).await;
    });
}

#[test]
fn slowloris_gets_limit_overrun_while_others_are_served() {
    let _one = serialize();
    let _guard = HangGuard::new("slowloris", 60);
    weft::run(async {
        let before = baseline_after_warm_up().await;
        const LIMIT: usize = 1024;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let server = ServerOptions::new()
            .limit(LIMIT)
            .start_server(
                move |mut r, w| {
                    let tx = tx.clone();
                    async move {
                        loop {
                            match r.readline().await {
                                Ok(line) if line.is_empty() => return,
                                Ok(line) => {
                                    w.write(b"echo: ").unwrap();
                                    w.write(&line).unwrap();
                                }
                                Err(ReadError::LimitOverrun(err)) => {
                                    // Tell the client in words, then hang up on it.
                                    w.write(format!("error: {err}\n").as_bytes()).unwrap();
                                    tx.send(err.to_string()).unwrap();
                                    return;
                                }
                                Err(err) => panic!("unexpected read error: {err}"),
                            }
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();

        // The slow client: 16 bytes at a time, never a newline, until just past the limit.
        // (It stops there: bytes arriving after the server hung up would make the server's
        // kernel answer with a reset, which may race the error line.)
        let (mut slow_r, slow_w) = weft::io::open_connection(addr).await.unwrap();
        let dribble = async {
            for _ in 0..(LIMIT / 16 + 1) {
                slow_w.write(&[b's'; 16]).unwrap();
                slow_w.drain().await.unwrap();
                weft::yield_now().await;
            }
        };
        // Meanwhile another client is served normally, line after line.
        let polite = async {
            let (mut r, w) = weft::io::open_connection(addr).await.unwrap();
            for i in 0..50 {
                let line = format!("line {i}\n");
                w.write(line.as_bytes()).unwrap();
                assert_eq!(
                    r.readline().await.unwrap(),
                    format!("echo: {line}").into_bytes()
                );
            }
        };
        let ((), ()) = weft::join!(dribble, polite);
        let message = rx.recv().await.unwrap();
        // The error says what happened in words a user can act on.
        let reply = slow_r.readline().await.unwrap();
        assert!(
            reply.starts_with(b"error: "),
            "{}",
            String::from_utf8_lossy(&reply)
        );
        assert_eq!(reply, format!("error: {message}\n").into_bytes());
        assert!(
            message.to_lowercase().contains("limit"),
            "the LimitOverrun message names the limit: {message}"
        );
        assert_eq!(slow_r.read_to_end().await.unwrap_or_default(), b"");
        drop((slow_r, slow_w));

        // The server still serves.
        let (mut r, w) = weft::io::open_connection(addr).await.unwrap();
        w.write(b"after\n").unwrap();
        assert_eq!(r.readline().await.unwrap(), b"echo: after\n");
        drop((r, w));

        server.close();
        server.wait_closed().await;
        assert_no_fd_leak(before).await;
    });
}

#[test]
fn clients_that_vanish_mid_request_leak_nothing() {
    let _one = serialize();
    let _guard = HangGuard::new("vanishing clients", 60);
    weft::run(async {
        let before = baseline_after_warm_up().await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let server = weft::io::start_server(
            move |mut r, w| {
                let tx = tx.clone();
                async move {
                    let _w = w; // (dropping the writer would close the connection)
                    // A partial line, then the peer is gone: end of stream or a reset.
                    let outcome = r.readexactly(1_000).await;
                    tx.send(outcome.is_err()).unwrap();
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addr().unwrap();
        let (_r, w) = weft::io::open_connection(addr).await.unwrap();
        w.write(&[0u8; 1_000]).unwrap();
        assert!(!rx.recv().await.unwrap());
        drop((_r, w));

        for i in 0..100 {
            let stream = weft::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"partial req").await.unwrap();
            // Not on Windows: a connection reset before it is accepted is never accepted there
            // (Wine 8 fails the accept with WSAENOTCONN), so no handler would see it.
            if cfg!(unix) && i % 2 == 0 {
                // An abortive close: the server's reader gets a reset.
                stream.set_linger(Some(std::time::Duration::ZERO)).unwrap();
            }
            drop(stream);
            assert!(
                rx.recv().await.unwrap(),
                "the handler saw the incomplete request"
            );
        }
        server.close();
        server.wait_closed().await;
        assert_no_fd_leak(before).await;
    });
}
