//! What every side-by-side benchmark shares: the three runtimes behind one trait, built with
//! the same number of worker threads, and a tiny oneshot channel that all three use so the
//! comparison measures the schedulers, not different channel implementations.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, Waker};

/// Worker threads for every runtime in every benchmark (`BENCH_WORKERS`, default: cores).
pub fn workers() -> usize {
    std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// A runtime under test. `spawn` is called from inside tasks (like `tokio::spawn`) and from
/// the benchmark thread, and detaches the task.
pub trait BenchRuntime: Sized {
    const NAME: &'static str;
    fn new(workers: usize) -> Self;
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F);
    /// Spawns eagerly (asyncio 3.12's eager tasks) where the runtime has that: polled at once
    /// on the spawning thread; the others spawn as usual.
    fn spawn_eager<F: Future<Output = ()> + Send + 'static>(f: F) {
        Self::spawn(f)
    }
    /// Spawns from the benchmark thread (outside the runtime).
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F);
}

pub struct Weft(pub weft::Runtime);

impl BenchRuntime for Weft {
    const NAME: &'static str = "weft";
    fn new(workers: usize) -> Self {
        Weft(
            weft::Builder::new()
                .worker_threads(workers)
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(weft::spawn(f));
    }
    fn spawn_eager<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(weft::task::Builder::new().eager(true).spawn(f));
    }
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        drop(self.0.spawn(f));
    }
}

pub struct Tokio(pub tokio::runtime::Runtime);

impl BenchRuntime for Tokio {
    const NAME: &'static str = "tokio";
    fn new(workers: usize) -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        drop(tokio::spawn(f));
    }
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        drop(self.0.spawn(f));
    }
}

/// smol's executor (async-executor) run by `workers` threads, as smol users deploy it.
pub struct Smol {
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

pub static SMOL_EX: LazyLock<async_executor::Executor<'static>> =
    LazyLock::new(async_executor::Executor::new);

impl BenchRuntime for Smol {
    const NAME: &'static str = "smol";
    fn new(workers: usize) -> Self {
        let (tx, rx) = async_channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || {
                    futures_lite::future::block_on(SMOL_EX.run(rx.recv())).unwrap_or(())
                })
            })
            .collect();
        Smol {
            stop: Some(tx),
            threads,
        }
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        SMOL_EX.spawn(f).detach();
    }
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        SMOL_EX.spawn(f).detach();
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A one-value channel: the same code for every runtime.
pub fn oneshot<T>() -> (OneshotTx<T>, OneshotRx<T>) {
    let inner = Arc::new(parking_lot::Mutex::new(OneshotState {
        value: None,
        waker: None,
    }));
    (OneshotTx(inner.clone()), OneshotRx(inner))
}

struct OneshotState<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

pub struct OneshotTx<T>(Arc<parking_lot::Mutex<OneshotState<T>>>);
pub struct OneshotRx<T>(Arc<parking_lot::Mutex<OneshotState<T>>>);

impl<T> OneshotTx<T> {
    pub fn send(self, value: T) {
        let waker = {
            let mut s = self.0.lock();
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Future for OneshotRx<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.0.lock();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs `bench` for each runtime in one criterion group, the same worker count for all.
#[macro_export]
macro_rules! side_by_side {
    ($c:expr, $group:expr, $elements:expr, $bench:ident) => {{
        let workers = $crate::support::workers();
        let mut group = $c.benchmark_group($group);
        group.throughput(criterion::Throughput::Elements($elements));
        {
            let rt = <$crate::support::Weft as $crate::support::BenchRuntime>::new(workers);
            group.bench_function("weft", |b| b.iter(|| $bench(&rt)));
        }
        {
            let rt = <$crate::support::Tokio as $crate::support::BenchRuntime>::new(workers);
            group.bench_function("tokio", |b| b.iter(|| $bench(&rt)));
        }
        {
            let rt = <$crate::support::Smol as $crate::support::BenchRuntime>::new(workers);
            group.bench_function("smol", |b| b.iter(|| $bench(&rt)));
        }
        group.finish();
    }};
}

/// Counts finished tasks down; the last one fires the oneshot (every suite's "all done").
pub struct Countdown {
    left: std::sync::atomic::AtomicUsize,
    done: parking_lot::Mutex<Option<OneshotTx<()>>>,
}

/// A countdown from `n` and the receiver that resolves when it reaches zero.
pub fn countdown(n: usize) -> (Arc<Countdown>, OneshotRx<()>) {
    let (tx, rx) = oneshot();
    let count = Countdown {
        left: std::sync::atomic::AtomicUsize::new(n),
        done: parking_lot::Mutex::new(Some(tx)),
    };
    (Arc::new(count), rx)
}

impl Countdown {
    /// One task finished.
    pub fn finish(&self) {
        if self.left.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
            self.done.lock().take().expect("fired once").send(());
        }
    }
}

/// The same yield for every runtime: wake by ref, return `Pending` once (one reschedule and
/// one poll per call).
pub async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
