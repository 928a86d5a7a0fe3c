//! Soak: drives a runtime through a long mix of cross-thread wakes, spawns and cancels, with
//! counters that prove nothing was lost, duplicated or leaked. Run by hand (it is not a
//! speed benchmark and CI does not run it):
//!
//! ```sh
//! cargo bench -p weft-benches --bench soak                 # 10^8 operations (a few minutes on 2 cores)
//! cargo bench -p weft-benches --bench soak -- 1000000      # a quick run
//! ```
//!
//! Each round does, on a runtime with `BENCH_WORKERS` workers (default: one per core):
//!
//! - **wakes**: a plain thread `put_blocking`s items into a bounded queue that two tasks
//!   drain with `get().await`, so nearly every item wakes a parked task from another thread;
//! - **spawns**: a task spawns a batch of children and awaits them all;
//! - **cancels**: tasks parked forever are cancelled from a plain thread; each `cancel()`
//!   that returns true must end in a cancelled task whose future was dropped exactly once.
//!
//! At the end the runtime is dropped and every future ever created must have been dropped
//! exactly once. Progress is printed every tenth of the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;
use weft::sync::Queue;

/// Operations per round of each kind.
const WAKES: u64 = 4_096;
const SPAWNS: u64 = 1_024;
const CANCELS: u64 = 512;
const ROUND: u64 = WAKES + SPAWNS + CANCELS;

#[derive(Default)]
struct Counters {
    /// Futures created and futures dropped (each exactly once, by the end).
    made: AtomicU64,
    dropped: AtomicU64,
    received: AtomicU64,
    completed: AtomicU64,
    cancelled: AtomicU64,
}

/// Counts its own drop.
struct Tracked(Arc<Counters>);

impl Tracked {
    fn new(c: &Arc<Counters>) -> Tracked {
        c.made.fetch_add(1, Relaxed);
        Tracked(c.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Relaxed);
    }
}

fn main() {
    let target: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000_000);
    let rounds = target.div_ceil(ROUND);
    let workers = std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    println!("soak: {rounds} rounds of {ROUND} operations ({workers} workers)");
    let c = Arc::new(Counters::default());
    let rt = weft::Builder::new()
        .worker_threads(workers)
        .build()
        .unwrap();
    let started = Instant::now();
    for round in 0..rounds {
        soak_round(&rt, &c);
        if (round + 1) % (rounds / 10).max(1) == 0 {
            let done = (round + 1) * ROUND;
            let rate = done as f64 / started.elapsed().as_secs_f64();
            println!("  {done:>12} operations, {rate:>10.0} ops/s");
        }
    }
    drop(rt);
    let elapsed = started.elapsed();
    let (made, dropped) = (c.made.load(Relaxed), c.dropped.load(Relaxed));
    let (received, completed) = (c.received.load(Relaxed), c.completed.load(Relaxed));
    let cancelled = c.cancelled.load(Relaxed);
    println!(
        "done: {} operations in {elapsed:.1?}: {received} wakes delivered, {completed} spawned \
         children completed, {cancelled} cancels, {made} futures made and {dropped} dropped",
        rounds * ROUND
    );
    assert_eq!(
        received,
        rounds * WAKES,
        "a queued item was lost or duplicated"
    );
    assert_eq!(
        completed,
        rounds * SPAWNS,
        "a spawned child never completed"
    );
    assert_eq!(
        cancelled,
        rounds * CANCELS,
        "a cancelled task did not end cancelled"
    );
    assert_eq!(made, dropped, "a future was leaked or dropped twice");
    println!("soak: every counter balances");
}

fn soak_round(rt: &weft::Runtime, c: &Arc<Counters>) {
    // Wakes: a plain thread feeds, two tasks drain.
    let queue = Queue::<u64>::bounded(64);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let (q, c, t) = (queue.clone(), c.clone(), Tracked::new(c));
            rt.spawn(async move {
                let _t = t;
                while let Ok(item) = q.get().await {
                    std::hint::black_box(item);
                    c.received.fetch_add(1, Relaxed);
                }
            })
        })
        .collect();
    let feeder = {
        let q = queue.clone();
        std::thread::spawn(move || {
            for i in 0..WAKES {
                q.put_blocking(i).unwrap();
            }
            q.shutdown(false);
        })
    };

    // Spawns: one parent, many children, every output awaited.
    let parent = {
        let (c, t) = (c.clone(), Tracked::new(c));
        rt.spawn(async move {
            let _t = t;
            let children: Vec<_> = (0..SPAWNS)
                .map(|i| {
                    let t = Tracked::new(&c);
                    weft::spawn(async move {
                        let _t = t;
                        i
                    })
                })
                .collect();
            for (i, child) in children.into_iter().enumerate() {
                assert_eq!(child.await.unwrap(), i as u64);
                c.completed.fetch_add(1, Relaxed);
            }
        })
    };

    // Cancels: parked tasks cancelled from a plain thread.
    let parked: Vec<_> = (0..CANCELS)
        .map(|_| {
            let t = Tracked::new(c);
            rt.spawn(async move {
                let _t = t;
                std::future::pending::<()>().await
            })
        })
        .collect();
    let canceller = std::thread::spawn(move || {
        for task in &parked {
            assert!(task.cancel(), "a task parked forever is not finished");
        }
        parked
    });

    feeder.join().unwrap();
    for consumer in consumers {
        rt.block_on(consumer).unwrap();
    }
    rt.block_on(parent).unwrap();
    for task in canceller.join().unwrap() {
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        c.cancelled.fetch_add(1, Relaxed);
    }
}
