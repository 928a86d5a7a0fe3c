//! hyper 1.x "hello" on weft and on tokio, for `benches/http_wrk.sh`: the same `service_fn`,
//! the same `http1::Builder` (defaults, no timer on either side), `TCP_NODELAY` on both, the
//! same worker count (`BENCH_WORKERS`, default: cores). Not a criterion suite: a helper
//! server for wrk.
//!
//! Two routes, the same answer: `/` (any path but the next) answers at once; `/thread` first
//! runs a small fixed CPU job ([`cpu_job`]) on the runtime's blocking pool (`weft::to_thread`,
//! `tokio::task::spawn_blocking`) and awaits it, which is the hand-off a server pushing
//! blocking calls to threads pays on every request: a submit, a pool thread, a wake of the
//! awaiting task from outside the workers.
//!
//! * `http_hyper --serve weft ADDR` / `--serve tokio ADDR` serves until killed.
//! * `--serve weft-serve ADDR` / `--serve tokio-serve ADDR` serve the same handlers the way a
//!   new user's axum app is served: `weft::hyper::serve` (hyper-util's `auto` builder, weft's
//!   timer, no `TCP_NODELAY`) and, on tokio, what `axum::serve` does (the `auto` builder with
//!   upgrades, no timer, no `TCP_NODELAY`).
//! * `--light-load weft` / `--light-load tokio` runs only that side's light-load rows (below),
//!   for `strace -f`/`perf`; it writes no JSON. `--light-load weft GAP_US REQUESTS` runs one
//!   row of that many requests (more requests, less noise).
//! * Run any other way (as `cargo bench` does), it starts both on free ports, checks one
//!   keep-alive request per route against each, then measures **CPU per request at light load**: one
//!   keep-alive client (a plain thread, blocking I/O) sends 1,000 requests with a 2 ms gap,
//!   then 1,000 with a 0.2 ms gap, and the server's CPU time is read from
//!   `/proc/self/task/*/schedstat` (every thread of the process but the client and the main
//!   thread). Throughput benchmarks hide a runtime that spins while idle; most servers run
//!   like this. It prints the table, writes `target/light_load.json` for `report.py`, and
//!   exits, so `cargo bench` never hangs on it.
//!
//! The weft side uses `weft::hyper::WeftIo` (feature `hyper`: reads straight into hyper's
//! buffer, vectored writes); tokio's uses `hyper_util::rt::TokioIo`.

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

const HELLO: &[u8] = b"Hello, world!\n";
/// The route whose handler goes through the blocking pool.
const THREAD_PATH: &str = "/thread";

/// The `/thread` route's job: FNV-1a over 1 KiB (about a microsecond), the same on both
/// runtimes. `black_box` keeps the compiler from folding it into a constant.
fn cpu_job() -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for byte in 0..std::hint::black_box(1024_u32) {
        hash = (hash ^ u64::from(byte as u8)).wrapping_mul(0x0100_0000_01b3);
    }
    std::hint::black_box(hash)
}

/// weft's handler: hello, after a blocking-pool round trip on `/thread`.
async fn hello_weft(req: Request<Incoming>) -> Result<Response<Full<&'static [u8]>>, Infallible> {
    if req.uri().path() == THREAD_PATH {
        let hash = weft::to_thread(cpu_job)
            .await
            .expect("cpu_job does not panic");
        std::hint::black_box(hash);
    }
    Ok(Response::new(Full::new(HELLO)))
}

/// tokio's handler, the same with `spawn_blocking`.
async fn hello_tokio(req: Request<Incoming>) -> Result<Response<Full<&'static [u8]>>, Infallible> {
    if req.uri().path() == THREAD_PATH {
        let hash = tokio::task::spawn_blocking(cpu_job)
            .await
            .expect("cpu_job does not panic");
        std::hint::black_box(hash);
    }
    Ok(Response::new(Full::new(HELLO)))
}

fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Serves hyper hello on weft until the process ends (or `stop_after` connections, for the
/// self-check).
async fn serve_weft(listener: weft::net::TcpListener, stop_after: Option<usize>) {
    let mut served = 0;
    while stop_after.is_none_or(|n| served < n) {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        served += 1;
        let _ = stream.set_nodelay(true);
        drop(weft::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(weft::hyper::WeftIo::new(stream), service_fn(hello_weft))
                .await;
        }));
    }
}

