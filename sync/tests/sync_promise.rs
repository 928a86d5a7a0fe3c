//! `Promise` (asyncio's `Future`): ports of CPython's `test_futures.py` (ASYNCIO.md §3
//! cases 64–65), plus awaiting from many tasks and threads and callback ordering.

mod common;

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Executor, block_on, poll_once, within};
use weft_sync::{Cancelled, Event, InvalidStateError, Promise, PromiseError};

// Case 64: test_futures.py::test_result — the state machine around a result.
#[test]
fn test_result() {
    let f = Promise::new();
    assert!(matches!(f.result(), Err(PromiseError::InvalidState(_))));
    f.set_result(42).unwrap();
    assert!(!f.cancelled());
    assert!(f.done());
    assert_eq!(f.result(), Ok(42));
    let err: InvalidStateError = f.set_result(0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid state: the promise is already done"
    );
    assert!(!f.cancel());
    assert_eq!(f.result(), Ok(42), "a refused set leaves the first result");
}

// Case 64: test_futures.py::test_exception — weft has no `set_exception`: a fallible value
// is a `Promise<Result<T, E>>`, and the error travels as the value.
#[test]
fn test_exception() {
    let f = Promise::<Result<u8, String>>::new();
    f.set_result(Err("boom".to_owned())).unwrap();
    assert!(f.done() && !f.cancelled());
    assert_eq!(f.result(), Ok(Err("boom".to_owned())));
    assert!(f.set_result(Ok(1)).is_err());
}

// Case 64: test_futures.py::test_cancel.
#[test]
fn test_cancel() {
    let f = Promise::<u8>::new();
    assert!(f.cancel());
    assert!(f.cancelled());
    assert!(f.done());
    assert_eq!(f.result(), Err(PromiseError::Cancelled(Cancelled)));
    assert!(f.set_result(1).is_err());
    assert!(!f.cancel());
}

// Case 65: test_futures.py::test_callbacks_invoked_on_set_result — callbacks run in
// registration order, once, when the result is set (not before).
#[test]
fn test_callbacks_invoked_on_set_result() {
    let bag = Arc::new(Mutex::new(Vec::new()));
    let f = Promise::new();
    for n in [42, 17] {
        let bag = bag.clone();
        f.add_done_callback(move |_| bag.lock().unwrap().push(n));
    }
    assert!(bag.lock().unwrap().is_empty());
    f.set_result("foo").unwrap();
    assert_eq!(*bag.lock().unwrap(), [42, 17]);
    assert_eq!(f.result(), Ok("foo"));
}

// Case 65: test_futures.py::test_remove_done_callback — removing every registration of a
// callback; the others still run, in order. (asyncio compares callables and returns a
// count; weft identifies each registration by its `CallbackId`.)
#[test]
fn test_remove_done_callback() {
    let bag = Arc::new(Mutex::new(Vec::new()));
    let f = Promise::new();
    let make = |n| {
        let bag = bag.clone();
        move |_: &Promise<&str>| bag.lock().unwrap().push(n)
    };
    let cb1_a = f.add_done_callback(make(42));
    f.add_done_callback(make(17));
    f.add_done_callback(make(100));
    let cb1_b = f.add_done_callback(make(42));
    let cb1_c = f.add_done_callback(make(42));
    let removed = [cb1_a, cb1_b, cb1_c]
        .into_iter()
        .filter(|id| f.remove_done_callback(*id))
        .count();
    assert_eq!(removed, 3);
    f.set_result("foo").unwrap();
    assert_eq!(*bag.lock().unwrap(), [17, 100]);
}

#[test]
fn callbacks_added_after_completion_run_at_once_and_in_order() {
    let bag = Arc::new(Mutex::new(Vec::new()));
    let f = Promise::new();
    f.set_result(1).unwrap();
    for n in 0..3 {
        let bag = bag.clone();
        f.add_done_callback(move |p| bag.lock().unwrap().push((n, p.result().unwrap())));
    }
    assert_eq!(*bag.lock().unwrap(), [(0, 1), (1, 1), (2, 1)]);
}

