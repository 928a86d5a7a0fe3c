//! `Barrier`: ports of CPython's `test_locks.py::BarrierTests` (ASYNCIO.md §3 cases 14–15),
//! plus argument, cancellation and multi-thread tests.

mod common;

use std::cell::RefCell;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::{Executor, block_on, poll_once, within};
use weft_sync::{Barrier, BrokenBarrierError, ZeroPartiesError};

const N: usize = 5;

#[test]
fn parties_below_one_is_an_error() {
    // asyncio: Barrier(0) raises ValueError.
    assert_eq!(Barrier::new(0).unwrap_err(), ZeroPartiesError);
}

#[test]
fn every_party_gets_a_distinct_arrival_index() {
    let barrier = Barrier::new(N).unwrap();
    let ex = Executor::new();
    let tasks: Vec<_> = (0..N).map(|_| ex.spawn(barrier.wait())).collect();
    ex.run_until_stalled();
    let mut indices: Vec<usize> = tasks.iter().map(|t| t.result().unwrap()).collect();
    indices.sort();
    assert_eq!(indices, (0..N).collect::<Vec<_>>());
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.broken());
}

#[test]
fn the_barrier_is_reusable_cycle_after_cycle() {
    let barrier = Barrier::new(3).unwrap();
    let rounds = RefCell::new(0);
    let ex = Executor::new();
    for _ in 0..3 {
        let (barrier, rounds) = (&barrier, &rounds);
        ex.spawn(async move {
            for _ in 0..4 {
                barrier.wait().await.unwrap();
                *rounds.borrow_mut() += 1;
            }
        });
    }
    ex.run_until_stalled();
    assert_eq!(*rounds.borrow(), 12);
}

// Case 14: BarrierTests.test_reset_barrier_while_tasks_waiting — `reset()` makes the waiters
// fail with BrokenBarrierError, and leaves the barrier usable (not broken).
#[test]
fn test_reset_barrier_while_tasks_waiting() {
    let barrier = Barrier::new(N).unwrap();
    let results = RefCell::new(Vec::new());
    let ex = Executor::new();
    // N - 1 tasks waiting on a barrier with N parties.
    for _ in 0..N - 1 {
        let (barrier, results) = (&barrier, &results);
        ex.spawn(async move {
            if barrier.wait().await == Err(BrokenBarrierError) {
                results.borrow_mut().push(true);
            }
        });
    }
    ex.run_once();
    assert_eq!(barrier.n_waiting(), N - 1);

    ex.spawn(async { barrier.reset() });
    ex.run_until_stalled();
    assert_eq!(results.borrow().len(), N - 1);
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.broken());
}

// Case 15: BarrierTests.test_abort_barrier_when_exception — `abort()` breaks the barrier for
// every waiter, including those that arrive later.
#[test]
fn test_abort_barrier_when_exception() {
    let barrier = Barrier::new(N).unwrap();
    let results1 = RefCell::new(0); // passed the second barrier
    let results2 = RefCell::new(0); // saw BrokenBarrierError
    let ex = Executor::new();
    for _ in 0..N {
        let (barrier, results1, results2) = (&barrier, &results1, &results2);
        ex.spawn(async move {
            // `async with barrier as i: if i == N // 2: raise RuntimeError`
            let outcome = match barrier.wait().await {
                Ok(i) if i == N / 2 => Err("RuntimeError"),
                Ok(_) => Ok(()),
                Err(BrokenBarrierError) => Err("BrokenBarrierError"),
            };
            match outcome {
                Err("RuntimeError") => barrier.abort(),
                Err(_) => *results2.borrow_mut() += 1,
                Ok(()) => match barrier.wait().await {
                    Ok(_) => *results1.borrow_mut() += 1,
                    Err(BrokenBarrierError) => *results2.borrow_mut() += 1,
                },
            }
        });
    }
    ex.run_until_stalled();
    assert!(barrier.broken());
    assert_eq!(*results1.borrow(), 0);
    assert_eq!(*results2.borrow(), N - 1);
}

#[test]
fn waits_on_a_broken_barrier_fail_until_reset() {
    let barrier = Barrier::new(2).unwrap();
    barrier.abort();
    assert_eq!(
        poll_once(&mut Box::pin(barrier.wait())),
        Poll::Ready(Err(BrokenBarrierError))
    );
    barrier.reset();
    assert!(!barrier.broken());
    let mut first = Box::pin(barrier.wait());
    assert!(poll_once(&mut first).is_pending());
    assert_eq!(poll_once(&mut Box::pin(barrier.wait())), Poll::Ready(Ok(1)));
    assert_eq!(poll_once(&mut first), Poll::Ready(Ok(0)));
}

#[test]
fn a_cancelled_waiter_withdraws_its_arrival() {
    let barrier = Barrier::new(2).unwrap();
    let mut cancelled = Box::pin(barrier.wait());
    assert!(poll_once(&mut cancelled).is_pending());
    assert_eq!(barrier.n_waiting(), 1);
    drop(cancelled);
    assert_eq!(barrier.n_waiting(), 0);
    // The next arrival is first again, so one more party is needed to trip.
    let mut first = Box::pin(barrier.wait());
    assert!(poll_once(&mut first).is_pending());
    assert_eq!(poll_once(&mut Box::pin(barrier.wait())), Poll::Ready(Ok(1)));
    assert_eq!(poll_once(&mut first), Poll::Ready(Ok(0)));
}

#[test]
fn threads_meet_at_the_barrier_many_times() {
    const THREADS: usize = 4;
    const CYCLES: usize = 2_000;
    within(Duration::from_secs(60), || {
        let barrier = Arc::new(Barrier::new(THREADS).unwrap());
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut index_sum = 0;
                    for _ in 0..CYCLES {
                        index_sum += block_on(barrier.wait()).unwrap();
                    }
                    index_sum
                })
            })
            .collect();
        let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        // Each cycle hands out the indices 0..THREADS exactly once.
        assert_eq!(total, CYCLES * (0..THREADS).sum::<usize>());
    });
}
