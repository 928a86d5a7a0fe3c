//! Heap bytes per pending task, side by side: weft, tokio and smol each get 200,000 tasks
//! parked on a future that never completes, and a counting allocator measures the live heap
//! they add (task cells, registry entries, queue buffers — everything the runtime allocates for
//! them): the bytes asked for, and on Linux also what the allocator hands out for them
//! (`malloc_usable_size`, its size classes included). The same future for all three: it
//! counts its first poll, then waits forever. Handles are detached, so no `JoinHandle` storage
//! is counted.
//!
//! Run: `cargo bench -p weft-benches --bench mem` (prints the table and writes `target/mem.json`, which
//! `benches/report.py` puts in BENCHMARKS.md). Deterministic: the machine's load does not
//! change the numbers.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
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

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` style probes: nothing to list
    }
    let workers = support::workers();
    println!("{TASKS} tasks parked on a never-ready future, {workers} workers each");
    let weft = measure::<Weft>(workers);
    let tokio = measure::<Tokio>(workers);
    let smol = measure::<Smol>(workers);
    let json = format!(
        r#"{{"tasks": {TASKS}, "workers": {workers}, "asked": {{"weft": {:.1}, "tokio": {:.1}, "smol": {:.1}}}, "handed_out": {{"weft": {:.1}, "tokio": {:.1}, "smol": {:.1}}}}}"#,
        weft.0, tokio.0, smol.0, weft.1, tokio.1, smol.1
    );
    // The workspace's target directory, where `report.py` looks (this package is a member).
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/mem.json");
    std::fs::write(&path, json + "\n").expect("write target/mem.json");
}
