//! `Task::add_done_callback`: runs once on completion, at once when added after it, in the
//! order added, with the right status (finished, cancelled, panicked), after the handle was
//! dropped, together with `.await`; a panicking callback is reported and harmless; and
//! 10,000 tasks with callbacks across workers each run theirs exactly once.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft_executor::{Builder, DoneStatus, Runtime};
use weft_test_support::{Gate, within};

fn runtime(workers: usize) -> Runtime {
    Builder::new().worker_threads(workers).build().unwrap()
}

/// A callback that counts its runs and sends its status.
fn counting(
    runs: &Arc<AtomicUsize>,
    tx: &mpsc::Sender<DoneStatus>,
) -> impl FnOnce(DoneStatus) + Send + 'static {
    let runs = runs.clone();
    let tx = tx.clone();
    move |status| {
        runs.fetch_add(1, SeqCst);
        tx.send(status).unwrap();
    }
}

#[test]
fn runs_once_when_the_task_completes() {
    within(Duration::from_secs(10), || {
        let rt = runtime(2);
        let gate = Gate::new();
        let g = gate.clone();
        let mut task = rt.spawn(async move {
            g.wait().await;
            7
        });
        let runs = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        task.add_done_callback(counting(&runs, &tx));
        assert_eq!(runs.load(SeqCst), 0, "not before the task finished");
        gate.open();
        assert_eq!(rx.recv().unwrap(), DoneStatus::Completed);
        assert_eq!(rt.block_on(task).unwrap(), 7);
        drop(rt);
        assert_eq!(runs.load(SeqCst), 1);
    });
}

#[test]
fn runs_at_once_on_the_callers_thread_when_added_after_completion() {
    within(Duration::from_secs(10), || {
        let rt = runtime(2);
        let mut task = rt.spawn(async { 1 });
        rt.block_on(async {
            while !task.is_finished() {
                weft_executor::yield_now().await;
            }
        });
        let ran_on = Arc::new(Mutex::new(None));
        let r = ran_on.clone();
        task.add_done_callback(move |status| {
            *r.lock().unwrap() = Some((status, std::thread::current().id()));
        });
        assert_eq!(
            *ran_on.lock().unwrap(),
            Some((DoneStatus::Completed, std::thread::current().id())),
            "ran before add_done_callback returned, right here"
        );
        assert_eq!(rt.block_on(task).unwrap(), 1, "the output is still there");
    });
}

#[test]
fn several_callbacks_run_in_the_order_added() {
    within(Duration::from_secs(10), || {
        let rt = runtime(2);
        let gate = Gate::new();
        let g = gate.clone();
        let mut task = rt.spawn(async move { g.wait().await });
        let order = Arc::new(Mutex::new(Vec::new()));
        for i in 0..5 {
            let order = order.clone();
            task.add_done_callback(move |_| order.lock().unwrap().push(i));
        }
        gate.open();
        rt.block_on(&mut task).unwrap();
        // One more after completion goes last, at once.
        let o = order.clone();
        task.add_done_callback(move |_| o.lock().unwrap().push(5));
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4, 5]);
    });
}

#[test]
fn a_cancelled_task_runs_its_callbacks_with_cancelled() {
    within(Duration::from_secs(10), || {
        let rt = runtime(2);
        let mut task = rt.spawn(std::future::pending::<()>());
        let runs = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        task.add_done_callback(counting(&runs, &tx));
        assert!(task.cancel());
        assert_eq!(rx.recv().unwrap(), DoneStatus::Cancelled);
        assert!(task.is_finished() && task.is_cancelled());
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(runs.load(SeqCst), 1);
    });
}

#[test]
fn a_panicking_task_runs_its_callbacks_with_panicked() {
    within(Duration::from_secs(10), || {
        let rt = runtime(2);
        let gate = Gate::new();
        let g = gate.clone();
        let mut task = rt.spawn(async move {
            g.wait().await;
            panic!("task failed");
        });
        let runs = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        task.add_done_callback(counting(&runs, &tx));
        gate.open();
        assert_eq!(rx.recv().unwrap(), DoneStatus::Panicked);
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_panic(), "the awaiter still gets the panic: {err}");
        assert_eq!(runs.load(SeqCst), 1);
    });
}

#[test]
fn callbacks_still_run_when_the_handle_was_dropped() {
    within(Duration::from_secs(10), || {
        let reported = Arc::new(Mutex::new(Vec::new()));
        let r = reported.clone();
        let rt = Builder::new()
            .worker_threads(2)
            .on_task_panic(move |err| r.lock().unwrap().push(err.to_string()))
            .build()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let runs = Arc::new(AtomicUsize::new(0));
        let gates: Vec<Gate> = (0..2).map(|_| Gate::new()).collect();
        for (i, gate) in gates.iter().enumerate() {
            let g = gate.clone();
            let mut task = rt.spawn(async move {
                g.wait().await;
                if i == 1 {
                    panic!("nobody retrieves this");
                }
            });
            task.add_done_callback(counting(&runs, &tx));
            drop(task);
        }
        gates[0].open();
        assert_eq!(rx.recv().unwrap(), DoneStatus::Completed);
        gates[1].open();
        assert_eq!(rx.recv().unwrap(), DoneStatus::Panicked);
        drop(rt);
        assert_eq!(runs.load(SeqCst), 2);
        // The detached task's panic is still reported, once, as for any detached task.
        let reported = reported.lock().unwrap();
        assert_eq!(reported.len(), 1, "{reported:?}");
        assert!(
            reported[0].contains("nobody retrieves this"),
            "{reported:?}"
        );
    });
}

