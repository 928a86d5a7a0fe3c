//! `watch`: versions and seen marks, every sender and receiver method, closing from either
//! side, cancel-safety of `changed`, and cross-thread stress where receivers must end on
//! the last value having seen only increasing ones.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Barrier};
use std::task::{Context, Waker};
use std::time::Duration;

use common::{CountingWaker, Executor, block_on, poll_once, poll_with, within};
use weft_sync::watch;

#[test]
fn a_new_receiver_has_seen_the_initial_value() {
    let (_tx, rx) = watch::channel("init");
    assert_eq!(*rx.borrow(), "init");
    assert!(!rx.borrow().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn send_stores_and_marks_the_value_unseen() {
    let (tx, mut rx) = watch::channel(0);
    assert_eq!(tx.send(1), Ok(()));
    assert_eq!(rx.has_changed(), Ok(true));
    let value = rx.borrow();
    assert_eq!((*value, value.has_changed()), (1, true));
    drop(value);
    assert_eq!(rx.has_changed(), Ok(true), "borrow does not mark as seen");
    let value = rx.borrow_and_update();
    assert_eq!((*value, value.has_changed()), (1, true));
    drop(value);
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!rx.borrow_and_update().has_changed());
}

#[test]
fn send_without_receivers_fails_and_stores_nothing() {
    let (tx, rx) = watch::channel(1);
    drop(rx);
    let err = tx.send(2).unwrap_err();
    assert_eq!(err.0, 2);
    assert!(err.to_string().contains("receivers were all dropped"));
    assert_eq!(*tx.borrow(), 1);
}

#[test]
fn send_replace_always_stores_and_returns_the_old_value() {
    let (tx, rx) = watch::channel(1);
    assert_eq!(tx.send_replace(2), 1);
    assert_eq!(rx.has_changed(), Ok(true));
    drop(rx);
    assert_eq!(tx.send_replace(3), 2);
    assert_eq!(*tx.borrow(), 3);
    assert!(!tx.borrow().has_changed());
}

#[test]
fn send_modify_changes_in_place_and_notifies() {
    let (tx, mut rx) = watch::channel(vec![1]);
    let mut changed = Box::pin(rx.changed());
    assert!(poll_once(&mut changed).is_pending());
    tx.send_modify(|v| v.push(2));
    assert_eq!(poll_once(&mut changed), std::task::Poll::Ready(Ok(())));
    drop(changed);
    assert_eq!(*rx.borrow(), [1, 2]);
}

#[test]
fn send_if_modified_notifies_only_when_it_returns_true() {
    let (tx, mut rx) = watch::channel(0);
    let (wakes, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut changed = Box::pin(rx.changed());
    assert!(changed.as_mut().poll(&mut cx).is_pending());
    assert!(!tx.send_if_modified(|n| {
        *n += 10; // modified, but reported as unmodified: nobody is told
        false
    }));
    assert_eq!(wakes.count(), 0);
    assert!(changed.as_mut().poll(&mut cx).is_pending());
    assert!(tx.send_if_modified(|n| {
        *n += 1;
        true
    }));
    assert_eq!(wakes.count(), 1);
    assert!(changed.as_mut().poll(&mut cx).is_ready());
    drop(changed);
    assert_eq!(*rx.borrow(), 11);
}

#[test]
fn a_panicking_modify_notifies_nobody() {
    let (tx, rx) = watch::channel(0);
    let tx = std::panic::AssertUnwindSafe(tx);
    let result = std::panic::catch_unwind(|| {
        tx.send_modify(|n| {
            *n = 5;
            panic!("modify failed");
        })
    });
    assert!(result.is_err());
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*rx.borrow(), 5, "what it changed stays changed");
}

#[test]
fn subscribe_and_clone_count_receivers() {
    let (tx, rx) = watch::channel(0);
    assert_eq!(tx.receiver_count(), 1);
    tx.send(1).unwrap();
    let sub = tx.subscribe();
    let clone = rx.clone();
    assert_eq!(tx.receiver_count(), 3);
    assert_eq!(
        sub.has_changed(),
        Ok(false),
        "subscribe marks the current value seen"
    );
    assert_eq!(
        clone.has_changed(),
        Ok(true),
        "a clone keeps the original's seen version"
    );
    assert!(rx.same_channel(&sub) && sub.same_channel(&clone));
    let (_other_tx, other) = watch::channel(0);
    assert!(!rx.same_channel(&other));
    drop((rx, sub));
    assert_eq!(tx.receiver_count(), 1);
    assert!(!tx.is_closed());
    drop(clone);
    assert!(tx.is_closed());
    let again = tx.subscribe();
    assert!(!tx.is_closed());
    assert!(tx.send(2).is_ok());
    drop(again);
}

#[test]
fn changed_waits_for_a_send_and_marks_it_seen() {
    let (tx, mut rx) = watch::channel(0);
    let seen = std::cell::RefCell::new(Vec::new());
    let ex = Executor::new();
    ex.spawn(async {
        while rx.changed().await.is_ok() {
            seen.borrow_mut().push(*rx.borrow());
        }
        seen.borrow_mut().push(-1);
    });
    ex.run_until_stalled();
    assert!(seen.borrow().is_empty());
    tx.send(1).unwrap();
    ex.run_until_stalled();
    tx.send(2).unwrap();
    tx.send(3).unwrap(); // two sends before the task runs: it sees the latest only
    ex.run_until_stalled();
    drop(tx);
    ex.run_until_stalled();
    assert_eq!(*seen.borrow(), [1, 3, -1]);
}

#[test]
fn changed_reports_an_unseen_value_before_the_close() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    assert!(
        rx.has_changed().is_err(),
        "has_changed fails once closed (tokio's rule)"
    );
    assert_eq!(block_on(rx.changed()), Ok(()));
    assert_eq!(*rx.borrow(), 1);
    let err = block_on(rx.changed()).unwrap_err();
    assert!(err.to_string().contains("sender was dropped"));
}

