//! Channel and sync-toolkit benchmarks, side by side (issue 24; `fanout_pipeline` is issue
//! 29's): `weft::sync` on weft's runtime, `tokio::sync` on tokio's multi-thread runtime, and
//! the smol ecosystem's crates on smol's executor (async-executor), all with the same worker
//! count. The workload code is generic and the same for every runtime; only the primitive
//! behind the traits below changes. Every task is spawned (none runs on the `block_on`
//! thread), and every workload checks what it received — counts, sums, order, final values —
//! so a broken channel fails the run instead of reporting a fast time. A check that fails
//! inside a task ends the process ([`fail`]): a panic in a detached task would leave the
//! benchmark waiting forever.
//!
//! The rows (time per item, per round trip or per operation, as named):
//!
//! - `chan_mpsc_bounded_1to1`: one producer → `mpsc` bounded(64) → one consumer, 100,000
//!   items; the consumer checks count and sum.
//! - `chan_mpsc_bounded_4to1`: four producers (25,000 items each) → bounded(64) → one
//!   consumer; count and sum checked.
//! - `chan_mpsc_unbounded_1to1`: one producer → unbounded `mpsc` → one consumer, 100,000
//!   items. The producer never waits, so it sends all of them in one poll while the consumer
//!   drains on the other worker.
//! - `chan_oneshot_round_trip`: the actor pattern. Task A sends `(i, oneshot::Sender)` to
//!   task B over the runtime's own bounded(1) `mpsc` and awaits B's reply `i + 1`; 10,000
//!   round trips, each reply checked. So each round is an `mpsc` send and receive, a
//!   `oneshot` send and receive, and two cross-task wake-ups.
//! - `chan_broadcast_1to16`: one sender, 16 receiver tasks, capacity 1,024, 16,384 items;
//!   every receiver checks it got every item in order (a lag fails the run). So that nothing
//!   lags, the sender runs a window: each receiver acknowledges each batch of 256 items on
//!   an unbounded `mpsc` (the runtime's own), and batch `b` is sent only once all 16
//!   acknowledged batch `b - 2` (at most 512 items outstanding). Time per item sent (each
//!   is received 16 times; the acknowledgements add one `mpsc` send per 256 receives).
//! - `chan_watch_16_watchers`: one sender task sends 1..=100,000 with `send` and never
//!   waits; 16 watcher tasks loop on `changed()` + `borrow_and_update()` until they see
//!   100,000, each checking that every value it sees is newer than the last. A watcher sees only some of the values (that is
//!   `watch`): the row measures `send` while watchers wake, read and re-register beside it
//!   on the other worker. Time per `send`.
//! - `sync_notify_ping_pong`: two tasks and two `Notify`s; A writes the ball and
//!   `notify_one`s B, then awaits `notified()` for B's return, 10,000 rounds; each side
//!   checks the ball, so a lost, doubled or early notification fails. Time per round.
//! - `sync_rwlock_read_heavy`: 16 tasks × 10,000 operations on one `RwLock<u64>`, every
//!   20th a write (`+= 1`, 5%), the rest reads; readers check the value never exceeds the
//!   writes, and the final value must equal them. Time per operation.
//! - `fanout_pipeline`: four producers → `async_channel::bounded(64)` → four consumers,
//!   100,000 items, count and sum checked. The same channel crate on all three runtimes, so
//!   the row compares the runtimes' wake paths, not their channels.
//!
//! The peers. tokio: `tokio::sync::{mpsc, oneshot, broadcast, watch, Notify, RwLock}`. smol:
//! async-channel (bounded and unbounded `mpsc`; `bounded(1)` is its oneshot) and
//! `async_lock::RwLock`. smol has no broadcast, watch or `Notify` in this workspace's
//! dependencies (async-broadcast is not in Cargo.lock; event-listener is, but only
//! transitively), so those three rows have no smol entry and the report shows "—".
//! The three `chan_mpsc_*` rows also run flume's channel on smol's executor as the `flume`
//! entry (a column of its own in the report, counted in "best").
//!
//! The rows where tasks contend across the two workers (`chan_mpsc_bounded_4to1`,
//! `chan_watch_16_watchers`, `sync_rwlock_read_heavy`) swung between runs on the shared
//! 2-core VM (load 3–4), back-to-back runs of one binary included: weft 47–254, 72–480 and
//! 26–344 ns, tokio up to 2.3× and smol up to 3.8× within a row. The likely cause, not verified: a worker
//! starved of CPU leaves the other to run everything uncontended. Read them from a quiet
//! machine.
//!
//! Run: `cargo bench -p weft-benches --bench channels` (then `python3 benches/report.py` to refresh
//! BENCHMARKS.md).

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use support::{BenchRuntime, Smol, Tokio, Weft, countdown, oneshot};

