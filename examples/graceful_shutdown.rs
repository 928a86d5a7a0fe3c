//! Graceful shutdown of a hyper server on weft: stop accepting on Ctrl-C or a call from
//! anywhere, let the requests in flight finish within a deadline, then return.
//!
//! asyncio's version is `server.close()`, then `await server.wait_closed()` under a timeout.
//! Here the server is `weft::hyper::serve(listener, service).with_graceful_shutdown(signal)`,
//! and the signal is a `weft::sync::Event`: `Ctrl-C` sets it, and so can any task or thread
//! holding it (the "handle call"). On it the server drops the listener (new connections are
//! refused), tells each connection to finish its current request and close (keep-alive off,
//! HTTP/2 GOAWAY), and returns once every connection is done. `weft::timeout` bounds that
//! wait to `DEADLINE`; past it, dropping the server future drops what is left.
//!
//! The demo starts a slow request (the handler takes 300 ms), asks for shutdown 50 ms into
//! it, shows the slow request still completing and a new connection being refused, and
//! returns. `graceful_shutdown --serve 127.0.0.1:8080` waits for Ctrl-C instead.
use std::convert::Infallible;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use weft::hyper::WeftIo;
use weft::net::{TcpListener, TcpStream};
use weft::sync::Event;

/// How long in-flight requests get to finish once shutdown starts.
const DEADLINE: Duration = Duration::from_secs(5);

/// A handler that takes its time, like a real one querying a database.
async fn slow(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    weft::sleep(Duration::from_millis(300)).await;
    Ok(Response::new(Full::new(Bytes::from(format!(
        "done with {}\n",
        req.uri().path()
    )))))
}

/// Serves until `stop` is set, then drains the connections (at most `DEADLINE`).
async fn serve(listener: TcpListener, stop: Arc<Event>) {
    let server = weft::hyper::serve(listener, hyper::service::service_fn(slow))
        .with_graceful_shutdown(async move {
            stop.wait().await;
            println!("server: stopped accepting; draining the connections in flight");
        });
    match weft::timeout(DEADLINE, server.into_future()).await {
        Ok(Ok(())) => println!("server: every in-flight request finished"),
        Ok(Err(err)) => println!("server: {err}"),
        Err(_) => println!("server: deadline passed, dropped what was left"),
    }
}

/// One `GET` over a new connection; the text of the answer.
async fn get(
    addr: std::net::SocketAddr,
    path: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let io = WeftIo::new(TcpStream::connect(addr).await?);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    drop(weft::spawn(conn));
    let request = Request::get(path)
        .header(hyper::header::HOST, "localhost")
        .body(Full::new(Bytes::new()))?;
    let body = sender
        .send_request(request)
        .await?
        .into_body()
        .collect()
        .await?;
    Ok(String::from_utf8_lossy(&body.to_bytes()).into_owned())
}

fn main() {
    let serve_addr = std::env::args().skip_while(|a| a != "--serve").nth(1);
    weft::run(async move {
        let stop = Arc::new(Event::new());
        // Ctrl-C is one way to ask; `stop.set()` from any task or thread is the other.
        let on_ctrl_c = {
            let stop = stop.clone();
            weft::spawn(async move {
                if weft::signal::ctrl_c().await.is_ok() {
                    println!("Ctrl-C: shutting down");
                    stop.set();
                }
            })
        };
        let listener = TcpListener::bind(serve_addr.as_deref().unwrap_or("127.0.0.1:0"))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        println!("serving on http://{addr}");
        let server = weft::spawn(serve(listener, stop.clone()));
        if serve_addr.is_some() {
            let _ = server.await;
            return;
        }

        let start = Instant::now();
        let in_flight = weft::spawn(get(addr, "/slow"));
        weft::sleep(Duration::from_millis(50)).await;
        println!("main: asking for shutdown {:?} in", start.elapsed());
        stop.set();
        let answer = in_flight
            .await
            .expect("client task")
            .expect("the request finishes");
        println!("client: {} after {:?}", answer.trim_end(), start.elapsed());
        server.await.expect("server task");
        match TcpStream::connect(addr).await {
            Err(err) => println!("client: a new connection is refused ({err})"),
            Ok(_) => panic!("the server still accepts after shutting down"),
        }
        on_ctrl_c.cancel();
        println!("shut down in {:?}", start.elapsed());
    });
}