#[test]
fn dropping_the_sender_wakes_a_pending_changed() {
    let (tx, mut rx) = watch::channel(0);
    let (wakes, waker) = CountingWaker::new();
    let mut changed = Box::pin(rx.changed());
    assert!(poll_with(&mut changed, &waker).is_pending());
    drop(tx);
    assert_eq!(wakes.count(), 1);
    assert!(matches!(
        poll_once(&mut changed),
        std::task::Poll::Ready(Err(_))
    ));
}

#[test]
fn a_dropped_changed_marks_nothing_seen() {
    let (tx, mut rx) = watch::channel(0);
    let mut changed = Box::pin(rx.changed());
    assert!(poll_once(&mut changed).is_pending());
    tx.send(1).unwrap(); // wakes `changed`, which is then cancelled before it runs
    drop(changed);
    assert_eq!(rx.has_changed(), Ok(true));
    let mut again = Box::pin(rx.changed());
    assert!(poll_once(&mut again).is_ready());
}

#[test]
fn mark_changed_and_mark_unchanged() {
    let (tx, mut rx) = watch::channel(0);
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    assert!(poll_once(&mut Box::pin(rx.changed())).is_ready());
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(1).unwrap();
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(poll_once(&mut Box::pin(rx.changed())).is_pending());
    assert_eq!(*rx.borrow(), 1);
}

#[test]
fn wait_for_returns_at_once_when_the_value_already_matches() {
    let (_tx, mut rx) = watch::channel(5);
    let value = block_on(rx.wait_for(|n| *n == 5)).unwrap();
    assert_eq!(*value, 5);
    assert!(!value.has_changed());
}

#[test]
fn wait_for_waits_for_a_matching_value_and_marks_it_seen() {
    let (tx, mut rx) = watch::channel(0);
    let checked = std::cell::RefCell::new(Vec::new());
    let ex = Executor::new();
    let checked_in_task = &checked;
    let task = ex.spawn(async move {
        let value = rx
            .wait_for(|n| {
                checked_in_task.borrow_mut().push(*n);
                *n >= 2
            })
            .await
            .unwrap();
        let found = (*value, value.has_changed());
        drop(value);
        (found, rx.has_changed())
    });
    ex.run_until_stalled();
    tx.send(1).unwrap();
    ex.run_until_stalled();
    tx.send(2).unwrap();
    ex.run_until_stalled();
    assert_eq!(task.result(), ((2, true), Ok(false)));
    assert_eq!(*checked.borrow(), [0, 1, 2]);
}

#[test]
fn wait_for_checks_the_last_value_then_fails_on_close() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(7).unwrap();
    drop(tx);
    // The unseen value sent before the close still counts.
    assert_eq!(*block_on(rx.wait_for(|n| *n == 7)).unwrap(), 7);
    let (tx, mut rx) = watch::channel(0);
    drop(tx);
    assert!(block_on(rx.wait_for(|n| *n == 1)).is_err());
}

