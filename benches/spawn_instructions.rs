//! The hot paths context variables touch, one at a time on one worker, for counting
//! instructions with callgrind rather than timing them: a count is the same on every run and
//! on a busy machine, so a 3% budget can be checked without a quiet host. Not a criterion
//! suite; `cargo bench` runs each workload once, small, and exits.
//!
//! ```sh
//! cargo bench -p weft-benches --bench spawn_instructions --no-run   # prints the binary's path
//! valgrind --tool=callgrind BINARY spawn     # or yield, chain, call_soon, spawn_in_context
//! ```
//!
//! Each workload runs `N` operations; instructions per operation = (total − the same program
//! with `N` = 0) / `N`, or simply total / `N` when comparing two builds of the same file. To
//! compare with an older weft, build this file as the `main.rs` of a scratch crate with a path
//! dependency on that checkout (BENCHMARKS.md has the numbers).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::yield_once;
use weft::context::ContextVar;

/// Operations per workload when run by hand; `cargo bench` runs 1,000.
const N: usize = 100_000;

static REQUEST: ContextVar<u64> = ContextVar::new("request_id");

/// A count of finished operations and the event the last one sets (see [`finish`]).
fn counter() -> (Arc<AtomicUsize>, Arc<weft::sync::Event>) {
    (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(weft::sync::Event::new()),
    )
}

/// Counts one finished operation; the `n`th sets `done`.
fn finish(count: &AtomicUsize, done: &weft::sync::Event, n: usize) {
    if count.fetch_add(1, Ordering::Relaxed) + 1 == n {
        done.set();
    }
}

/// `n` spawns from inside a task, each task finishing at once; with `in_context`, the
/// spawner has a context variable set (each child starts in a copy and reads it).
fn spawn(rt: &weft::Runtime, n: usize, in_context: bool) {
    let (count, done) = counter();
    let wait = done.clone();
    rt.block_on(async move {
        drop(weft::spawn(async move {
            let _token = in_context.then(|| REQUEST.set(7));
            for _ in 0..n {
                let (count, done) = (count.clone(), done.clone());
                drop(weft::spawn(async move {
                    if in_context {
                        assert_eq!(REQUEST.get(), Some(7));
                    }
                    finish(&count, &done, n);
                }));
            }
        }));
        wait.wait().await;
    });
}

/// One task yielding `n` times.
fn yield_many(rt: &weft::Runtime, n: usize) {
    rt.block_on(async move {
        weft::spawn(async move {
            for _ in 0..n {
                yield_once().await;
            }
        })
        .await
        .unwrap();
    });
}

/// A chain of `n` tasks, each spawning the next.
fn chain(rt: &weft::Runtime, n: usize) {
    fn link(done: Arc<weft::sync::Event>, n: usize) {
        if n == 0 {
            done.set();
        } else {
            drop(weft::spawn(async move { link(done, n - 1) }));
        }
    }
    let done = Arc::new(weft::sync::Event::new());
    let wait = done.clone();
    rt.block_on(async move {
        drop(weft::spawn(async move { link(done, n) }));
        wait.wait().await;
    });
}

/// `n` `call_soon`s from inside a task (so one runner round runs them all).
fn call_soon(rt: &weft::Runtime, n: usize) {
    let (count, done) = counter();
    let wait = done.clone();
    rt.block_on(async move {
        drop(weft::spawn(async move {
            let handle = weft::Handle::current();
            for _ in 0..n {
                let (count, done) = (count.clone(), done.clone());
                let queued = handle.call_soon(move || finish(&count, &done, n));
                assert!(queued.is_ok(), "the runtime is running");
            }
        }));
        wait.wait().await;
    });
}

fn run(workload: &str, n: usize) {
    // One worker: a count does not depend on which thread won a race.
    let rt = weft::Builder::new().worker_threads(1).build().unwrap();
    match workload {
        "spawn" => spawn(&rt, n, false),
        "spawn_in_context" => spawn(&rt, n, true),
        "yield" => yield_many(&rt, n),
        "chain" => chain(&rt, n),
        "call_soon" => call_soon(&rt, n),
        other => {
            panic!("unknown workload {other:?}: spawn, spawn_in_context, yield, chain or call_soon")
        }
    }
}

fn main() {
    match std::env::args().nth(1).filter(|a| !a.starts_with('-')) {
        Some(workload) => run(&workload, N),
        // `cargo bench` (which passes `--bench`): each workload once, small.
        None => {
            for workload in ["spawn", "spawn_in_context", "yield", "chain", "call_soon"] {
                run(workload, 1_000);
            }
            println!(
                "spawn_instructions: ok (run a workload under callgrind; see the file's head)"
            );
        }
    }
}
