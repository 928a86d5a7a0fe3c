//! Heap bytes per pending task, side by side: weft, tokio and smol each get 200,000 tasks
//! parked on a future that never completes, and a counting allocator measures the live heap
//! they add (task cells, registry entries, queue buffers — everything the runtime allocates for
//! them): the bytes asked for, and on Linux also what the allocator hands out for them
//! (`malloc_usable_size`, its size classes included). The same future for all three: it
//! counts its first poll, then waits forever. Handles are detached, so no `JoinHandle` storage
//! is counted.
//!
//! A second, realistic measure stands beside it: 200,000 tasks parked on `rx.recv()` of one
//! shared `async_channel::bounded(1)`, their handles kept in a `Vec`, measured as resident
//! memory (the RSS delta from `/proc/self/statm`) as well as bytes asked. One shared channel,
//! not one each: a per-task channel adds the same few hundred bytes to every runtime and
//! dilutes the difference being measured, while a shared one leaves each task its future,
//! its event-listener node and what the runtime keeps — a pool of workers waiting on one
//! job queue. RSS counts what the allocator reserves (size classes, arena slack) as well as
//! what the runtime asks for, but freed memory is not given back to the kernel, so each
//! runtime is measured in a child process of its own (this binary re-run with
//! `--parked-recv NAME`): none reuses pages another freed.
//!
//! Run: `cargo bench -p weft-benches --bench mem` (prints the table and writes `target/mem.json`, which
//! `benches/report.py` puts in BENCHMARKS.md). Deterministic: the machine's load does not
//! change the bytes asked; resident bytes move by a few per task between runs.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{BenchRuntime, Smol, Tokio, Weft};

/// Live heap bytes requested through the global allocator.
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// Live heap bytes the allocator handed out for them (Linux; zero elsewhere).
static USABLE: AtomicIsize = AtomicIsize::new(0);

/// What the allocator really reserved for `ptr`.
fn usable(ptr: *mut u8) -> isize {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `ptr` is a live allocation of the system allocator (or null, which
        // malloc_usable_size accepts).
        unsafe { libc::malloc_usable_size(ptr.cast()) as isize }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = ptr;
        0
    }
}

struct Counting;

// SAFETY: every call is forwarded to `System` unchanged; the counter is bookkeeping only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on to `System` as is.
        let ptr = unsafe { System.alloc(layout) };
        USABLE.fetch_add(usable(ptr), Ordering::Relaxed);
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        USABLE.fetch_sub(usable(ptr), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        USABLE.fetch_sub(usable(ptr), Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's valid new size.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        // A failed realloc leaves the old block in place.
        USABLE.fetch_add(
            usable(if new.is_null() { ptr } else { new }),
            Ordering::Relaxed,
        );
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TASKS: usize = 200_000;

/// Spawns `TASKS` parked tasks on `rt` and returns the heap bytes they added per task:
/// (asked for, handed out).
fn bytes_per_pending_task<R: BenchRuntime>(rt: &R) -> (f64, f64) {
    let polled = Arc::new(AtomicUsize::new(0));
    let before = (LIVE.load(Ordering::SeqCst), USABLE.load(Ordering::SeqCst));
    for _ in 0..TASKS {
        let polled = polled.clone();
        rt.spawn_remote(async move {
            polled.fetch_add(1, Ordering::Relaxed);
            std::future::pending::<()>().await
        });
    }
    // Every task has run once and gone idle (a hang guard, not a timing).
    let deadline = Instant::now() + Duration::from_secs(120);
    while polled.load(Ordering::Relaxed) < TASKS {
        assert!(Instant::now() < deadline, "the tasks never all ran");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50)); // the workers finish their last poll
    let after = (LIVE.load(Ordering::SeqCst), USABLE.load(Ordering::SeqCst));
    let per_task = |a: isize, b: isize| (a - b) as f64 / TASKS as f64;
    (per_task(after.0, before.0), per_task(after.1, before.1))
}

fn measure<R: BenchRuntime>(workers: usize) -> (f64, f64) {
    let rt = R::new(workers);
    // Let the runtime settle (threads started, first buffers allocated) before counting.
    rt.block_on(async {});
    let (asked, handed_out) = bytes_per_pending_task(&rt);
    println!(
        "{:>6}: {asked:8.1} bytes asked for, {handed_out:8.1} handed out, per pending task",
        R::NAME
    );
    (asked, handed_out)
}

/// A runtime that can spawn from the benchmark thread and hand back the task's handle.
trait KeptSpawn: BenchRuntime {
    type Handle;
    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, f: F) -> Self::Handle;
}

impl KeptSpawn for Weft {
    type Handle = weft::Task<()>;
    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, f: F) -> Self::Handle {
        self.0.spawn(f)
    }
}

