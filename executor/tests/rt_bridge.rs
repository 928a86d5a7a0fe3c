//! Loop callbacks and thread bridges: call_soon(_threadsafe), run_coroutine_threadsafe,
//! the unhandled-panic handler.

use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use weft_executor::{Builder, DoneStatus, ResultTimeoutError, Runtime};
use weft_test_support::{DropCounter, Gate, within};

/// test_call_soon_threadsafe_same_thread: FIFO across both names, from one thread.
#[test]
fn callbacks_run_in_fifo_order_across_both_names() {
    let rt = Runtime::new().unwrap();
    let (tx, rx) = mpsc::channel();
    for i in 0..1000 {
        let tx = tx.clone();
        if i % 2 == 0 {
            rt.handle().call_soon(move || tx.send(i).unwrap()).unwrap();
        } else {
            rt.handle()
                .call_soon_threadsafe(move || tx.send(i).unwrap())
                .unwrap();
        }
    }
    let got: Vec<i32> = (0..1000).map(|_| rx.recv().unwrap()).collect();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}

/// asyncio §0: a callback scheduled during an iteration runs in the next one.
#[test]
fn a_callback_queued_by_a_callback_runs_after_those_already_queued() {
    let rt = Runtime::new().unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let gate = Gate::new();
    // Hold the runner back until all three are queued, so they land in one round.
    let g = gate.clone();
    rt.handle().call_soon(move || rt_block_until(g)).unwrap();
    let (o, h) = (order.clone(), rt.handle().clone());
    rt.handle()
        .call_soon(move || {
            o.lock().push("a");
            let o2 = o.clone();
            h.call_soon(move || {
                o2.lock().push("c");
                done_tx.send(()).unwrap();
            })
            .unwrap();
        })
        .unwrap();
    let o = order.clone();
    rt.handle().call_soon(move || o.lock().push("b")).unwrap();
    gate.open();
    done_rx.recv().unwrap();
    assert_eq!(*order.lock(), ["a", "b", "c"]);
}

fn rt_block_until(gate: Gate) {
    // A callback that blocks its worker briefly: only to line the others up behind it.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        futures_block_on(gate.wait());
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
}

fn futures_block_on<F: std::future::Future>(f: F) -> F::Output {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    rt.block_on(f)
}

#[test]
fn a_panicking_callback_is_reported_and_the_next_one_runs() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let r = reports.clone();
    let rt = Builder::new()
        .on_task_panic(move |e| r.lock().push(e.to_string()))
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    rt.handle().call_soon(|| panic!("callback boom")).unwrap();
    rt.handle().call_soon(move || tx.send(()).unwrap()).unwrap();
    rx.recv().unwrap();
    let reports = reports.lock();
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].contains("callback") && reports[0].contains("callback boom"),
        "{}",
        reports[0]
    );
}

#[test]
fn a_cancelled_callback_never_runs() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let g = gate.clone();
    rt.handle().call_soon(move || rt_block_until(g)).unwrap();
    let handle = rt.handle().call_soon(|| panic!("must not run")).unwrap();
    handle.cancel();
    let (tx, rx) = mpsc::channel();
    rt.handle().call_soon(move || tx.send(()).unwrap()).unwrap();
    gate.open();
    rx.recv().unwrap();
    assert!(handle.cancelled());
}

#[test]
fn call_soon_after_shutdown_gives_the_callback_back() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle().clone();
    drop(rt);
    let drops = DropCounter::new();
    let t = drops.track();
    let refused = handle.call_soon_threadsafe(move || drop(t)).unwrap_err();
    assert_eq!(
        drops.get(),
        0,
        "not dropped silently: it is inside the error"
    );
    (refused.into_inner())();
    assert_eq!(drops.get(), 1);
}

