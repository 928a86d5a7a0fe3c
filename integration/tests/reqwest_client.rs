//! reqwest (tokio-only: its connections are tokio sockets) from a weft task, against a hyper
//! server served on weft by `weft::hyper::serve`: inside `weft::compat::Compat` it works;
//! outside, it fails the way the issue reported, with tokio's "no reactor running".

use std::convert::Infallible;
use std::future::IntoFuture;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use weft::compat::{Compat, CompatExt};
use weft::net::TcpListener;
use weft_test_support::within;

async fn hello(req: Request<Incoming>) -> Result<Response<String>, Infallible> {
    Ok(Response::new(format!("hello {}", req.uri().path())))
}

/// Serves `hello` on weft; the base URL.
async fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    weft::spawn(weft::hyper::serve(listener, service_fn(hello)).into_future());
    format!("http://{addr}")
}

#[test]
fn reqwest_gets_from_a_weft_server_inside_compat() {
    within(Duration::from_secs(60), || {
        weft::run(async {
            let base = server().await;
            // Run from a weft task on a worker, as application code would.
            let fetched = weft::spawn(Compat::new(async move {
                let client = reqwest::Client::new();
                let mut bodies = Vec::new();
                for path in ["/a", "/b"] {
                    let response = client.get(format!("{base}{path}")).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                    bodies.push(response.text().await.unwrap());
                }
                bodies
            }))
            .await
            .unwrap();
            assert_eq!(fetched, ["hello /a", "hello /b"]);
        })
    });
}

#[test]
fn reqwest_with_the_compat_method() {
    within(Duration::from_secs(60), || {
        weft::run(async {
            let base = server().await;
            let body = async { reqwest::get(format!("{base}/m")).await?.text().await }
                .compat()
                .await
                .unwrap();
            assert_eq!(body, "hello /m");
        })
    });
}

#[test]
fn reqwest_without_compat_fails_with_no_reactor_running() {
    within(Duration::from_secs(60), || {
        weft::run(async {
            let base = server().await;
            let outcome = weft::spawn(async move { reqwest::get(base).await.map(drop) }).await;
            // Either tokio panics ("there is no reactor running") or reqwest reports it as an
            // error, depending on where the first tokio call happens; never a response.
            let message = match outcome {
                Err(err) => weft_panic_message(err),
                Ok(Err(err)) => format!("{err:?}"),
                Ok(Ok(())) => panic!("reqwest worked without a tokio context"),
            };
            assert!(message.contains("no reactor running"), "{message}");
        })
    });
}

fn weft_panic_message(err: weft::JoinError) -> String {
    let payload = err.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
