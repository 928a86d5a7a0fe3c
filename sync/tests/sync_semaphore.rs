//! `Semaphore` and `BoundedSemaphore`: ports of CPython's `test_locks.py::SemaphoreTests`
//! (ASYNCIO.md §3 cases 11–13), plus FIFO, cancel-safety and multi-thread stress tests.

mod common;

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use common::{CountingWaker, Executor, block_on, poll_once, poll_with, within, yield_now};
use weft_sync::{AcquireError, BoundedSemaphore, Semaphore, TryAcquireError};

// Case 11: SemaphoreTests.test_acquire_cancel_before_awoken — cancelled waiters do not
// consume a permit: the one released permit reaches t3, and t4 keeps waiting.
#[test]
fn test_acquire_cancel_before_awoken() {
    let sem = Semaphore::new(0);
    let ex = Executor::new();
    let acquire = || {
        let sem = &sem;
        async move { sem.acquire().await.unwrap().forget() }
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
                let permit = sem.acquire().await.unwrap();
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
        sem.try_acquire().is_err(),
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
    assert!(poll_with(&mut first, &first_waker).is_pending());
    assert!(poll_with(&mut second, &second_waker).is_pending());
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
    assert!(sem.try_acquire().is_ok());
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
                            let _permit = sem.acquire().await.unwrap();
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

#[test]
fn acquire_many_at_the_head_blocks_later_small_acquires() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire_many(2).unwrap();
    let mut big = Box::pin(sem.acquire_many(3));
    let mut small = Box::pin(sem.acquire());
    assert!(poll_once(&mut big).is_pending() && poll_once(&mut small).is_pending());

    drop(held); // 2 free: not enough for the head's 3, and the small one may not overtake
    assert!(
        poll_once(&mut small).is_pending(),
        "a small request overtook a big one"
    );
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert_eq!(sem.available_permits(), 2, "set aside for the head");

    sem.release(); // 3: the head is served, nothing is left for the small one
    let Poll::Ready(Ok(big_permit)) = poll_once(&mut big) else {
        panic!("the big request gathered its three permits");
    };
    assert_eq!(big_permit.num_permits(), 3);
    assert!(poll_once(&mut small).is_pending());
    drop(big_permit);
    assert!(matches!(poll_once(&mut small), Poll::Ready(Ok(_))));
    drop(small);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn a_release_of_many_serves_several_waiters_in_order() {
    let sem = Semaphore::new(0);
    let mut a = Box::pin(sem.acquire_many(2));
    let mut b = Box::pin(sem.acquire());
    let mut c = Box::pin(sem.acquire_many(2));
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    assert!(poll_once(&mut c).is_pending());
    sem.add_permits(4); // a (2) and b (1) are served; the last one is set aside for c
    let Poll::Ready(Ok(pa)) = poll_once(&mut a) else {
        panic!("a is first");
    };
    let Poll::Ready(Ok(pb)) = poll_once(&mut b) else {
        panic!("b is second");
    };
    assert!(poll_once(&mut c).is_pending());
    assert_eq!(sem.available_permits(), 1);
    drop(pb); // 1 + 1 covers c
    let Poll::Ready(Ok(pc)) = poll_once(&mut c) else {
        panic!("c is served once b returns its permit");
    };
    assert_eq!((pc.num_permits(), sem.available_permits()), (2, 0));
    drop((pa, pc));
    assert_eq!(sem.available_permits(), 4);
}

#[test]
fn a_cancelled_big_request_lets_the_small_ones_behind_it_through() {
    let sem = Semaphore::new(1);
    let mut big = Box::pin(sem.acquire_many(5));
    let mut small = Box::pin(sem.acquire());
    assert!(poll_once(&mut big).is_pending());
    assert!(poll_once(&mut small).is_pending());
    drop(big);
    assert!(
        matches!(poll_once(&mut small), Poll::Ready(Ok(_))),
        "the permit set aside for the cancelled head goes to the next waiter"
    );
}

#[test]
fn forget_keeps_permits_out_of_the_count() {
    let sem = Arc::new(Semaphore::new(5));
    let permit = sem.try_acquire_many(2).unwrap();
    assert_eq!(permit.num_permits(), 2);
    permit.forget();
    let owned = sem.clone().try_acquire_many_owned(2).unwrap();
    assert_eq!(owned.num_permits(), 2);
    owned.forget();
    assert_eq!(sem.available_permits(), 1);
    sem.add_permits(4);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn close_fails_queued_and_later_acquires_but_keeps_held_permits_valid() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.try_acquire().unwrap();
    let (wakes, waker) = CountingWaker::new();
    let mut waiting = Box::pin(sem.acquire());
    let mut waiting_owned = Box::pin(sem.clone().acquire_many_owned(2));
    assert!(poll_with(&mut waiting, &waker).is_pending());
    assert!(poll_with(&mut waiting_owned, &waker).is_pending());

    sem.close();
    assert!(sem.is_closed());
    assert_eq!(wakes.count(), 2, "close wakes every waiter");
    assert!(matches!(
        poll_once(&mut waiting),
        Poll::Ready(Err(AcquireError { .. }))
    ));
    assert!(matches!(poll_once(&mut waiting_owned), Poll::Ready(Err(_))));
    assert!(block_on(sem.acquire()).is_err());
    assert!(block_on(sem.clone().acquire_owned()).is_err());
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert_eq!(
        sem.clone().try_acquire_owned().unwrap_err(),
        TryAcquireError::Closed
    );

    drop(held); // still returned to the count
    assert_eq!(sem.available_permits(), 1);

    let bounded = BoundedSemaphore::new(1);
    bounded.close();
    assert!(block_on(bounded.acquire()).is_err());
}

#[test]
fn a_granted_owned_acquire_dropped_before_it_runs_passes_its_permit_on() {
    let sem = Arc::new(Semaphore::new(0));
    let mut first = Box::pin(sem.clone().acquire_owned());
    let mut second = Box::pin(sem.clone().acquire_owned());
    assert!(poll_once(&mut first).is_pending() && poll_once(&mut second).is_pending());
    sem.release();
    drop(first);
    let Poll::Ready(Ok(permit)) = poll_once(&mut second) else {
        panic!("the permit was not handed on");
    };
    // Owned permits move into other threads.
    std::thread::spawn(move || drop(permit)).join().unwrap();
    assert_eq!(sem.available_permits(), 1);
}

// Threads take 1 to 3 of 5 permits at a time (some cancelled mid-queue): never more than
// 5 held, and every permit comes back.
#[test]
fn stress_acquire_many_never_exceeds_the_permits() {
    const PERMITS: usize = 5;
    const THREADS: usize = 8;
    const ROUNDS: usize = 5_000;
    within(Duration::from_secs(120), || {
        let sem = Arc::new(Semaphore::new(PERMITS));
        let held = Arc::new(AtomicUsize::new(0));
        let max_seen = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (sem, held, max_seen) = (sem.clone(), held.clone(), max_seen.clone());
                std::thread::spawn(move || {
                    block_on(async {
                        for i in 0..ROUNDS {
                            let n = ((i + t) % 3 + 1) as u32;
                            if (i + t) % 7 == 0 {
                                let mut acquire = Box::pin(sem.acquire_many(n));
                                let _maybe = poll_once(&mut acquire);
                                continue;
                            }
                            let got = if i % 2 == 0 {
                                let permit = sem.acquire_many(n).await.unwrap();
                                let got = permit.num_permits();
                                let now = held.fetch_add(got, Ordering::SeqCst) + got;
                                max_seen.fetch_max(now, Ordering::SeqCst);
                                held.fetch_sub(got, Ordering::SeqCst);
                                got
                            } else {
                                let owned = sem.clone().acquire_many_owned(n).await.unwrap();
                                let got = owned.num_permits();
                                let now = held.fetch_add(got, Ordering::SeqCst) + got;
                                max_seen.fetch_max(now, Ordering::SeqCst);
                                held.fetch_sub(got, Ordering::SeqCst);
                                got
                            };
                            assert_eq!(got, n as usize);
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
