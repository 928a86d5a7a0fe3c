//! Scheduler benchmarks, side by side: weft, tokio (multi-thread) and smol (async-executor on
//! the same number of threads). Names and sizes follow tokio's `rt_multi_threaded` benches.
//!
//! Run: `cargo bench -p weft-benches --bench rt` (then `python3 benches/report.py` to refresh BENCHMARKS.md).

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use support::{BenchRuntime, countdown, oneshot, yield_once};

const NUM_SPAWN: usize = 10_000;
const NUM_YIELD: usize = 1_000;
const TASKS_PER_YIELD_BENCH: usize = 200;
const NUM_PINGS: usize = 1_000;
const CHAIN: usize = 1_000;

fn spawn_many_local<R: BenchRuntime>(rt: &R) {
    let (count, rx) = countdown(NUM_SPAWN);
    rt.block_on(async move {
        R::spawn(async move {
            for _ in 0..NUM_SPAWN {
                let count = count.clone();
                R::spawn(async move { count.finish() });
            }
        });
        rx.await
    });
}

/// `spawn_many_local` with eager spawns on weft (each future completes in its first poll, a
/// cache hit, so it never touches a queue); tokio and smol spawn as usual. Compare with the
/// `spawn_many_local` row for eager against queued on weft.
fn spawn_many_local_eager<R: BenchRuntime>(rt: &R) {
    let (count, rx) = countdown(NUM_SPAWN);
    rt.block_on(async move {
        R::spawn(async move {
            for _ in 0..NUM_SPAWN {
                let count = count.clone();
                R::spawn_eager(async move { count.finish() });
            }
        });
        rx.await
    });
}

fn spawn_many_remote<R: BenchRuntime>(rt: &R) {
    let (count, rx) = countdown(NUM_SPAWN);
    for _ in 0..NUM_SPAWN {
        let count = count.clone();
        rt.spawn_remote(async move { count.finish() });
    }
    rt.block_on(rx);
}

fn yield_many<R: BenchRuntime>(rt: &R) {
    let (count, rx) = countdown(TASKS_PER_YIELD_BENCH);
    for _ in 0..TASKS_PER_YIELD_BENCH {
        let count = count.clone();
        rt.spawn_remote(async move {
            for _ in 0..NUM_YIELD {
                yield_once().await;
            }
            count.finish();
        });
    }
    rt.block_on(rx);
}

fn ping_pong<R: BenchRuntime>(rt: &R) {
    let (count, rx) = countdown(NUM_PINGS);
    rt.block_on(async move {
        R::spawn(async move {
            for _ in 0..NUM_PINGS {
                let count = count.clone();
                R::spawn(async move {
                    let (tx1, rx1) = oneshot::<()>();
                    let (tx2, rx2) = oneshot::<()>();
                    R::spawn(async move {
                        rx1.await;
                        tx2.send(());
                    });
                    tx1.send(());
                    rx2.await;
                    count.finish();
                });
            }
        });
        rx.await
    });
}

fn chained_spawn<R: BenchRuntime>(rt: &R) {
    fn link<R: BenchRuntime>(tx: support::OneshotTx<()>, n: usize) {
        if n == 0 {
            tx.send(());
        } else {
            R::spawn(async move { link::<R>(tx, n - 1) });
        }
    }
    let (tx, rx) = oneshot();
    rt.block_on(async move {
        R::spawn(async move { link::<R>(tx, CHAIN) });
        rx.await
    });
}

fn benches(c: &mut Criterion) {
    side_by_side!(c, "spawn_many_local", NUM_SPAWN as u64, spawn_many_local);
    side_by_side!(
        c,
        "spawn_many_local_eager",
        NUM_SPAWN as u64,
        spawn_many_local_eager
    );
    side_by_side!(c, "spawn_many_remote", NUM_SPAWN as u64, spawn_many_remote);
    side_by_side!(
        c,
        "yield_many",
        (TASKS_PER_YIELD_BENCH * NUM_YIELD) as u64,
        yield_many
    );
    side_by_side!(c, "ping_pong", NUM_PINGS as u64, ping_pong);
    side_by_side!(c, "chained_spawn", CHAIN as u64, chained_spawn);
}

criterion_group! {
    name = rt;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(rt);
