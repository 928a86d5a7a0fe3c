//! `weft::hyper::serve(..).tls(acceptor)`: HTTPS where ALPN picks HTTP/2 or HTTP/1.1 per
//! connection, and a client that does not speak TLS costs its own connection only.

mod tls_support;

use std::convert::Infallible;
use std::future::IntoFuture;
use std::sync::Arc;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use tls_support::*;
use weft::hyper::{HttpsConnector, WeftExecutor, WeftTimer, serve};
use weft::io::AsyncReadExt;
use weft::net::{TcpListener, TcpStream};

/// Answers with the HTTP version the request came in over.
async fn version(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from(format!(
        "{:?}",
        req.version()
    )))))
}

/// An HTTPS server for `pki`'s leaf offering `h2` and `http/1.1`; its port.
async fn https_server(pki: &Pki) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = acceptor(server_config(&pki.leaf(), &[b"h2", b"http/1.1"]));
    let service = hyper::service::service_fn(version);
    weft::spawn(serve(listener, service).tls(acceptor).into_future());
    port
}

/// `GET https://localhost:port/` with a client offering `alpn`; the body.
async fn get(pki: &Pki, port: u16, alpn: &[&[u8]]) -> String {
    let mut config = pki.client_config(ALL_VERSIONS);
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let client: Client<_, Empty<Bytes>> = Client::builder(WeftExecutor::new())
        .timer(WeftTimer::new())
        .build(HttpsConnector::new(Arc::new(config)));
    let uri = format!("https://localhost:{port}/").parse().unwrap();
    let response = client.get(uri).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[test]
fn serve_tls_speaks_the_version_alpn_picked() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let port = https_server(&pki).await;
            assert_eq!(get(&pki, port, &[b"h2", b"http/1.1"]).await, "HTTP/2.0");
            assert_eq!(get(&pki, port, &[b"http/1.1"]).await, "HTTP/1.1");
        })
    });
}

#[test]
fn a_plain_text_client_does_not_stop_a_tls_server() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let port = https_server(&pki).await;
            // Plain HTTP to the TLS port: the handshake fails and that connection is closed.
            let mut plain = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            plain
                .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
                .await
                .unwrap();
            let mut rest = Vec::new();
            let _ = plain.read_to_end(&mut rest).await;
            assert!(
                !rest.starts_with(b"HTTP/"),
                "served plain text over a TLS port"
            );
            // The server still serves TLS clients.
            assert_eq!(get(&pki, port, &[b"h2"]).await, "HTTP/2.0");
        })
    });
}
