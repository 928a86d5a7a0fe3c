//! asyncio's Streams API on weft: `StreamReader` limit and end-of-stream semantics (ASYNCIO.md
//! §3 case 71), `drain` backpressure (case 72), servers and a panicking handler (case 73).
//!
//! asyncio's tests feed a `StreamReader` directly; here the bytes come through a real
//! socketpair, written in one `write_all` (small enough to arrive in one read), so the
//! reader's buffer holds exactly what asyncio's would.

mod net_support;

use std::io;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use net_support::Stream;
#[cfg(unix)]
use net_support::socket_path;
use net_support::{HangGuard, payload};
use weft::io::{IncompleteReadError, ReadError, StreamReader, StreamWriter};

/// A reader over a socketpair whose peer has written `data` and, if `eof`, closed.
/// Returns the peer too (keep it alive when not at EOF).
async fn reader_fed(
    data: &[u8],
    eof: bool,
    limit: usize,
) -> (StreamReader, StreamWriter, Option<Stream>) {
    let (a, b) = net_support::stream_pair().await;
    b.write_all(data).await.unwrap();
    let peer = if eof {
        drop(b);
        None
    } else {
        Some(b)
    };
    let (mut reader, writer) = weft::io::open_stream(a).unwrap();
    reader.set_limit(limit).unwrap();
    (reader, writer, peer)
}

fn overrun_consumed(err: ReadError) -> (usize, &'static str) {
    match err {
        ReadError::LimitOverrun(e) => (e.consumed, e.message),
        other => panic!("expected LimitOverrunError, got {other:?}"),
    }
}

// ---- case 71: test_readline_limit ----

#[test]
fn readline_limit_clears_or_consumes_as_asyncio() {
    let _guard = HangGuard::new("readline_limit", 60);
    weft::run(async {
        // No newline within the limit, one far past it: the whole line is discarded.
        let (mut r, _w, _p) = reader_fed(b"chunk1chunk2chunk3\n", true, 7).await;
        let err = r.readline().await.unwrap_err();
        overrun_consumed(err);
        assert_eq!(r.buffered(), b"");

        // The first line is too long; the second survives.
        let (mut r, _w, _p) = reader_fed(b"chunk1chunk2\nchunk3\n", true, 7).await;
        r.readline().await.unwrap_err();
        assert_eq!(r.buffered(), b"chunk3\n");
        assert_eq!(r.readline().await.unwrap(), b"chunk3\n");

        // The limit is strict: 7 bytes before the newline pass, 8 do not.
        let (mut r, _w, _p) = reader_fed(b"1234567\n", false, 7).await;
        assert_eq!(r.readline().await.unwrap(), b"1234567\n");
        assert_eq!(r.buffered(), b"");

        let (mut r, _w, _p) = reader_fed(b"12345678\n", false, 7).await;
        r.readline().await.unwrap_err();
        assert_eq!(r.buffered(), b"");

        // No newline at all, no EOF: the search gives up past the limit and clears.
        let (mut r, _w, _p) = reader_fed(b"12345678", false, 7).await;
        let (consumed, message) = overrun_consumed(r.readline().await.unwrap_err());
        assert_eq!(consumed, 8);
        assert!(message.contains("not found"));
        assert_eq!(r.buffered(), b"");
    });
}

#[test]
fn readline_returns_the_partial_line_at_eof() {
    weft::run(async {
        let (mut r, _w, _p) = reader_fed(b"line1\nline2\nlast", true, 64 * 1024).await;
        assert_eq!(r.readline().await.unwrap(), b"line1\n");
        assert_eq!(r.readline().await.unwrap(), b"line2\n");
        assert_eq!(r.readline().await.unwrap(), b"last");
        assert_eq!(r.readline().await.unwrap(), b"");
        assert!(r.at_eof());
    });
}

// ---- case 71: test_readuntil_eof ----

