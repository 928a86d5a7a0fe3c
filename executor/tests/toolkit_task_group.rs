//! `task_group`: the body's output when all goes well; a failing child cancels the body at
//! its await and the siblings, and the error lists every failure; the scope returns only
//! after every child ended; children spawn siblings through a cloned handle.

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft_executor::{ChildFailure, task_group};
use weft_test_support::{DropCounter, Gate, within};

#[test]
fn returns_the_body_output_after_every_child_ended() {
    within(Duration::from_secs(10), || {
        let child_done = Arc::new(AtomicBool::new(false));
        let flag = child_done.clone();
        let out = weft_executor::run(task_group(move |tg| async move {
            let gate = Gate::new();
            let g = gate.clone();
            // Never awaited by the body: the scope still waits for it.
            tg.spawn(async move {
                g.wait().await;
                flag.store(true, Ordering::SeqCst);
                Ok::<_, ()>(())
            })
            .unwrap();
            gate.open();
            "body"
        }));
        assert_eq!(out.unwrap(), "body");
        assert!(
            child_done.load(Ordering::SeqCst),
            "the scope returned before its child ended"
        );
    });
}

#[test]
fn a_failing_child_cancels_the_body_at_its_await_and_lists_every_failure() {
    within(Duration::from_secs(10), || {
        let body_drops = DropCounter::new();
        let sibling_drops = DropCounter::new();
        let (b, s) = (body_drops.clone(), sibling_drops.clone());
        let err = weft_executor::run(task_group(move |tg| async move {
            let _body_guard = b.track();
            let gate = Gate::new();
            // Two children fail, after both are running.
            for msg in ["first", "second"] {
                let g = gate.clone();
                tg.spawn(async move {
                    g.wait().await;
                    Err::<(), _>(msg)
                })
                .unwrap();
            }
            // A sibling that would run forever: cancelled.
            let tracked = s.track();
            tg.spawn(async move {
                let _t = tracked;
                pending::<Result<(), &str>>().await
            })
            .unwrap();
            gate.open();
            pending::<()>().await;
            unreachable!("the body is dropped at this await");
        }))
        .unwrap_err();
        assert_eq!(body_drops.get(), 1, "the body was dropped");
        assert_eq!(
            sibling_drops.get(),
            1,
            "the sibling was cancelled before the scope returned"
        );
        // Both failures, in spawn order; the second may or may not have been cancelled
        // before it failed, but the first always counts.
        let messages: Vec<&str> = err
            .failures()
            .iter()
            .map(|f| match f {
                ChildFailure::Error(e) => *e,
                ChildFailure::Panic(_) => "panic",
            })
            .collect();
        assert!(
            messages == ["first", "second"] || messages == ["first"] || messages == ["second"],
            "{messages:?}"
        );
        assert!(!messages.is_empty());
    });
}

#[test]
fn every_failure_is_listed_in_spawn_order_including_a_panicking_cancellation() {
    within(Duration::from_secs(10), || {
        /// Panics when dropped: a child cancelled by the group fails in its `Drop`.
        struct PanicOnDrop;
        impl Drop for PanicOnDrop {
            fn drop(&mut self) {
                panic!("cleanup failed");
            }
        }
        let err = weft_executor::run(task_group(|tg| async move {
            let started = Gate::new();
            let s = started.clone();
            tg.spawn(async move {
                let _bomb = PanicOnDrop;
                s.open();
                pending::<Result<(), &str>>().await
            })
            .unwrap();
            started.wait().await;
            tg.spawn(async { Err::<(), _>("bad input") }).unwrap();
            pending::<()>().await
        }))
        .unwrap_err();
        let failures = err.failures();
        assert_eq!(failures.len(), 2, "{err}");
        assert!(matches!(&failures[0], ChildFailure::Panic(e) if e.is_panic()));
        assert!(matches!(failures[1], ChildFailure::Error("bad input")));
        assert!(err.to_string().contains("2 unhandled errors"), "{err}");
    });
}

#[test]
fn children_spawn_siblings_through_a_cloned_handle() {
    within(Duration::from_secs(10), || {
        let out = weft_executor::run(task_group(|tg| async move {
            let spawner = tg.clone();
            let parent = tg
                .spawn(async move {
                    let kids: Vec<_> = (1..=3u32)
                        .map(|i| spawner.spawn(async move { Ok::<_, ()>(i * 10) }).unwrap())
                        .collect();
                    let mut sum = 0;
                    for kid in kids {
                        sum += kid.await.unwrap();
                    }
                    Ok(sum)
                })
                .unwrap();
            parent.await.unwrap()
        }));
        assert_eq!(out.unwrap(), 60);
    });
}

#[test]
fn a_failed_childs_task_reports_cancelled_and_spawning_is_refused_afterwards() {
    within(Duration::from_secs(10), || {
        let refused = weft_executor::run(async {
            let keep = Arc::new(parking_lot::Mutex::new(None));
            let k = keep.clone();
            let err = task_group(move |tg| async move {
                *k.lock() = Some(tg.clone());
                let failing = tg.spawn(async { Err::<(), _>("bad") }).unwrap();
                // The body awaits the failed child's task: it is cancelled first.
                let _ = failing.await;
                unreachable!();
            })
            .await
            .unwrap_err();
            assert_eq!(err.failures().len(), 1);
            let tg = keep.lock().take().unwrap();
            tg.spawn(async { Ok::<_, &str>(()) }).is_err()
        });
        assert!(refused, "a scope that returned accepts no children");
    });
}

#[test]
fn dropping_the_scope_cancels_its_children() {
    within(Duration::from_secs(10), || {
        let drops = DropCounter::new();
        let d = drops.clone();
        weft_executor::run(async move {
            let started = Gate::new();
            let s = started.clone();
            let d2 = d.clone();
            let scope = task_group(move |tg| async move {
                let tracked = d2.track();
                let s2 = s.clone();
                tg.spawn(async move {
                    let _t = tracked;
                    s2.open();
                    pending::<Result<(), ()>>().await
                })
                .unwrap();
                pending::<()>().await
            });
            weft_executor::select! {
                _ = scope => unreachable!(),
                _ = started.wait() => {}
            }
            while d.get() < 1 {
                weft_executor::yield_now().await;
            }
        });
        assert_eq!(drops.get(), 1);
    });
}
