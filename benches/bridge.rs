//! Thread-bridge and file benchmarks, side by side: weft, tokio (multi-thread) and smol
//! (async-executor on the same number of threads, with the `blocking` pool and `async-fs`
//! that smol users pair it with).
//!
//! - `sync_bridge`: 2 plain threads × 2,000 round trips of "submit a future from a plain
//!   thread and block for its result" (asyncio's `run_coroutine_threadsafe(..).result()`).
//! - `blocking_pool`: 5,000 `spawn_blocking` calls made from inside a task, all awaited.
//! - `fs_small_reads`: a 40 MiB file read sequentially in 4 KiB reads (10,240 reads) through
//!   each runtime's async file, with the same loop; `std` is the synchronous baseline.
//!
//! Run: `cargo bench --bench bridge` (then `python3 benches/report.py` to refresh
//! BENCHMARKS.md).

mod support;

use criterion::{Criterion, Throughput, criterion_group};
use std::future::Future;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use support::{BenchRuntime, Smol, Tokio, Weft, oneshot};

const BRIDGE_THREADS: u64 = 2;
const BRIDGE_ROUND_TRIPS: u64 = 2_000;
const NUM_BLOCKING: u64 = 5_000;
const READ_CHUNK: usize = 4 * 1024;
const FILE_LEN: usize = 40 * 1024 * 1024;
const NUM_READS: u64 = (FILE_LEN / READ_CHUNK) as u64;

/// What each runtime offers for these workloads, in its own idiom.
trait Bridge: BenchRuntime + Sync {
    /// Submits `future` from a plain (non-runtime) thread and blocks until its output.
    fn submit_and_wait<F: Future<Output = u64> + Send + 'static>(&self, future: F) -> u64;

    /// Runs `f` on the runtime's blocking pool (called from inside a task).
    fn spawn_blocking<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send;

    /// Reads `path` to the end in `READ_CHUNK` reads; returns the bytes read.
    fn read_in_small_chunks(path: &'static Path) -> impl Future<Output = usize> + Send;
}

/// The one read loop every runtime runs (`$read` is its `read(&mut file, &mut buf)`).
macro_rules! read_loop {
    ($file:expr, $read:path) => {{
        let mut file = $file;
        let mut buf = vec![0u8; READ_CHUNK];
        let mut total = 0;
        loop {
            let n = $read(&mut file, &mut buf).await.unwrap();
            if n == 0 {
                break total;
            }
            total += n;
        }
    }};
}

impl Bridge for Weft {
    fn submit_and_wait<F: Future<Output = u64> + Send + 'static>(&self, future: F) -> u64 {
        self.0
            .handle()
            .run_coroutine_threadsafe(future)
            .result()
            .unwrap()
    }

    fn spawn_blocking<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        let task = weft::spawn_blocking(f);
        async move { task.await.unwrap() }
    }

    async fn read_in_small_chunks(path: &'static Path) -> usize {
        read_loop!(
            weft::fs::File::open(path).await.unwrap(),
            weft::fs::File::read
        )
    }
}

impl Bridge for Tokio {
    fn submit_and_wait<F: Future<Output = u64> + Send + 'static>(&self, future: F) -> u64 {
        futures_lite::future::block_on(self.0.handle().spawn(future)).unwrap()
    }

    fn spawn_blocking<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        let task = tokio::task::spawn_blocking(f);
        async move { task.await.unwrap() }
    }

    async fn read_in_small_chunks(path: &'static Path) -> usize {
        read_loop!(
            tokio::fs::File::open(path).await.unwrap(),
            tokio::io::AsyncReadExt::read
        )
    }
}

impl Bridge for Smol {
    fn submit_and_wait<F: Future<Output = u64> + Send + 'static>(&self, future: F) -> u64 {
        futures_lite::future::block_on(support::SMOL_EX.spawn(future))
    }

    fn spawn_blocking<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        blocking::unblock(f)
    }

    async fn read_in_small_chunks(path: &'static Path) -> usize {
        read_loop!(
            async_fs::File::open(path).await.unwrap(),
            futures_lite::AsyncReadExt::read
        )
    }
}

fn sync_bridge<R: Bridge>(rt: &R) {
    std::thread::scope(|scope| {
        for thread in 0..BRIDGE_THREADS {
            scope.spawn(move || {
                for i in 0..BRIDGE_ROUND_TRIPS {
                    let value = thread * BRIDGE_ROUND_TRIPS + i;
                    assert_eq!(rt.submit_and_wait(async move { black_box(value) }), value);
                }
            });
        }
    });
}

fn blocking_pool<R: Bridge>(rt: &R) {
    let (tx, rx) = oneshot();
    let sum = rt.block_on(async move {
        R::spawn(async move {
            let jobs: Vec<_> = (0..NUM_BLOCKING)
                .map(|i| R::spawn_blocking(move || black_box(i)))
                .collect();
            let mut sum = 0;
            for job in jobs {
                sum += job.await;
            }
            tx.send(sum);
        });
        rx.await
    });
    assert_eq!(sum, NUM_BLOCKING * (NUM_BLOCKING - 1) / 2);
}

/// The 40 MiB file every `fs_small_reads` run reads (written once, removed at exit).
static DATA_FILE: OnceLock<PathBuf> = OnceLock::new();

fn data_file() -> &'static Path {
    DATA_FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("weft-bench-fs-{}.bin", std::process::id()));
        let data: Vec<u8> = (0..FILE_LEN).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, data).unwrap();
        path
    })
}

fn fs_small_reads<R: Bridge>(rt: &R) {
    let path = data_file();
    let (tx, rx) = oneshot();
    let total = rt.block_on(async move {
        R::spawn(async move { tx.send(R::read_in_small_chunks(path).await) });
        rx.await
    });
    assert_eq!(total, FILE_LEN);
}

fn fs_small_reads_std() {
    use std::io::Read;
    let mut file = std::fs::File::open(data_file()).unwrap();
    let mut buf = vec![0u8; READ_CHUNK];
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, FILE_LEN);
}

fn benches(c: &mut Criterion) {
    side_by_side!(
        c,
        "sync_bridge",
        BRIDGE_THREADS * BRIDGE_ROUND_TRIPS,
        sync_bridge
    );
    side_by_side!(c, "blocking_pool", NUM_BLOCKING, blocking_pool);

    // side_by_side! plus the std baseline.
    let workers = support::workers();
    let mut group = c.benchmark_group("fs_small_reads");
    group.throughput(Throughput::Elements(NUM_READS));
    {
        let rt = Weft::new(workers);
        group.bench_function("weft", |b| b.iter(|| fs_small_reads(&rt)));
    }
    {
        let rt = Tokio::new(workers);
        group.bench_function("tokio", |b| b.iter(|| fs_small_reads(&rt)));
    }
    {
        let rt = Smol::new(workers);
        group.bench_function("smol", |b| b.iter(|| fs_small_reads(&rt)));
    }
    group.bench_function("std", |b| b.iter(fs_small_reads_std));
    group.finish();
}

criterion_group! {
    name = bridge;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}

fn main() {
    bridge();
    Criterion::default().configure_from_args().final_summary();
    if let Some(path) = DATA_FILE.get() {
        let _ = std::fs::remove_file(path);
    }
}
