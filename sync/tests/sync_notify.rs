//! `Notify`: the stored permit, FIFO `notify_one`, `notify_waiters` reaching futures created
//! before it, `enable`, cancel-safety of grants, and cross-thread stress with exact counts.

mod common;

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Context;
use std::time::Duration;

use common::{CountingWaker, Executor, block_on, poll_once, poll_with, within};
use weft_sync::Notify;

// `Notify::new` is `const` except under `--cfg loom` (loom's atomics are not).
#[cfg(not(loom))]
static GLOBAL: Notify = Notify::new();

#[cfg(not(loom))]
#[test]
fn a_const_notify_works_as_a_static() {
    GLOBAL.notify_one();
    let mut notified = Box::pin(GLOBAL.notified());
    assert!(poll_once(&mut notified).is_ready());
}

#[test]
fn notify_one_without_waiters_stores_exactly_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one(); // permits do not add up
    let mut first = Box::pin(notify.notified());
    assert!(poll_once(&mut first).is_ready());
    let mut second = Box::pin(notify.notified());
    assert!(poll_once(&mut second).is_pending());
}

#[test]
fn notify_one_wakes_waiters_oldest_first() {
    let notify = Notify::new();
    let order = RefCell::new(Vec::new());
    let ex = Executor::new();
    for n in 1..=3 {
        let (notify, order) = (&notify, &order);
        ex.spawn(async move {
            notify.notified().await;
            order.borrow_mut().push(n);
        });
    }
    ex.run_until_stalled();
    for expected in [vec![1], vec![1, 2], vec![1, 2, 3]] {
        notify.notify_one();
        ex.run_until_stalled();
        assert_eq!(*order.borrow(), expected);
    }
    // Every notification went to a waiter: none was left as a permit.
    assert!(poll_once(&mut Box::pin(notify.notified())).is_pending());
}

#[test]
fn notify_one_wakes_only_the_chosen_waiter() {
    let notify = Notify::new();
    let (first_wakes, first_waker) = CountingWaker::new();
    let (second_wakes, second_waker) = CountingWaker::new();
    let mut first = Box::pin(notify.notified());
    let mut second = Box::pin(notify.notified());
    assert!(poll_with(&mut first, &first_waker).is_pending());
    assert!(poll_with(&mut second, &second_waker).is_pending());
    notify.notify_one();
    assert_eq!((first_wakes.count(), second_wakes.count()), (1, 0));
}

#[test]
fn a_permit_does_not_let_a_newcomer_pass_a_queued_waiter() {
    let notify = Notify::new();
    let mut queued = Box::pin(notify.notified());
    assert!(poll_once(&mut queued).is_pending());
    notify.notify_one(); // granted to `queued`, not stored
    let mut newcomer = Box::pin(notify.notified());
    assert!(poll_once(&mut newcomer).is_pending());
    assert!(poll_once(&mut queued).is_ready());
}

#[test]
fn notify_waiters_wakes_every_waiter_and_stores_no_permit() {
    let notify = Notify::new();
    let woken = AtomicUsize::new(0);
    let ex = Executor::new();
    for _ in 0..5 {
        let (notify, woken) = (&notify, &woken);
        ex.spawn(async move {
            notify.notified().await;
            woken.fetch_add(1, Ordering::SeqCst);
        });
    }
    ex.run_until_stalled();
    assert_eq!(woken.load(Ordering::SeqCst), 0);
    notify.notify_waiters();
    ex.run_until_stalled();
    assert_eq!(woken.load(Ordering::SeqCst), 5);
    assert!(poll_once(&mut Box::pin(notify.notified())).is_pending());
}

#[test]
fn a_notified_created_before_notify_waiters_receives_it_unpolled() {
    let notify = Notify::new();
    let mut before = Box::pin(notify.notified());
    notify.notify_waiters();
    let mut after = Box::pin(notify.notified());
    assert!(poll_once(&mut before).is_ready());
    assert!(poll_once(&mut after).is_pending());
}

