//! Fairness: the cooperative budget, the LIFO-slot cap and the global-queue interval each
//! keep one runaway task from starving the others. One worker makes starvation certain if a
//! mechanism is missing: each test would then hang (and the guard fails it).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weft_executor::Builder;
use weft_test_support::within;

/// A leaf that is always ready but spends budget, like a channel that never empties.
struct AlwaysReady;

impl Future for AlwaysReady {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        weft_coop::poll_consume(cx)
    }
}

#[test]
fn budget_stops_a_hot_loop_from_starving_its_worker() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let hot = rt.spawn(async move {
            let mut spins = 0u64;
            while !f.load(Ordering::SeqCst) {
                AlwaysReady.await;
                spins += 1;
            }
            spins
        });
        let f = flag.clone();
        let setter = rt.spawn(async move { f.store(true, Ordering::SeqCst) });
        rt.block_on(setter).unwrap();
        assert!(rt.block_on(hot).unwrap() > 0);
    });
}

#[derive(Default)]
struct Bell {
    waker: parking_lot::Mutex<Option<Waker>>,
    rung: AtomicBool,
}

impl Bell {
    fn ring(&self) {
        self.rung.store(true, Ordering::SeqCst);
        if let Some(w) = self.waker.lock().take() {
            w.wake();
        }
    }
    fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.rung.swap(false, Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock() = Some(cx.waker().clone());
            if self.rung.swap(false, Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

#[test]
fn a_ping_pong_pair_cannot_starve_the_queue_through_the_lifo_slot() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (a, b) = (Arc::new(Bell::default()), Arc::new(Bell::default()));
        let player = |me: Arc<Bell>, other: Arc<Bell>, stop: Arc<AtomicBool>| async move {
            while !stop.load(Ordering::SeqCst) {
                other.ring();
                me.wait().await;
            }
            other.ring();
        };
        let p1 = rt.spawn(player(a.clone(), b.clone(), stop.clone()));
        let p2 = rt.spawn(player(b, a, stop.clone()));
        let s = stop.clone();
        // This task only runs if the pair's wakes do not monopolise the worker.
        let stopper = rt.spawn(async move { s.store(true, Ordering::SeqCst) });
        rt.block_on(stopper).unwrap();
        rt.block_on(p1).unwrap();
        rt.block_on(p2).unwrap();
    });
}

#[test]
fn remote_spawns_run_while_local_work_never_runs_out() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        // Keeps the local queue non-empty forever: yields and spawns local children.
        let flood = rt.spawn(async move {
            while !s.load(Ordering::SeqCst) {
                drop(weft_executor::spawn(async {}));
                weft_executor::yield_now().await;
            }
        });
        // Spawned from this (foreign) thread: goes through the global injector.
        let s = stop.clone();
        let remote = rt
            .handle()
            .spawn(async move { s.store(true, Ordering::SeqCst) });
        rt.block_on(remote).unwrap();
        rt.block_on(flood).unwrap();
    });
}

/// A worker that takes a batch of remote tasks and then sits in one long poll must not
/// strand the rest of the batch: another worker is woken to steal it. (Before the fix, a
/// worker that woke spuriously just as the last searcher looked for sleepers went back to
/// sleep without re-checking the queues, and this hung about one run in eight.)
#[test]
fn a_batch_taken_from_the_injector_is_shared_with_sleeping_workers() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().worker_threads(2).build().unwrap();
        for _ in 0..500 {
            let flag = Arc::new(AtomicBool::new(false));
            let tasks: Vec<_> = (0..8)
                .map(|i| {
                    let f = flag.clone();
                    rt.spawn(async move {
                        if i == 0 {
                            // Occupies its worker until another task has run.
                            while !f.load(Ordering::SeqCst) {
                                std::hint::spin_loop();
                            }
                        } else {
                            f.store(true, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for t in tasks {
                rt.block_on(t).unwrap();
            }
        }
    });
}