const MPSC_ITEMS: u64 = 100_000;
const MPSC_CAPACITY: usize = 64;
const MPSC_PRODUCERS: u64 = 4;
const ONESHOT_ROUNDS: u64 = 10_000;
const BROADCAST_RECEIVERS: usize = 16;
const BROADCAST_CAPACITY: usize = 1_024;
/// Items per acknowledged batch: two batches in flight stay under the capacity.
const BROADCAST_BATCH: u64 = 256;
const BROADCAST_ITEMS: u64 = 16_384;
const WATCHERS: usize = 16;
const WATCH_SENDS: u64 = 100_000;
const NOTIFY_ROUNDS: u64 = 10_000;
const RWLOCK_TASKS: u64 = 16;
const RWLOCK_OPS_PER_TASK: u64 = 10_000;
/// One operation in this many is a write (5%).
const RWLOCK_WRITE_EVERY: u64 = 20;
const FANOUT_PRODUCERS: u64 = 4;
const FANOUT_CONSUMERS: usize = 4;
const FANOUT_CAPACITY: usize = 64;
const FANOUT_ITEMS: u64 = 100_000;

const _: () = assert!(2 * BROADCAST_BATCH as usize <= BROADCAST_CAPACITY);
const _: () = assert!(BROADCAST_ITEMS.is_multiple_of(BROADCAST_BATCH));
const _: () = assert!(
    MPSC_ITEMS.is_multiple_of(MPSC_PRODUCERS) && FANOUT_ITEMS.is_multiple_of(FANOUT_PRODUCERS)
);

/// A check failed inside a task: say where and end the run.
#[track_caller]
fn fail(what: std::fmt::Arguments<'_>) -> ! {
    eprintln!(
        "channels bench: {what} (at {})",
        std::panic::Location::caller()
    );
    std::process::exit(1)
}

/// `assert!` for code inside a spawned task (see [`fail`]).
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            fail(format_args!($($msg)+))
        }
    };
}

/// Sum of `0..n`, what a consumer of every item must add up to.
fn sum_below(n: u64) -> u64 {
    n * (n - 1) / 2
}

// ---------------------------------------------------------------------------------------
// The primitives, one trait per family, one impl per runtime.
// ---------------------------------------------------------------------------------------

/// Each runtime's multi-producer channels, bounded and unbounded.
trait Mpsc: BenchRuntime {
    type Tx<T: Send + 'static>: Clone + Send + 'static;
    type Rx<T: Send + 'static>: Send + 'static;
    type UnboundedTx<T: Send + 'static>: Clone + Send + 'static;
    type UnboundedRx<T: Send + 'static>: Send + 'static;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Tx<T>, Self::Rx<T>);
    /// Sends, waiting for room; the receiver is alive.
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> impl Future<Output = ()> + Send + '_;
    /// The next item, or `None` once every sender is gone and the channel is drained.
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>)
    -> impl Future<Output = Option<T>> + Send + '_;

    fn unbounded<T: Send + 'static>() -> (Self::UnboundedTx<T>, Self::UnboundedRx<T>);
    fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedTx<T>, value: T);
    fn recv_unbounded<T: Send + 'static>(
        rx: &mut Self::UnboundedRx<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_;
}

/// Each runtime's one-value channel.
trait Oneshot: BenchRuntime {
    type OneTx<T: Send + 'static>: Send + 'static;
    type OneRx<T: Send + 'static>: Send + 'static;

