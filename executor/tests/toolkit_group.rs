//! TaskGroup (asyncio test_taskgroups ports).

use weft_executor::{ChildFailure, GroupSpawnError, TaskGroup, run};
use weft_test_support::{DropCounter, Gate};

/// test_taskgroup_03: explicitly cancelling one child does not abort the group.
#[test]
fn cancelling_one_child_does_not_abort_the_group() {
    let out = run(async {
        let group = TaskGroup::<u32, String>::new();
        let slow = group.spawn(std::future::pending()).unwrap();
        group.spawn(async { Ok(1) }).unwrap();
        group.spawn(async { Ok(2) }).unwrap();
        slow.cancel();
        group.join().await
    });
    assert_eq!(out.unwrap(), vec![1, 2]);
}

/// test_cancel_children_on_child_error: siblings are cancelled, the error is reported.
#[test]
fn a_child_error_cancels_the_siblings_and_is_reported() {
    let drops = DropCounter::new();
    let d = drops.clone();
    let err = run(async move {
        let group = TaskGroup::<(), String>::new();
        for _ in 0..5 {
            let t = d.track();
            group
                .spawn(async move {
                    let _t = t;
                    std::future::pending().await
                })
                .unwrap();
        }
        group
            .spawn(async { Err("ZeroDivisionError".to_string()) })
            .unwrap();
        group.join().await
    })
    .unwrap_err();
    assert_eq!(
        drops.get(),
        5,
        "every sibling was cancelled (and the group waited for it)"
    );
    assert_eq!(err.failures().len(), 1);
    assert!(matches!(&err.failures()[0], ChildFailure::Error(e) if e == "ZeroDivisionError"));
    assert!(
        err.to_string()
            .starts_with("1 unhandled error in a TaskGroup"),
        "{err}"
    );
}

/// test_taskgroup_08: a child whose cleanup fails while it is being cancelled is reported
/// too (in Rust, cleanup is `Drop`), next to the error that aborted the group.
#[test]
fn failures_during_cancellation_are_listed_with_the_first_error() {
    struct FailingCleanup;
    impl Drop for FailingCleanup {
        fn drop(&mut self) {
            panic!("cleanup failed");
        }
    }
    let err = run(async {
        let group = TaskGroup::<(), &str>::new();
        let parked = Gate::new();
        let p = parked.clone();
        group
            .spawn(async move {
                let _cleanup = FailingCleanup;
                p.open();
                std::future::pending().await
            })
            .unwrap();
        parked.wait().await;
        group.spawn(async { Err("the first error") }).unwrap();
        group.join().await
    })
    .unwrap_err();
    assert_eq!(err.failures().len(), 2, "{err}");
    assert!(
        matches!(&err.failures()[0], ChildFailure::Panic(e) if e.to_string().contains("cleanup failed"))
    );
    assert!(matches!(
        &err.failures()[1],
        ChildFailure::Error("the first error")
    ));
}

/// test_taskgroup_no_create_task_after_failure.
#[test]
fn spawning_after_failure_is_refused() {
    run(async {
        let group = TaskGroup::<(), &str>::new();
        let failed = group.spawn(async { Err("boom") }).unwrap();
        while !failed.is_finished() {
            weft_executor::yield_now().await;
        }
        let drops = DropCounter::new();
        let t = drops.track();
        let refused = group.spawn(async move {
            let _t = t;
            Ok(())
        });
        assert_eq!(refused.unwrap_err(), GroupSpawnError);
        assert_eq!(drops.get(), 1, "the refused future is dropped, not leaked");
        assert!(group.join().await.is_err());
    });
}

#[test]
fn dropping_the_group_cancels_its_children() {
    let drops = DropCounter::new();
    let d = drops.clone();
    run(async move {
        let group = TaskGroup::<(), ()>::new();
        let mut aborts = Vec::new();
        for _ in 0..3 {
            let t = d.track();
            aborts.push(
                group
                    .spawn(async move {
                        let _t = t;
                        std::future::pending().await
                    })
                    .unwrap(),
            );
        }
        drop(group);
        for a in aborts {
            while !a.is_finished() {
                weft_executor::yield_now().await;
            }
        }
    });
    assert_eq!(drops.get(), 3);
}

#[test]
fn values_come_back_in_spawn_order() {
    let out = run(async {
        let group = TaskGroup::<usize, ()>::new();
        let gates: Vec<Gate> = (0..4).map(|_| Gate::new()).collect();
        for (i, g) in gates.iter().enumerate() {
            let g = g.clone();
            group
                .spawn(async move {
                    g.wait().await;
                    Ok(i)
                })
                .unwrap();
        }
        for g in gates.iter().rev() {
            g.open();
        }
        group.join().await
    });
    assert_eq!(out.unwrap(), vec![0, 1, 2, 3]);
}

/// asyncio cancels a TaskGroup's children when the task awaiting it is cancelled; in Rust the
/// await is dropped (here by a timeout), which must do the same.
#[test]
fn dropping_the_join_future_cancels_the_children() {
    let drops = DropCounter::new();
    let d = drops.clone();
    weft_test_support::within(std::time::Duration::from_secs(60), move || {
        run(async move {
            let group = TaskGroup::<(), ()>::new();
            let mut aborts = Vec::new();
            for _ in 0..4 {
                let t = d.track();
                aborts.push(
                    group
                        .spawn(async move {
                            let _t = t;
                            std::future::pending().await
                        })
                        .unwrap(),
                );
            }
            let timed_out =
                weft_reactor::timeout(std::time::Duration::from_millis(10), group.join());
            assert!(timed_out.await.is_err());
            for a in aborts {
                while !a.is_finished() {
                    weft_executor::yield_now().await;
                }
            }
        });
    });
    assert_eq!(drops.get(), 4, "no child outlived its group's join");
}

/// A child that fails while another is being spawned still cancels the newcomer.
#[test]
fn a_failure_during_a_spawn_still_cancels_the_new_child() {
    weft_test_support::within(std::time::Duration::from_secs(60), || {
        for _ in 0..200 {
            let out = run(async {
                let group = TaskGroup::<(), &str>::new();
                group.spawn(async { Err("fails at once") }).unwrap();
                // Either refused (the failure came first) or cancelled by it.
                let _ = group.spawn(std::future::pending());
                group.join().await
            });
            assert_eq!(out.unwrap_err().failures().len(), 1);
        }
    });
}
