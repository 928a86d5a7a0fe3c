//! Networking benchmarks, side by side: weft (`weft::net`), tokio (`tokio::net`) and smol
//! (`async-net` on async-executor threads), same worker count.
//!
//! `tcp_echo`: 16 connections × 2,000 round trips of 64 bytes on loopback. Each iteration
//! binds a listener, accepts 16 connections (one echo task each) and runs 16 client tasks
//! that write 64 bytes and read them back 2,000 times; `TCP_NODELAY` is set everywhere. The
//! connection set-up is part of each iteration but is < 1% of it.
//!
//! Run: `cargo bench -p weft-benches --bench net` (then `python3 benches/report.py`).
//!
//! Syscall counts and profiles: `BENCH_ONCE=weft` (or `tokio`, `smol`) runs `BENCH_ITERS`
//! (default 1) iterations of `tcp_echo` on that runtime, prints ns per round trip and exits,
//! without criterion, so that `strace -c -f` counts exactly 32,000 round trips per iteration
//! and `perf record` sees one runtime only (see `benches/NOTES.md`).

mod support;

use criterion::{Criterion, criterion_group};
use support::{BenchRuntime, countdown};

const CONNECTIONS: usize = 16;
const ROUND_TRIPS: usize = 2_000;
const MESSAGE: usize = 64;

/// The echo workload, written once per runtime with that runtime's own net types.
trait TcpEcho: BenchRuntime {
    fn tcp_echo(&self);
}

impl TcpEcho for support::Weft {
    fn tcp_echo(&self) {
        use weft::net::{TcpListener, TcpStream};
        let (count, rx) = countdown(CONNECTIONS);
        self.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            Self::spawn(async move {
                for _ in 0..CONNECTIONS {
                    let (stream, _) = listener.accept().await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    Self::spawn(async move {
                        let mut buf = [0u8; 4096];
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                        }
                    });
                }
            });
            for _ in 0..CONNECTIONS {
                let count = count.clone();
                Self::spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let msg = [7u8; MESSAGE];
                    let mut back = [0u8; MESSAGE];
                    for _ in 0..ROUND_TRIPS {
                        stream.write_all(&msg).await.unwrap();
                        stream.read_exact(&mut back).await.unwrap();
                    }
                    count.finish();
                });
            }
            rx.await
        });
    }
}

impl TcpEcho for support::Tokio {
    fn tcp_echo(&self) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio::net::{TcpListener, TcpStream};
        let (count, rx) = countdown(CONNECTIONS);
        self.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            Self::spawn(async move {
                for _ in 0..CONNECTIONS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    Self::spawn(async move {
                        let mut buf = [0u8; 4096];
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                        }
                    });
                }
            });
            for _ in 0..CONNECTIONS {
                let count = count.clone();
                Self::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let msg = [7u8; MESSAGE];
                    let mut back = [0u8; MESSAGE];
                    for _ in 0..ROUND_TRIPS {
                        stream.write_all(&msg).await.unwrap();
                        stream.read_exact(&mut back).await.unwrap();
                    }
                    count.finish();
                });
            }
            rx.await
        });
    }
}

impl TcpEcho for support::Smol {
    fn tcp_echo(&self) {
        use async_net::{TcpListener, TcpStream};
        use futures_lite::{AsyncReadExt, AsyncWriteExt};
        let (count, rx) = countdown(CONNECTIONS);
        // Spawned from the benchmark thread so that the listener lives on the executor.
        self.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            Self::spawn(async move {
                for _ in 0..CONNECTIONS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    Self::spawn(async move {
                        let mut buf = [0u8; 4096];
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                        }
                    });
                }
            });
            for _ in 0..CONNECTIONS {
                let count = count.clone();
                Self::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let msg = [7u8; MESSAGE];
                    let mut back = [0u8; MESSAGE];
                    for _ in 0..ROUND_TRIPS {
                        stream.write_all(&msg).await.unwrap();
                        stream.read_exact(&mut back).await.unwrap();
                    }
                    count.finish();
                });
            }
            rx.await
        });
    }
}

fn tcp_echo<R: TcpEcho>(rt: &R) {
    rt.tcp_echo();
}

fn benches(c: &mut Criterion) {
    side_by_side!(c, "tcp_echo", (CONNECTIONS * ROUND_TRIPS) as u64, tcp_echo);
}

criterion_group! {
    name = net;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(5));
    targets = benches
}
fn main() {
    if let Ok(name) = std::env::var("BENCH_ONCE") {
        let workers = support::workers();
        let iterations: usize = std::env::var("BENCH_ITERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        let run: Box<dyn Fn()> = match name.as_str() {
            "weft" => {
                let rt = <support::Weft as BenchRuntime>::new(workers);
                Box::new(move || rt.tcp_echo())
            }
            "tokio" => {
                let rt = <support::Tokio as BenchRuntime>::new(workers);
                Box::new(move || rt.tcp_echo())
            }
            "smol" => {
                let rt = <support::Smol as BenchRuntime>::new(workers);
                Box::new(move || rt.tcp_echo())
            }
            other => panic!("BENCH_ONCE={other:?}: use weft, tokio or smol"),
        };
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            run();
        }
        let trips = CONNECTIONS * ROUND_TRIPS * iterations;
        let ns = start.elapsed().as_nanos() as f64 / trips as f64;
        println!("tcp_echo on {name}: {trips} round trips, {ns:.0} ns each");
        return;
    }
    net();
    Criterion::default().configure_from_args().final_summary();
}