#[test]
fn a_pending_changed_records_its_wait_point_and_completion_spends_budget() {
    let (tx, mut rx) = watch::channel(0);
    let mut changed = Box::pin(rx.changed());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut changed));
    let waited = waited.expect("a pending changed records its wait");
    assert_eq!(waited.kind(), weft_coop::WaitKind::WatchChanged);
    assert!(waited.location().file().ends_with("sync_watch.rs"));
    tx.send(1).unwrap();
    weft_coop::with_budget(|| {
        let mut cx = Context::from_waker(Waker::noop());
        assert!(changed.as_mut().poll(&mut cx).is_ready());
        assert_eq!(weft_coop::remaining(), Some(weft_coop::BUDGET - 1));
    });
}

#[test]
fn closed_completes_when_the_last_receiver_goes() {
    let (tx, rx) = watch::channel(());
    let rx2 = rx.clone();
    let (wakes, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut closed = Box::pin(tx.closed());
    assert!(closed.as_mut().poll(&mut cx).is_pending());
    drop(rx);
    assert_eq!(wakes.count(), 0);
    assert!(closed.as_mut().poll(&mut cx).is_pending());
    drop(rx2);
    assert_eq!(wakes.count(), 1);
    assert!(closed.as_mut().poll(&mut cx).is_ready());
    drop(closed);
    block_on(tx.closed()); // at once when already closed
}

#[test]
fn closed_waits_across_threads() {
    within(Duration::from_secs(30), || {
        let (tx, rx) = watch::channel(0);
        let start = Arc::new(Barrier::new(2));
        let consumer = {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                drop(rx);
            })
        };
        let mut closed = pin!(tx.closed());
        assert!(poll_once(&mut closed).is_pending());
        start.wait();
        block_on(closed);
        consumer.join().unwrap();
        assert!(tx.is_closed());
    });
}

#[test]
fn debug_output_names_the_parts() {
    let (tx, rx) = watch::channel(3);
    assert!(format!("{tx:?}").contains("value: 3"));
    assert!(format!("{rx:?}").contains("Receiver"));
    assert!(format!("{:?}", rx.borrow()).contains("has_changed: false"));
}

// Stress: a sender thread sends 1..=50,000 while 4 receiver threads follow with `changed`;
// each sees strictly increasing values (never an old or repeated one) and ends on the last.
#[test]
fn stress_four_receivers_follow_a_fast_sender_to_the_last_value() {
    const SENDS: u64 = 50_000;
    const RECEIVERS: usize = 4;
    within(Duration::from_secs(120), || {
        let (tx, rx) = watch::channel(0_u64);
        let start = Arc::new(Barrier::new(RECEIVERS + 1));
        let receivers: Vec<_> = (0..RECEIVERS)
            .map(|_| {
                let mut rx = rx.clone();
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    let mut last = 0;
                    let mut observed = 0_u64;
                    while block_on(rx.changed()).is_ok() {
                        let value = *rx.borrow_and_update();
                        assert!(value > last, "saw {value} after {last}");
                        last = value;
                        observed += 1;
                    }
                    (last, observed)
                })
            })
            .collect();
        drop(rx);
        start.wait();
        for n in 1..=SENDS {
            tx.send_modify(|value| *value = n);
        }
        drop(tx);
        for receiver in receivers {
            let (last, observed) = receiver.join().unwrap();
            assert_eq!(last, SENDS);
            assert!((1..=SENDS).contains(&observed));
        }
    });
}

// Stress: 4 threads increment through `send_modify` concurrently with readers; no update
// is lost (the write lock serialises them) and the version moved once per increment.
#[test]
fn stress_concurrent_send_modify_loses_no_update() {
    const THREADS: u64 = 4;
    const EACH: u64 = 10_000;
    within(Duration::from_secs(120), || {
        let (tx, mut rx) = watch::channel(0_u64);
        let tx = Arc::new(tx);
        let writers: Vec<_> = (0..THREADS)
            .map(|_| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for _ in 0..EACH {
                        tx.send_modify(|n| *n += 1);
                    }
                })
            })
            .collect();
        let mut last = 0;
        while last < THREADS * EACH {
            block_on(rx.changed()).unwrap();
            let value = *rx.borrow_and_update();
            assert!(value > last);
            last = value;
        }
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(*rx.borrow(), THREADS * EACH);
    });
}

#[test]
fn futures_and_handles_are_send_for_tasks_on_any_worker() {
    fn assert_send<T: Send>(_: &T) {}
    let (tx, mut rx) = watch::channel(0);
    assert_send(&tx);
    assert_send(&rx);
    assert_send(&tx.closed());
    assert_send(&rx.changed());
    assert_send(&rx.wait_for(|n| *n > 0));
}
