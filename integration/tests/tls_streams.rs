//! TLS under asyncio's streams: `close_notify` against truncation, 8 MiB each way at once,
//! `start_tls_server` with a client that stalls mid-handshake, and `start_tls` / `accept_tls`
//! upgrading a plain connection in place (with a ClientHello already in the reader's buffer).

mod tls_support;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tls_support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt, StreamReader, StreamWriter};
use weft::net::{TcpListener, TcpStream};

/// A connected TLS pair over loopback TCP, client and server.
async fn tls_pair(
    pki: &Pki,
) -> (
    weft::tls::ClientTlsStream<TcpStream>,
    weft::tls::ServerTlsStream<TcpStream>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = acceptor(server_config(&pki.leaf(), &[]));
    let server = weft::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await.unwrap()
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let client = connector(pki.client_config(ALL_VERSIONS))
        .connect("localhost", tcp)
        .await
        .unwrap();
    (client, server.await.unwrap())
}

#[test]
fn close_notify_is_a_clean_end_of_stream() {
    within(LIMIT, || {
        weft::run(async {
            let (mut client, mut server) = tls_pair(&Pki::new()).await;
            server.write_all(b"all of it").await.unwrap();
            server.close().await.unwrap(); // close_notify, then the TCP write side
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"all of it");
        })
    });
}

#[test]
fn truncation_without_close_notify_is_an_unexpected_eof() {
    within(LIMIT, || {
        weft::run(async {
            let (mut client, mut server) = tls_pair(&Pki::new()).await;
            server.write_all(b"part of it").await.unwrap();
            server.flush().await.unwrap();
            // An attacker (or a crash) ends the TCP stream with no close_notify.
            let (tcp, _) = server.into_inner();
            tcp.shutdown(std::net::Shutdown::Both).unwrap();
            let mut got = Vec::new();
            let err = client.read_to_end(&mut got).await.unwrap_err();
            assert_eq!(
                got, b"part of it",
                "what arrived before the cut is delivered"
            );
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        })
    });
}

/// The byte at offset `i` of a direction's payload; `seed` tells the directions apart.
fn byte_at(i: usize, seed: usize) -> u8 {
    ((i + seed) % 251) as u8
}

const EIGHT_MIB: usize = 8 * 1024 * 1024;

/// Writes the pattern through `writer` in 64 KiB pieces, draining as asked.
async fn send_pattern(writer: &StreamWriter, seed: usize) {
    let mut at = 0;
    while at < EIGHT_MIB {
        let n = (EIGHT_MIB - at).min(64 * 1024);
        let chunk: Vec<u8> = (at..at + n).map(|i| byte_at(i, seed)).collect();
        writer.write(&chunk).unwrap();
        writer.drain().await.unwrap();
        at += n;
    }
}

/// Reads 8 MiB and checks every byte against the pattern.
async fn check_pattern(reader: &mut StreamReader, seed: usize) {
    let mut at = 0;
    while at < EIGHT_MIB {
        let chunk = reader.read(EIGHT_MIB - at).await.unwrap();
        assert!(!chunk.is_empty(), "end of stream after {at} bytes");
        for (k, &b) in chunk.iter().enumerate() {
            assert_eq!(b, byte_at(at + k, seed), "byte {} is wrong", at + k);
        }
        at += chunk.len();
    }
}

#[test]
fn eight_mib_each_way_at_once_through_tls_streams() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let server = weft::tls::start_tls_server(
                |mut reader, writer| async move {
                    let writer = Arc::new(writer);
                    let w = writer.clone();
                    let sending = weft::spawn(async move { send_pattern(&w, 2).await });
                    check_pattern(&mut reader, 1).await;
                    sending.await.unwrap();
                    writer.close();
                    writer.wait_closed().await.unwrap();
                },
                "127.0.0.1:0",
                acceptor(server_config(&pki.leaf(), &[])),
            )
            .await
            .unwrap();
            let connector = connector(pki.client_config(ALL_VERSIONS));
            let (mut reader, writer) = weft::io::open_tls_connection(
                server.local_addr().unwrap(),
                &connector,
                "localhost",
            )
            .await
            .unwrap();
            let writer = Arc::new(writer);
            let w = writer.clone();
            let sending = weft::spawn(async move { send_pattern(&w, 1).await });
            check_pattern(&mut reader, 2).await;
            sending.await.unwrap();
            // The server closed with close_notify: a clean end of stream.
            assert_eq!(reader.read_to_end().await.unwrap(), b"");
        })
    });
}