#[test]
fn readuntil_at_eof_is_incomplete_with_undefined_expected() {
    weft::run(async {
        let (mut r, _w, _p) = reader_fed(b"some dataAA", true, 64 * 1024).await;
        match r.readuntil(b"AAA").await {
            Err(ReadError::Incomplete(err)) => {
                assert_eq!(err.partial, b"some dataAA");
                assert_eq!(err.expected, None);
                assert!(err.to_string().contains("undefined expected bytes"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(r.buffered(), b"");
    });
}

// ---- case 71: test_readuntil_limit_found_sep ----

#[test]
fn readuntil_limit_overrun_leaves_the_buffer_intact() {
    let _guard = HangGuard::new("readuntil_limit_found_sep", 60);
    weft::run(async {
        let (mut r, _w, peer) = reader_fed(b"some dataAA", false, 3).await;
        let (_, message) = overrun_consumed(r.readuntil(b"AAA").await.unwrap_err());
        assert!(message.contains("not found"));
        assert_eq!(r.buffered(), b"some dataAA");

        // More data arrives: now the separator is found, but past the limit.
        peer.as_ref().unwrap().write_all(b"A").await.unwrap();
        let (consumed, message) = overrun_consumed(r.readuntil(b"AAA").await.unwrap_err());
        assert!(message.contains("is found"), "{message}");
        assert_eq!(consumed, 9);
        assert_eq!(r.buffered(), b"some dataAAA");
    });
}

#[test]
fn a_limit_overrun_never_loses_data() {
    let _guard = HangGuard::new("overrun loses nothing", 60);
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (mut r, _w) = weft::io::open_stream(a).unwrap();
        r.set_limit(1000).unwrap();
        // 200 KB without a separator, then the separator: far past the limit.
        let sent = payload(7, 200_000)
            .into_iter()
            .map(|x| if x == b';' { b'.' } else { x })
            .collect::<Vec<_>>();
        let writer = weft::spawn(async move {
            b.write_all(&sent).await.unwrap();
            b.write_all(b";tail").await.unwrap();
            sent
        });
        let err = r.readuntil(b";").await.unwrap_err();
        assert!(matches!(err, ReadError::LimitOverrun(_)));
        assert!(!r.buffered().is_empty());
        // Every byte is still there, in order: the writer's task ends (EOF) after the tail.
        let got = r.read_to_end().await.unwrap();
        let mut expected = writer.await.unwrap();
        expected.extend_from_slice(b";tail");
        assert_eq!(got.len(), expected.len());
        assert!(got == expected);
    });
}

// ---- case 71: test_readexactly_eof ----

#[test]
fn readexactly_at_eof_reports_partial_and_expected() {
    weft::run(async {
        let data = b"line1\nline2\nline3\n";
        let (mut r, _w, _p) = reader_fed(data, true, 64 * 1024).await;
        match r.readexactly(2 * data.len()).await {
            Err(ReadError::Incomplete(err)) => {
                assert_eq!(err.partial, data);
                assert_eq!(err.expected, Some(36));
                assert_eq!(
                    err.to_string(),
                    "18 bytes read on a total of 36 expected bytes"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(r.buffered(), b"");
        let io_err: io::Error = IncompleteReadError {
            partial: vec![],
            expected: Some(1),
        }
        .into();
        assert_eq!(io_err.kind(), io::ErrorKind::UnexpectedEof);
    });
}

#[test]
fn read_n_read_to_end_and_at_eof() {
    weft::run(async {
        let (mut r, _w, _p) = reader_fed(b"0123456789", true, 64 * 1024).await;
        assert_eq!(r.read(0).await.unwrap(), b"");
        assert_eq!(r.read(3).await.unwrap(), b"012");
        assert_eq!(r.readexactly(2).await.unwrap(), b"34");
        assert!(!r.at_eof());
        assert_eq!(r.read_to_end().await.unwrap(), b"56789");
        assert!(r.at_eof());
        assert_eq!(r.read(10).await.unwrap(), b"");
        assert_eq!(r.read_to_end().await.unwrap(), b"");
    });
}

#[test]
fn readuntil_separators_and_bad_arguments() {
    weft::run(async {
        let (mut r, _w, _p) = reader_fed(b"a\r\nb\nc||d", true, 64 * 1024).await;
        let seps: [&[u8]; 2] = [b"\n", b"\r\n"];
        // Both "\r\n" and "\n" end at the same place: the earliest end wins.
        assert_eq!(r.readuntil_any(&seps).await.unwrap(), b"a\r\n");
        assert_eq!(r.readuntil_any(&seps).await.unwrap(), b"b\n");
        assert_eq!(r.readuntil(b"||").await.unwrap(), b"c||");
        let empty = r.readuntil(b"").await.unwrap_err();
        assert!(matches!(&empty, ReadError::Io(e) if e.kind() == io::ErrorKind::InvalidInput));
        let none = r.readuntil_any(&[]).await.unwrap_err();
        assert!(matches!(&none, ReadError::Io(e) if e.kind() == io::ErrorKind::InvalidInput));
        assert_eq!(r.read_to_end().await.unwrap(), b"d");
    });
}

#[test]
fn separators_split_across_reads_are_found() {
    let _guard = HangGuard::new("split separators", 60);
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (mut r, _w) = weft::io::open_stream(a).unwrap();
        let feeder = weft::spawn(async move {
            for chunk in [&b"hea"[..], b"der\r", b"\n\r", b"\nbody"] {
                b.write_all(chunk).await.unwrap();
                weft::sleep(Duration::from_millis(1)).await;
            }
        });
        assert_eq!(r.readuntil(b"\r\n\r\n").await.unwrap(), b"header\r\n\r\n");
        feeder.await.unwrap();
        assert_eq!(r.read_to_end().await.unwrap(), b"body");
    });
}

// ---- case 72: test_multiple_drain / test_drain_raises ----

#[test]
fn concurrent_drains_all_resume() {
    let _guard = HangGuard::new("multiple drain", 60);
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (_r, w) = weft::io::open_stream(a).unwrap();
        let w = Arc::new(w);
        w.set_write_buffer_limits(Some(1024), Some(0)).unwrap();
        // Windows runs this over loopback TCP, whose buffers (Linux's, under Wine) take more.
        const TOTAL: usize = if cfg!(windows) { 64 << 20 } else { 2 << 20 };
        w.write(&payload(3, TOTAL)).unwrap(); // far more than the socket takes: paused
        assert!(w.write_buffer_size() > 1024);
        let drainers: Vec<_> = (0..8)
            .map(|_| {
                let w = w.clone();
                weft::spawn(async move {
                    for _ in 0..128 {
                        w.drain().await.unwrap();
                    }
                })
            })
            .collect();
        let mut got = vec![0u8; TOTAL];
        b.read_exact(&mut got).await.unwrap();
        for d in drainers {
            d.await.unwrap();
        }
        assert!(got == payload(3, TOTAL));
        assert_eq!(w.write_buffer_size(), 0);
    });
}

#[test]
fn drain_raises_when_the_peer_is_gone() {
    let _guard = HangGuard::new("drain raises", 60);
    // The server is a plain thread: it accepts and closes at once (asyncio's test uses a
    // thread too, so that the event loop under test cannot help).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || drop(listener.accept().unwrap()));
    weft::run(async move {
        let (_r, w) = weft::io::open_connection(addr).await.unwrap();
        let mut outcome = Ok(());
        for _ in 0..1_000_000 {
            outcome = w.write(b"foo\n");
            if outcome.is_ok() {
                outcome = w.drain().await;
            }
            if outcome.is_err() {
                break;
            }
        }
        let err = outcome.expect_err("writing to a closed peer kept succeeding");
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionAborted
            ),
            "{err:?}"
        );
        // The writer is now failed: drain keeps reporting it and wait_closed returns.
        assert!(w.drain().await.is_err());
        assert!(w.is_closing());
        assert!(w.wait_closed().await.is_err());
    });
    server.join().unwrap();
}

