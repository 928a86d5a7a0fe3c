//! An axum `Router` served by hyper on weft, through hyper-util's `TowerToHyperService` and
//! its HTTP/1-or-2 `auto` server; fetched with hyper-util's legacy client over HTTP/1 and
//! HTTP/2.

// Shared with the facade's own hyper tests.
#[path = "../../tests/hyper_support/mod.rs"]
mod hyper_support;

use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use hyper::body::Bytes;
use hyper_support::*;
use hyper_util::client::legacy::Client;
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use weft::hyper::{WeftConnector, WeftExecutor, WeftIo, WeftTimer};
use weft::net::TcpListener;

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "root" }))
        .route(
            "/greet/{name}",
            get(|Path(name): Path<String>| async move { format!("hi {name}") }),
        )
        .route(
            "/len",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
}

async fn serve(listener: TcpListener) {
    let app = app();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let service = TowerToHyperService::new(app.clone());
        drop(weft::spawn(async move {
            let mut builder = auto::Builder::new(WeftExecutor::new());
            builder.http1().timer(WeftTimer::new());
            builder.http2().timer(WeftTimer::new());
            let _ = builder.serve_connection(WeftIo::new(stream), service).await;
        }));
    }
}

#[test]
fn an_axum_router_answers_over_http1_and_http2() {
    within(Duration::from_secs(120), || {
        weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            drop(weft::spawn(serve(listener)));
            for http2 in [false, true] {
                let client: Client<_, http_body_util::Full<Bytes>> =
                    Client::builder(WeftExecutor::new())
                        .timer(WeftTimer::new())
                        .http2_only(http2)
                        .build(WeftConnector::new());
                let url = |path: &str| format!("http://localhost:{port}{path}").parse().unwrap();
                let root = client.get(url("/")).await.unwrap();
                let expected = if http2 {
                    hyper::Version::HTTP_2
                } else {
                    hyper::Version::HTTP_11
                };
                assert_eq!(root.version(), expected);
                assert_eq!(text(root.into_body()).await, "root");
                let greet = client.get(url("/greet/weft")).await.unwrap();
                assert_eq!(text(greet.into_body()).await, "hi weft");
                let missing = client.get(url("/nowhere")).await.unwrap();
                assert_eq!(missing.status(), 404);
                let post = hyper::Request::post(format!("http://localhost:{port}/len"))
                    .body(http_body_util::Full::new(Bytes::from(vec![1u8; 100_000])))
                    .unwrap();
                let len = client.request(post).await.unwrap();
                assert_eq!(text(len.into_body()).await, "100000");
            }
        })
    });
}
