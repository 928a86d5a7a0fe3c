//! Synchronization benchmarks, side by side: `weft::sync` on weft's runtime, `tokio::sync` on
//! tokio's multi-thread runtime, and async-lock / async-channel on smol's executor
//! (async-executor), all with the same worker count. The workload code is generic and the
//! same for all three; only the primitive behind [`SyncKit`] changes.
//!
//! - `sync_lock_contended`: 64 tasks × 1,000 lock / increment / unlock on one mutex.
//! - `sync_semaphore_*`: the shapes of tokio's `benches/sync_semaphore.rs` — `uncontended`
//!   (6 acquire/release in a row in one task, 10 permits), `uncontended_concurrent_multi`
//!   (6 spawned tasks, 10 permits), `uncontended_concurrent_single` (6 futures joined in one
//!   task, 10 permits) and the `contended_*` pair with 5 permits. tokio runs its `_single`
//!   variants on a current-thread runtime; here every runtime keeps the shared worker count
//!   and `_single` joins the six futures inside the one `block_on` future.
//! - `sync_queue_mpmc`: 4 producers → a bounded queue of 64 → 4 consumers, 100,000 items,
//!   every one received (count and sum are checked). tokio has no multi-consumer channel, so
//!   its consumers share the `mpsc::Receiver` behind a `tokio::sync::Mutex` (the idiom tokio
//!   documents); weft uses one `Queue` handle and closes it with `shutdown` after the last
//!   producer; async-channel is MPMC already.
//!
//! Run: `cargo bench -p weft-benches --bench sync` (then `python3 benches/report.py` to refresh BENCHMARKS.md).

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_lite::future::zip;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use support::{BenchRuntime, Smol, Tokio, Weft, countdown};

const LOCK_TASKS: usize = 64;
const LOCK_ITERS: usize = 1_000;
const SEM_OPS: usize = 6;
const QUEUE_PRODUCERS: usize = 4;
const QUEUE_CONSUMERS: usize = 4;
const QUEUE_CAPACITY: usize = 64;
const QUEUE_ITEMS: usize = 100_000;

/// Each runtime's own mutex, semaphore and bounded multi-consumer queue.
trait SyncKit: BenchRuntime {
    type Mutex: Send + Sync + 'static;
    type Semaphore: Send + Sync + 'static;
    type Tx: Clone + Send + 'static;
    type Rx: Clone + Send + 'static;

    fn mutex(value: u64) -> Self::Mutex;
    /// Locks, adds one, unlocks.
    fn increment(m: &Self::Mutex) -> impl Future<Output = ()> + Send + '_;
    /// The value, once nobody holds the lock.
    fn value(m: &Self::Mutex) -> u64;

    fn semaphore(permits: usize) -> Self::Semaphore;
    /// Acquires one permit and releases it at once.
    fn acquire_release(s: &Self::Semaphore) -> impl Future<Output = ()> + Send + '_;