    fn oneshot<T: Send + 'static>() -> (Self::OneTx<T>, Self::OneRx<T>);
    fn reply<T: Send + 'static>(tx: Self::OneTx<T>, value: T);
    fn response<T: Send + 'static>(rx: Self::OneRx<T>) -> impl Future<Output = T> + Send;
}

/// A broadcast channel of `u64`: every receiver gets every value.
trait Broadcast: BenchRuntime {
    type BroadcastTx: Send + 'static;
    type BroadcastRx: Send + 'static;

    fn broadcast(capacity: usize) -> (Self::BroadcastTx, Self::BroadcastRx);
    fn subscribe(tx: &Self::BroadcastTx) -> Self::BroadcastRx;
    fn broadcast_send(tx: &Self::BroadcastTx, value: u64);
    /// The next value, or `None` once the sender is gone; a lag fails the run.
    fn broadcast_recv(rx: &mut Self::BroadcastRx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// A watch channel of `u64`: receivers see the latest value.
trait Watch: BenchRuntime {
    type WatchTx: Send + 'static;
    type WatchRx: Send + 'static;

    fn watch(initial: u64) -> (Self::WatchTx, Self::WatchRx);
    fn watch_subscribe(tx: &Self::WatchTx) -> Self::WatchRx;
    fn watch_send(tx: &Self::WatchTx, value: u64);
    /// Waits for a value not seen yet, returns the latest and marks it seen.
    fn changed(rx: &mut Self::WatchRx) -> impl Future<Output = u64> + Send + '_;
}

/// A wake-up signal that stores one permit when nobody waits (tokio's `Notify`).
trait NotifyKit: BenchRuntime {
    type Notify: Send + Sync + 'static;

    fn notify() -> Self::Notify;
    fn notify_one(n: &Self::Notify);
    fn notified(n: &Self::Notify) -> impl Future<Output = ()> + Send + '_;
}

/// An async reader-writer lock around a `u64`.
trait RwLockKit: BenchRuntime {
    type RwLock: Send + Sync + 'static;

    fn rwlock(value: u64) -> Self::RwLock;
    fn read(l: &Self::RwLock) -> impl Future<Output = u64> + Send + '_;
    /// Adds one under the write lock.
    fn write(l: &Self::RwLock) -> impl Future<Output = ()> + Send + '_;
}

/// weft's sync toolkit has tokio's names and signatures, so one text is both runtimes'
/// impls: `$rt`'s kits over `$krate::sync`.
macro_rules! tokio_shaped_kits {
    ($rt:ty, $krate:ident) => {
        impl Mpsc for $rt {
            type Tx<T: Send + 'static> = $krate::sync::mpsc::Sender<T>;
            type Rx<T: Send + 'static> = $krate::sync::mpsc::Receiver<T>;
            type UnboundedTx<T: Send + 'static> = $krate::sync::mpsc::UnboundedSender<T>;
            type UnboundedRx<T: Send + 'static> = $krate::sync::mpsc::UnboundedReceiver<T>;

            fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Tx<T>, Self::Rx<T>) {
                $krate::sync::mpsc::channel(capacity)
            }
            async fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
                check!(tx.send(value).await.is_ok(), "mpsc receiver gone")
            }
            async fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
                rx.recv().await
            }
            fn unbounded<T: Send + 'static>() -> (Self::UnboundedTx<T>, Self::UnboundedRx<T>) {
                $krate::sync::mpsc::unbounded_channel()
            }
            fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedTx<T>, value: T) {
                check!(tx.send(value).is_ok(), "mpsc receiver gone")
            }
            async fn recv_unbounded<T: Send + 'static>(rx: &mut Self::UnboundedRx<T>) -> Option<T> {
                rx.recv().await
            }
        }

        impl Oneshot for $rt {
            type OneTx<T: Send + 'static> = $krate::sync::oneshot::Sender<T>;
            type OneRx<T: Send + 'static> = $krate::sync::oneshot::Receiver<T>;

            fn oneshot<T: Send + 'static>() -> (Self::OneTx<T>, Self::OneRx<T>) {
                $krate::sync::oneshot::channel()
            }
            fn reply<T: Send + 'static>(tx: Self::OneTx<T>, value: T) {
                check!(tx.send(value).is_ok(), "oneshot receiver gone")
            }
            async fn response<T: Send + 'static>(rx: Self::OneRx<T>) -> T {
                rx.await
                    .unwrap_or_else(|_| fail(format_args!("oneshot sender dropped")))
            }
        }

        impl Broadcast for $rt {
            type BroadcastTx = $krate::sync::broadcast::Sender<u64>;
            type BroadcastRx = $krate::sync::broadcast::Receiver<u64>;

            fn broadcast(capacity: usize) -> (Self::BroadcastTx, Self::BroadcastRx) {
                $krate::sync::broadcast::channel(capacity)
            }
            fn subscribe(tx: &Self::BroadcastTx) -> Self::BroadcastRx {
                tx.subscribe()
            }
            fn broadcast_send(tx: &Self::BroadcastTx, value: u64) {
                check!(tx.send(value).is_ok(), "broadcast receivers gone")
            }
            async fn broadcast_recv(rx: &mut Self::BroadcastRx) -> Option<u64> {
                use $krate::sync::broadcast::error::RecvError;
                match rx.recv().await {
                    Ok(v) => Some(v),
                    Err(RecvError::Closed) => None,
                    Err(RecvError::Lagged(n)) => {
                        fail(format_args!("broadcast receiver lagged by {n}"))
                    }
                }
            }
        }

        impl Watch for $rt {
            type WatchTx = $krate::sync::watch::Sender<u64>;
            type WatchRx = $krate::sync::watch::Receiver<u64>;

            fn watch(initial: u64) -> (Self::WatchTx, Self::WatchRx) {
                $krate::sync::watch::channel(initial)
            }
            fn watch_subscribe(tx: &Self::WatchTx) -> Self::WatchRx {
                tx.subscribe()
            }
            fn watch_send(tx: &Self::WatchTx, value: u64) {
                check!(tx.send(value).is_ok(), "watch receivers gone")
            }
            async fn changed(rx: &mut Self::WatchRx) -> u64 {
                check!(rx.changed().await.is_ok(), "watch sender gone");
                *rx.borrow_and_update()
            }
        }

        impl NotifyKit for $rt {
            type Notify = $krate::sync::Notify;

            fn notify() -> Self::Notify {
                $krate::sync::Notify::new()
            }
            fn notify_one(n: &Self::Notify) {
                n.notify_one()
            }
            async fn notified(n: &Self::Notify) {
                n.notified().await
            }
        }

        impl RwLockKit for $rt {
            type RwLock = $krate::sync::RwLock<u64>;

            fn rwlock(value: u64) -> Self::RwLock {
                $krate::sync::RwLock::new(value)
            }
            async fn read(l: &Self::RwLock) -> u64 {
                *l.read().await
            }
            async fn write(l: &Self::RwLock) {
                *l.write().await += 1
            }
        }
    };
}

