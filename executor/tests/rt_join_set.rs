//! `JoinSet`: outcomes in completion order, abort_all, shutdown waits, drop cancels,
//! detach_all lets tasks run on, a long-lived set stays flat, try_join_next.

use std::future::pending;
use std::time::Duration;
use weft_executor::task::JoinSet;
use weft_test_support::{DropCounter, Gate, within};

#[test]
fn join_next_yields_outcomes_in_completion_order() {
    within(Duration::from_secs(10), || {
        let order = weft_executor::run(async {
            let gates: Vec<Gate> = (0..3).map(|_| Gate::new()).collect();
            let mut set = JoinSet::new();
            for (i, gate) in gates.iter().enumerate() {
                let gate = gate.clone();
                set.spawn(async move {
                    gate.wait().await;
                    i
                });
            }
            // Finish them in the order 2, 0, 1, one at a time.
            let mut order = Vec::new();
            for i in [2, 0, 1] {
                gates[i].open();
                order.push(set.join_next().await.unwrap().unwrap());
            }
            assert!(set.join_next().await.is_none());
            order
        });
        assert_eq!(order, [2, 0, 1]);
    });
}

#[test]
fn abort_all_cancels_every_task_and_join_next_reports_it() {
    within(Duration::from_secs(10), || {
        let drops = DropCounter::new();
        let d = drops.clone();
        let cancelled = weft_executor::run(async move {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let tracked = d.track();
                set.spawn(async move {
                    let _t = tracked;
                    pending::<()>().await
                });
            }
            set.abort_all();
            let mut cancelled = 0;
            while let Some(outcome) = set.join_next().await {
                assert!(outcome.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            cancelled
        });
        assert_eq!(cancelled, 5);
        assert_eq!(drops.get(), 5);
    });
}

#[test]
fn shutdown_returns_only_after_every_task_ended() {
    within(Duration::from_secs(10), || {
        let drops = DropCounter::new();
        let d = drops.clone();
        let seen_at_return = weft_executor::run(async move {
            let mut set = JoinSet::new();
            for _ in 0..8 {
                let tracked = d.track();
                set.spawn(async move {
                    let _t = tracked;
                    loop {
                        weft_executor::yield_now().await; // busy: cancelled mid-run
                    }
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            d.get()
        });
        assert_eq!(seen_at_return, 8);
    });
}

#[test]
fn dropping_the_set_cancels_its_tasks() {
    within(Duration::from_secs(10), || {
        let drops = DropCounter::new();
        let d = drops.clone();
        weft_executor::run(async move {
            let mut set = JoinSet::new();
            for _ in 0..4 {
                let tracked = d.track();
                set.spawn(async move {
                    let _t = tracked;
                    pending::<()>().await
                });
            }
            weft_executor::yield_now().await;
            drop(set);
            // Idle tasks are dropped inside the cancel; wait for any that were running.
            while d.get() < 4 {
                weft_executor::yield_now().await;
            }
        });
        assert_eq!(drops.get(), 4);
    });
}

#[test]
fn detach_all_lets_the_tasks_run_on() {
    within(Duration::from_secs(10), || {
        let out = weft_executor::run(async {
            let gate = Gate::new();
            let (tx, rx) = std::sync::mpsc::channel();
            let mut set = JoinSet::new();
            let g = gate.clone();
            set.spawn(async move {
                g.wait().await;
                tx.send("finished after the set was gone").unwrap();
            });
            set.detach_all();
            assert!(set.is_empty());
            drop(set);
            gate.open();
            weft_executor::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap()
        });
        assert_eq!(out, "finished after the set was gone");
    });
}

#[test]
fn a_long_lived_set_keeps_its_memory_flat() {
    within(Duration::from_secs(60), || {
        weft_executor::run(async {
            let mut set = JoinSet::new();
            let mut max_capacity = 0;
            for i in 0..100_000u32 {
                set.spawn(async move { i });
                assert_eq!(set.join_next().await.unwrap().unwrap(), i);
                max_capacity = max_capacity.max(set.allocated_capacity());
            }
            assert!(set.is_empty());
            // One slot, one free-list entry and one ready entry, give or take the growth
            // steps of a `Vec`: nowhere near 10^5.
            assert!(max_capacity <= 16, "capacity grew to {max_capacity}");
        });
    });
}

#[test]
fn try_join_next_takes_only_finished_tasks() {
    within(Duration::from_secs(10), || {
        weft_executor::run(async {
            let gate = Gate::new();
            let mut set = JoinSet::new();
            let g = gate.clone();
            set.spawn(async move {
                g.wait().await;
                "done"
            });
            assert!(set.try_join_next().is_none());
            assert_eq!(set.len(), 1);
            gate.open();
            let out = loop {
                if let Some(out) = set.try_join_next() {
                    break out;
                }
                weft_executor::yield_now().await;
            };
            assert_eq!(out.unwrap(), "done");
            assert!(set.is_empty());
        });
    });
}

#[test]
fn spawn_on_local_and_blocking_all_join() {
    within(Duration::from_secs(10), || {
        let rt = weft_executor::Runtime::new().unwrap();
        let mut set = JoinSet::new();
        set.spawn_on(async { 1 }, rt.handle());
        let sum = rt.block_on(async move {
            let local = std::rc::Rc::new(2);
            set.spawn_local(async move { *local });
            set.spawn_blocking(|| 3);
            let mut sum = 0;
            while let Some(outcome) = set.join_next().await {
                sum += outcome.unwrap();
            }
            sum
        });
        assert_eq!(sum, 6);
    });
}

#[test]
fn task_try_output_and_is_cancelled_inspect_without_awaiting() {
    within(Duration::from_secs(10), || {
        weft_executor::run(async {
            let gate = Gate::new();
            let g = gate.clone();
            let mut task = weft_executor::spawn(async move {
                g.wait().await;
                5
            });
            assert!(task.try_output().is_none(), "not finished yet");
            gate.open();
            let out = loop {
                if let Some(out) = task.try_output() {
                    break out;
                }
                weft_executor::yield_now().await;
            };
            assert_eq!(out.unwrap(), 5);
            assert!(!task.is_cancelled());

            let stuck = weft_executor::spawn(pending::<()>());
            assert!(!stuck.is_cancelled());
            stuck.cancel();
            while !stuck.is_finished() {
                weft_executor::yield_now().await;
            }
            assert!(stuck.is_cancelled());
        });
    });
}