#[test]
fn a_client_stalled_mid_handshake_holds_no_worker_and_times_out() {
    within(LIMIT, || {
        // One worker: if a stalled handshake held it, nobody else would be served.
        let rt = weft::Builder::new().worker_threads(1).build().unwrap();
        rt.block_on(async {
            let pki = Pki::new();
            let server = weft::tls::start_tls_server(
                |_r, w| async move { w.write(b"served\n").unwrap() },
                "127.0.0.1:0",
                acceptor(server_config(&pki.leaf(), &[]))
                    .with_handshake_timeout(Duration::from_millis(500)),
            )
            .await
            .unwrap();
            let addr = server.local_addr().unwrap();
            // Two clients that start a TLS record and never finish it.
            let mut stalled = Vec::new();
            for _ in 0..2 {
                let tcp = TcpStream::connect(addr).await.unwrap();
                tcp.write_all(&[0x16, 0x03, 0x01, 0x00]).await.unwrap();
                stalled.push(tcp);
            }
            // Meanwhile a real client is served.
            let connector = connector(pki.client_config(ALL_VERSIONS));
            let (mut reader, _w) = weft::io::open_tls_connection(addr, &connector, "localhost")
                .await
                .unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"served\n");
            // The stalled ones are dropped once the handshake timeout passes: end of stream.
            for tcp in stalled {
                let mut rest = Vec::new();
                (&tcp).read_to_end(&mut rest).await.unwrap();
                assert!(rest.is_empty(), "a stalled client got no TLS data");
            }
            server.close();
            server.wait_closed().await;
        })
    });
}

#[test]
fn start_tls_upgrades_in_place_and_replays_bytes_already_buffered() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let ready = Arc::new(weft::sync::Event::new());
            let client_ready = ready.clone();
            let acceptor = acceptor(server_config(&pki.leaf(), &[]));
            let server = weft::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                let (mut reader, mut writer) = weft::io::open_stream(tcp).unwrap();
                // Wait until the client sent its request line *and* its ClientHello, so one
                // read brings both: the ClientHello sits in the reader's buffer.
                ready.wait().await;
                assert_eq!(reader.readline().await.unwrap(), b"STARTTLS\n");
                assert!(
                    !reader.buffered().is_empty(),
                    "the ClientHello was read with the line"
                );
                writer.accept_tls(&mut reader, &acceptor).await.unwrap();
                assert!(writer.try_socket().is_none());
                let line = reader.readline().await.unwrap();
                writer.write(&line.to_ascii_uppercase()).unwrap();
                writer.drain().await.unwrap();
                reader.readline().await.unwrap() // the client's close: end of stream
            });

            let tcp = TcpStream::connect(addr).await.unwrap();
            tcp.write_all(b"STARTTLS\n").await.unwrap();
            let connector = connector(pki.client_config(ALL_VERSIONS));
            let mut handshake = Box::pin(connector.connect("localhost", tcp));
            // The first poll sends the ClientHello and waits for the server's answer.
            assert!(weft_test_support::poll_once(&mut handshake).is_pending());
            client_ready.set();
            let tls = handshake.await.unwrap();
            let (mut reader, writer) = weft::io::stream_pair(tls).unwrap();
            writer.write(b"secret\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"SECRET\n");
            writer.close();
            writer.wait_closed().await.unwrap();
            assert_eq!(server.await.unwrap(), b"");
        })
    });
}

#[test]
fn start_tls_on_the_client_keeps_the_reader_working() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let acceptor = acceptor(server_config(&pki.leaf(), &[]));
            let server = weft::io::start_server(
                move |mut r, mut w| {
                    let acceptor = acceptor.clone();
                    async move {
                        assert_eq!(r.readline().await.unwrap(), b"EHLO\n");
                        w.write(b"250 go ahead\n").unwrap();
                        w.accept_tls(&mut r, &acceptor).await.unwrap();
                        while let Ok(line) = r.readline().await {
                            if line.is_empty() {
                                break;
                            }
                            w.write(&line).unwrap();
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let connector = connector(pki.client_config(ALL_VERSIONS));
            let (mut reader, mut writer) = weft::io::open_connection(server.local_addr().unwrap())
                .await
                .unwrap();
            writer.set_write_buffer_limits(Some(4096), None).unwrap();
            // Written before the upgrade: goes out in plain text, first.
            writer.write(b"EHLO\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"250 go ahead\n");
            writer
                .start_tls(&mut reader, &connector, "localhost")
                .await
                .unwrap();
            assert_eq!(
                writer.write_buffer_limits(),
                (4096, 1024),
                "water marks carried over"
            );
            for line in [&b"one\n"[..], b"two\n"] {
                writer.write(line).unwrap();
                assert_eq!(reader.readline().await.unwrap(), line);
            }
            // A second upgrade is refused with a reason.
            let err = writer
                .start_tls(&mut reader, &connector, "localhost")
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains("not yet upgraded"), "{err}");
        })
    });
}

#[test]
fn a_failed_start_tls_says_why_and_fails_the_writer() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            // The server upgrades with a certificate the client does not trust.
            let acceptor = acceptor(server_config(&self_signed(), &[]));
            let _server = weft::io::start_server(
                move |mut r, mut w| {
                    let acceptor = acceptor.clone();
                    async move {
                        let _ = w.accept_tls(&mut r, &acceptor).await;
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let connector = connector(pki.client_config(ALL_VERSIONS));
            let (mut reader, mut writer) = weft::io::open_connection(_server.local_addr().unwrap())
                .await
                .unwrap();
            let err = writer
                .start_tls(&mut reader, &connector, "localhost")
                .await
                .unwrap_err();
            assert!(
                err.to_string()
                    .contains("not signed by a trusted authority"),
                "{err}"
            );
            let again = writer
                .write(b"plain text after a failed upgrade")
                .unwrap_err();
            assert!(
                again
                    .to_string()
                    .contains("not signed by a trusted authority"),
                "{again}"
            );
        })
    });
}