tokio_shaped_kits!(Weft, weft);
tokio_shaped_kits!(Tokio, tokio);

impl Mpsc for Smol {
    type Tx<T: Send + 'static> = async_channel::Sender<T>;
    type Rx<T: Send + 'static> = async_channel::Receiver<T>;
    type UnboundedTx<T: Send + 'static> = async_channel::Sender<T>;
    type UnboundedRx<T: Send + 'static> = async_channel::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Tx<T>, Self::Rx<T>) {
        async_channel::bounded(capacity)
    }
    async fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        check!(tx.send(value).await.is_ok(), "channel receiver gone")
    }
    async fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().await.ok()
    }
    fn unbounded<T: Send + 'static>() -> (Self::UnboundedTx<T>, Self::UnboundedRx<T>) {
        async_channel::unbounded()
    }
    fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedTx<T>, value: T) {
        // Never `Full`: the channel is unbounded.
        check!(tx.try_send(value).is_ok(), "channel receiver gone")
    }
    async fn recv_unbounded<T: Send + 'static>(rx: &mut Self::UnboundedRx<T>) -> Option<T> {
        rx.recv().await.ok()
    }
}

/// smol has no oneshot: async-channel's `bounded(1)` is what its users reach for.
impl Oneshot for Smol {
    type OneTx<T: Send + 'static> = async_channel::Sender<T>;
    type OneRx<T: Send + 'static> = async_channel::Receiver<T>;