/// Four plain threads, 10,000 round trips each, every result correct.
#[test]
fn run_coroutine_threadsafe_round_trips_from_four_threads() {
    within(Duration::from_secs(120), || {
        let rt = Runtime::new().unwrap();
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let handle = rt.handle().clone();
                std::thread::spawn(move || {
                    for i in 0..10_000u64 {
                        let v = handle
                            .run_coroutine_threadsafe(async move { t * 1_000_000 + i })
                            .result()
                            .unwrap();
                        assert_eq!(v, t * 1_000_000 + i);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    });
}

/// RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe_with_timeout.
#[test]
fn result_timeout_cancels_the_task() {
    let rt = Runtime::new().unwrap();
    let drops = DropCounter::new();
    let t = drops.track();
    let fut = rt.handle().run_coroutine_threadsafe(async move {
        let _t = t;
        std::future::pending::<()>().await
    });
    let (tx, rx) = mpsc::channel();
    fut.add_done_callback(move |status| tx.send(status).unwrap());
    let err = fut.result_timeout(Duration::from_millis(20)).unwrap_err();
    assert!(matches!(err, ResultTimeoutError::TimedOut(_)), "{err}");
    assert_eq!(rx.recv().unwrap(), DoneStatus::Cancelled);
    assert_eq!(drops.get(), 1);
}

#[test]
fn result_on_a_worker_thread_panics_with_a_clear_message() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle().clone();
    let err = rt
        .block_on(rt.spawn(async move { handle.run_coroutine_threadsafe(async {}).result() }))
        .unwrap_err();
    let msg = err.panic_message().unwrap();
    assert!(msg.contains("called on a weft worker thread"), "{msg}");
}

#[test]
fn done_callbacks_run_once_in_order_even_when_added_late() {
    let rt = Runtime::new().unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let gate = Gate::new();
    let g = gate.clone();
    let fut = rt
        .handle()
        .run_coroutine_threadsafe(async move { g.wait().await });
    for i in 0..3 {
        let o = order.clone();
        fut.add_done_callback(move |s| o.lock().push((i, s)));
    }
    gate.open();
    let (tx, rx) = mpsc::channel();
    fut.add_done_callback(move |s| tx.send(s).unwrap());
    assert_eq!(rx.recv().unwrap(), DoneStatus::Completed);
    let o = order.clone();
    fut.add_done_callback(move |s| o.lock().push((9, s)));
    fut.result().unwrap();
    assert_eq!(
        *order.lock(),
        [
            (0, DoneStatus::Completed),
            (1, DoneStatus::Completed),
            (2, DoneStatus::Completed),
            (9, DoneStatus::Completed)
        ]
    );
    let panicked = rt.handle().run_coroutine_threadsafe(async { panic!("x") });
    let (tx, rx) = mpsc::channel();
    panicked.add_done_callback(move |s| tx.send(s).unwrap());
    assert_eq!(rx.recv().unwrap(), DoneStatus::Panicked);
}

#[test]
fn a_concurrent_future_can_be_awaited_from_another_runtime() {
    let a = Runtime::new().unwrap();
    let b = Builder::new().worker_threads(1).build().unwrap();
    let fut = a.handle().run_coroutine_threadsafe(async { "from a" });
    assert_eq!(b.block_on(fut).unwrap(), "from a");
}

#[test]
fn unretrieved_panics_are_reported_with_the_task_name() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let r = reports.clone();
    let rt = Builder::new()
        .on_task_panic(move |e| r.lock().push(e.task_name().into_owned()))
        .build()
        .unwrap();
    // Detached before it panics.
    drop(
        weft_executor::task::Builder::new()
            .name("detached")
            .spawn_on(rt.handle(), async { panic!("1") }),
    );
    // Finished, then its handle is dropped without reading the panic.
    let unread = weft_executor::task::Builder::new()
        .name("unread")
        .spawn_on(rt.handle(), async { panic!("2") });
    while !unread.is_finished() {
        std::thread::yield_now();
    }
    drop(unread);
    // Awaited: the caller saw it, so it is not reported.
    let seen = weft_executor::task::Builder::new()
        .name("seen")
        .spawn_on(rt.handle(), async { panic!("3") });
    assert!(rt.block_on(seen).is_err());
    drop(rt);
    let mut names = reports.lock().clone();
    names.sort();
    assert_eq!(names, ["detached", "unread"]);
}

#[test]
fn call_later_never_fires_early_and_call_at_keeps_deadline_order() {
    // On the paused clock: exact deadlines, no real waiting.
    let rt = Builder::new().start_paused(true).build().unwrap();
    let (tx, rx) = mpsc::channel();
    let start = rt.handle().time();
    for (name, secs) in [("c", 30u64), ("a", 10), ("b", 20)] {
        let (tx, handle) = (tx.clone(), rt.handle().clone());
        rt.handle()
            .call_later(Duration::from_secs(secs), move || {
                tx.send((name, handle.time() - start, secs)).unwrap()
            })
            .unwrap();
    }
    let got: Vec<_> = (0..3).map(|_| rx.recv().unwrap()).collect();
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), ["a", "b", "c"]);
    for (name, elapsed, secs) in got {
        assert_eq!(elapsed, Duration::from_secs(secs), "{name} fired off time");
    }
}

