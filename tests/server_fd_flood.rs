//! A connection flood past the process's descriptor limit: the server stays up (its accept
//! loop reports `EMFILE` and retries), once the flood ends a new client is served, and no
//! descriptor leaks.
//!
//! Its own test binary with a single test, because it lowers the process-wide
//! `RLIMIT_NOFILE`: no other test shares the process while the limit is low.
#![cfg(target_os = "linux")]

mod net_support;

use net_support::{HangGuard, open_fds};
use weft_test_support::fds::LowFdLimit;

#[test]
fn flood_past_the_fd_limit_leaves_the_server_serving() {
    let _guard = HangGuard::new("fd flood", 120);
    weft::run(async move {
        // Warm up with a server of its own, closed before the baseline, so that whatever
        // the runtime opens lazily (blocking-pool threads, flusher paths) is counted in it.
        let warm = weft::io::start_server(
            |mut r, w| async move {
                let line = r.readline().await.unwrap();
                w.write(&line).unwrap();
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let (mut r, w) = weft::io::open_connection(warm.local_addr().unwrap())
            .await
            .unwrap();
        w.write(b"warm\n").unwrap();
        assert_eq!(r.read_to_end().await.unwrap(), b"warm\n");
        drop((r, w));
        warm.close();
        warm.wait_closed().await;
        for _ in 0..100 {
            weft::yield_now().await;
        }
        let before = open_fds();

        let server = weft::io::start_server(
            |mut r, w| async move {
                while let Ok(line) = r.readline().await {
                    if line.is_empty() {
                        break;
                    }
                    w.write(&line).unwrap();
                }
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addr().unwrap();
        // Room for a few dozen more descriptors only.
        let low = LowFdLimit::leave_room(48);

        // Flood: connect until the process is out of descriptors. Each accepted connection
        // costs two (ours and the server's); past the limit `connect` fails with EMFILE and
        // the server's `accept` fails the same way for those left in its backlog.
        let mut flood = Vec::new();
        let mut emfile = false;
        for _ in 0..1_000 {
            match weft::net::TcpStream::connect(addr).await {
                Ok(stream) => flood.push(stream),
                Err(err) => {
                    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
                    emfile = true;
                    break;
                }
            }
        }
        assert!(emfile, "the flood never reached the descriptor limit");
        assert!(server.is_serving(), "the server survived the flood");

        // The flood ends: its clients go away (the server sees end of stream on each).
        drop(flood);
        // A new client is served, with the limit still low: the accept loop retried.
        let (mut r, w) = weft::io::open_connection(addr).await.unwrap();
        w.write(b"after the flood\n").unwrap();
        assert_eq!(r.readline().await.unwrap(), b"after the flood\n");
        drop((r, w));

        drop(low);
        server.close();
        server.close_clients();
        server.wait_closed().await;
        for _ in 0..1_000 {
            if open_fds() == before {
                break;
            }
            weft::yield_now().await;
        }
        assert_eq!(open_fds(), before, "descriptors leaked");
    });
}