    /// A bounded queue of `capacity` that `producers` senders will close with
    /// [`SyncKit::close`].
    fn bounded(capacity: usize, producers: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;
    /// The next item, or `None` once every producer closed and the queue is drained.
    fn recv(rx: &Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
    /// One producer is done.
    fn close(tx: Self::Tx);
}

/// weft's queue is one handle for both ends: the last producer to finish shuts it down.
#[derive(Clone)]
struct WeftTx {
    queue: weft::sync::Queue<u64>,
    producers_left: Arc<AtomicUsize>,
}

impl SyncKit for Weft {
    type Mutex = weft::sync::Lock<u64>;
    type Semaphore = weft::sync::Semaphore;
    type Tx = WeftTx;
    type Rx = weft::sync::Queue<u64>;

    fn mutex(value: u64) -> Self::Mutex {
        weft::sync::Lock::new(value)
    }
    async fn increment(m: &Self::Mutex) {
        *m.lock().await += 1
    }
    fn value(m: &Self::Mutex) -> u64 {
        *m.try_lock().expect("unlocked")
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        weft::sync::Semaphore::new(permits)
    }
    async fn acquire_release(s: &Self::Semaphore) {
        drop(s.acquire().await.expect("open"))
    }
    fn bounded(capacity: usize, producers: usize) -> (Self::Tx, Self::Rx) {
        let queue = weft::sync::Queue::bounded(capacity);
        let tx = WeftTx {
            queue: queue.clone(),
            producers_left: Arc::new(AtomicUsize::new(producers)),
        };
        (tx, queue)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.queue.put(value).await.expect("open")
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.get().await.ok()
    }
    fn close(tx: Self::Tx) {
        if tx.producers_left.fetch_sub(1, Ordering::AcqRel) == 1 {
            tx.queue.shutdown(false);
        }
    }
}

impl SyncKit for Tokio {
    type Mutex = tokio::sync::Mutex<u64>;
    type Semaphore = tokio::sync::Semaphore;
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<u64>>>;

    fn mutex(value: u64) -> Self::Mutex {
        tokio::sync::Mutex::new(value)
    }
    async fn increment(m: &Self::Mutex) {
        *m.lock().await += 1
    }
    fn value(m: &Self::Mutex) -> u64 {
        *m.try_lock().expect("unlocked")
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        tokio::sync::Semaphore::new(permits)
    }
    async fn acquire_release(s: &Self::Semaphore) {
        drop(s.acquire().await.expect("open"))
    }
    fn bounded(capacity: usize, _producers: usize) -> (Self::Tx, Self::Rx) {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity);
        (tx, Arc::new(tokio::sync::Mutex::new(rx)))
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.expect("open")
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.lock().await.recv().await
    }
    fn close(tx: Self::Tx) {
        drop(tx);
    }
}

impl SyncKit for Smol {
    type Mutex = async_lock::Mutex<u64>;
    type Semaphore = async_lock::Semaphore;
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn mutex(value: u64) -> Self::Mutex {
        async_lock::Mutex::new(value)
    }
    async fn increment(m: &Self::Mutex) {
        *m.lock().await += 1
    }
    fn value(m: &Self::Mutex) -> u64 {
        *m.try_lock().expect("unlocked")
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        async_lock::Semaphore::new(permits)
    }
    async fn acquire_release(s: &Self::Semaphore) {
        drop(s.acquire().await)
    }
    fn bounded(capacity: usize, _producers: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.expect("open")
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn close(tx: Self::Tx) {
        drop(tx);
    }
}

fn lock_contended<R: SyncKit>(rt: &R) {
    let mutex = Arc::new(R::mutex(0));
    let (count, rx) = countdown(LOCK_TASKS);
    let m = mutex.clone();
    rt.block_on(async move {
        for _ in 0..LOCK_TASKS {
            let (m, count) = (m.clone(), count.clone());
            R::spawn(async move {
                for _ in 0..LOCK_ITERS {
                    R::increment(&m).await;
                }
                count.finish();
            });
        }
        rx.await
    });
    assert_eq!(R::value(&mutex), (LOCK_TASKS * LOCK_ITERS) as u64);
}

/// tokio's `uncontended`: six acquire/release in a row in one task.
fn semaphore_uncontended<R: SyncKit>(rt: &R, s: &Arc<R::Semaphore>) {
    let s = s.clone();
    rt.block_on(async move {
        for _ in 0..SEM_OPS {
            R::acquire_release(&s).await;
        }
    });
}

/// tokio's `*_concurrent_multi`: six spawned tasks acquire and release once each.
fn semaphore_concurrent_multi<R: SyncKit>(rt: &R, s: &Arc<R::Semaphore>) {
    let s = s.clone();
    let (count, rx) = countdown(SEM_OPS);
    rt.block_on(async move {
        for _ in 0..SEM_OPS {
            let (s, count) = (s.clone(), count.clone());
            R::spawn(async move {
                R::acquire_release(&s).await;
                count.finish();
            });
        }
        rx.await
    });
}

/// tokio's `*_concurrent_single`: six acquire/release futures joined inside one task.
fn semaphore_concurrent_single<R: SyncKit>(rt: &R, s: &Arc<R::Semaphore>) {
    let s = s.clone();
    rt.block_on(async move {
        let one = || R::acquire_release(&s);
        zip(zip(zip(one(), one()), zip(one(), one())), zip(one(), one())).await;
    });
}

fn queue_mpmc<R: SyncKit>(rt: &R) {
    const PER_PRODUCER: usize = QUEUE_ITEMS / QUEUE_PRODUCERS;
    let (tx, rx) = R::bounded(QUEUE_CAPACITY, QUEUE_PRODUCERS);
    let received = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let (count, done) = countdown(QUEUE_CONSUMERS);
    let totals = received.clone();
    rt.block_on(async move {
        for p in 0..QUEUE_PRODUCERS {
            let tx = tx.clone();
            R::spawn(async move {
                for i in 0..PER_PRODUCER {
                    R::send(&tx, (p * PER_PRODUCER + i) as u64).await;
                }
                R::close(tx);
            });
        }
        drop(tx);
        for _ in 0..QUEUE_CONSUMERS {
            let (rx, count, totals) = (rx.clone(), count.clone(), totals.clone());
            R::spawn(async move {
                let (mut n, mut sum) = (0, 0);
                while let Some(v) = R::recv(&rx).await {
                    n += 1;
                    sum += v;
                }
                totals.0.fetch_add(n, Ordering::Relaxed);
                totals.1.fetch_add(sum, Ordering::Relaxed);
                count.finish();
            });
        }
        done.await
    });
    let n = QUEUE_ITEMS as u64;
    assert_eq!(
        received.0.load(Ordering::Relaxed),
        n,
        "items lost or duplicated"
    );
    assert_eq!(
        received.1.load(Ordering::Relaxed),
        n * (n - 1) / 2,
        "items corrupted"
    );
}

/// Like `side_by_side!`, for a workload that needs a semaphore of `permits` made once per
/// runtime (as tokio's benches make it once, outside `iter`).
macro_rules! semaphore_side_by_side {
    ($c:expr, $group:expr, $permits:expr, $bench:ident) => {{
        let workers = support::workers();
        let mut group = $c.benchmark_group($group);
        group.throughput(criterion::Throughput::Elements(SEM_OPS as u64));
        {
            let rt = <Weft as BenchRuntime>::new(workers);
            let s = Arc::new(<Weft as SyncKit>::semaphore($permits));
            group.bench_function("weft", |b| b.iter(|| $bench(&rt, &s)));
        }
        {
            let rt = <Tokio as BenchRuntime>::new(workers);
            let s = Arc::new(<Tokio as SyncKit>::semaphore($permits));
            group.bench_function("tokio", |b| b.iter(|| $bench(&rt, &s)));
        }
        {
            let rt = <Smol as BenchRuntime>::new(workers);
            let s = Arc::new(<Smol as SyncKit>::semaphore($permits));
            group.bench_function("smol", |b| b.iter(|| $bench(&rt, &s)));
        }
        group.finish();
    }};
}

fn benches(c: &mut Criterion) {
    side_by_side!(
        c,
        "sync_lock_contended",
        (LOCK_TASKS * LOCK_ITERS) as u64,
        lock_contended
    );
    semaphore_side_by_side!(c, "sync_semaphore_uncontended", 10, semaphore_uncontended);
    semaphore_side_by_side!(
        c,
        "sync_semaphore_uncontended_concurrent_multi",
        10,
        semaphore_concurrent_multi
    );
    semaphore_side_by_side!(
        c,
        "sync_semaphore_uncontended_concurrent_single",
        10,
        semaphore_concurrent_single
    );
    semaphore_side_by_side!(
        c,
        "sync_semaphore_contended_concurrent_multi",
        5,
        semaphore_concurrent_multi
    );
    semaphore_side_by_side!(
        c,
        "sync_semaphore_contended_concurrent_single",
        5,
        semaphore_concurrent_single
    );
    side_by_side!(c, "sync_queue_mpmc", QUEUE_ITEMS as u64, queue_mpmc);
}

criterion_group! {
    name = sync;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(sync);
