//! The hyper client side by side: hyper-util's pooled legacy `Client` on weft
//! (`WeftConnector`, `WeftExecutor`, `WeftTimer`) and on tokio (`HttpConnector`,
//! `TokioExecutor`), same worker count, against one local hyper server.
//!
//! `hyper_client`: each iteration makes 256 `GET /` requests from 64 concurrent tasks
//! (4 each, one after the other) over keep-alive HTTP/1.1 connections that the client's
//! pool keeps between iterations. `TCP_NODELAY` is set on both clients. The server is the
//! same for both runs: hyper on its own one-worker weft runtime, answering "Hello, world!",
//! so the difference between the rows is the client and its runtime. (smol has no hyper
//! client of its own; its column stays empty.)
//!
//! Run: `cargo bench -p weft-benches --bench hyper_client` (then `python3 benches/report.py`).

mod support;

use std::convert::Infallible;
use std::net::SocketAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, Uri};
use hyper_util::client::legacy::Client;
use support::BenchRuntime;

/// Connections the server accepted: printed after each runtime's run, to show that both
/// clients kept their connections pooled (64-ish each) rather than reconnecting per request.
static ACCEPTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const TASKS: usize = 64;
const PER_TASK: usize = 4;

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!\n",
    ))))
}

/// The shared server: hyper on a one-worker weft runtime of its own.
fn server() -> (weft::Runtime, SocketAddr) {
    use weft::hyper::{WeftIo, WeftTimer};
    let rt = weft::Builder::new().worker_threads(1).build().unwrap();
    let listener = rt
        .block_on(weft::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    drop(rt.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            ACCEPTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            stream.set_nodelay(true).unwrap();
            drop(weft::spawn(
                hyper::server::conn::http1::Builder::new()
                    .timer(WeftTimer::new())
                    .serve_connection(WeftIo::new(stream), hyper::service::service_fn(hello)),
            ));
        }
    }));
    (rt, addr)
}

/// One task's share: `PER_TASK` requests in a row, each body read to its end.
async fn requests<C>(client: Client<C, Empty<Bytes>>, uri: Uri)
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    for _ in 0..PER_TASK {
        let response = client.get(uri.clone()).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), 14);
    }
}

fn weft_client(
    rt: &support::Weft,
    client: &Client<weft::hyper::WeftConnector, Empty<Bytes>>,
    uri: &Uri,
) {
    rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| weft::spawn(requests(client.clone(), uri.clone())))
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
}

fn tokio_client(
    rt: &support::Tokio,
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
    uri: &Uri,
) {
    rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| tokio::spawn(requests(client.clone(), uri.clone())))
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
}

fn benches(c: &mut Criterion) {
    let (_server, addr) = server();
    let uri: Uri = format!("http://{addr}/").parse().unwrap();
    let workers = support::workers();
    let mut group = c.benchmark_group("hyper_client");
    group.throughput(criterion::Throughput::Elements((TASKS * PER_TASK) as u64));
    {
        use weft::hyper::{WeftConnector, WeftExecutor, WeftTimer};
        let rt = support::Weft::new(workers);
        let client = Client::builder(WeftExecutor::new())
            .timer(WeftTimer::new())
            .pool_timer(WeftTimer::new())
            .build(WeftConnector::new());
        group.bench_function("weft", |b| b.iter(|| weft_client(&rt, &client, &uri)));
        eprintln!(
            "weft: the server accepted {} connections",
            ACCEPTED.swap(0, std::sync::atomic::Ordering::Relaxed)
        );
    }
    {
        use hyper_util::rt::{TokioExecutor, TokioTimer};
        let rt = support::Tokio::new(workers);
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        group.bench_function("tokio", |b| b.iter(|| tokio_client(&rt, &client, &uri)));
        eprintln!(
            "tokio: the server accepted {} connections",
            ACCEPTED.swap(0, std::sync::atomic::Ordering::Relaxed)
        );
    }
    group.finish();
}

criterion_group! {
    name = hyper_client;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(2))
        .measurement_time(std::time::Duration::from_secs(8));
    targets = benches
}
criterion_main!(hyper_client);
