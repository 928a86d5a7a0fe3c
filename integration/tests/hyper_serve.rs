//! `weft::hyper::serve`: a `service_fn` and an axum `Router` over HTTP/1 and HTTP/2, a Unix
//! listener, graceful shutdown with a request in flight (both versions), 50 connections at
//! once, and a panicking handler that leaves the server serving.

// Shared with the facade's own hyper tests.
#[path = "../../tests/hyper_support/mod.rs"]
mod hyper_support;

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper_support::*;
use weft::hyper::{WeftIo, serve};
use weft::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use weft::sync::{Barrier, CancellationToken, Event};

const LIMIT: Duration = Duration::from_secs(60);

/// Binds a loopback listener.
async fn listen() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// `GET path` over one new HTTP/1 or HTTP/2 connection; the status and the body.
async fn fetch(addr: std::net::SocketAddr, version: Version, path: &str) -> (u16, String) {
    let response = match version {
        Version::Http1 => {
            let mut sender = http1_client(addr).await.unwrap();
            sender.send_request(get(path)).await.unwrap()
        }
        Version::Http2 => {
            let mut sender = http2_client::<Empty<Bytes>>(addr).await.unwrap();
            let request = hyper::Request::get(format!("http://localhost{path}"))
                .body(Empty::new())
                .unwrap();
            sender.send_request(request).await.unwrap()
        }
    };
    let status = response.status().as_u16();
    (status, text(response.into_body()).await)
}

#[test]
fn serves_a_service_fn_over_http1_and_http2() {
    within(LIMIT, || {
        weft::run(async {
            let (listener, addr) = listen().await;
            weft::spawn(serve(listener, service_fn(echo_or_hello)).into_future());
            assert_eq!(
                fetch(addr, Version::Http1, "/one").await,
                (200, "hello /one".into())
            );
            assert_eq!(
                fetch(addr, Version::Http2, "/two").await,
                (200, "hello /two".into())
            );
        })
    });
}

#[test]
fn serves_an_axum_router_over_http1_and_http2() {
    within(LIMIT, || {
        weft::run(async {
            let router = axum::Router::new()
                .route("/", axum::routing::get(|| async { "router root" }))
                .route(
                    "/{name}",
                    axum::routing::get(
                        |axum::extract::Path(name): axum::extract::Path<String>| async move {
                            format!("hi {name}")
                        },
                    ),
                );
            let (listener, addr) = listen().await;
            weft::spawn(serve(listener, router).into_future());
            assert_eq!(
                fetch(addr, Version::Http1, "/").await,
                (200, "router root".into())
            );
            assert_eq!(
                fetch(addr, Version::Http2, "/ann").await,
                (200, "hi ann".into())
            );
        })
    });
}

#[test]
fn serves_a_unix_listener() {
    let path = std::env::temp_dir().join(format!("weft-hyper-serve-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let at = path.clone();
    within(LIMIT, move || {
        weft::run(async move {
            let listener = UnixListener::bind(&at).unwrap();
            weft::spawn(serve(listener, service_fn(echo_or_hello)).into_future());
            let io = WeftIo::new(UnixStream::connect(&at).await.unwrap());
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
            drop(weft::spawn(conn));
            let response = sender.send_request(get("/unix")).await.unwrap();
            assert_eq!(text(response.into_body()).await, "hello /unix");
        })
    });
    let _ = std::fs::remove_file(&path);
}

/// Shutdown is asked for while a request is in the handler: the server stops accepting at
/// once, but returns only after that request's response went out.
fn graceful_shutdown_finishes_the_request_in_flight(version: Version) {
    within(LIMIT, move || {
        weft::run(async move {
            let entered = Arc::new(Event::new());
            let release = Arc::new(Event::new());
            let service = {
                let (entered, release) = (entered.clone(), release.clone());
                service_fn(move |_req| {
                    let (entered, release) = (entered.clone(), release.clone());
                    async move {
                        entered.set();
                        release.wait().await;
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            "finished".to_owned(),
                        ))
                    }
                })
            };
            let (listener, addr) = listen().await;
            let stop = CancellationToken::new();
            let mut server = weft::spawn(
                serve(listener, service)
                    .with_graceful_shutdown(stop.clone().cancelled_owned())
                    .into_future(),
            );
            let in_flight = weft::spawn(fetch(addr, version, "/slow"));
            entered.wait().await;
            stop.cancel();

            // The listener goes away: connecting is refused (bounded: the server drops it in
            // the poll that sees the signal).
            let mut refused = false;
            for _ in 0..2000 {
                if TcpStream::connect(addr).await.is_err() {
                    refused = true;
                    break;
                }
                weft::sleep(Duration::from_millis(1)).await;
            }
            assert!(refused, "the listener was still accepting after shutdown");
            // The handler is still blocked, so the server cannot have returned.
            assert!(!server.is_finished());

            release.set();
            assert_eq!(in_flight.await.unwrap(), (200, "finished".into()));
            (&mut server).await.unwrap().unwrap();
        })
    });
}

