//! `Semaphore` and `BoundedSemaphore`: ports of CPython's `test_locks.py::SemaphoreTests`
//! (ASYNCIO.md §3 cases 11–13), plus FIFO, cancel-safety and multi-thread stress tests.

mod common;

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use common::{CountingWaker, Executor, block_on, poll_once, within, yield_now};
use weft_sync::{BoundedSemaphore, Semaphore};

// Case 11: SemaphoreTests.test_acquire_cancel_before_awoken — cancelled waiters do not
// consume a permit: the one released permit reaches t3, and t4 keeps waiting.
#[test]
fn test_acquire_cancel_before_awoken() {
    let sem = Semaphore::new(0);
    let ex = Executor::new();
    let acquire = || {
        let sem = &sem;
        async move { sem.acquire().await.forget() }
    };
    let t1 = ex.spawn(acquire());
    let t2 = ex.spawn(acquire());
    let t3 = ex.spawn(acquire());
    let t4 = ex.spawn(acquire());
    ex.run_once();

    t1.cancel();
    t2.cancel();
    sem.release();
    ex.run_once();
    ex.run_once();

    assert!(t1.cancelled() && t2.cancelled());
    assert!(
        t3.done(),
        "the permit skipped the cancelled waiters and reached t3"
    );
    assert!(!t4.done());
    assert_eq!(sem.available_permits(), 0);

    t4.cancel();
    ex.run_until_stalled();
    assert!(t4.cancelled());
}

// Case 12: SemaphoreTests.test_acquire_fifo_order — three tasks each acquire twice; FIFO
// hand-off gives c1_1, c2_1, c3_1, c1_2, c2_2, c3_2.
#[test]
fn test_acquire_fifo_order() {
    let sem = Semaphore::new(1);
    let result = RefCell::new(Vec::new());
    let ex = Executor::new();
    let coro = |tag| {
        let (sem, result) = (&sem, &result);
        async move {
            for round in 1..=2 {
                let permit = sem.acquire().await;
                result.borrow_mut().push(format!("{tag}_{round}"));
                yield_now().await; // asyncio.sleep(0.01)
                yield_now().await;
                drop(permit);
            }
        }
    };
    for tag in ["c1", "c2", "c3"] {
        ex.spawn(coro(tag));
    }
    ex.run_until_stalled();
    assert_eq!(
        *result.borrow(),
        ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]
    );
}

// Case 13: SemaphoreTests.test_release_not_acquired — releasing a BoundedSemaphore above its
// initial value is refused (asyncio: ValueError).
#[test]
fn test_release_not_acquired() {
    let sem = BoundedSemaphore::new(1);
    assert_eq!(sem.release().unwrap_err().bound(), 1);
    sem.try_acquire().unwrap().forget();
    assert!(sem.release().is_ok());
    assert!(sem.release().is_err());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn bounded_zero_refuses_any_release_even_with_waiters() {
    let sem = BoundedSemaphore::new(0);
    let mut waiter = Box::pin(sem.acquire());
    assert!(poll_once(&mut waiter).is_pending());
    assert!(sem.release().is_err());
    assert!(poll_once(&mut waiter).is_pending());
}

#[test]
fn permit_dropped_after_manual_over_release_keeps_the_bound() {
    let sem = BoundedSemaphore::new(1);
    let permit = sem.try_acquire().unwrap();
    sem.release().unwrap(); // asyncio-style manual release while the permit is alive
    drop(permit); // would be a second release: discarded
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn locked_reflects_queued_waiters_and_free_permits() {
    let sem = Semaphore::new(1);
    assert!(!sem.locked());
    let permit = sem.try_acquire().unwrap();
    assert!(sem.locked());
    let mut waiter = Box::pin(sem.acquire());
    assert!(poll_once(&mut waiter).is_pending());
    drop(permit); // handed to the waiter: still no free permit
    assert!(sem.locked());
    assert!(
        sem.try_acquire().is_none(),
        "a newcomer must not take a promised permit"
    );
    assert!(poll_once(&mut waiter).is_ready());
}

#[test]
fn granted_waiter_dropped_passes_its_permit_on() {
    let sem = Semaphore::new(0);
    let (first_wakes, first_waker) = CountingWaker::new();
    let (second_wakes, second_waker) = CountingWaker::new();
    let mut first = Box::pin(sem.acquire());
    let mut second = Box::pin(sem.acquire());
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    assert!(
        second
            .as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending()
    );
    sem.release();
    assert_eq!((first_wakes.count(), second_wakes.count()), (1, 0));
    drop(first);
    assert_eq!(second_wakes.count(), 1);
    assert!(matches!(poll_once(&mut second), Poll::Ready(_)));
    drop(second);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn dropped_waiters_with_no_successor_return_the_permit_to_the_count() {
    let sem = Semaphore::new(0);
    let mut waiter = Box::pin(sem.acquire());
    assert!(poll_once(&mut waiter).is_pending());
    sem.release();
    drop(waiter);
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.try_acquire().is_some());
}

// The seeds' Semaphore(3) pattern across threads: never more than 3 holders at once, and
// every acquisition completes.
#[test]
fn stress_never_more_holders_than_permits() {
    const PERMITS: usize = 3;
    const THREADS: usize = 8;
    const ROUNDS: usize = 20_000;
    within(Duration::from_secs(120), || {
        let sem = Arc::new(Semaphore::new(PERMITS));
        let holders = Arc::new(AtomicUsize::new(0));
        let max_seen = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (sem, holders, max_seen) = (sem.clone(), holders.clone(), max_seen.clone());
                std::thread::spawn(move || {
                    block_on(async {
                        for i in 0..ROUNDS {
                            if (i + t) % 5 == 0 {
                                // Register and cancel, racing with releases elsewhere.
                                let mut acquire = Box::pin(sem.acquire());
                                let _maybe = poll_once(&mut acquire);
                                continue;
                            }
                            let _permit = sem.acquire().await;
                            let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
                            max_seen.fetch_max(now, Ordering::SeqCst);
                            holders.fetch_sub(1, Ordering::SeqCst);
                        }
                    })
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(max_seen.load(Ordering::SeqCst) <= PERMITS);
        assert_eq!(
            sem.available_permits(),
            PERMITS,
            "a permit was lost or duplicated"
        );
    });
}
