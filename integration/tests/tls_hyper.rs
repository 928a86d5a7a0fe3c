//! HTTPS with hyper on weft: hyper-util's legacy `Client` through `HttpsConnector` against a
//! hyper server serving `WeftIo<ServerTlsStream<TcpStream>>`, where ALPN picks HTTP/2 or
//! HTTP/1.1 per connection; and `http://` through the same connector.

mod tls_support;

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use tls_support::*;
use weft::hyper::{HttpsConnector, WeftExecutor, WeftIo, WeftTimer};
use weft::net::TcpListener;
use weft::tls::TlsAcceptor;

/// Answers with the HTTP version the request came in over.
async fn version(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from(format!(
        "{:?}",
        req.version()
    )))))
}

/// Serves [`version`] over TLS (`acceptor`) and, when `acceptor` is `None`, in plain text.
async fn serve(acceptor: Option<TlsAcceptor>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    weft::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            weft::spawn(async move {
                let builder = hyper_util::server::conn::auto::Builder::new(WeftExecutor::new());
                let service = hyper::service::service_fn(version);
                let _ = match acceptor {
                    Some(acceptor) => {
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        builder.serve_connection(WeftIo::new(tls), service).await
                    }
                    None => builder.serve_connection(WeftIo::new(tcp), service).await,
                };
            });
        }
    });
    port
}

fn client(config: rustls::ClientConfig) -> Client<HttpsConnector, http_body_util::Empty<Bytes>> {
    Client::builder(WeftExecutor::new())
        .timer(WeftTimer::new())
        .pool_timer(WeftTimer::new())
        .build(HttpsConnector::new(Arc::new(config)))
}

async fn get(client: &Client<HttpsConnector, http_body_util::Empty<Bytes>>, uri: String) -> String {
    let response = client.get(uri.parse().unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[test]
fn https_client_and_server_speak_h2_when_alpn_offers_it() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let port = serve(Some(acceptor(server_config(
                &pki.leaf(),
                &[b"h2", b"http/1.1"],
            ))))
            .await;
            // The connector offers h2 and http/1.1; the server picks h2.
            let client = client(pki.client_config(ALL_VERSIONS));
            for _ in 0..2 {
                let uri = format!("https://localhost:{port}/");
                assert_eq!(get(&client, uri).await, "HTTP/2.0");
            }
        })
    });
}

#[test]
fn https_client_and_server_speak_http1_when_alpn_says_so() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let port = serve(Some(acceptor(server_config(
                &pki.leaf(),
                &[b"h2", b"http/1.1"],
            ))))
            .await;
            let mut config = pki.client_config(ALL_VERSIONS);
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            let client = client(config);
            let uri = format!("https://localhost:{port}/");
            assert_eq!(get(&client, uri).await, "HTTP/1.1");
        })
    });
}

#[test]
fn the_https_connector_still_speaks_plain_http() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let port = serve(None).await;
            let client = client(pki.client_config(ALL_VERSIONS));
            assert_eq!(
                get(&client, format!("http://127.0.0.1:{port}/")).await,
                "HTTP/1.1"
            );
        })
    });
}

#[test]
fn an_untrusted_https_server_is_refused_with_a_reason() {
    within(LIMIT, || {
        weft::run(async {
            let pki = Pki::new();
            let port = serve(Some(acceptor(server_config(&self_signed(), &[b"h2"])))).await;
            let client = client(pki.client_config(ALL_VERSIONS));
            let err = client
                .get(format!("https://localhost:{port}/").parse().unwrap())
                .await
                .unwrap_err();
            // hyper-util wraps the connector's error; the reason is in the chain.
            let mut chain = Vec::new();
            let mut source: Option<&dyn std::error::Error> = Some(&err);
            while let Some(e) = source {
                chain.push(e.to_string());
                source = e.source();
            }
            let chain = chain.join(" / ");
            assert!(
                chain.contains("not signed by a trusted authority"),
                "{chain}"
            );
        })
    });
}
