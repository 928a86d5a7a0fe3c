//! `Condition`: ports of CPython's `test_locks.py::ConditionTests` (ASYNCIO.md §3 cases
//! 7–10), plus cancel-safety and cross-thread tests.

mod common;

use std::cell::RefCell;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::{Executor, block_on, poll_once, within};
use weft_sync::{Condition, Lock};

// Case 7: ConditionTests.test_wait_cancel — a cancelled `wait` leaves no waiter behind and
// leaves the lock consistent. (asyncio re-acquires the lock before raising so its
// `async with` can release it; in Rust the dropped future owns the guard, so "consistent"
// means: not left held by the dead waiter, and usable by the next task.)
#[test]
fn test_wait_cancel() {
    let cond = Condition::new(());
    let ex = Executor::new();
    let wait = ex.spawn(async {
        let guard = cond.lock().await;
        let _guard = cond.wait(guard).await;
    });
    ex.run_once();
    assert!(!cond.is_locked(), "waiting releases the lock");

    wait.cancel();
    ex.run_until_stalled();
    assert!(wait.cancelled());
    assert_eq!(cond.notify(1), 0, "the cancelled waiter left the wait list");
    assert!(
        cond.try_lock().is_some(),
        "the lock is free for the next task"
    );
}

// Case 7, second half: cancelled while re-acquiring the lock after a notify. The lock must
// not be handed to the dead waiter, and its notification passes to the next waiter.
#[test]
fn test_wait_cancel_while_reacquiring() {
    let cond = Condition::new(0);
    let ex = Executor::new();
    let waiter = || {
        let cond = &cond;
        async move {
            let guard = cond.lock().await;
            let mut guard = cond.wait(guard).await;
            *guard += 1;
        }
    };
    let first = ex.spawn(waiter());
    let second = ex.spawn(waiter());
    ex.run_once();

    let holder = cond.try_lock().unwrap();
    cond.notify(1);
    ex.run_once(); // `first` is notified and now queues for the lock held by `holder`
    first.cancel();
    ex.run_once();
    assert!(first.cancelled());
    drop(holder);
    ex.run_until_stalled();
    assert!(
        second.done(),
        "the cancelled waiter's notification reached the next waiter"
    );
    assert_eq!(*cond.try_lock().unwrap(), 1);
}

// Case 8: ConditionTests.test_wait_unacquired — asyncio raises RuntimeError for `wait`
// without the lock. `wait` takes the guard by value, so that cannot compile (see the
// `compile_fail` example in `condition.rs`); the remaining mistake, a guard of another
// lock, panics with a clear message.
#[test]
#[should_panic(expected = "the guard belongs to a different lock")]
fn test_wait_unacquired() {
    let cond = Condition::new(());
    let other = Lock::new(());
    let foreign: weft_sync::LockGuard<'_, ()> = other.try_lock().unwrap();
    // Same type, different lock: rejected before anything is released.
    drop(cond.wait(foreign));
}

// Case 9: ConditionTests.test_notify — notify(1) wakes one waiter; notify(2048) wakes the
// rest, in FIFO order.
#[test]
fn test_notify() {
    let cond = Condition::new(());
    let result = RefCell::new(Vec::new());
    let ex = Executor::new();
    let waiter = |n| {
        let (cond, result) = (&cond, &result);
        async move {
            let guard = cond.lock().await;
            let _guard = cond.wait(guard).await;
            result.borrow_mut().push(n);
        }
    };
    let t1 = ex.spawn(waiter(1));
    let t2 = ex.spawn(waiter(2));
    let t3 = ex.spawn(waiter(3));
    ex.run_until_stalled();
    assert!(result.borrow().is_empty());

    {
        let _guard = cond.try_lock().unwrap();
        assert_eq!(cond.notify(1), 1);
    }
    ex.run_until_stalled();
    assert_eq!(*result.borrow(), [1]);

    {
        let _guard = cond.try_lock().unwrap();
        assert_eq!(cond.notify(1), 1);
        assert_eq!(cond.notify(2048), 1);
    }
    ex.run_until_stalled();
    assert_eq!(*result.borrow(), [1, 2, 3]);
    assert!(t1.done() && t2.done() && t3.done());
}

#[test]
fn notify_all_wakes_every_waiter_in_fifo_order() {
    let cond = Condition::new(());
    let result = RefCell::new(Vec::new());
    let ex = Executor::new();
    for n in 0..5 {
        let (cond, result) = (&cond, &result);
        ex.spawn(async move {
            let guard = cond.lock().await;
            let _guard = cond.wait(guard).await;
            result.borrow_mut().push(n);
        });
    }
    ex.run_until_stalled();
    assert_eq!(cond.notify_all(), 5);
    ex.run_until_stalled();
    assert_eq!(*result.borrow(), [0, 1, 2, 3, 4]);
}

// Case 10: ConditionTests.test_cancelled_wakeup (3.13 suite) — a cancel racing notify(1)
// does not lose the notification.
#[test]
fn test_cancelled_wakeup() {
    let condition = Condition::new(0_i32); // the shared `state`
    let ex = Executor::new();
    let consumer = || {
        let condition = &condition;
        async move {
            let mut state = condition.lock().await;
            loop {
                state = condition.wait_for(state, |s| *s != 0).await;
                if *state < 0 {
                    return;
                }
                *state -= 1;
            }
        }
    };
    let c0 = ex.spawn(consumer());
    let c1 = ex.spawn(consumer());
    ex.run_until_stalled();

    {
        let mut state = condition.try_lock().unwrap();
        // Produce one item and wake one consumer...
        *state += 1;
        condition.notify(1);
        // ...and cancel it while it is waiting to run.
        c0.cancel();
    }
    ex.run_until_stalled();
    assert!(c0.cancelled());
    assert_eq!(
        *condition.try_lock().unwrap(),
        0,
        "the notification was lost"
    );

    // Clean up.
    *condition.try_lock().unwrap() = -1;
    condition.notify_all();
    ex.run_until_stalled();
    assert!(c1.done());
}

#[test]
fn wait_for_returns_at_once_when_the_predicate_holds() {
    let cond = Condition::new(5);
    let ex = Executor::new();
    let value = ex.block_on(async {
        let guard = cond.lock().await;
        *cond.wait_for(guard, |v| *v == 5).await
    });
    assert_eq!(value, 5);
}

#[test]
fn wait_registers_before_releasing_the_lock() {
    // A notify issued by the very next lock holder must reach the waiter.
    let cond = Condition::new(());
    let mut wait = Box::pin(cond.wait(cond.try_lock().unwrap()));
    assert!(poll_once(&mut wait).is_pending());
    let guard = cond.try_lock().expect("wait released the lock");
    assert_eq!(cond.notify(1), 1);
    drop(guard);
    assert!(matches!(poll_once(&mut wait), Poll::Ready(_)));
}

#[test]
fn producer_and_consumer_threads_hand_off_through_a_condition() {
    const ITEMS: usize = 2_000;
    within(Duration::from_secs(60), || {
        let cond = Arc::new(Condition::new(Vec::new()));
        let consumer = {
            let cond = cond.clone();
            std::thread::spawn(move || {
                block_on(async {
                    let mut received = 0;
                    while received < ITEMS {
                        let guard = cond.lock().await;
                        let mut guard = cond.wait_for(guard, |items| !items.is_empty()).await;
                        received += guard.drain(..).count();
                    }
                    received
                })
            })
        };
        for n in 0..ITEMS {
            block_on(async { cond.lock().await.push(n) });
            cond.notify(1);
        }
        assert_eq!(consumer.join().unwrap(), ITEMS);
    });
}
