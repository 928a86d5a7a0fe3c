//! A hyper 1.x server on weft: HTTP/1 and HTTP/2 on one port, in one call.
//!
//! `weft::hyper::serve(listener, service)` runs hyper-util's `auto` builder on each connection
//! in a weft task of its own, with weft's adapters inside: `WeftIo` (hyper's I/O traits over
//! weft's `TcpStream`), weft tasks for HTTP/2's streams, `WeftTimer` for hyper's timeouts
//! (the 30 s header-read timeout among them). The client side uses hyper-util's legacy
//! `Client` with `WeftConnector` and `WeftExecutor`. Without arguments it serves on a free
//! loopback port, fetches a few pages from itself over HTTP/1 and HTTP/2, prints them and
//! stops. `hyper_server --serve 127.0.0.1:8080` serves until Ctrl-C.
use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use weft::hyper::{WeftConnector, WeftExecutor, WeftTimer};
use weft::net::TcpListener;

type Body = BoxBody<Bytes, hyper::Error>;

fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into())
        .map_err(|never| match never {})
        .boxed()
}

/// `GET /` greets, `POST /echo` streams the request body back, anything else is 404.
async fn route(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => {
            Response::new(full(format!("Hello from weft over {:?}!\n", req.version())))
        }
        (&Method::POST, "/echo") => Response::new(req.into_body().boxed()),
        _ => {
            let mut not_found = Response::new(full("Not found\n"));
            *not_found.status_mut() = StatusCode::NOT_FOUND;
            not_found
        }
    };
    Ok(response)
}

/// Serves `route` on `listener` until the task is cancelled.
async fn serve(listener: TcpListener) {
    let service = hyper::service::service_fn(route);
    if let Err(err) = weft::hyper::serve(listener, service).await {
        eprintln!("server: {err}");
    }
}

/// Fetches a few pages from the server, once over HTTP/1 and once over HTTP/2.
async fn visit(addr: SocketAddr) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    for http2 in [false, true] {
        let client: Client<_, Full<Bytes>> = Client::builder(WeftExecutor::new())
            .timer(WeftTimer::new())
            .http2_only(http2)
            .build(WeftConnector::new());
        let base = format!("http://localhost:{}", addr.port());
        let hello = client.get(format!("{base}/").parse()?).await?;
        let status = hello.status();
        let body = hello.into_body().collect().await?.to_bytes();
        print!("GET /       -> {status} {}", String::from_utf8_lossy(&body));
        let echo =
            Request::post(format!("{base}/echo")).body(Full::new(Bytes::from_static(b"ping")))?;
        let echoed = client.request(echo).await?.into_body().collect().await?;
        println!("POST /echo  -> {:?}", echoed.to_bytes());
        let missing = client.get(format!("{base}/missing").parse()?).await?;
        println!("GET /missing -> {}", missing.status());
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, addr] = args.as_slice()
        && flag == "--serve"
    {
        let addr = addr.clone();
        weft::run(async move {
            let listener = TcpListener::bind(addr.as_str()).await.expect("bind");
            println!(
                "serving on http://{}",
                listener.local_addr().expect("address")
            );
            let server = weft::spawn(serve(listener));
            weft::signal::ctrl_c().await.expect("listen for Ctrl-C");
            server.cancel();
        });
        return;
    }
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        println!("serving on http://{addr}");
        let server = weft::spawn(serve(listener));
        visit(addr).await.expect("the server answers");
        server.cancel(); // stops accepting; `run` ends the connection tasks
    });
}
