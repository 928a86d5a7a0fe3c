//! `block_in_place`: a task blocking its worker hands the worker's queues to a stand-in, so
//! other tasks keep running even on a one-worker runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;
use weft_executor::{Builder, task};
use weft_test_support::within;

#[test]
fn other_tasks_keep_running_on_a_one_worker_runtime() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<()>();
        let blocker = {
            let done = done.clone();
            rt.spawn(async move {
                let worker = std::thread::current().id();
                // Blocks until the other tasks have all run: only possible if they run on
                // another thread while this one is blocked.
                let (ran_here, others) = task::block_in_place(|| {
                    rx.recv().unwrap();
                    (
                        std::thread::current().id() == worker,
                        done.load(Ordering::SeqCst),
                    )
                });
                // The task carries on after, on its worker, and can still await.
                weft_executor::yield_now().await;
                (ran_here, others)
            })
        };
        let others: Vec<_> = (0..10)
            .map(|_| {
                let done = done.clone();
                rt.spawn(async move {
                    weft_executor::yield_now().await;
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for task in others {
            rt.block_on(task).unwrap();
        }
        tx.send(()).unwrap();
        let (ran_here, others_done) = rt.block_on(blocker).unwrap();
        assert!(ran_here, "f runs on the calling thread");
        assert_eq!(others_done, 10);
        // The runtime still works with its worker back.
        assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
    });
}

#[test]
fn a_barrier_between_a_blocked_task_and_a_task_queued_behind_it() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let b = barrier.clone();
        let out = rt.block_on(async move {
            // Spawned from a task on the worker: both land in the worker's own queue.
            weft_executor::spawn(async move {
                let b2 = b.clone();
                let partner = weft_executor::spawn(async move {
                    b2.wait();
                    "partner"
                });
                task::block_in_place(|| b.wait());
                partner.await.unwrap()
            })
            .await
            .unwrap()
        });
        assert_eq!(out, "partner");
    });
}

#[test]
fn block_on_works_inside_block_in_place() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let n = rt.block_on(rt.spawn(async {
            let handle = weft_executor::Handle::current();
            task::block_in_place(move || {
                handle.block_on(async { weft_executor::spawn(async { 21 }).await.unwrap() * 2 })
            })
        }));
        assert_eq!(n.unwrap(), 42);
    });
}

#[test]
fn outside_a_worker_it_just_runs_the_closure() {
    assert_eq!(task::block_in_place(|| 1), 1);
    let rt = Builder::new().worker_threads(1).build().unwrap();
    // On the block_on thread.
    assert_eq!(rt.block_on(async { task::block_in_place(|| 2) }), 2);
    // In a blocking job.
    let job = rt.spawn_blocking(|| task::block_in_place(|| 3));
    assert_eq!(rt.block_on(job).unwrap(), 3);
}

#[test]
fn a_panic_in_the_closure_is_the_tasks_and_the_worker_survives() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let failed = rt.block_on(rt.spawn(async {
            task::block_in_place(|| panic!("blocking boom"));
        }));
        assert!(failed.unwrap_err().is_panic());
        let after: Vec<_> = (0..5).map(|i| rt.spawn(async move { i })).collect();
        let sum: i32 = after.into_iter().map(|t| rt.block_on(t).unwrap()).sum();
        assert_eq!(sum, 10);
    });
}

#[test]
fn stand_ins_run_the_thread_hooks_and_shutdown_waits_for_the_blocked_task() {
    within(Duration::from_secs(30), || {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (s, t) = (started.clone(), stopped.clone());
        let rt = Builder::new()
            .worker_threads(1)
            .on_thread_start(move || {
                s.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_stop(move || {
                t.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        for _ in 0..3 {
            rt.block_on(rt.spawn(async { task::block_in_place(|| ()) }))
                .unwrap();
        }
        drop(rt);
        // One worker plus one stand-in per call, each started and stopped once.
        assert_eq!(started.load(Ordering::SeqCst), 4);
        assert_eq!(stopped.load(Ordering::SeqCst), 4);
    });
}