#[test]
fn a_dropped_handles_callbacks_run_at_shutdown_cancellation() {
    within(Duration::from_secs(10), || {
        let rt = runtime(2);
        let runs = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        let mut task = rt.spawn(std::future::pending::<()>());
        task.add_done_callback(counting(&runs, &tx));
        drop(task);
        drop(rt);
        assert_eq!(rx.recv().unwrap(), DoneStatus::Cancelled);
        assert_eq!(runs.load(SeqCst), 1);
    });
}

#[test]
fn callbacks_and_await_both_see_the_completion() {
    within(Duration::from_secs(10), || {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        let runs = Arc::new(AtomicUsize::new(0));
        let out = rt.block_on(async {
            let gate = Gate::new();
            let g = gate.clone();
            let mut task = weft_executor::spawn(async move {
                g.wait().await;
                "done"
            });
            // Registered as the awaiter first (a pending poll), then a callback joins in: the
            // awaiter's waker moves into the callback list and must still be woken.
            let first = std::future::poll_fn(|cx| {
                std::task::Poll::Ready(std::pin::Pin::new(&mut task).poll(cx))
            })
            .await;
            assert!(first.is_pending());
            task.add_done_callback(counting(&runs, &tx));
            gate.open();
            task.await.unwrap()
        });
        assert_eq!(out, "done");
        assert_eq!(rx.recv().unwrap(), DoneStatus::Completed);
        assert_eq!(runs.load(SeqCst), 1);
    });
}

#[test]
fn try_output_with_callbacks_keeps_the_status() {
    within(Duration::from_secs(10), || {
        let rt = runtime(1);
        let gate = Gate::new();
        let g = gate.clone();
        let mut task = rt.spawn(async move {
            g.wait().await;
            panic!("kept");
        });
        let (tx, rx) = mpsc::channel();
        let runs = Arc::new(AtomicUsize::new(0));
        task.add_done_callback(counting(&runs, &tx));
        gate.open();
        assert_eq!(rx.recv().unwrap(), DoneStatus::Panicked);
        assert!(task.try_output().unwrap().unwrap_err().is_panic());
        // The output is gone, but the list remembers how the task ended.
        task.add_done_callback(counting(&runs, &tx));
        assert_eq!(rx.try_recv().unwrap(), DoneStatus::Panicked);
        assert_eq!(runs.load(SeqCst), 2);
    });
}

#[test]
fn a_panicking_callback_is_reported_and_the_runtime_keeps_working() {
    within(Duration::from_secs(10), || {
        let reported = Arc::new(Mutex::new(Vec::new()));
        let r = reported.clone();
        let rt = Builder::new()
            .worker_threads(2)
            .on_task_panic(move |err| r.lock().unwrap().push(err.to_string()))
            .build()
            .unwrap();
        let gate = Gate::new();
        let g = gate.clone();
        let mut task = rt.spawn(async move {
            g.wait().await;
            3
        });
        let (tx, rx) = mpsc::channel();
        let runs = Arc::new(AtomicUsize::new(0));
        task.add_done_callback(|_| panic!("callback broke"));
        task.add_done_callback(counting(&runs, &tx));
        gate.open();
        assert_eq!(
            rx.recv().unwrap(),
            DoneStatus::Completed,
            "the next callback still ran"
        );
        assert_eq!(
            rt.block_on(task).unwrap(),
            3,
            "the awaiter still got the output"
        );
        assert_eq!(
            rt.block_on(rt.spawn(async { 4 })).unwrap(),
            4,
            "the runtime still works"
        );
        let reported = reported.lock().unwrap();
        assert_eq!(reported.len(), 1, "{reported:?}");
        assert!(
            reported[0].contains("done-callback") && reported[0].contains("callback broke"),
            "{reported:?}"
        );
    });
}

#[test]
fn ten_thousand_tasks_with_callbacks_across_workers_each_run_once() {
    within(Duration::from_secs(60), || {
        const TASKS: usize = 10_000;
        let rt = runtime(4);
        let runs = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        let mut awaited = Vec::new();
        for i in 0..TASKS {
            let mut task = rt.spawn(async move {
                if i % 3 == 0 {
                    weft_executor::yield_now().await;
                }
                i
            });
            let runs = runs.clone();
            let tx = tx.clone();
            task.add_done_callback(move |status| {
                runs.fetch_add(1, SeqCst);
                tx.send((i, status)).unwrap();
            });
            // Half detached, half awaited: both paths run the callback once.
            if i % 2 == 0 {
                awaited.push(task);
            }
        }
        let outputs = rt.block_on(async move {
            let mut sum = 0;
            for task in awaited {
                sum += task.await.unwrap();
            }
            sum
        });
        assert_eq!(outputs, (0..TASKS).step_by(2).sum::<usize>());
        let mut seen = vec![false; TASKS];
        for _ in 0..TASKS {
            let (i, status) = rx.recv().unwrap();
            assert_eq!(status, DoneStatus::Completed);
            assert!(!seen[i], "task {i}'s callback ran twice");
            seen[i] = true;
        }
        drop(rt);
        assert_eq!(runs.load(SeqCst), TASKS);
    });
}