/// test_call_later_negative_delays: deadlines in the past run, in deadline order.
#[test]
fn deadlines_in_the_past_run_in_order() {
    let rt = Runtime::new().unwrap();
    let now = rt.handle().time();
    let (tx, rx) = mpsc::channel();
    let gate = Gate::new();
    let g = gate.clone();
    // Hold the callback runner so both timers are due before either callback runs.
    rt.handle().call_soon(move || rt_block_until(g)).unwrap();
    let t = tx.clone();
    rt.handle()
        .call_at(now - Duration::from_millis(1), move || t.send("b").unwrap())
        .unwrap();
    rt.handle()
        .call_at(now - Duration::from_millis(2), move || {
            tx.send("a").unwrap()
        })
        .unwrap();
    gate.open();
    let got: Vec<&str> = (0..2).map(|_| rx.recv().unwrap()).collect();
    assert_eq!(got, ["a", "b"], "due timers run in deadline order");
}

#[test]
fn a_cancelled_timer_never_fires_and_leaves_no_task() {
    let rt = Runtime::new().unwrap();
    let timer = rt
        .handle()
        .call_later(Duration::from_millis(5), || panic!("cancelled timer fired"))
        .unwrap();
    timer.cancel();
    assert!(timer.cancelled());
    // A later timer firing proves the runtime went past the cancelled deadline.
    let (tx, rx) = mpsc::channel();
    rt.handle()
        .call_later(Duration::from_millis(20), move || tx.send(()).unwrap())
        .unwrap();
    rx.recv().unwrap();
}

/// A cancel that lands while the task is in its last poll wins (the task ends cancelled):
/// the done-callbacks must say so too, not "completed".
#[test]
fn done_callbacks_and_result_agree_when_a_cancel_lands_during_the_last_poll() {
    use std::sync::atomic::{AtomicU8, Ordering};
    within(Duration::from_secs(60), || {
        let rt = Runtime::new().unwrap();
        // 0: not yet in the last poll; 1: in it; 2: cancel() has returned.
        let phase = Arc::new(AtomicU8::new(0));
        let p = phase.clone();
        let fut = rt.handle().run_coroutine_threadsafe(async move {
            p.store(1, Ordering::SeqCst);
            while p.load(Ordering::SeqCst) != 2 {
                std::hint::spin_loop();
            }
            "finished anyway"
        });
        let (tx, rx) = std::sync::mpsc::channel();
        fut.add_done_callback(move |status| tx.send(status).unwrap());
        while phase.load(Ordering::SeqCst) != 1 {
            std::hint::spin_loop();
        }
        assert!(fut.cancel(), "the task was still running");
        phase.store(2, Ordering::SeqCst);
        assert_eq!(rx.recv().unwrap(), DoneStatus::Cancelled);
        assert!(fut.result().unwrap_err().is_cancelled());
    });
}

/// `result_timeout` racing the task's completion: whatever it returns agrees with how the
/// task ended — a value is returned whenever the task produced one that was not cancelled.
#[test]
fn result_timeout_never_drops_a_value_it_could_return() {
    within(Duration::from_secs(60), || {
        let rt = Runtime::new().unwrap();
        for i in 0..300u64 {
            let delay = Duration::from_micros(i % 40 * 25);
            let fut = rt.handle().run_coroutine_threadsafe(async move {
                let end = std::time::Instant::now() + delay;
                while std::time::Instant::now() < end {
                    weft_executor::yield_now().await;
                }
                i
            });
            let (tx, rx) = std::sync::mpsc::channel();
            fut.add_done_callback(move |status| tx.send(status).unwrap());
            let got = fut.result_timeout(Duration::from_micros(500));
            let status = rx.recv().unwrap();
            match got {
                Ok(v) => assert_eq!((v, status), (i, DoneStatus::Completed)),
                Err(weft_executor::ResultTimeoutError::TimedOut(_)) => {
                    assert_eq!(status, DoneStatus::Cancelled)
                }
                Err(other) => panic!("{other}"),
            }
        }
    });
}