/// The same on tokio.
async fn serve_tokio(listener: tokio::net::TcpListener, stop_after: Option<usize>) {
    let mut served = 0;
    while stop_after.is_none_or(|n| served < n) {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        served += 1;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    service_fn(hello_tokio),
                )
                .await;
        });
    }
}

/// tokio served as `axum::serve` serves: hyper-util's `auto` builder per connection, with
/// upgrades, no timer, Nagle left on.
async fn serve_tokio_auto(listener: tokio::net::TcpListener) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        tokio::spawn(async move {
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection_with_upgrades(TokioIo::new(stream), service_fn(hello_tokio))
                .await;
        });
    }
}

fn weft_runtime() -> weft::Runtime {
    weft::Builder::new()
        .worker_threads(workers())
        .build()
        .expect("weft runtime")
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// One keep-alive request for `path` with a blocking client; panics unless the answer is
/// hello.
fn check_one(addr: std::net::SocketAddr, path: &str) {
    use std::io::{Read, Write};
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    client
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while !got.ends_with(HELLO) {
        let n = client.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "the server closed early: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let runtime = args.get(i + 1).map(String::as_str).unwrap_or("weft");
        let addr = args
            .get(i + 2)
            .cloned()
            .unwrap_or_else(|| "127.0.0.1:8082".to_owned());
        println!(
            "hyper on {runtime}: serving http://{addr}/ and http://{addr}{THREAD_PATH} ({} workers)",
            workers()
        );
        match runtime {
            "weft" => weft_runtime().block_on(async move {
                let listener = weft::net::TcpListener::bind(&addr).await.expect("bind");
                serve_weft(listener, None).await
            }),
            "tokio" => tokio_runtime().block_on(async move {
                let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
                serve_tokio(listener, None).await
            }),
            "weft-serve" => weft_runtime().block_on(async move {
                let listener = weft::net::TcpListener::bind(&addr).await.expect("bind");
                weft::hyper::serve(listener, service_fn(hello_weft))
                    .await
                    .expect("serve")
            }),
            "tokio-serve" => tokio_runtime().block_on(async move {
                let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
                serve_tokio_auto(listener).await
            }),
            other => panic!("--serve {other}: use weft, tokio, weft-serve or tokio-serve"),
        }
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--light-load") {
        // One side only, for strace/perf: prints, writes no JSON.
        let runtime = args.get(i + 1).map(String::as_str).unwrap_or("weft");
        let number = |at: usize, what: &str| {
            args.get(i + at).map(|n| {
                n.parse::<u64>().unwrap_or_else(|_| {
                    panic!("--light-load {runtime}: {what} {n:?} is not a number")
                })
            })
        };
        let gaps = number(2, "GAP_US").map_or(LIGHT_GAPS_US.to_vec(), |gap| vec![gap]);
        let requests = number(3, "REQUESTS").map_or(LIGHT_REQUESTS, |n| n as usize);
        for gap_us in gaps {
            let cpu = match runtime {
                "weft" => weft_light_load(gap_us, requests),
                "tokio" => tokio_light_load(gap_us, requests),
                other => panic!("--light-load {other}: use weft or tokio"),
            };
            println!(
                "light load on {runtime}, {requests} requests {gap_us} µs apart: server CPU \
                 {cpu:.2} µs per request"
            );
        }
        return;
    }
    // Self-check (what `cargo bench` runs): one request to each, then exit.
    let rt = weft_runtime();
    let listener = rt
        .block_on(weft::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rt.spawn(serve_weft(listener, Some(2)));
    check_one(addr, "/");
    check_one(addr, THREAD_PATH);
    rt.block_on(server).unwrap();

    let rt = tokio_runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rt.spawn(serve_tokio(listener, Some(2)));
    check_one(addr, "/");
    check_one(addr, THREAD_PATH);
    rt.block_on(server).unwrap();
    println!("http_hyper: self-check ok on weft and tokio (run with --serve weft|tokio ADDR)");
    light_load();
}

/// Requests per light-load row.
const LIGHT_REQUESTS: usize = 1_000;
/// The gaps between two requests of one client, in microseconds.
const LIGHT_GAPS_US: [u64; 2] = [2_000, 200];

/// Measures server CPU per request at light load on each runtime and writes
/// `target/light_load.json`.
fn light_load() {
    let mut rows = Vec::new();
    for gap_us in LIGHT_GAPS_US {
        let weft_us = weft_light_load(gap_us, LIGHT_REQUESTS);
        let tokio_us = tokio_light_load(gap_us, LIGHT_REQUESTS);
        println!(
            "light load, {LIGHT_REQUESTS} requests {gap_us} µs apart: server CPU per request \
             weft {weft_us:.1} µs, tokio {tokio_us:.1} µs (weft/tokio {:.2})",
            weft_us / tokio_us
        );
        rows.push(format!(
            r#"{{"gap_us": {gap_us}, "weft": {weft_us:.1}, "tokio": {tokio_us:.1}}}"#
        ));
    }
    let json = format!(
        r#"{{"requests": {LIGHT_REQUESTS}, "workers": {}, "rows": [{}]}}"#,
        workers(),
        rows.join(", ")
    );
    // The workspace's target directory, where `report.py` looks (this package is a member).
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/light_load.json");
    std::fs::write(&path, json + "\n").expect("write target/light_load.json");
}

/// Server CPU per request, in µs, of hyper on weft at light load (`requests`, `gap_us`
/// apart).
fn weft_light_load(gap_us: u64, requests: usize) -> f64 {
    let rt = weft_runtime();
    let listener = rt
        .block_on(weft::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rt.spawn(serve_weft(listener, Some(1)));
    let cpu = server_cpu_per_request(addr, gap_us, requests);
    rt.block_on(server).unwrap();
    cpu
}

/// Server CPU per request, in µs, of hyper on tokio at light load (`requests`, `gap_us`
/// apart).
fn tokio_light_load(gap_us: u64, requests: usize) -> f64 {
    let rt = tokio_runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rt.spawn(serve_tokio(listener, Some(1)));
    let cpu = server_cpu_per_request(addr, gap_us, requests);
    rt.block_on(server).unwrap();
    cpu
}

/// One keep-alive client on its own thread sends `requests` requests `gap_us` apart; returns
/// the CPU the rest of the process (the server) spent meanwhile, per request, in µs.
fn server_cpu_per_request(addr: std::net::SocketAddr, gap_us: u64, requests: usize) -> f64 {
    use std::io::{Read, Write};
    let main_tid = gettid();
    let (tid_tx, tid_rx) = std::sync::mpsc::sync_channel(0);
    let (go_tx, go_rx) = std::sync::mpsc::sync_channel::<()>(0);
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let mut buf = [0u8; 512];
        let mut one = |stream: &mut std::net::TcpStream| {
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut got = 0;
            // Responses are small and never split across requests: read until the body.
            let mut tail = Vec::new();
            while !tail.ends_with(HELLO) {
                let n = stream.read(&mut buf).unwrap();
                assert!(n > 0, "the server closed early");
                got += n;
                tail.extend_from_slice(&buf[..n]);
            }
            got
        };
        one(&mut stream); // the connection is up and served once before the clock starts
        tid_tx.send(gettid()).unwrap();
        go_rx.recv().unwrap();
        for _ in 0..requests {
            std::thread::sleep(std::time::Duration::from_micros(gap_us));
            one(&mut stream);
        }
    });
    let client_tid = tid_rx.recv().unwrap();
    let skip = [main_tid, client_tid];
    let before = cpu_ns_except(&skip);
    go_tx.send(()).unwrap();
    client.join().unwrap();
    let after = cpu_ns_except(&skip);
    (after - before) as f64 / 1_000.0 / requests as f64
}

/// This thread's id, from `/proc/thread-self` (a link to `PID/task/TID`).
fn gettid() -> u64 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self (Linux only)");
    let tid = link.file_name().expect("a thread id").to_string_lossy();
    tid.parse().expect("a numeric thread id")
}

/// Nanoseconds on CPU of every thread of this process but `skip`
/// (`/proc/self/task/TID/schedstat`'s first field).
fn cpu_ns_except(skip: &[u64]) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/task").expect("/proc/self/task (Linux only)") {
        let entry = entry.unwrap();
        let tid: u64 = entry.file_name().to_string_lossy().parse().unwrap();
        if skip.contains(&tid) {
            continue;
        }
        // A thread may exit between the listing and the read: it then counts nothing.
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("schedstat")) {
            total += stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    total
}
