//! Timer benchmarks, side by side: weft's wheel, tokio's time driver, smol's (async-io)
//! timers, on runtimes with the same worker count.
//!
//! - `timer_churn`: 80,000 timeouts (8 tasks × 10,000) around futures that are pending once,
//!   so every timer is inserted and then cancelled.
//! - `timer_fire`: 10,000 tasks each sleeping 1 ms five times, so 50,000 timers fire.
//! - `timer_lateness`: one task sleeping 1 ms twenty times in a row on an idle runtime; the
//!   time reported is how late each sleep ended, past the 1 ms asked (the resolution of the
//!   timers and of the idle wait). No runtime may end a sleep early, so the 1 ms itself is
//!   the same floor for all: the first version of this row timed the whole sleeps, and that
//!   ratio could not fall below 1 ms ÷ (1 ms + the faster peer's lateness), about 0.94,
//!   whatever the resolution.
//!
//! Run: `cargo bench -p weft-benches --bench time`.

mod support;

use criterion::measurement::WallTime;
use criterion::{Criterion, criterion_group, criterion_main};
use std::future::Future;
use std::time::Duration;
use support::{BenchRuntime, Smol, Tokio, Weft, countdown, oneshot};

/// Each runtime's own timers.
trait BenchTimers: BenchRuntime {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send;
    fn timeout<F: Future + Send>(
        d: Duration,
        f: F,
    ) -> impl Future<Output = Option<F::Output>> + Send;
}

impl BenchTimers for Weft {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        weft::sleep(d)
    }
    async fn timeout<F: Future + Send>(d: Duration, f: F) -> Option<F::Output> {
        weft::timeout(d, f).await.ok()
    }
}

impl BenchTimers for Tokio {
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(d)
    }
    async fn timeout<F: Future + Send>(d: Duration, f: F) -> Option<F::Output> {
        tokio::time::timeout(d, f).await.ok()
    }
}

impl BenchTimers for Smol {
    async fn sleep(d: Duration) {
        async_io::Timer::after(d).await;
    }
    fn timeout<F: Future + Send>(
        d: Duration,
        f: F,
    ) -> impl Future<Output = Option<F::Output>> + Send {
        futures_lite::future::or(async move { Some(f.await) }, async move {
            async_io::Timer::after(d).await;
            None
        })
    }
}

/// Pending once, then ready: the shape of a read that waits for one event.
async fn pending_once() {
    let mut polled = false;
    std::future::poll_fn(|cx| {
        if polled {
            return std::task::Poll::Ready(());
        }
        polled = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}

const CHURN_TASKS: usize = 8;
const CHURN_PER_TASK: usize = 10_000;
const FIRE_TASKS: usize = 10_000;
const FIRE_SLEEPS: usize = 5;
const LATENCY_SLEEPS: usize = 20;

fn timer_churn<R: BenchTimers>(rt: &R) {
    let (count, rx) = countdown(CHURN_TASKS);
    for _ in 0..CHURN_TASKS {
        let count = count.clone();
        rt.spawn_remote(async move {
            for _ in 0..CHURN_PER_TASK {
                let out = R::timeout(Duration::from_secs(10), pending_once()).await;
                assert!(out.is_some());
            }
            count.finish();
        });
    }
    rt.block_on(rx);
}

fn timer_fire<R: BenchTimers>(rt: &R) {
    let (count, rx) = countdown(FIRE_TASKS);
    for _ in 0..FIRE_TASKS {
        let count = count.clone();
        rt.spawn_remote(async move {
            for _ in 0..FIRE_SLEEPS {
                R::sleep(Duration::from_millis(1)).await;
            }
            count.finish();
        });
    }
    rt.block_on(rx);
}

/// What each sleep of `timer_lateness` asks for.
const ASKED: Duration = Duration::from_millis(1);

/// `LATENCY_SLEEPS` sleeps in a row in one task; returns how late they ended, in total.
fn timer_lateness<R: BenchTimers>(rt: &R) -> Duration {
    let (tx, rx) = oneshot();
    rt.spawn_remote(async move {
        let mut late = Duration::ZERO;
        for _ in 0..LATENCY_SLEEPS {
            let start = std::time::Instant::now();
            R::sleep(ASKED).await;
            let took = start.elapsed();
            assert!(took >= ASKED, "a sleep ended early: {took:?}");
            late += took - ASKED;
        }
        tx.send(late);
    });
    rt.block_on(rx)
}

/// `timer_lateness` for runtime `R`: criterion times the lateness, not the sleeps.
fn bench_lateness<R: BenchTimers>(group: &mut criterion::BenchmarkGroup<'_, WallTime>) {
    let rt = R::new(support::workers());
    group.bench_function(R::NAME, |b| {
        b.iter_custom(|iters| (0..iters).map(|_| timer_lateness(&rt)).sum())
    });
}

fn benches(c: &mut Criterion) {
    side_by_side!(
        c,
        "timer_churn",
        (CHURN_TASKS * CHURN_PER_TASK) as u64,
        timer_churn
    );
    side_by_side!(
        c,
        "timer_fire",
        (FIRE_TASKS * FIRE_SLEEPS) as u64,
        timer_fire
    );
    let mut group = c.benchmark_group("timer_lateness");
    group.throughput(criterion::Throughput::Elements(LATENCY_SLEEPS as u64));
    bench_lateness::<Weft>(&mut group);
    bench_lateness::<Tokio>(&mut group);
    bench_lateness::<Smol>(&mut group);
    group.finish();
}

criterion_group! {
    name = time;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(time);
