//! Faults: user code the runtime calls panics. Every such panic is reported once through the
//! panic handler (or stderr, if the handler itself panics) and never takes down a worker, a
//! reactor turn, the callback runner or the blocking pool.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Wake, Waker};
use std::time::Duration;
use weft_executor::{Builder, DoneStatus, JoinError, Runtime};
use weft_test_support::{DropCounter, poll_with, within};

const LIMIT: Duration = Duration::from_secs(60);

/// A runtime whose panic handler records the name and message of each report.
fn recording(workers: usize) -> (Runtime, Arc<Mutex<Vec<String>>>) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let r = reports.clone();
    let rt = Builder::new()
        .worker_threads(workers)
        .on_task_panic(move |err: &JoinError| {
            let msg = err.panic_message().unwrap_or_default();
            r.lock()
                .unwrap()
                .push(format!("{}: {msg}", err.task_name()));
        })
        .build()
        .unwrap();
    (rt, reports)
}

/// A waker that panics when woken (a foreign future's broken waker).
struct PanickingWaker;
impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("broken waker");
    }
}

#[test]
fn a_panicking_slow_poll_handler_is_reported_and_the_worker_lives_on() {
    within(LIMIT, || {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let r = reports.clone();
        let rt = Builder::new()
            .worker_threads(1)
            .slow_poll_threshold(Duration::from_millis(1))
            .on_slow_poll(|_| panic!("slow-poll handler broke"))
            .on_task_panic(move |err| r.lock().unwrap().push(err.to_string()))
            .build()
            .unwrap();
        let slow = rt.spawn(async {
            std::thread::sleep(Duration::from_millis(5));
            7
        });
        assert_eq!(
            rt.block_on(slow).unwrap(),
            7,
            "the slow task still completes"
        );
        // The one worker survived: it still runs tasks.
        assert_eq!(rt.block_on(rt.spawn(async { 8 })).unwrap(), 8);
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(reports[0].contains("on_slow_poll"), "{reports:?}");
        assert!(
            reports[0].contains("slow-poll handler broke"),
            "{reports:?}"
        );
    });
}

#[test]
fn a_panicking_panic_handler_does_not_stop_later_callbacks() {
    within(LIMIT, || {
        let rt = Builder::new()
            .on_task_panic(|_| panic!("the handler itself broke"))
            .build()
            .unwrap();
        rt.handle().call_soon(|| panic!("callback broke")).unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 0..3 {
            let tx = tx.clone();
            rt.handle().call_soon(move || tx.send(i).unwrap()).unwrap();
        }
        let got: Vec<i32> = (0..3)
            .map(|_| rx.recv_timeout(Duration::from_secs(30)).unwrap())
            .collect();
        assert_eq!(got, [0, 1, 2]);
        // And a callback queued once the runner has gone idle runs too.
        let tx2 = tx.clone();
        rt.handle().call_soon(move || tx2.send(9).unwrap()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(30)).unwrap(), 9);
    });
}

#[test]
fn a_panic_in_a_detached_tasks_output_drop_is_reported() {
    struct BadOutput;
    impl Drop for BadOutput {
        fn drop(&mut self) {
            panic!("output drop broke");
        }
    }
    within(LIMIT, || {
        let (rt, reports) = recording(2);
        let task = rt.spawn(async { BadOutput });
        let watch = task.abort_handle();
        drop(task);
        while !watch.is_finished() {
            std::thread::yield_now();
        }
        drop(rt);
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(reports[0].contains("output drop broke"), "{reports:?}");
    });
}

#[test]
fn a_panicking_join_waker_is_reported_and_the_task_still_completes() {
    within(LIMIT, || {
        let (rt, reports) = recording(2);
        let (tx, rx) = mpsc::channel::<()>();
        let mut task = rt.spawn(async move {
            rx.recv().unwrap(); // (blocking, briefly: the test controls it)
            5
        });
        let waker = Waker::from(Arc::new(PanickingWaker));
        assert!(
            Pin::new(&mut task)
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        tx.send(()).unwrap();
        // Not awaited again (that would replace the broken waker): watched instead.
        while !task.is_finished() {
            std::thread::yield_now();
        }
        let done = Pin::new(&mut task).poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(done, std::task::Poll::Ready(Ok(5))));
        drop(rt);
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(reports[0].contains("broken waker"), "{reports:?}");
    });
}