#[test]
fn a_paused_drain_is_woken_by_a_peer_reset() {
    let _guard = HangGuard::new("paused drain reset", 60);
    weft::run(async {
        let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (_r, w) = weft::io::open_connection(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (peer, _) = listener.accept().await.unwrap();
        w.set_write_buffer_limits(Some(1024), None).unwrap();
        w.write(&vec![0u8; 8 << 20]).unwrap(); // the peer never reads: paused for good
        let w = Arc::new(w);
        let w2 = w.clone();
        let drain = weft::spawn(async move { w2.drain().await });
        weft::yield_now().await;
        peer.set_linger(Some(Duration::ZERO)).unwrap();
        drop(peer); // RST
        let err = drain.await.unwrap().expect_err("drain must fail, not hang");
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            "{err:?}"
        );
    });
}

#[test]
fn written_data_reaches_the_peer_without_drain() {
    let _guard = HangGuard::new("background flush", 60);
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (_ra, wa) = weft::io::open_stream(a).unwrap();
        let (mut rb, _wb) = weft::io::open_stream(b).unwrap();
        let sent = payload(9, 3 << 20);
        wa.write(&sent).unwrap(); // most of it is buffered; nobody drains
        wa.close(); // flushed in the background, then shut down
        assert!(rb.read_to_end().await.unwrap() == sent);
        wa.wait_closed().await.unwrap();
    });
}

#[test]
fn write_eof_half_closes_and_writing_after_close_fails() {
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (mut ra, wa) = weft::io::open_stream(a).unwrap();
        let (mut rb, wb) = weft::io::open_stream(b).unwrap();
        wa.write(b"request").unwrap();
        wa.write_eof();
        assert!(wa.write(b"more").is_err());
        assert_eq!(rb.read_to_end().await.unwrap(), b"request");
        wb.write(b"response").unwrap(); // the other direction still works
        wb.close();
        assert_eq!(ra.read_to_end().await.unwrap(), b"response");
        assert!(wb.write(b"x").is_err());
        assert!(wb.is_closing());
        // After close, drain reports the lost connection (asyncio: ConnectionResetError).
        assert_eq!(
            wb.drain().await.unwrap_err().kind(),
            io::ErrorKind::ConnectionReset
        );
    });
}

