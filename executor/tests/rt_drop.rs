//! Drop counters: every future and every output is dropped exactly once — at completion, at
//! cancellation, and at shutdown with tasks still pending.

use std::time::Duration;
use weft_executor::Runtime;
use weft_test_support::{DropCounter, Tracked};

#[test]
fn future_and_output_are_dropped_once_when_the_output_is_taken() {
    let rt = Runtime::new().unwrap();
    let (futures, outputs) = (DropCounter::new(), DropCounter::new());
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (f, o) = (futures.track(), outputs.track());
            rt.spawn(async move {
                let _f = f;
                o
            })
        })
        .collect();
    let outs: Vec<Tracked> = tasks.into_iter().map(|t| rt.block_on(t).unwrap()).collect();
    assert_eq!(futures.get(), 1000);
    assert_eq!(outputs.get(), 0, "outputs are still held by the caller");
    drop(outs);
    assert_eq!(outputs.get(), 1000);
}

#[test]
fn output_of_a_detached_task_is_dropped_once() {
    let rt = Runtime::new().unwrap();
    let outputs = DropCounter::new();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // Detached before it finishes.
    for _ in 0..500 {
        let (o, tx) = (outputs.track(), done_tx.clone());
        drop(rt.spawn(async move {
            tx.send(()).unwrap();
            o
        }));
    }
    // Detached after it finished.
    let mut finished = Vec::new();
    for _ in 0..500 {
        let o = outputs.track();
        finished.push(rt.spawn(async move { o }));
    }
    for _ in 0..500 {
        done_rx.recv().unwrap();
    }
    for t in &finished {
        while !t.is_finished() {
            std::thread::yield_now();
        }
    }
    drop(finished);
    rt.shutdown_timeout(Duration::from_secs(5));
    assert_eq!(outputs.get(), 1000);
}

#[test]
fn cancelled_futures_are_dropped_once_and_produce_no_output() {
    let rt = Runtime::new().unwrap();
    let futures = DropCounter::new();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let f = futures.track();
            rt.spawn(async move {
                let _f = f;
                std::future::pending::<()>().await;
            })
        })
        .collect();
    for t in &tasks {
        assert!(t.cancel());
    }
    for t in tasks {
        assert!(rt.block_on(t).unwrap_err().is_cancelled());
    }
    assert_eq!(futures.get(), 1000);
}

#[test]
fn shutdown_drops_every_pending_task_exactly_once() {
    let futures = DropCounter::new();
    let rt = Runtime::new().unwrap();
    let mut handles = Vec::new();
    for i in 0..1000 {
        let f = futures.track();
        let task = rt.spawn(async move {
            let _f = f;
            std::future::pending::<()>().await;
        });
        // Half detached, half kept: both kinds must be dropped by shutdown.
        if i % 2 == 0 {
            handles.push(task);
        }
    }
    // A task whose only waker is stored inside its own future (a cycle nothing else breaks).
    let cyc = futures.track();
    rt.spawn(async move {
        let _f = cyc;
        let mut stash = None;
        std::future::poll_fn(|cx| {
            stash = Some(cx.waker().clone());
            std::task::Poll::<()>::Pending
        })
        .await;
    });
    drop(rt);
    assert_eq!(futures.get(), 1001);
    for t in handles {
        assert!(t.is_finished());
        assert!(weft_executor::run(t).unwrap_err().is_cancelled());
    }
}

#[test]
fn run_cancels_leftover_tasks_at_the_end() {
    let futures = DropCounter::new();
    let f = futures.clone();
    weft_executor::run(async move {
        for _ in 0..100 {
            let t = f.track();
            weft_executor::spawn(async move {
                let _t = t;
                std::future::pending::<()>().await;
            });
        }
    });
    assert_eq!(futures.get(), 100);
}

#[test]
fn spawns_racing_shutdown_are_all_dropped_exactly_once() {
    for round in 0..20 {
        let futures = DropCounter::new();
        let rt = Runtime::new().unwrap();
        let handle = rt.handle().clone();
        let f = futures.clone();
        let start = std::sync::Arc::new(std::sync::Barrier::new(2));
        let s = start.clone();
        let spawner = std::thread::spawn(move || {
            s.wait();
            let mut n = 0;
            for i in 0..2_000 {
                let t = f.track();
                // Some finish at once, some wait forever, some yield first.
                drop(handle.spawn(async move {
                    let _t = t;
                    match i % 3 {
                        0 => {}
                        1 => std::future::pending::<()>().await,
                        _ => weft_executor::yield_now().await,
                    }
                }));
                n += 1;
            }
            n
        });
        start.wait();
        if round % 2 == 0 {
            std::thread::yield_now();
        }
        drop(rt);
        let spawned = spawner.join().unwrap();
        assert_eq!(futures.get(), spawned, "round {round}");
    }
}