    fn oneshot<T: Send + 'static>() -> (Self::OneTx<T>, Self::OneRx<T>) {
        async_channel::bounded(1)
    }
    fn reply<T: Send + 'static>(tx: Self::OneTx<T>, value: T) {
        check!(tx.try_send(value).is_ok(), "oneshot receiver gone")
    }
    async fn response<T: Send + 'static>(rx: Self::OneRx<T>) -> T {
        rx.recv()
            .await
            .unwrap_or_else(|_| fail(format_args!("oneshot sender dropped")))
    }
}

impl RwLockKit for Smol {
    type RwLock = async_lock::RwLock<u64>;

    fn rwlock(value: u64) -> Self::RwLock {
        async_lock::RwLock::new(value)
    }
    async fn read(l: &Self::RwLock) -> u64 {
        *l.read().await
    }
    async fn write(l: &Self::RwLock) {
        *l.write().await += 1
    }
}

/// flume's channel on smol's executor: the `flume` entry of the `chan_mpsc_*` rows.
struct Flume(Smol);

impl BenchRuntime for Flume {
    const NAME: &'static str = "flume";
    fn new(workers: usize) -> Self {
        Flume(Smol::new(workers))
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F: Future<Output = ()> + Send + 'static>(f: F) {
        Smol::spawn(f)
    }
    fn spawn_remote<F: Future<Output = ()> + Send + 'static>(&self, f: F) {
        self.0.spawn_remote(f)
    }
}

impl Mpsc for Flume {
    type Tx<T: Send + 'static> = flume::Sender<T>;
    type Rx<T: Send + 'static> = flume::Receiver<T>;
    type UnboundedTx<T: Send + 'static> = flume::Sender<T>;
    type UnboundedRx<T: Send + 'static> = flume::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Tx<T>, Self::Rx<T>) {
        flume::bounded(capacity)
    }
    async fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        check!(tx.send_async(value).await.is_ok(), "flume receiver gone")
    }
    async fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv_async().await.ok()
    }
    fn unbounded<T: Send + 'static>() -> (Self::UnboundedTx<T>, Self::UnboundedRx<T>) {
        flume::unbounded()
    }
    fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedTx<T>, value: T) {
        check!(tx.send(value).is_ok(), "flume receiver gone")
    }
    async fn recv_unbounded<T: Send + 'static>(rx: &mut Self::UnboundedRx<T>) -> Option<T> {
        rx.recv_async().await.ok()
    }
}

// ---------------------------------------------------------------------------------------
// The workloads.
// ---------------------------------------------------------------------------------------

/// `producers` tasks send `0..MPSC_ITEMS` between them through a bounded(64) channel to one
/// consumer task, which checks count and sum.
fn mpsc_bounded<R: Mpsc>(rt: &R, producers: u64) {
    let per_producer = MPSC_ITEMS / producers;
    let (tx, mut rx) = R::bounded::<u64>(MPSC_CAPACITY);
    let (done_tx, done) = oneshot();
    let (n, sum) = rt.block_on(async move {
        R::spawn(async move {
            let (mut n, mut sum) = (0, 0);
            while let Some(v) = R::recv(&mut rx).await {
                n += 1;
                sum += v;
            }
            done_tx.send((n, sum));
        });
        for p in 0..producers {
            let tx = tx.clone();
            R::spawn(async move {
                for v in p * per_producer..(p + 1) * per_producer {
                    R::send(&tx, v).await;
                }
            });
        }
        drop(tx);
        done.await
    });
    assert_eq!(n, MPSC_ITEMS, "items lost or duplicated");
    assert_eq!(sum, sum_below(MPSC_ITEMS), "items corrupted");
}

fn mpsc_bounded_1to1<R: Mpsc>(rt: &R) {
    mpsc_bounded(rt, 1)
}

fn mpsc_bounded_4to1<R: Mpsc>(rt: &R) {
    mpsc_bounded(rt, MPSC_PRODUCERS)
}