#[test]
fn graceful_shutdown_finishes_the_http1_request_in_flight() {
    graceful_shutdown_finishes_the_request_in_flight(Version::Http1);
}

#[test]
fn graceful_shutdown_finishes_the_http2_request_in_flight() {
    graceful_shutdown_finishes_the_request_in_flight(Version::Http2);
}

#[test]
fn graceful_shutdown_closes_idle_keep_alive_connections() {
    within(LIMIT, || {
        weft::run(async {
            let (listener, addr) = listen().await;
            let stop = CancellationToken::new();
            let server = weft::spawn(
                serve(listener, service_fn(echo_or_hello))
                    .with_graceful_shutdown(stop.clone().cancelled_owned())
                    .into_future(),
            );
            // An idle keep-alive connection, and one that never sent a byte: neither holds
            // the server up.
            let mut sender = http1_client(addr).await.unwrap();
            let response = sender.send_request(get("/")).await.unwrap();
            assert_eq!(text(response.into_body()).await, "hello /");
            let _silent = TcpStream::connect(addr).await.unwrap();
            stop.cancel();
            server.await.unwrap().unwrap();
        })
    });
}

#[test]
fn fifty_connections_are_served_at_once() {
    const CONNECTIONS: usize = 50;
    within(LIMIT, || {
        weft::run(async {
            // Every handler waits at a barrier for all fifty: the test finishes only if the
            // fifty requests are in their handlers at the same time.
            let barrier = Arc::new(Barrier::new(CONNECTIONS).unwrap());
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let barrier = barrier.clone();
                async move {
                    barrier.wait().await.unwrap();
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(
                        req.uri().path().to_owned(),
                    ))
                }
            });
            let (listener, addr) = listen().await;
            weft::spawn(serve(listener, service).into_future());
            let answers = weft::gather(
                (0..CONNECTIONS)
                    .map(|i| async move { fetch(addr, Version::Http1, &format!("/{i}")).await }),
            )
            .await;
            for (i, answer) in answers.into_iter().enumerate() {
                assert_eq!(answer, (200, format!("/{i}")));
            }
        })
    });
}

#[test]
fn a_panicking_handler_does_not_end_the_server() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rt = {
        let seen = seen.clone();
        weft::Builder::new()
            .on_task_panic(move |err| seen.lock().unwrap().push(err.to_string()))
            .build()
            .unwrap()
    };
    within(LIMIT, move || {
        rt.block_on(async {
            let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                if req.uri().path() == "/panic" {
                    panic!("handler broke");
                }
                Ok::<_, std::convert::Infallible>(hyper::Response::new("fine".to_owned()))
            });
            let (listener, addr) = listen().await;
            weft::spawn(serve(listener, service).into_future());
            // The panicking request loses its connection...
            let mut sender = http1_client(addr).await.unwrap();
            assert!(sender.send_request(get("/panic")).await.is_err());
            // ...and the server answers the next one.
            for _ in 0..3 {
                assert_eq!(
                    fetch(addr, Version::Http1, "/ok").await,
                    (200, "fine".into())
                );
            }
        });
    });
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains("handler broke"), "{seen:?}");
}