#[test]
fn a_callback_added_by_a_running_callback_runs_after_the_queue_and_once() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let f = Promise::new();
    {
        let order = order.clone();
        f.add_done_callback(move |p: &Promise<()>| {
            order.lock().unwrap().push("first");
            let order = order.clone();
            p.add_done_callback(move |_| order.lock().unwrap().push("added late"));
        });
    }
    {
        let order = order.clone();
        f.add_done_callback(move |_| order.lock().unwrap().push("second"));
    }
    f.set_result(()).unwrap();
    assert_eq!(*order.lock().unwrap(), ["first", "second", "added late"]);
}

#[test]
fn cancel_runs_callbacks_and_wakes_waiters_with_cancelled() {
    let ran = Arc::new(AtomicUsize::new(0));
    let f = Promise::<u8>::new();
    let counter = ran.clone();
    f.add_done_callback(move |p| {
        assert!(p.cancelled());
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let mut wait = Box::pin(f.wait());
    assert!(poll_once(&mut wait).is_pending());
    assert!(f.cancel());
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert_eq!(poll_once(&mut wait), std::task::Poll::Ready(Err(Cancelled)));
}

#[test]
fn many_tasks_await_one_promise() {
    let f = Promise::new();
    let got = RefCell::new(Vec::new());
    let ex = Executor::new();
    for n in 0..4 {
        let (f, got) = (&f, &got);
        ex.spawn(async move {
            let value: String = f.await.unwrap();
            got.borrow_mut().push((n, value));
        });
    }
    ex.run_until_stalled();
    assert!(got.borrow().is_empty());
    f.set_result("ready".to_owned()).unwrap();
    ex.run_until_stalled();
    let expected: Vec<_> = (0..4).map(|n| (n, "ready".to_owned())).collect();
    assert_eq!(*got.borrow(), expected);
}

#[test]
fn a_dropped_wait_does_not_disturb_the_others() {
    let f = Promise::new();
    let mut dropped = Box::pin(f.wait());
    let mut kept = Box::pin(f.wait());
    assert!(poll_once(&mut dropped).is_pending());
    assert!(poll_once(&mut kept).is_pending());
    drop(dropped);
    f.set_result(9).unwrap();
    assert_eq!(poll_once(&mut kept), std::task::Poll::Ready(Ok(9)));
}

#[test]
fn threads_await_a_promise_set_from_another_thread() {
    const WAITERS: usize = 8;
    within(Duration::from_secs(60), || {
        let f = Promise::new();
        let started = Arc::new(Event::new());
        let threads: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (f, started) = (f.clone(), started.clone());
                std::thread::spawn(move || {
                    started.set();
                    block_on(f.wait())
                })
            })
            .collect();
        block_on(started.wait());
        f.set_result(7_u64).unwrap();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), Ok(7));
        }
    });
}

#[test]
fn concurrent_set_result_has_exactly_one_winner() {
    for _ in 0..100 {
        let f = Promise::new();
        let callbacks = Arc::new(AtomicUsize::new(0));
        let counter = callbacks.clone();
        f.add_done_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let setters: Vec<_> = (0..4)
            .map(|n| {
                let f = f.clone();
                std::thread::spawn(move || f.set_result(n).is_ok())
            })
            .collect();
        let winners = setters.into_iter().map(|t| t.join().unwrap());
        assert_eq!(winners.filter(|won| *won).count(), 1);
        assert_eq!(
            callbacks.load(Ordering::SeqCst),
            1,
            "the callback runs exactly once"
        );
    }
}

/// A done-callback is user code: one that panics is reported (on stderr here, with no
/// runtime), neither unwinds into `set_result` nor keeps the callbacks after it from running.
#[test]
fn a_panicking_done_callback_does_not_stop_the_others() {
    let p = Promise::new();
    let ran = Arc::new(std::sync::Mutex::new(Vec::new()));
    for i in 0..3 {
        let ran = ran.clone();
        p.add_done_callback(move |_| {
            ran.lock().unwrap().push(i);
            if i == 1 {
                panic!("callback {i} broke");
            }
        });
    }
    assert!(p.set_result(5).is_ok());
    assert_eq!(*ran.lock().unwrap(), [0, 1, 2]);
    // Still usable afterwards: a late callback runs at once.
    let r = ran.clone();
    p.add_done_callback(move |p| r.lock().unwrap().push(p.result().unwrap()));
    assert_eq!(ran.lock().unwrap().last(), Some(&5));
}
