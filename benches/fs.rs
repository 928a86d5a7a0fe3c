//! File benchmarks, side by side: `weft::fs`, `tokio::fs` (multi-thread runtime) and smol's
//! `async-fs` (on async-executor with the same number of threads). Every runtime runs the same
//! loop through its own async file type; where a workload fans out, each uses its own idiom
//! (weft's `gather`, tokio's `JoinSet`, smol's spawned `Task`s).
//!
//! - `fs_small_reads`: a 40 MiB file read sequentially in 4 KiB reads (10,240 reads); `std`
//!   is the synchronous baseline.
//! - `fs_gather_small_files`: 1,000 files of 4 KiB, each read whole by its own task, all at
//!   once.
//! - `fs_copy`: a 256 MiB file copied to another through async files with a fixed 64 KiB
//!   buffer (read, then write_all, until the end; then flush). Counted per 64 KiB chunk.
//!   The destination is removed before each run, outside the timing: truncating last run's
//!   256 MiB of dirty pages instead made every runtime wait for the disk (ext4 writes back a
//!   file truncated and rewritten when it is closed), which buried the runtimes' differences
//!   (weft, smol and std all 270-310 ms) under disk writeback.
//! - `fs_appends`: 10,000 appends of 100 bytes to a log file opened in append mode, then
//!   `sync_all`. The log is emptied before each run, outside the timing.
//!
//! The files live in the temp dir (page cache: these measure the runtimes' overhead, not
//! the disk, except for the one `sync_all`) and are removed at exit.
//!
//! Run: `cargo bench -p weft-benches --bench fs` (then `python3 benches/report.py` to refresh BENCHMARKS.md).

mod support;

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use support::{BenchRuntime, Smol, Tokio, Weft, oneshot};

const READ_CHUNK: usize = 4 * 1024;
const FILE_LEN: usize = 40 * 1024 * 1024;
const NUM_READS: u64 = (FILE_LEN / READ_CHUNK) as u64;
const SMALL_FILES: usize = 1_000;
const SMALL_FILE_LEN: usize = 4 * 1024;
const COPY_LEN: usize = 256 * 1024 * 1024;
const COPY_BUF: usize = 64 * 1024;
const APPENDS: u64 = 10_000;
const RECORD: &[u8; 100] = &[b'x'; 100];