#[test]
fn stream_reader_and_writer_are_ecosystem_io() {
    use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (mut ra, _wa) = weft::io::open_stream(a).unwrap();
        let (_rb, mut wb) = weft::io::open_stream(b).unwrap();
        wb.write_all(b"first line\nrest").await.unwrap();
        wb.flush().await.unwrap();
        AsyncWriteExt::close(&mut wb).await.unwrap();
        let mut line = String::new();
        ra.read_line(&mut line).await.unwrap();
        assert_eq!(line, "first line\n");
        let mut rest = String::new();
        ra.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "rest");
    });
}

// ---- servers, and case 73: test_unhandled_exception ----

async fn echo_lines(mut reader: StreamReader, writer: StreamWriter) {
    loop {
        match reader.readline().await {
            Ok(line) if !line.is_empty() => {
                if writer.write(&line).is_err() || writer.drain().await.is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

#[cfg(unix)] // Unix-domain servers
#[test]
fn tcp_and_unix_servers_echo_and_close() {
    let _guard = HangGuard::new("servers", 120);
    let path = socket_path("server");
    let p = path.clone();
    weft::run(async move {
        let tcp = weft::io::start_server(echo_lines, "127.0.0.1:0")
            .await
            .unwrap();
        let unix = weft::io::start_unix_server(echo_lines, &p).await.unwrap();
        let tcp_addr = tcp.local_addr().unwrap();
        let results = weft::gather((0..100).map(|i| {
            let p = p.clone();
            async move {
                let (mut r, w) = if i % 2 == 0 {
                    weft::io::open_connection(tcp_addr).await.unwrap()
                } else {
                    weft::io::open_unix_connection(&p).await.unwrap()
                };
                let mut ok = true;
                for j in 0..10 {
                    let line = format!("client {i} line {j}\n");
                    w.write(line.as_bytes()).unwrap();
                    w.drain().await.unwrap();
                    ok &= r.readline().await.unwrap() == line.as_bytes();
                }
                w.close();
                w.wait_closed().await.unwrap();
                ok
            }
        }))
        .await;
        assert!(results.iter().all(|ok| *ok));
        for server in [&tcp, &unix] {
            assert!(server.is_serving());
            server.close();
            server.wait_closed().await;
            assert!(!server.is_serving());
        }
        assert!(!p.exists(), "the Unix server removed its socket file");
        assert!(
            weft::io::open_connection(tcp_addr).await.is_err(),
            "nobody listens after close"
        );
    });
}

#[test]
fn wait_closed_waits_for_live_connections() {
    let _guard = HangGuard::new("wait_closed", 60);
    weft::run(async {
        let server = weft::io::start_server(echo_lines, "127.0.0.1:0")
            .await
            .unwrap();
        let (mut r, w) = weft::io::open_connection(server.local_addr().unwrap())
            .await
            .unwrap();
        w.write(b"ping\n").unwrap();
        assert_eq!(r.readline().await.unwrap(), b"ping\n"); // the handler is running
        server.close();
        let server = Arc::new(server);
        let s = server.clone();
        let waiter = weft::spawn(async move { s.wait_closed().await });
        // The connection still works after close (only the listener is gone).
        w.write(b"still here\n").unwrap();
        assert_eq!(r.readline().await.unwrap(), b"still here\n");
        assert!(!waiter.is_finished());
        drop(w); // end of stream for the handler: it returns, and wait_closed completes
        waiter.await.unwrap();
    });
}

#[test]
fn a_panicking_handler_is_reported_and_the_server_keeps_serving() {
    let _guard = HangGuard::new("unhandled exception", 60);
    let (tx, rx) = mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let rt = weft::Builder::new()
        .on_task_panic(move |err| {
            let _ = tx.lock().unwrap().send(format!(
                "{} | {}",
                err.task_name(),
                err.panic_message().unwrap_or_default()
            ));
        })
        .build()
        .unwrap();
    rt.block_on(async {
        let server = weft::io::start_server(
            |mut reader: StreamReader, writer: StreamWriter| async move {
                let line = reader.readline().await.unwrap();
                if line == b"boom\n" {
                    panic!("the handler failed");
                }
                writer.write(b"served\n").unwrap();
            },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let addr = server.local_addr().unwrap();
        let (mut r, w) = weft::io::open_connection(addr).await.unwrap();
        w.write(b"boom\n").unwrap();
        // The failed handler's connection is closed: we read end of stream.
        assert_eq!(r.read_to_end().await.unwrap(), b"");
        // And the server still serves.
        let (mut r, w) = weft::io::open_connection(addr).await.unwrap();
        w.write(b"hello\n").unwrap();
        assert_eq!(r.readline().await.unwrap(), b"served\n");
    });
    let report = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the panic handler was called");
    assert!(report.starts_with("client_connected_cb |"), "{report}");
    assert!(
        report.contains("Unhandled exception in client_connected_cb"),
        "{report}"
    );
    assert!(report.contains("the handler failed"), "{report}");
    assert!(rx.try_recv().is_err(), "exactly one report");
}
