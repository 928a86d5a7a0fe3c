//! `join!` and `try_join!`: every output in argument order, members run concurrently on one
//! task, borrows work, and `try_join!` returns at the first error and drops the rest.

use std::future::{pending, ready};
use std::rc::Rc;
use std::time::Duration;
use weft_executor::{join, try_join};
use weft_test_support::{DropCounter, Gate, within};

#[test]
fn join_returns_every_output_in_argument_order() {
    let out = weft_executor::run(async { join!(ready(1), async { "two" }, ready(vec![3])) });
    assert_eq!(out, (1, "two", vec![3]));
}

#[test]
fn join_members_run_concurrently_on_the_calling_task() {
    within(Duration::from_secs(10), || {
        // The first member waits for a gate only the second opens: run one after the other,
        // they would deadlock.
        let out = weft_executor::run(async {
            let gate = Gate::new();
            let here = weft_executor::task::current().map(|t| t.id());
            join!(
                async {
                    gate.wait().await;
                    weft_executor::task::current().map(|t| t.id()) == here
                },
                async {
                    gate.open();
                    Rc::new("not Send") // members need not be Send
                },
            )
        });
        assert!(out.0, "the member ran on the calling task");
        assert_eq!(*out.1, "not Send");
    });
}

#[test]
fn join_takes_twelve_and_more_members_and_borrows() {
    let out = weft_executor::run(async {
        let base = String::from("x");
        let b = &base;
        join!(
            async { b.len() },
            ready(2),
            ready(3),
            ready(4),
            ready(5),
            ready(6),
            ready(7),
            ready(8),
            ready(9),
            ready(10),
            ready(11),
            ready(12),
            async { b.clone() + "13" },
        )
    });
    assert_eq!(out.0, 1);
    assert_eq!(out.11, 12);
    assert_eq!(out.12, "x13");
}

#[test]
fn try_join_is_ok_with_every_value_when_all_succeed() {
    let out = weft_executor::run(async {
        try_join!(
            ready(Ok::<_, String>(1)),
            async { Ok("two") },
            ready(Ok(3.0))
        )
    });
    assert_eq!(out, Ok((1, "two", 3.0)));
}

#[test]
fn try_join_returns_the_first_error_and_drops_the_members_still_running() {
    within(Duration::from_secs(10), || {
        let drops = DropCounter::new();
        let (a, b) = (drops.track(), drops.track());
        let out = weft_executor::run(async move {
            let result: Result<(u8, u8, u8), &str> = try_join!(
                async move {
                    let _a = a;
                    pending::<Result<u8, &str>>().await
                },
                async {
                    weft_executor::yield_now().await;
                    Err("second failed")
                },
                async move {
                    let _b = b;
                    pending::<Result<u8, &str>>().await
                },
            );
            result
        });
        assert_eq!(out, Err("second failed"));
        assert_eq!(drops.get(), 2, "the pending members were dropped");
    });
}