/// What each runtime offers for these workloads, in its own idiom. Each runs inside a task.
trait Files: BenchRuntime {
    /// Reads `path` to the end in `READ_CHUNK` reads; returns the bytes read.
    fn read_in_small_chunks(path: &'static Path) -> impl Future<Output = usize> + Send + 'static;
    /// Reads every file whole, all at once, one task each; returns the bytes read.
    fn read_all_at_once(paths: &'static [PathBuf]) -> impl Future<Output = usize> + Send + 'static;
    /// Copies `from` to `to` (created or truncated) through a `COPY_BUF` buffer.
    fn copy(from: &'static Path, to: &'static Path)
    -> impl Future<Output = usize> + Send + 'static;
    /// Appends `APPENDS` records to `path` (opened in append mode), then syncs it.
    fn append_records(path: &'static Path) -> impl Future<Output = ()> + Send + 'static;
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

/// The one copy loop (`$read`/`$write_all` are the runtime's, `$dst` must be flushed after).
macro_rules! copy_loop {
    ($src:expr, $dst:expr, $read:path, $write_all:path) => {{
        let (src, dst) = (&mut $src, &mut $dst);
        let mut buf = vec![0u8; COPY_BUF];
        let mut total = 0;
        loop {
            let n = $read(src, &mut buf).await.unwrap();
            if n == 0 {
                break total;
            }
            $write_all(dst, &buf[..n]).await.unwrap();
            total += n;
        }
    }};
}

impl Files for Weft {
    async fn read_in_small_chunks(path: &'static Path) -> usize {
        read_loop!(
            weft::fs::File::open(path).await.unwrap(),
            weft::fs::File::read
        )
    }

    async fn read_all_at_once(paths: &'static [PathBuf]) -> usize {
        let mut reads = Vec::with_capacity(paths.len());
        for path in paths {
            reads.push(async move { weft::fs::read(path).await.unwrap().len() });
        }
        weft::gather(reads).await.into_iter().sum()
    }

    async fn copy(from: &'static Path, to: &'static Path) -> usize {
        let mut src = weft::fs::File::open(from).await.unwrap();
        let mut dst = weft::fs::File::create(to).await.unwrap();
        let total = copy_loop!(src, dst, weft::fs::File::read, weft::fs::File::write_all);
        dst.flush().await.unwrap();
        total
    }

    async fn append_records(path: &'static Path) {
        let mut log = weft::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .await
            .unwrap();
        for _ in 0..APPENDS {
            log.write_all(RECORD).await.unwrap();
        }
        log.sync_all().await.unwrap();
    }
}

impl Files for Tokio {
    async fn read_in_small_chunks(path: &'static Path) -> usize {
        read_loop!(
            tokio::fs::File::open(path).await.unwrap(),
            tokio::io::AsyncReadExt::read
        )
    }

    async fn read_all_at_once(paths: &'static [PathBuf]) -> usize {
        let mut reads = tokio::task::JoinSet::new();
        for path in paths {
            reads.spawn(async move { tokio::fs::read(path).await.unwrap().len() });
        }
        reads.join_all().await.into_iter().sum()
    }

    async fn copy(from: &'static Path, to: &'static Path) -> usize {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut src = tokio::fs::File::open(from).await.unwrap();
        let mut dst = tokio::fs::File::create(to).await.unwrap();
        let total = copy_loop!(src, dst, AsyncReadExt::read, AsyncWriteExt::write_all);
        dst.flush().await.unwrap();
        total
    }

    async fn append_records(path: &'static Path) {
        use tokio::io::AsyncWriteExt;
        let mut log = tokio::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .await
            .unwrap();
        for _ in 0..APPENDS {
            log.write_all(RECORD).await.unwrap();
        }
        log.sync_all().await.unwrap();
    }
}

impl Files for Smol {
    async fn read_in_small_chunks(path: &'static Path) -> usize {
        read_loop!(
            async_fs::File::open(path).await.unwrap(),
            futures_lite::AsyncReadExt::read
        )
    }

    async fn read_all_at_once(paths: &'static [PathBuf]) -> usize {
        let reads: Vec<_> = paths
            .iter()
            .map(|path| {
                support::SMOL_EX.spawn(async move { async_fs::read(path).await.unwrap().len() })
            })
            .collect();
        let mut total = 0;
        for read in reads {
            total += read.await;
        }
        total
    }

    async fn copy(from: &'static Path, to: &'static Path) -> usize {
        use futures_lite::{AsyncReadExt, AsyncWriteExt};
        let mut src = async_fs::File::open(from).await.unwrap();
        let mut dst = async_fs::File::create(to).await.unwrap();
        let total = copy_loop!(src, dst, AsyncReadExt::read, AsyncWriteExt::write_all);
        dst.flush().await.unwrap();
        total
    }

    async fn append_records(path: &'static Path) {
        use futures_lite::AsyncWriteExt;
        let mut log = async_fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .await
            .unwrap();
        for _ in 0..APPENDS {
            log.write_all(RECORD).await.unwrap();
        }
        log.sync_all().await.unwrap();
    }
}

/// Runs `work` as a task on `rt` and returns its output.
fn in_task<R: Files, T: Send + 'static>(
    rt: &R,
    work: impl Future<Output = T> + Send + 'static,
) -> T {
    let (tx, rx) = oneshot();
    rt.block_on(async move {
        R::spawn(async move { tx.send(work.await) });
        rx.await
    })
}

/// Where this run's files live (a fresh directory, removed at exit).
static DIR: OnceLock<PathBuf> = OnceLock::new();

fn dir() -> &'static Path {
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("weft-bench-fs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// A file of `len` patterned bytes under `dir()`, written once.
fn data_file(cell: &'static OnceLock<PathBuf>, name: &str, len: usize) -> &'static Path {
    cell.get_or_init(|| {
        let path = dir().join(name);
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, data).unwrap();
        path
    })
}

fn fs_small_reads<R: Files>(rt: &R) {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    let path = data_file(&FILE, "small-reads.bin", FILE_LEN);
    assert_eq!(in_task(rt, R::read_in_small_chunks(path)), FILE_LEN);
}

fn fs_small_reads_std() {
    use std::io::Read;
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    let mut file = std::fs::File::open(data_file(&FILE, "small-reads.bin", FILE_LEN)).unwrap();
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

fn fs_gather_small_files<R: Files>(rt: &R) {
    static FILES: OnceLock<Vec<PathBuf>> = OnceLock::new();
    let paths = FILES.get_or_init(|| {
        let data = vec![7u8; SMALL_FILE_LEN];
        (0..SMALL_FILES)
            .map(|i| {
                let path = dir().join(format!("small-{i}.bin"));
                std::fs::write(&path, &data).unwrap();
                path
            })
            .collect()
    });
    let total = in_task(rt, R::read_all_at_once(paths));
    assert_eq!(total, SMALL_FILES * SMALL_FILE_LEN);
}

static COPY_FROM: OnceLock<PathBuf> = OnceLock::new();
static COPY_TO: OnceLock<PathBuf> = OnceLock::new();

fn copy_target() -> &'static Path {
    COPY_TO.get_or_init(|| dir().join("copy-to.bin"))
}

fn fs_copy<R: Files>(rt: &R) {
    let from = data_file(&COPY_FROM, "copy-from.bin", COPY_LEN);
    assert_eq!(in_task(rt, R::copy(from, copy_target())), COPY_LEN);
}

fn remove_copy_target() {
    let _ = std::fs::remove_file(copy_target());
}

static LOG: OnceLock<PathBuf> = OnceLock::new();

fn log_file() -> &'static Path {
    LOG.get_or_init(|| dir().join("appends.log"))
}

fn fs_appends<R: Files>(rt: &R) {
    in_task(rt, R::append_records(log_file()));
    let len = std::fs::metadata(log_file()).unwrap().len();
    assert_eq!(len, APPENDS * RECORD.len() as u64);
}

/// Each run starts from an empty log (append mode cannot truncate on open).
fn empty_log() {
    std::fs::write(log_file(), []).unwrap();
}

/// One runtime's entry in `group`: `setup` before each run, outside the timing.
fn bench_with_setup<R: Files>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    setup: fn(),
    bench: fn(&R),
) {
    let rt = R::new(support::workers());
    group.bench_function(R::NAME, |b| {
        b.iter_batched(setup, |()| bench(&rt), BatchSize::PerIteration)
    });
}

fn benches(c: &mut Criterion) {
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

    side_by_side!(
        c,
        "fs_gather_small_files",
        SMALL_FILES as u64,
        fs_gather_small_files
    );
    let mut group = c.benchmark_group("fs_copy");
    group.throughput(Throughput::Elements((COPY_LEN / COPY_BUF) as u64));
    bench_with_setup::<Weft>(&mut group, remove_copy_target, fs_copy);
    bench_with_setup::<Tokio>(&mut group, remove_copy_target, fs_copy);
    bench_with_setup::<Smol>(&mut group, remove_copy_target, fs_copy);
    group.finish();

    let mut group = c.benchmark_group("fs_appends");
    group.throughput(Throughput::Elements(APPENDS));
    bench_with_setup::<Weft>(&mut group, empty_log, fs_appends);
    bench_with_setup::<Tokio>(&mut group, empty_log, fs_appends);
    bench_with_setup::<Smol>(&mut group, empty_log, fs_appends);
    group.finish();
}

criterion_group! {
    name = fs;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}

fn main() {
    fs();
    Criterion::default().configure_from_args().final_summary();
    if let Some(dir) = DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}