fn mpsc_unbounded_1to1<R: Mpsc>(rt: &R) {
    let (tx, mut rx) = R::unbounded::<u64>();
    let (done_tx, done) = oneshot();
    let (n, sum) = rt.block_on(async move {
        R::spawn(async move {
            let (mut n, mut sum) = (0, 0);
            while let Some(v) = R::recv_unbounded(&mut rx).await {
                n += 1;
                sum += v;
            }
            done_tx.send((n, sum));
        });
        R::spawn(async move {
            for v in 0..MPSC_ITEMS {
                R::send_unbounded(&tx, v);
            }
        });
        done.await
    });
    assert_eq!(n, MPSC_ITEMS, "items lost or duplicated");
    assert_eq!(sum, sum_below(MPSC_ITEMS), "items corrupted");
}

/// Task A asks task B `ONESHOT_ROUNDS` times, each request carrying the oneshot for its
/// reply.
fn oneshot_round_trip<R: Mpsc + Oneshot>(rt: &R) {
    let (requests, mut incoming) = R::bounded::<(u64, R::OneTx<u64>)>(1);
    let (done_tx, done) = oneshot();
    let answered = rt.block_on(async move {
        R::spawn(async move {
            while let Some((i, reply)) = R::recv(&mut incoming).await {
                R::reply(reply, i + 1);
            }
        });
        R::spawn(async move {
            let mut answered = 0;
            for i in 0..ONESHOT_ROUNDS {
                let (reply, response) = R::oneshot();
                R::send(&requests, (i, reply)).await;
                let got = R::response(response).await;
                check!(got == i + 1, "round {i}: answer {got}, expected {}", i + 1);
                answered += 1;
            }
            done_tx.send(answered);
        });
        done.await
    });
    assert_eq!(answered, ONESHOT_ROUNDS);
}

/// One sender, 16 receivers, a window so nothing lags (see the file head).
fn broadcast_1to16<R: Mpsc + Broadcast>(rt: &R) {
    const BATCHES: usize = (BROADCAST_ITEMS / BROADCAST_BATCH) as usize;
    let (tx, first) = R::broadcast(BROADCAST_CAPACITY);
    let (acks, mut acked) = R::unbounded::<usize>();
    let (count, all_done) = countdown(BROADCAST_RECEIVERS);
    let complete = Arc::new(AtomicU64::new(0));
    let receivers: Vec<_> = std::iter::once(first)
        .chain((1..BROADCAST_RECEIVERS).map(|_| R::subscribe(&tx)))
        .collect();
    let done_receivers = complete.clone();
    rt.block_on(async move {
        for mut rx in receivers {
            let (acks, count, complete) = (acks.clone(), count.clone(), done_receivers.clone());
            R::spawn(async move {
                let mut expected = 0;
                while let Some(v) = R::broadcast_recv(&mut rx).await {
                    check!(v == expected, "broadcast got {v}, expected {expected}");
                    expected += 1;
                    // Only the batches the sender waits for: it stops listening after
                    // batch `BATCHES - 3`.
                    let batch = (v / BROADCAST_BATCH) as usize;
                    if expected % BROADCAST_BATCH == 0 && batch + 2 < BATCHES {
                        R::send_unbounded(&acks, batch);
                    }
                }
                check!(
                    expected == BROADCAST_ITEMS,
                    "broadcast receiver got {expected} of {BROADCAST_ITEMS} items"
                );
                complete.fetch_add(1, Ordering::Relaxed);
                count.finish();
            });
        }
        drop(acks);
        R::spawn(async move {
            let mut per_batch = [0usize; BATCHES];
            for b in 0..BATCHES {
                if b >= 2 {
                    while per_batch[b - 2] < BROADCAST_RECEIVERS {
                        match R::recv_unbounded(&mut acked).await {
                            Some(k) => per_batch[k] += 1,
                            None => fail(format_args!("acknowledgements ended early")),
                        }
                    }
                }
                let first = b as u64 * BROADCAST_BATCH;
                for v in first..first + BROADCAST_BATCH {
                    R::broadcast_send(&tx, v);
                }
            }
            // Dropping `tx` closes the channel: each receiver ends after the last item.
        });
        all_done.await
    });
    assert_eq!(complete.load(Ordering::Relaxed), BROADCAST_RECEIVERS as u64);
}

