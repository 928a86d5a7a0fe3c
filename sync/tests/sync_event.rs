//! `Event`: ports of CPython's `test_locks.py::EventTests` (ASYNCIO.md §3 cases 5–6), plus
//! cancel-safety and cross-thread tests.

mod common;

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{CountingWaker, Executor, block_on, poll_once, poll_with, within};
use weft_sync::{Barrier, Event};

// Case 5: EventTests.test_wait — `set()` wakes all waiters, and the result order is
// [3, 1, 2]: t3 was queued (created) before `set` woke t1 and t2.
#[test]
fn test_wait() {
    let ev = Event::new();
    assert!(!ev.is_set());
    let result = RefCell::new(Vec::new());
    let ex = Executor::new();
    let waiter = |n| {
        let (ev, result) = (&ev, &result);
        async move {
            ev.wait().await;
            result.borrow_mut().push(n);
        }
    };

    let t1 = ex.spawn(waiter(1));
    let t2 = ex.spawn(waiter(2));
    ex.run_once();
    assert!(result.borrow().is_empty());

    let t3 = ex.spawn(waiter(3));
    ev.set();
    ex.run_once();
    assert_eq!(*result.borrow(), [3, 1, 2]);
    assert!(t1.done() && t2.done() && t3.done());
}

// Case 6: EventTests.test_clear_with_waiters — `set`, `clear`, `set` before the waiter runs
// still wakes it, exactly once.
#[test]
fn test_clear_with_waiters() {
    let ev = Event::new();
    let result = RefCell::new(Vec::new());
    let ex = Executor::new();
    let t = ex.spawn(async {
        ev.wait().await;
        result.borrow_mut().push(1);
    });
    ex.run_once();
    assert!(result.borrow().is_empty());

    ev.set();
    ev.clear();
    assert!(!ev.is_set());
    ev.set();
    ev.set();
    ex.run_once();
    assert_eq!(*result.borrow(), [1]);
    assert!(t.done());
}

#[test]
fn set_clear_set_wakes_the_waiter_exactly_once_even_if_cleared_again() {
    let ev = Event::new();
    let (wakes, waker) = CountingWaker::new();
    let mut wait = Box::pin(ev.wait());
    assert!(poll_with(&mut wait, &waker).is_pending());
    ev.set();
    ev.clear();
    ev.set();
    ev.clear(); // even clear again before the waiter runs
    assert_eq!(wakes.count(), 1);
    assert!(
        poll_once(&mut wait).is_ready(),
        "a released waiter completes"
    );
}

#[test]
fn wait_on_a_set_event_is_immediate_and_later_waits_block_after_clear() {
    let ev = Event::new();
    ev.set();
    assert!(poll_once(&mut Box::pin(ev.wait())).is_ready());
    ev.clear();
    assert!(poll_once(&mut Box::pin(ev.wait())).is_pending());
}

#[test]
fn dropped_waiter_is_not_woken() {
    let ev = Event::new();
    let (dropped_wakes, dropped_waker) = CountingWaker::new();
    let (kept_wakes, kept_waker) = CountingWaker::new();
    let mut dropped = Box::pin(ev.wait());
    let mut kept = Box::pin(ev.wait());
    assert!(poll_with(&mut dropped, &dropped_waker).is_pending());
    assert!(poll_with(&mut kept, &kept_waker).is_pending());
    drop(dropped);
    ev.set();
    assert_eq!((dropped_wakes.count(), kept_wakes.count()), (0, 1));
}

#[test]
fn set_from_another_thread_releases_every_waiting_thread() {
    const WAITERS: usize = 16;
    within(Duration::from_secs(60), || {
        let ev = Arc::new(Event::new());
        let registered = Arc::new(Barrier::new(WAITERS + 1).unwrap());
        let released = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (ev, registered, released) = (ev.clone(), registered.clone(), released.clone());
                std::thread::spawn(move || {
                    block_on(registered.wait()).unwrap();
                    block_on(ev.wait());
                    released.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        block_on(registered.wait()).unwrap();
        ev.set();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(released.load(Ordering::SeqCst), WAITERS);
    });
}

#[test]
fn stress_set_clear_cycles_never_strand_a_waiter() {
    // Each round: waiters wait, the setter sets; waiters finish only if woken. Clears race
    // with the waits, but every wait that started before a `set` must complete.
    within(Duration::from_secs(60), || {
        for _ in 0..200 {
            let ev = Arc::new(Event::new());
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let ev = ev.clone();
                    std::thread::spawn(move || block_on(ev.wait()))
                })
                .collect();
            let clearer = {
                let ev = ev.clone();
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        ev.clear();
                    }
                })
            };
            ev.set();
            clearer.join().unwrap();
            ev.set(); // a final set: waiters that started after a clear are released too
            waiters.into_iter().for_each(|t| t.join().unwrap());
        }
    });
}