#[test]
fn enable_queues_the_future_for_notify_one() {
    let notify = Notify::new();
    let mut enabled = pin!(notify.notified());
    assert!(!enabled.as_mut().enable());
    let mut later = Box::pin(notify.notified());
    assert!(poll_once(&mut later).is_pending());
    notify.notify_one(); // goes to the enabled future: it queued first
    assert!(enabled.as_mut().enable(), "enable reports the grant");
    assert!(poll_once(&mut later).is_pending());
    let mut cx = Context::from_waker(std::task::Waker::noop());
    assert!(enabled.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn enable_takes_the_stored_permit() {
    let notify = Notify::new();
    notify.notify_one();
    let mut notified = pin!(notify.notified());
    assert!(notified.as_mut().enable());
    // The permit is held by `notified` now.
    assert!(poll_once(&mut Box::pin(notify.notified())).is_pending());
    let mut cx = Context::from_waker(std::task::Waker::noop());
    assert!(notified.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn enable_then_check_then_await_never_misses_a_notification() {
    // The documented pattern: a notification between the check and the await is kept.
    let notify = Notify::new();
    let mut notified = pin!(notify.notified());
    notified.as_mut().enable();
    notify.notify_waiters(); // after enable, before the await
    block_on(notified);
}

#[test]
fn a_waiter_dropped_before_its_grant_consumes_nothing() {
    let notify = Notify::new();
    let mut dropped = Box::pin(notify.notified());
    assert!(poll_once(&mut dropped).is_pending());
    let mut waiter = Box::pin(notify.notified());
    assert!(poll_once(&mut waiter).is_pending());
    drop(dropped);
    notify.notify_one();
    assert!(poll_once(&mut waiter).is_ready());
}

#[test]
fn a_waiter_dropped_after_its_grant_passes_it_to_the_next_waiter() {
    let notify = Notify::new();
    let mut chosen = Box::pin(notify.notified());
    let mut next = Box::pin(notify.notified());
    assert!(poll_once(&mut chosen).is_pending());
    assert!(poll_once(&mut next).is_pending());
    notify.notify_one(); // grants `chosen`
    drop(chosen); // cancelled before it ran
    assert!(poll_once(&mut next).is_ready());
}

#[test]
fn a_waiter_dropped_after_its_grant_with_nobody_behind_restores_the_permit() {
    let notify = Notify::new();
    let mut chosen = Box::pin(notify.notified());
    assert!(poll_once(&mut chosen).is_pending());
    notify.notify_one();
    drop(chosen);
    assert!(poll_once(&mut Box::pin(notify.notified())).is_ready());
}

#[test]
fn a_dropped_enable_that_took_the_permit_gives_it_back() {
    let notify = Notify::new();
    notify.notify_one();
    {
        let mut notified = pin!(notify.notified());
        assert!(notified.as_mut().enable());
    }
    assert!(poll_once(&mut Box::pin(notify.notified())).is_ready());
}

#[test]
fn a_dropped_notify_waiters_grant_is_not_handed_on() {
    let notify = Notify::new();
    let mut granted = Box::pin(notify.notified());
    assert!(poll_once(&mut granted).is_pending());
    notify.notify_waiters();
    let mut later = Box::pin(notify.notified());
    assert!(poll_once(&mut later).is_pending());
    drop(granted);
    assert!(
        poll_once(&mut later).is_pending(),
        "notify_waiters leaves no permit"
    );
}

#[test]
fn cancelling_a_task_chosen_by_notify_one_wakes_the_next_task() {
    let notify = Notify::new();
    let done = RefCell::new(Vec::new());
    let ex = Executor::new();
    let first = ex.spawn(async {
        notify.notified().await;
        done.borrow_mut().push(1);
    });
    ex.spawn(async {
        notify.notified().await;
        done.borrow_mut().push(2);
    });
    ex.run_until_stalled();
    notify.notify_one();
    first.cancel(); // its turn comes after the grant: it is dropped, not polled
    ex.run_until_stalled();
    assert!(first.cancelled());
    assert_eq!(*done.borrow(), [2]);
}

#[test]
fn pending_notified_records_its_wait_point() {
    let notify = Notify::new();
    let mut notified = Box::pin(notify.notified());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut notified));
    let waited = waited.expect("a pending Notified records its wait");
    assert_eq!(waited.kind(), weft_coop::WaitKind::Notify);
    assert!(waited.location().file().ends_with("sync_notify.rs"));
}

#[test]
fn completing_a_wait_consumes_budget() {
    let notify = Notify::new();
    let (wakes, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    weft_coop::with_budget(|| {
        for _ in 0..weft_coop::BUDGET {
            notify.notify_one();
            assert!(pin!(notify.notified()).poll(&mut cx).is_ready());
        }
        notify.notify_one();
        assert!(pin!(notify.notified()).poll(&mut cx).is_pending());
        assert_eq!(wakes.count(), 1, "a budget yield re-wakes the task");
    });
    // The yield took nothing: the permit is still there.
    assert!(pin!(notify.notified()).poll(&mut cx).is_ready());
}

// Stress: 4 threads wait in a loop while a notifier sends 4 × 2,000 `notify_one`s, each
// only after the previous one was received; every notification wakes exactly one waiter
// (a lost one hangs the hand-shake, a duplicated one overshoots the count).
#[test]
fn stress_each_notify_one_wakes_exactly_one_of_four_threads() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 2_000;
    let per_thread = within(Duration::from_secs(120), || {
        let notify = Arc::new(Notify::new());
        let received = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let waiters: Vec<_> = (0..THREADS)
            .map(|_| {
                let (notify, received, done) = (notify.clone(), received.clone(), done.clone());
                std::thread::spawn(move || {
                    let mut mine = 0;
                    loop {
                        let mut notified = pin!(notify.notified());
                        notified.as_mut().enable();
                        if done.load(Ordering::SeqCst) {
                            return mine;
                        }
                        block_on(notified);
                        if done.load(Ordering::SeqCst) {
                            return mine;
                        }
                        mine += 1;
                        received.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for sent in 1..=THREADS * ROUNDS {
            notify.notify_one();
            while received.load(Ordering::SeqCst) < sent {
                std::thread::yield_now();
            }
            assert_eq!(received.load(Ordering::SeqCst), sent);
        }
        done.store(true, Ordering::SeqCst);
        notify.notify_waiters();
        waiters
            .into_iter()
            .map(|w| w.join().unwrap())
            .collect::<Vec<usize>>()
    });
    assert_eq!(per_thread.iter().sum::<usize>(), THREADS * ROUNDS);
}

// Stress: threads that enable a `Notified` and drop it, over and over, race a real waiter
// for 5,000 notifications; every notification a canceller took is handed on, so the
// waiter receives all of them.
#[test]
fn stress_cancelled_notifieds_never_swallow_a_notification() {
    const NOTIFICATIONS: usize = 5_000;
    within(Duration::from_secs(120), || {
        let notify = Arc::new(Notify::new());
        let stop = Arc::new(AtomicBool::new(false));
        let received = Arc::new(AtomicUsize::new(0));
        let cancellers: Vec<_> = (0..2)
            .map(|_| {
                let (notify, stop) = (notify.clone(), stop.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let mut notified = pin!(notify.notified());
                        notified.as_mut().enable();
                    }
                })
            })
            .collect();
        let waiter = {
            let (notify, received) = (notify.clone(), received.clone());
            std::thread::spawn(move || {
                for _ in 0..NOTIFICATIONS {
                    block_on(notify.notified());
                    received.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        for sent in 1..=NOTIFICATIONS {
            notify.notify_one();
            while received.load(Ordering::SeqCst) < sent {
                std::thread::yield_now();
            }
        }
        waiter.join().unwrap();
        stop.store(true, Ordering::SeqCst);
        for canceller in cancellers {
            canceller.join().unwrap();
        }
        assert_eq!(received.load(Ordering::SeqCst), NOTIFICATIONS);
        // Nothing was duplicated either: no permit is left behind.
        assert!(poll_once(&mut Box::pin(notify.notified())).is_pending());
    });
}

#[test]
fn debug_shows_the_permit() {
    let notify = Notify::new();
    notify.notify_one();
    assert_eq!(format!("{notify:?}"), "Notify { permit: true, waiting: 0 }");
    let notified = notify.notified();
    assert!(format!("{notified:?}").starts_with("Notified"));
}

#[test]
fn notified_is_send_for_tasks_on_any_worker() {
    fn assert_send<T: Send>(_: &T) {}
    let notify = Notify::new();
    assert_send(&notify.notified());
}