/// One sender sends 1..=WATCH_SENDS; 16 watchers follow until they see the last value.
fn watch_16_watchers<R: Watch>(rt: &R) {
    let (tx, first) = R::watch(0);
    let (count, all_seen) = countdown(WATCHERS);
    let (done_tx, done) = oneshot();
    let watchers: Vec<_> = std::iter::once(first)
        .chain((1..WATCHERS).map(|_| R::watch_subscribe(&tx)))
        .collect();
    let changes = Arc::new(AtomicU64::new(0));
    let seen = changes.clone();
    rt.block_on(async move {
        for mut rx in watchers {
            let (count, seen) = (count.clone(), seen.clone());
            R::spawn(async move {
                let (mut last, mut changes) = (0, 0);
                while last != WATCH_SENDS {
                    let v = R::changed(&mut rx).await;
                    check!(v > last, "watch went from {last} to {v}");
                    last = v;
                    changes += 1;
                }
                seen.fetch_add(changes, Ordering::Relaxed);
                count.finish();
            });
        }
        R::spawn(async move {
            for v in 1..=WATCH_SENDS {
                R::watch_send(&tx, v);
            }
            // Keep the sender until every watcher saw the last value.
            all_seen.await;
            done_tx.send(());
        });
        done.await
    });
    let changes = changes.load(Ordering::Relaxed);
    assert!(
        (WATCHERS as u64..=WATCHERS as u64 * WATCH_SENDS).contains(&changes),
        "{changes} changes seen"
    );
}

/// A and B pass a ball back and forth with two `Notify`s.
fn notify_ping_pong<R: NotifyKit>(rt: &R) {
    let to_b = Arc::new(R::notify());
    let to_a = Arc::new(R::notify());
    let ball = Arc::new(AtomicU64::new(0));
    let (done_tx, done) = oneshot();
    let end = ball.clone();
    rt.block_on(async move {
        {
            let (to_b, to_a, ball) = (to_b.clone(), to_a.clone(), ball.clone());
            R::spawn(async move {
                for i in 0..NOTIFY_ROUNDS {
                    R::notified(&to_b).await;
                    let got = ball.load(Ordering::Acquire);
                    check!(got == 2 * i + 1, "B round {i}: ball {got}");
                    ball.store(2 * i + 2, Ordering::Release);
                    R::notify_one(&to_a);
                }
            });
        }
        R::spawn(async move {
            for i in 0..NOTIFY_ROUNDS {
                ball.store(2 * i + 1, Ordering::Release);
                R::notify_one(&to_b);
                R::notified(&to_a).await;
                let got = ball.load(Ordering::Acquire);
                check!(got == 2 * i + 2, "A round {i}: ball {got}");
            }
            done_tx.send(());
        });
        done.await
    });
    assert_eq!(end.load(Ordering::Relaxed), 2 * NOTIFY_ROUNDS);
}

/// 16 tasks, 95% reads, 5% writes (`+= 1`) on one lock.
fn rwlock_read_heavy<R: RwLockKit>(rt: &R) {
    const WRITES: u64 = RWLOCK_TASKS * RWLOCK_OPS_PER_TASK.div_ceil(RWLOCK_WRITE_EVERY);
    let lock = Arc::new(R::rwlock(0));
    let (count, done) = countdown(RWLOCK_TASKS as usize);
    let l = lock.clone();
    rt.block_on(async move {
        for _ in 0..RWLOCK_TASKS {
            let (l, count) = (l.clone(), count.clone());
            R::spawn(async move {
                for op in 0..RWLOCK_OPS_PER_TASK {
                    if op % RWLOCK_WRITE_EVERY == 0 {
                        R::write(&l).await;
                    } else {
                        let v = R::read(&l).await;
                        check!(v <= WRITES, "read {v}, more than the {WRITES} writes");
                    }
                }
                count.finish();
            });
        }
        done.await
    });
    let last = rt.block_on(R::read(&lock));
    assert_eq!(last, WRITES, "writes lost");
}