#[test]
fn a_panicking_waker_woken_by_the_reactor_spares_the_turn_and_the_worker() {
    within(LIMIT, || {
        let (rt, reports) = recording(1);
        let out = rt.block_on(rt.spawn(async {
            // A foreign future's timer, armed with a broken waker...
            let mut broken = Box::pin(weft_reactor::sleep(Duration::from_millis(5)));
            let waker = Waker::from(Arc::new(PanickingWaker));
            assert!(poll_with(&mut broken, &waker).is_pending());
            // ...fires in the same or an earlier turn than ours, which must still complete.
            weft_reactor::sleep(Duration::from_millis(20)).await;
            drop(broken);
            "done"
        }));
        assert_eq!(out.unwrap(), "done");
        drop(rt);
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(reports[0].contains("waker: broken waker"), "{reports:?}");
    });
}

#[test]
fn a_panicking_done_callback_is_reported_and_the_others_still_run() {
    within(LIMIT, || {
        let (rt, reports) = recording(2);
        let fut = rt.handle().run_coroutine_threadsafe(async { 1 });
        let ran = Arc::new(AtomicUsize::new(0));
        fut.add_done_callback(|_| panic!("done-callback broke"));
        let r = ran.clone();
        fut.add_done_callback(move |status| {
            assert_eq!(status, DoneStatus::Completed);
            r.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(fut.result().unwrap(), 1);
        while ran.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        drop(rt);
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(reports[0].contains("done-callback broke"), "{reports:?}");
    });
}

#[test]
fn panics_in_drop_during_shutdown_are_reported_and_every_other_future_is_dropped() {
    struct BadDrop;
    impl Drop for BadDrop {
        fn drop(&mut self) {
            panic!("drop at shutdown broke");
        }
    }
    within(LIMIT, || {
        let (rt, reports) = recording(2);
        let drops = DropCounter::new();
        let mut tasks = Vec::new();
        for i in 0..100 {
            let t = drops.track();
            // Captured, so it is dropped whether or not the task was ever polled.
            let bad = (i % 10 == 0).then(|| BadDrop);
            tasks.push(rt.spawn(async move {
                let _bad = bad;
                let _t = t;
                std::future::pending::<()>().await
            }));
        }
        // Detach them all, so their failures have no handle to go to.
        drop(tasks);
        drop(rt);
        assert_eq!(
            drops.get(),
            100,
            "every future was dropped, despite the panics"
        );
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 10, "{reports:?}");
        assert!(
            reports.iter().all(|r| r.contains("drop at shutdown broke")),
            "{reports:?}"
        );
    });
}

#[test]
fn a_panicking_blocking_job_and_handler_leave_the_pool_working() {
    within(LIMIT, || {
        let rt = Builder::new()
            .max_blocking_threads(1)
            .on_task_panic(|_| panic!("handler broke"))
            .build()
            .unwrap();
        drop(rt.spawn_blocking(|| panic!("job broke")));
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
    });
}

#[test]
fn a_panic_in_drop_during_cancel_becomes_the_tasks_error_not_the_cancellers() {
    struct BadDrop;
    impl Drop for BadDrop {
        fn drop(&mut self) {
            panic!("drop at cancel broke");
        }
    }
    within(LIMIT, || {
        let rt = Runtime::new().unwrap();
        let bad = BadDrop;
        let task = rt.spawn(async move {
            let _bad = bad;
            std::future::pending::<()>().await
        });
        // Let it park, so the cancel below drops the future right here, on this thread.
        while rt.handle().metrics().registered_tasks() == 0 {
            std::thread::yield_now();
        }
        assert!(task.cancel(), "the canceller does not see the panic");
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_panic(), "{err}");
        assert!(err.to_string().contains("drop at cancel broke"), "{err}");
    });
}

#[test]
fn a_panic_dropping_what_a_callback_set_in_its_context_is_reported_and_the_runner_goes_on() {
    struct BadValue;
    impl Drop for BadValue {
        fn drop(&mut self) {
            panic!("context value drop broke");
        }
    }
    static VAR: weft_executor::context::ContextVar<BadValue> =
        weft_executor::context::ContextVar::new("bad");
    within(LIMIT, || {
        let (rt, reports) = recording(1);
        // The value lives only in the context the callback leaves behind, which the runner
        // drops after it returns.
        rt.handle()
            .call_soon(|| {
                VAR.set(BadValue);
            })
            .unwrap();
        let (tx, rx) = mpsc::channel();
        rt.handle().call_soon(move || tx.send(7).unwrap()).unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(30)).unwrap(), 7);
        drop(rt);
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(
            reports[0].contains("context value drop broke"),
            "{reports:?}"
        );
    });
}