impl KeptSpawn for Tokio {
    type Handle = tokio::task::JoinHandle<()>;
    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, f: F) -> Self::Handle {
        self.0.spawn(f)
    }
}

impl KeptSpawn for Smol {
    type Handle = async_executor::Task<()>;
    fn spawn_kept<F: Future<Output = ()> + Send + 'static>(&self, f: F) -> Self::Handle {
        support::SMOL_EX.spawn(f)
    }
}

/// Resident bytes of this process (`/proc/self/statm`'s second field, in pages).
fn resident_bytes() -> isize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: isize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .expect("statm's second field is the resident page count");
    // SAFETY: `sysconf` only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as isize;
    pages * page
}

/// Spawns `TASKS` tasks parked on one shared channel's `recv`, keeping their handles, and
/// returns what they added per task: (resident bytes, bytes asked).
fn parked_on_recv<R: KeptSpawn>(workers: usize) -> (f64, f64) {
    let rt = R::new(workers);
    rt.block_on(async {});
    let (tx, rx) = async_channel::bounded::<()>(1);
    let polled = Arc::new(AtomicUsize::new(0));
    let before = (resident_bytes(), LIVE.load(Ordering::SeqCst));
    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let (rx, polled) = (rx.clone(), polled.clone());
        handles.push(rt.spawn_kept(async move {
            polled.fetch_add(1, Ordering::Relaxed);
            let _ = rx.recv().await;
        }));
    }
    // A hang guard, not a timing: every task has started its `recv`.
    let deadline = Instant::now() + Duration::from_secs(120);
    while polled.load(Ordering::Relaxed) < TASKS {
        assert!(Instant::now() < deadline, "the tasks never all ran");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50)); // the workers finish their last poll
    let after = (resident_bytes(), LIVE.load(Ordering::SeqCst));
    let per_task = |a: isize, b: isize| (a - b) as f64 / TASKS as f64;
    let measured = (per_task(after.0, before.0), per_task(after.1, before.1));
    drop(tx); // every `recv` ends; the tasks finish before the runtime goes
    drop(handles);
    measured
}

/// Runs [`parked_on_recv`] for `name` in a child process and reads back its numbers.
fn parked_on_recv_in_child(name: &str, workers: usize) -> (f64, f64) {
    let out = std::process::Command::new(std::env::current_exe().expect("this benchmark's path"))
        .args(["--parked-recv", name])
        .env("BENCH_WORKERS", workers.to_string())
        .output()
        .expect("run the measuring child");
    assert!(out.status.success(), "the {name} child failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text
        .split_whitespace()
        .map(|f| f.parse::<f64>().expect("a number"));
    let (Some(rss), Some(asked)) = (fields.next(), fields.next()) else {
        panic!("the {name} child printed {text:?}")
    };
    println!(
        "{name:>6}: {rss:8.1} resident bytes, {asked:8.1} bytes asked for, per task parked on recv"
    );
    (rss, asked)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list` style probes: nothing to list
    }
    let workers = support::workers();
    if let Some(i) = args.iter().position(|a| a == "--parked-recv") {
        // The child side of `parked_on_recv_in_child`: one runtime, two numbers.
        let (rss, asked) = match args.get(i + 1).map(String::as_str) {
            Some("weft") => parked_on_recv::<Weft>(workers),
            Some("tokio") => parked_on_recv::<Tokio>(workers),
            Some("smol") => parked_on_recv::<Smol>(workers),
            other => panic!("--parked-recv takes weft, tokio or smol, not {other:?}"),
        };
        println!("{rss} {asked}");
        return;
    }
    println!("{TASKS} tasks parked on a never-ready future, {workers} workers each");
    let weft = measure::<Weft>(workers);
    let tokio = measure::<Tokio>(workers);
    let smol = measure::<Smol>(workers);
    println!(
        "{TASKS} tasks parked on one shared channel's recv, handles kept, {workers} workers each"
    );
    let [rw, rt, rs] = ["weft", "tokio", "smol"].map(|name| parked_on_recv_in_child(name, workers));
    let json = format!(
        r#"{{"tasks": {TASKS}, "workers": {workers}, "asked": {{"weft": {:.1}, "tokio": {:.1}, "smol": {:.1}}}, "handed_out": {{"weft": {:.1}, "tokio": {:.1}, "smol": {:.1}}}, "recv_rss": {{"weft": {:.1}, "tokio": {:.1}, "smol": {:.1}}}, "recv_asked": {{"weft": {:.1}, "tokio": {:.1}, "smol": {:.1}}}}}"#,
        weft.0, tokio.0, smol.0, weft.1, tokio.1, smol.1, rw.0, rt.0, rs.0, rw.1, rt.1, rs.1
    );
    // The workspace's target directory, where `report.py` looks (this package is a member).
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/mem.json");
    std::fs::write(&path, json + "\n").expect("write target/mem.json");
}