/// Four producers → `async_channel::bounded(64)` → four consumers, on any runtime.
fn fanout_pipeline<R: BenchRuntime>(rt: &R) {
    let per_producer = FANOUT_ITEMS / FANOUT_PRODUCERS;
    let (tx, rx) = async_channel::bounded::<u64>(FANOUT_CAPACITY);
    let totals = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let (count, done) = countdown(FANOUT_CONSUMERS);
    let received = totals.clone();
    rt.block_on(async move {
        for _ in 0..FANOUT_CONSUMERS {
            let (rx, count, received) = (rx.clone(), count.clone(), received.clone());
            R::spawn(async move {
                let (mut n, mut sum) = (0, 0);
                while let Ok(v) = rx.recv().await {
                    n += 1;
                    sum += v;
                }
                received.0.fetch_add(n, Ordering::Relaxed);
                received.1.fetch_add(sum, Ordering::Relaxed);
                count.finish();
            });
        }
        for p in 0..FANOUT_PRODUCERS {
            let tx = tx.clone();
            R::spawn(async move {
                for v in p * per_producer..(p + 1) * per_producer {
                    check!(tx.send(v).await.is_ok(), "fan-out receivers gone");
                }
            });
        }
        drop(tx);
        done.await
    });
    assert_eq!(
        totals.0.load(Ordering::Relaxed),
        FANOUT_ITEMS,
        "items lost or duplicated"
    );
    assert_eq!(
        totals.1.load(Ordering::Relaxed),
        sum_below(FANOUT_ITEMS),
        "items corrupted"
    );
}

/// One criterion group `$group` with an entry per runtime listed (each built with the same
/// worker count, dropped before the next is built).
macro_rules! row {
    ($c:expr, $group:expr, $elements:expr, $bench:ident, [$($rt:ty),+]) => {{
        let workers = support::workers();
        let mut group = $c.benchmark_group($group);
        group.throughput(Throughput::Elements($elements));
        $({
            let rt = <$rt as BenchRuntime>::new(workers);
            group.bench_function(<$rt as BenchRuntime>::NAME, |b| b.iter(|| $bench(&rt)));
        })+
        group.finish();
    }};
}

fn benches(c: &mut Criterion) {
    // smol has no broadcast, watch or `Notify` here; flume joins the `chan_mpsc_*` rows.
    row!(
        c,
        "chan_mpsc_bounded_1to1",
        MPSC_ITEMS,
        mpsc_bounded_1to1,
        [Weft, Tokio, Smol, Flume]
    );
    row!(
        c,
        "chan_mpsc_bounded_4to1",
        MPSC_ITEMS,
        mpsc_bounded_4to1,
        [Weft, Tokio, Smol, Flume]
    );
    row!(
        c,
        "chan_mpsc_unbounded_1to1",
        MPSC_ITEMS,
        mpsc_unbounded_1to1,
        [Weft, Tokio, Smol, Flume]
    );
    row!(
        c,
        "chan_oneshot_round_trip",
        ONESHOT_ROUNDS,
        oneshot_round_trip,
        [Weft, Tokio, Smol]
    );
    row!(
        c,
        "chan_broadcast_1to16",
        BROADCAST_ITEMS,
        broadcast_1to16,
        [Weft, Tokio]
    );
    row!(
        c,
        "chan_watch_16_watchers",
        WATCH_SENDS,
        watch_16_watchers,
        [Weft, Tokio]
    );
    row!(
        c,
        "sync_notify_ping_pong",
        NOTIFY_ROUNDS,
        notify_ping_pong,
        [Weft, Tokio]
    );
    row!(
        c,
        "sync_rwlock_read_heavy",
        RWLOCK_TASKS * RWLOCK_OPS_PER_TASK,
        rwlock_read_heavy,
        [Weft, Tokio, Smol]
    );
    row!(
        c,
        "fanout_pipeline",
        FANOUT_ITEMS,
        fanout_pipeline,
        [Weft, Tokio, Smol]
    );
}

criterion_group! {
    name = channels;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(channels);
