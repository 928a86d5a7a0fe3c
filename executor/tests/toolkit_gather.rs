//! gather, gather_settled, try_gather, gather! (asyncio test_tasks GatherTests ports).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use weft_executor::{gather, gather_settled, run, spawn, try_gather};
use weft_test_support::{DropCounter, Gate, within};

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// GatherTestsBase.test_success: results follow argument order, even when the children
/// finish in reverse order.
#[test]
fn results_follow_argument_order_not_finish_order() {
    let out = run(async {
        let gates: Vec<Gate> = (0..5).map(|_| Gate::new()).collect();
        let children: Vec<_> = (0..5)
            .map(|i| {
                let (mine, next) = (
                    gates[i].clone(),
                    if i > 0 {
                        Some(gates[i - 1].clone())
                    } else {
                        None
                    },
                );
                async move {
                    mine.wait().await;
                    if let Some(next) = next {
                        next.open(); // child i finishes before child i-1 may start
                    }
                    i
                }
            })
            .collect();
        let last = gates[4].clone();
        let all = spawn(gather(children));
        last.open();
        all.await.unwrap()
    });
    assert_eq!(out, vec![0, 1, 2, 3, 4]);
}

/// test_return_exceptions: failures are placed in the result list.
#[test]
fn settled_form_puts_failures_in_place() {
    let out = run(gather_settled([
        Box::pin(async { 1 }) as BoxFut<i32>,
        Box::pin(async { panic!("boom") }),
        Box::pin(async { 3 }),
    ]));
    assert_eq!(*out[0].as_ref().unwrap(), 1);
    let err = out[1].as_ref().unwrap_err();
    assert!(err.is_panic() && err.to_string().contains("boom"), "{err}");
    assert_eq!(*out[2].as_ref().unwrap(), 3);
}

/// Without return_exceptions the child's exception reaches the caller.
#[test]
fn a_child_panic_is_resumed_in_the_caller() {
    let rt = weft_executor::Runtime::new().unwrap();
    let outer = rt.spawn(gather([
        Box::pin(async { 1 }) as BoxFut<i32>,
        Box::pin(async { panic!("child boom") }),
    ]));
    let err = rt.block_on(outer).unwrap_err();
    assert!(err.to_string().contains("child boom"), "{err}");
}

/// CoroutineGatherTests.test_cancellation_broadcast: cancelling the caller cancels every child.
#[test]
fn cancelling_the_caller_cancels_every_child() {
    within(Duration::from_secs(30), || {
        let rt = weft_executor::Runtime::new().unwrap();
        let drops = DropCounter::new();
        let started = Gate::new();
        let s = started.clone();
        let d = drops.clone();
        let outer = rt.spawn(async move {
            let children = (0..10).map(|_| {
                let t = d.track();
                async move {
                    let _t = t;
                    std::future::pending::<()>().await
                }
            });
            s.open();
            gather(children).await
        });
        rt.block_on(started.wait());
        // Let the gather spawn its children, then cancel the caller.
        rt.block_on(async { weft_executor::yield_now().await });
        assert!(outer.cancel());
        assert!(rt.block_on(outer).unwrap_err().is_cancelled());
        rt.shutdown_timeout(Duration::from_secs(5));
        assert_eq!(drops.get(), 10);
    });
}

#[test]
fn try_gather_returns_the_first_error_and_cancels_the_rest() {
    let drops = DropCounter::new();
    let d = drops.clone();
    let result = run(async move {
        let children = (0..6).map(|i| {
            let t = d.track();
            Box::pin(async move {
                let _t = t;
                if i == 3 {
                    return Err(format!("child {i} failed"));
                }
                std::future::pending::<Result<u32, String>>().await
            }) as BoxFut<Result<u32, String>>
        });
        try_gather(children).await
    });
    // The losers were cancelled when try_gather returned; `run` returns only after the
    // runtime dropped every cancelled future.
    assert_eq!(result, Err("child 3 failed".to_string()));
    assert_eq!(drops.get(), 6);
}

#[test]
fn try_gather_collects_values_in_order() {
    let out = run(try_gather(
        (0..100).map(|i| async move { Ok::<_, ()>(i * 3) }),
    ));
    assert_eq!(out.unwrap(), (0..100).map(|i| i * 3).collect::<Vec<_>>());
}

#[test]
fn gather_macro_returns_a_tuple_of_mixed_types() {
    let (a, b, c) = run(async {
        weft_executor::gather!(async { 1u8 }, async { "two" }, async { 3.0f64 }).await
    });
    assert_eq!((a, b, c), (1, "two", 3.0));
}

#[test]
fn gather_of_ten_thousand_tasks() {
    let out = run(gather((0..10_000u64).map(|i| async move { i })));
    assert_eq!(out.iter().sum::<u64>(), 9_999 * 10_000 / 2);
}
