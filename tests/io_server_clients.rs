//! `start_server`'s options (`ServerOptions`: backlog, reuse_port, limit) and asyncio 3.13's
//! `Server.close_clients()` / `abort_clients()`: what the handlers, the peers and
//! `wait_closed` see.

mod net_support;

use std::sync::Arc;

use net_support::HangGuard;
use weft::io::{ReadError, ServerOptions};
use weft::sync::{Event, mpsc};

#[cfg(unix)] // SO_REUSEPORT
#[test]
fn reuse_port_lets_two_servers_share_a_port() {
    let _guard = HangGuard::new("reuse_port servers", 60);
    weft::run(async {
        let options = ServerOptions::new().reuse_port(true).backlog(32);
        let hello = |_r, w: weft::io::StreamWriter| async move { w.write(b"hello\n").unwrap() };
        let first = options
            .clone()
            .start_server(hello, "127.0.0.1:0")
            .await
            .unwrap();
        let addr = first.local_addr().unwrap();
        let second = options.start_server(hello, addr).await.unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
        // Without the option the port is refused.
        let err = ServerOptions::new()
            .start_server(hello, addr)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
        // Clients are served, whichever listener the kernel picks.
        for _ in 0..8 {
            let (mut r, _w) = weft::io::open_connection(addr).await.unwrap();
            assert_eq!(r.readline().await.unwrap(), b"hello\n");
        }
    });
}

#[test]
fn limit_option_applies_to_every_reader() {
    let _guard = HangGuard::new("limit option", 60);
    weft::run(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let server = ServerOptions::new()
            .limit(16)
            .start_server(
                move |mut r, w| {
                    let tx = tx.clone();
                    async move {
                        let _w = w; // (dropping the writer would close the connection)
                        let limit = r.limit();
                        let outcome = r.readline().await;
                        tx.send((limit, matches!(outcome, Err(ReadError::LimitOverrun(_)))))
                            .unwrap();
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
        let (_r, w) = weft::io::open_connection(server.local_addr().unwrap())
            .await
            .unwrap();
        w.write(b"a line far longer than sixteen bytes\n").unwrap();
        assert_eq!(rx.recv().await.unwrap(), (16, true));
    });
}

#[test]
fn close_clients_flushes_pending_writes_then_ends_every_connection() {
    let _guard = HangGuard::new("close_clients", 60);
    weft::run(async {
        const BIG: usize = 16 * 1024 * 1024;
        let written = Arc::new(Event::new());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let server = {
            let written = written.clone();
            weft::io::start_server(
                move |mut r, w| {
                    let (written, tx) = (written.clone(), tx.clone());
                    async move {
                        // More than the kernel buffers take while the client is not reading:
                        // the rest waits in the writer's buffer.
                        w.write(&vec![b'x'; BIG]).unwrap();
                        written.set();
                        // Blocked until close_clients ends the connection.
                        let line = r.readline().await.unwrap();
                        tx.send((line, w.is_closing())).unwrap();
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap()
        };
        let (mut r, _w) = weft::io::open_connection(server.local_addr().unwrap())
            .await
            .unwrap();
        written.wait().await;
        assert_eq!(server.connection_count(), 1);
        server.close();
        server.close_clients();
        // Graceful: every buffered byte arrives (the connection ends only once the client
        // has read them), then end of stream.
        let got = r.read_to_end().await.unwrap();
        assert_eq!(got.len(), BIG);
        // The handler's reader saw end of stream, its writer is closing.
        assert_eq!(rx.recv().await.unwrap(), (Vec::new(), true));
        server.wait_closed().await;
        assert_eq!(server.connection_count(), 0);
    });
}

#[test]
fn abort_clients_drops_buffered_writes_and_ends_every_connection() {
    let _guard = HangGuard::new("abort_clients", 60);
    weft::run(async {
        // Far more than loopback's kernel buffers (a few MiB at most): most of it is in the
        // writer's buffer when the abort comes, and is dropped.
        const HUGE: usize = 32 * 1024 * 1024;
        const CLIENTS: usize = 3;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (written_tx, mut written_rx) = mpsc::unbounded_channel();
        let server = weft::io::start_server(
            move |mut r, w| {
                let (tx, written_tx) = (tx.clone(), written_tx.clone());
                async move {
                    w.write(&vec![b'y'; HUGE]).unwrap();
                    written_tx.send(()).unwrap();
                    let line = r.readline().await.unwrap();
                    // The connection is gone: drain reports it, write refuses.
                    let drained = w.drain().await;
                    tx.send((line, drained.is_err(), w.write(b"more").is_err()))
                        .unwrap();
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let mut clients = Vec::new();
        for _ in 0..CLIENTS {
            clients.push(
                weft::io::open_connection(server.local_addr().unwrap())
                    .await
                    .unwrap(),
            );
        }
        for _ in 0..CLIENTS {
            written_rx.recv().await.unwrap();
        }
        assert_eq!(server.connection_count(), CLIENTS);
        server.close();
        server.abort_clients();
        for _ in 0..CLIENTS {
            assert_eq!(rx.recv().await.unwrap(), (Vec::new(), true, true));
        }
        server.wait_closed().await;
        for (mut r, _w) in clients {
            // What the kernel had taken arrives, then end of stream (or a reset); never
            // the whole buffer.
            match r.read_to_end().await {
                Ok(got) => assert!(got.len() < HUGE, "abort sent everything"),
                Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset),
            }
        }
    });
}

#[test]
fn close_clients_reaches_only_live_connections() {
    let _guard = HangGuard::new("close_clients registry", 60);
    weft::run(async {
        let server = weft::io::start_server(
            |mut r, w| async move {
                let _ = r.readline().await;
                drop(w);
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addr().unwrap();
        // Ten connections come and go: the registry forgets each one.
        for _ in 0..10 {
            let (mut r, w) = weft::io::open_connection(addr).await.unwrap();
            w.write(b"bye\n").unwrap();
            assert_eq!(r.read_to_end().await.unwrap(), b"");
        }
        while server.connection_count() != 0 {
            weft::yield_now().await;
        }
        // One stays; close_clients ends it and the server keeps accepting.
        let (mut r, _w) = weft::io::open_connection(addr).await.unwrap();
        while server.connection_count() != 1 {
            weft::yield_now().await;
        }
        server.close_clients();
        assert_eq!(r.read_to_end().await.unwrap(), b"");
        assert!(server.is_serving());
        let (mut r2, w2) = weft::io::open_connection(addr).await.unwrap();
        w2.write(b"still here\n").unwrap();
        assert_eq!(r2.read_to_end().await.unwrap(), b"");
    });
}

#[cfg(windows)]
#[test]
fn reuse_port_is_refused_with_a_clear_error_on_windows() {
    weft::run(async {
        let options = ServerOptions::new().reuse_port(true);
        let Err(refused) = options.start_server(|_r, _w| async {}, "127.0.0.1:0").await else {
            panic!("Windows has no SO_REUSEPORT, yet the server started");
        };
        assert_eq!(refused.kind(), std::io::ErrorKind::Unsupported);
        assert!(refused.to_string().contains("SO_REUSEPORT"), "{refused}");
    });
}
