//! hyper-util's legacy `Client` on weft, through `WeftConnector`: fetching by host name
//! (`localhost`), and HTTP/2 with one pooled connection shared by concurrent requests.

// Shared with the facade's own hyper tests.
#[path = "../../tests/hyper_support/mod.rs"]
mod hyper_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper::body::Bytes;
use hyper_support::*;
use hyper_util::client::legacy::Client;
use weft::hyper::{WeftConnector, WeftExecutor, WeftTimer};

const LIMIT: Duration = Duration::from_secs(120);

fn client(http2: bool) -> Client<WeftConnector, http_body_util::Empty<Bytes>> {
    Client::builder(WeftExecutor::new())
        .timer(WeftTimer::new())
        .pool_timer(WeftTimer::new())
        .http2_only(http2)
        .build(WeftConnector::new())
}

#[test]
fn the_legacy_client_fetches_by_host_name() {
    within(LIMIT, || {
        weft::run(async {
            let (addr, _) = server(Version::Http1).await;
            let client = client(false);
            for i in 0..3 {
                let uri = format!("http://localhost:{}/n{i}", addr.port())
                    .parse()
                    .unwrap();
                let response = client.get(uri).await.unwrap();
                assert_eq!(response.status(), 200);
                assert_eq!(text(response.into_body()).await, format!("hello /n{i}"));
            }
            // Whether the second request reuses the first connection is a race inside
            // hyper-util (an HTTP/1 connection goes back to the pool from a task of its own),
            // so reuse is checked over HTTP/2 below, where it is deterministic.
        })
    });
}

#[test]
fn the_legacy_client_speaks_http2_concurrently_over_one_connection() {
    within(LIMIT, || {
        weft::run(async {
            let (addr, accepted) = server(Version::Http2).await;
            let client = client(true);
            // One request first, so the pool holds the connection the others share.
            let uri = format!("http://127.0.0.1:{}/first", addr.port());
            let first = client.get(uri.parse().unwrap()).await.unwrap();
            assert_eq!(text(first.into_body()).await, "hello /first");
            let answers = weft::gather((0..8).map(|i| {
                let client = client.clone();
                async move {
                    let uri = format!("http://127.0.0.1:{}/{i}", addr.port());
                    let response = client.get(uri.parse().unwrap()).await.unwrap();
                    text(response.into_body()).await
                }
            }))
            .await;
            for (i, answer) in answers.iter().enumerate() {
                assert_eq!(answer, &format!("hello /{i}"));
            }
            assert_eq!(accepted.load(Ordering::SeqCst), 1);
        })
    });
}

#[test]
fn the_connector_reports_what_went_wrong() {
    within(LIMIT, || {
        weft::run(async {
            let client = client(false);
            // A port nobody listens on (bound, then closed).
            let port = weft::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let err = client
                .get(format!("http://127.0.0.1:{port}/").parse().unwrap())
                .await
                .unwrap_err();
            assert!(err.is_connect(), "{err:?}");
            let err = client
                .get("https://localhost/".parse().unwrap())
                .await
                .unwrap_err();
            assert!(format!("{err:?}").contains("enforce_http"), "{err:?}");
        })
    });
}
