//! Thread-bridge and blocking-pool benchmarks, side by side: weft, tokio (multi-thread) and
//! smol (async-executor on the same number of threads, with the `blocking` pool smol users
//! pair it with). The file benchmarks are in `fs.rs`.
//!
//! - `sync_bridge`: 2 plain threads × 2,000 round trips of "submit a future from a plain
//!   thread and block for its result" (asyncio's `run_coroutine_threadsafe(..).result()`).
//! - `blocking_pool`: a burst of 5,000 `spawn_blocking` calls made from inside a task, then
//!   all awaited.
//! - `blocking_round_trip`: 2,000 `spawn_blocking(|| ()).await` one at a time from a task:
//!   the latency of one trip to the pool and back (asyncio's `await to_thread(f)` in a loop).
//! - `blocking_from_threads`: 2 plain threads each submit 2,500 jobs to the runtime's pool,
//!   then block on each result in turn (sync code offloading through a runtime handle).
//!
//! Run: `cargo bench -p weft-benches --bench bridge` (then `python3 benches/report.py` to refresh
//! BENCHMARKS.md).

mod support;

use criterion::{Criterion, criterion_group};
use std::future::Future;
use std::hint::black_box;
use support::{BenchRuntime, Smol, Tokio, Weft, oneshot};

const BRIDGE_THREADS: u64 = 2;
const BRIDGE_ROUND_TRIPS: u64 = 2_000;
const NUM_BLOCKING: u64 = 5_000;
const ROUND_TRIPS: u64 = 2_000;
const SUBMIT_THREADS: u64 = 2;
const JOBS_PER_THREAD: u64 = 2_500;

/// What each runtime offers for these workloads, in its own idiom.
trait Bridge: BenchRuntime + Sync {
    /// Submits `future` from a plain (non-runtime) thread and blocks until its output.
    fn submit_and_wait<F: Future<Output = u64> + Send + 'static>(&self, future: F) -> u64;

    /// Runs `f` on the runtime's blocking pool (called from inside a task).
    fn spawn_blocking<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send;

    /// Runs `f` on this runtime's blocking pool, called from a plain thread.
    fn spawn_blocking_from_thread<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send;
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

    fn spawn_blocking_from_thread<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        let task = self.0.handle().spawn_blocking(f);
        async move { task.await.unwrap() }
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

    fn spawn_blocking_from_thread<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        let task = self.0.handle().spawn_blocking(f);
        async move { task.await.unwrap() }
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

    fn spawn_blocking_from_thread<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        // smol's pool is global: the same call works from any thread.
        blocking::unblock(f)
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

fn blocking_round_trip<R: Bridge>(rt: &R) {
    let (tx, rx) = oneshot();
    let sum = rt.block_on(async move {
        R::spawn(async move {
            let mut sum = 0;
            for i in 0..ROUND_TRIPS {
                sum += R::spawn_blocking(move || black_box(i)).await;
            }
            tx.send(sum);
        });
        rx.await
    });
    assert_eq!(sum, ROUND_TRIPS * (ROUND_TRIPS - 1) / 2);
}

fn blocking_from_threads<R: Bridge>(rt: &R) {
    std::thread::scope(|scope| {
        for _ in 0..SUBMIT_THREADS {
            scope.spawn(move || {
                let jobs: Vec<_> = (0..JOBS_PER_THREAD)
                    .map(|i| rt.spawn_blocking_from_thread(move || black_box(i)))
                    .collect();
                let sum: u64 = jobs.into_iter().map(futures_lite::future::block_on).sum();
                assert_eq!(sum, JOBS_PER_THREAD * (JOBS_PER_THREAD - 1) / 2);
            });
        }
    });
}

fn benches(c: &mut Criterion) {
    side_by_side!(
        c,
        "sync_bridge",
        BRIDGE_THREADS * BRIDGE_ROUND_TRIPS,
        sync_bridge
    );
    side_by_side!(c, "blocking_pool", NUM_BLOCKING, blocking_pool);
    side_by_side!(c, "blocking_round_trip", ROUND_TRIPS, blocking_round_trip);
    side_by_side!(
        c,
        "blocking_from_threads",
        SUBMIT_THREADS * JOBS_PER_THREAD,
        blocking_from_threads
    );
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
}
