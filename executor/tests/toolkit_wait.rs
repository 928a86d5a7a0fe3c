//! wait and as_completed (asyncio test_tasks ports: test_wait_*, test_as_completed_*).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_executor::{EmptyWaitError, ReturnWhen, as_completed, run, spawn, wait};
use weft_test_support::{DropCounter, Gate};

/// test_wait_first_completed: done/pending are right and the pending task keeps running.
#[test]
fn first_completed_splits_done_and_pending() {
    run(async {
        let gate = Gate::new();
        let g = gate.clone();
        let fast = spawn(async { "fast" });
        let slow = spawn(async move {
            g.wait().await;
            "slow"
        });
        let (done, pending) = wait(vec![fast, slow], ReturnWhen::FirstCompleted)
            .await
            .unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(pending.len(), 1);
        gate.open();
        for t in pending {
            assert_eq!(
                t.await.unwrap(),
                "slow",
                "the pending task was not cancelled"
            );
        }
        for t in done {
            assert_eq!(t.await.unwrap(), "fast");
        }
    });
}

/// test_wait_first_exception: a panic ends the wait; a cancelled task does not.
#[test]
fn first_exception_reacts_to_panics_not_cancellations() {
    run(async {
        let gate = Gate::new();
        let g = gate.clone();
        let cancelled = spawn(std::future::pending::<()>());
        cancelled.cancel();
        let held = spawn(async move { g.wait().await });
        let (done, pending) = wait(vec![cancelled, held], ReturnWhen::FirstCompleted)
            .await
            .unwrap();
        assert_eq!((done.len(), pending.len()), (1, 1));
        let failing = spawn(async { panic!("exception") });
        let mut tasks = pending;
        tasks.push(failing);
        let (done, pending) = wait(tasks, ReturnWhen::FirstException).await.unwrap();
        assert_eq!((done.len(), pending.len()), (1, 1));
        gate.open();
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted).await.unwrap();
        assert_eq!((done.len(), pending.len()), (1, 0));
    });
}

/// test_wait_errors: an empty set is an error value.
#[test]
fn empty_input_is_an_error() {
    let err = run(wait(
        Vec::<weft_executor::Task<()>>::new(),
        ReturnWhen::FirstCompleted,
    ))
    .unwrap_err();
    assert_eq!(err, EmptyWaitError);
}

#[test]
fn as_completed_yields_in_completion_order() {
    run(async {
        let gates: Vec<Gate> = (0..3).map(|_| Gate::new()).collect();
        let futures = (0..3).map(|i| {
            let g = gates[i].clone();
            async move {
                g.wait().await;
                i
            }
        });
        let mut it = as_completed(futures);
        for i in [2, 0, 1] {
            gates[i].open();
            assert_eq!(it.next().await.unwrap().unwrap(), i);
        }
        assert!(it.next().await.is_none());
    });
}

#[test]
fn as_completed_reports_a_panic_in_place_and_is_a_stream() {
    run(async {
        let futures: Vec<Pin<Box<dyn Future<Output = u8> + Send>>> =
            vec![Box::pin(async { panic!("bad") }), Box::pin(async { 7 })];
        let mut it = as_completed(futures);
        let mut ok = 0;
        let mut panics = 0;
        // Drive it through the Stream trait.
        while let Some(outcome) = std::future::poll_fn(|cx: &mut Context<'_>| -> Poll<Option<_>> {
            futures_core::Stream::poll_next(Pin::new(&mut it), cx)
        })
        .await
        {
            match outcome {
                Ok(v) => ok += v,
                Err(e) => {
                    assert!(e.is_panic() && e.to_string().contains("bad"), "{e}");
                    panics += 1;
                }
            }
        }
        assert_eq!((ok, panics), (7, 1));
    });
}

#[test]
fn dropping_as_completed_cancels_the_rest() {
    let drops = DropCounter::new();
    let d = drops.clone();
    run(async move {
        let futures = (0..4).map(|_| {
            let t = d.track();
            async move {
                let _t = t;
                std::future::pending::<()>().await
            }
        });
        drop(as_completed(futures));
    });
    assert_eq!(drops.get(), 4);
}

/// test_wait_with_timeout: no error on timeout; done/pending report what finished.
#[test]
fn wait_timeout_returns_without_error() {
    run(async {
        let done = spawn(async { 1 });
        let stuck = spawn(std::future::pending::<i32>());
        let (done, pending) = weft_executor::wait_timeout(
            vec![done, stuck],
            ReturnWhen::AllCompleted,
            std::time::Duration::from_millis(20),
        )
        .await
        .unwrap();
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(!pending[0].is_finished(), "not cancelled by the timeout");
    });
}

/// test_as_completed_with_timeout: the pending item raises a timeout error.
#[test]
fn as_completed_timeout_times_out_the_missing_items() {
    run(async {
        let futures: Vec<Pin<Box<dyn Future<Output = u8> + Send>>> =
            vec![Box::pin(async { 1 }), Box::pin(std::future::pending())];
        let mut it =
            weft_executor::as_completed_timeout(futures, std::time::Duration::from_millis(20));
        assert_eq!(it.next().await.unwrap().unwrap(), 1);
        let second = it.next().await.unwrap();
        assert!(
            matches!(second, Err(weft_executor::AsCompletedError::TimedOut(_))),
            "{second:?}"
        );
        assert!(it.next().await.is_none());
    });
}
