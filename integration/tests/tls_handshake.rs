//! `weft::tls` handshakes over loopback TCP with certificates made at test time: the TLS
//! version asked for is the one negotiated, ALPN, and every refusal says why (untrusted,
//! expired, wrong name, a peer that does not speak TLS, a peer that stalls).

mod tls_support;

use std::io;
use std::time::Duration;

use tls_support::*;
use weft::io::AsyncWriteExt;
use weft::net::{TcpListener, TcpStream};
use weft::tls::{HandshakeError, TlsAcceptor, TlsConnector};

/// Runs one handshake over loopback: the server side's outcome and the client side's.
async fn handshake(
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    name: &str,
) -> (
    io::Result<weft::tls::ServerTlsStream<TcpStream>>,
    io::Result<weft::tls::ClientTlsStream<TcpStream>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = weft::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    // A client that fails drops its socket, so the server never waits for it.
    let client = connector.connect(name, tcp).await;
    (server.await.unwrap(), client)
}

fn rustls_error(err: &io::Error) -> Option<&rustls::Error> {
    err.get_ref()?
        .downcast_ref::<HandshakeError>()?
        .rustls_error()
}

#[test]
fn tls12_and_tls13_are_negotiated_as_asked() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let leaf = pki.leaf();
            for (version, expected) in [
                (&rustls::version::TLS12, rustls::ProtocolVersion::TLSv1_2),
                (&rustls::version::TLS13, rustls::ProtocolVersion::TLSv1_3),
            ] {
                let (server, client) = handshake(
                    acceptor(server_config(&leaf, &[])),
                    connector(pki.client_config(&[version])),
                    "localhost",
                )
                .await;
                let (server, client) = (server.unwrap(), client.unwrap());
                assert_eq!(client.get_ref().1.protocol_version(), Some(expected));
                assert_eq!(server.get_ref().1.protocol_version(), Some(expected));
            }
        })
    });
}

#[test]
fn alpn_negotiates_h2() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let mut client = pki.client_config(ALL_VERSIONS);
            client.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            let (server, client) = handshake(
                acceptor(server_config(&pki.leaf(), &[b"h2", b"http/1.1"])),
                connector(client),
                "127.0.0.1",
            )
            .await;
            assert_eq!(
                client.unwrap().get_ref().1.alpn_protocol(),
                Some(&b"h2"[..])
            );
            assert_eq!(
                server.unwrap().get_ref().1.alpn_protocol(),
                Some(&b"h2"[..])
            );
        })
    });
}

#[test]
fn an_untrusted_certificate_is_refused_and_the_error_says_why() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let (server, client) = handshake(
                acceptor(server_config(&self_signed(), &[])),
                connector(pki.client_config(ALL_VERSIONS)),
                "localhost",
            )
            .await;
            let err = client.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            let text = err.to_string();
            assert!(
                text.contains("TLS handshake with localhost failed"),
                "{text}"
            );
            assert!(text.contains("not signed by a trusted authority"), "{text}");
            assert!(matches!(
                rustls_error(&err),
                Some(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer
                ))
            ));
            // The server hears the client's alert and says so.
            let err = server.unwrap_err().to_string();
            assert!(err.contains("refused our certificate"), "{err}");
        })
    });
}

#[test]
fn an_expired_certificate_is_refused_and_the_error_says_why() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let (_, client) = handshake(
                acceptor(server_config(&pki.expired_leaf(), &[])),
                connector(pki.client_config(ALL_VERSIONS)),
                "localhost",
            )
            .await;
            let err = client.unwrap_err();
            assert!(err.to_string().contains("certificate has expired"), "{err}");
        })
    });
}

#[test]
fn a_wrong_server_name_is_refused_and_the_error_says_why() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let (_, client) = handshake(
                acceptor(server_config(&pki.leaf(), &[])),
                connector(pki.client_config(ALL_VERSIONS)),
                "weft.example",
            )
            .await;
            let err = client.unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("not valid for the name \"weft.example\""),
                "{text}"
            );
        })
    });
}

#[test]
fn a_malformed_server_name_is_refused_before_connecting() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let (near, _far) = weft::io::duplex(1024);
            let err = connector(pki.client_config(ALL_VERSIONS))
                .connect("not a host name!", near)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(
                err.to_string().contains("not a valid TLS server name"),
                "{err}"
            );
        })
    });
}

/// Bytes that are no TLS record: an HTTP request line.
const GARBAGE: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[test]
fn a_client_against_a_server_that_sends_garbage_fails_with_a_reason() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (done_tx, done_rx) = weft::sync::oneshot::channel::<()>();
            weft::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                tcp.write_all(GARBAGE).await.unwrap();
                // Keep the connection open: the client must fail on the bytes, not on EOF.
                let _ = done_rx.await;
            });
            let tcp = TcpStream::connect(addr).await.unwrap();
            let err = connector(pki.client_config(ALL_VERSIONS))
                .connect("localhost", tcp)
                .await
                .unwrap_err();
            drop(done_tx);
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(err.to_string().contains("does not speak TLS"), "{err}");
        })
    });
}

#[test]
fn a_server_against_a_client_that_sends_garbage_fails_with_a_reason() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let (mut client, server_side) = weft::io::duplex(4096);
            client.write_all(GARBAGE).await.unwrap();
            let err = acceptor(server_config(&pki.leaf(), &[]))
                .accept(server_side)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(err.to_string().contains("does not speak TLS"), "{err}");
            drop(client);
        })
    });
}

#[test]
fn a_peer_that_stalls_mid_handshake_times_out() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            // A client that opens the connection and never sends its ClientHello.
            let (_silent_client, server_side) = weft::io::duplex(4096);
            let err = acceptor(server_config(&pki.leaf(), &[]))
                .with_handshake_timeout(Duration::from_millis(200))
                .accept(server_side)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::TimedOut);
            assert!(
                err.to_string().contains("did not complete within 200ms"),
                "{err}"
            );
            // And a server that never answers the ClientHello.
            let (near, _silent_server) = weft::io::duplex(4096);
            let err = connector(pki.client_config(ALL_VERSIONS))
                .with_handshake_timeout(Duration::from_millis(200))
                .connect("localhost", near)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::TimedOut);
            assert!(
                err.to_string().contains("TLS handshake with localhost"),
                "{err}"
            );
        })
    });
}
