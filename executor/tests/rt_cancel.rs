//! Cancellation: idle, queued, running, self-cancel, finished; the future is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft_executor::{Runtime, Task};
use weft_test_support::{DropCounter, within};

#[test]
fn cancelling_an_idle_task_drops_its_future_right_away() {
    let rt = Runtime::new().unwrap();
    let drops = DropCounter::new();
    let tracked = drops.track();
    let started = Arc::new(std::sync::Barrier::new(2));
    let s = started.clone();
    let task = rt.spawn(async move {
        let _keep = tracked;
        s.wait();
        std::future::pending::<()>().await;
    });
    started.wait();
    // The task is now parked in `pending` (or about to be); cancel drops the future either
    // immediately or when the poll ends.
    assert!(task.cancel());
    let err = rt.block_on(task).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(drops.get(), 1);
    assert!(err.to_string().contains("was cancelled"), "{err}");
}

#[test]
fn cancel_is_idempotent_and_the_outcome_is_cancelled() {
    within(Duration::from_secs(30), || {
        // One worker, held busy, so the cancelled task cannot finish between the two calls
        // (asyncio: `cancel()` is true until the task is done, false after).
        let rt = weft_executor::Builder::new()
            .worker_threads(1)
            .build()
            .unwrap();
        let (busy_tx, busy_rx) = std::sync::mpsc::channel::<()>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let blocker = rt.spawn(async move {
            busy_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        busy_rx.recv().unwrap();
        let task = rt.spawn(std::future::pending::<u8>());
        assert!(task.cancel());
        assert!(task.cancel());
        release_tx.send(()).unwrap();
        rt.block_on(blocker).unwrap();
        let abort = task.abort_handle();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert!(!abort.cancel(), "cancelling a finished task reports false");
    });
}

#[test]
fn cancelling_a_running_task_drops_it_at_its_next_scheduling_point() {
    within(Duration::from_secs(30), || {
        let rt = Runtime::new().unwrap();
        let drops = DropCounter::new();
        let tracked = drops.track();
        let in_poll = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let (ip, rel) = (in_poll.clone(), release.clone());
        let task = rt.spawn(async move {
            let _keep = tracked;
            ip.store(true, Ordering::SeqCst);
            while !rel.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
            weft_executor::yield_now().await;
            unreachable!("cancelled before resuming");
        });
        while !in_poll.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        assert!(task.cancel(), "running: cancel is accepted");
        assert_eq!(drops.get(), 0, "not dropped in the middle of a poll");
        release.store(true, Ordering::SeqCst);
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(drops.get(), 1);
    });
}

#[test]
fn a_task_that_cancels_itself_ends_cancelled_even_if_it_returns() {
    within(Duration::from_secs(30), || {
        let rt = Runtime::new().unwrap();
        let slot: Arc<parking_lot::Mutex<Option<Task<u32>>>> = Arc::default();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let go_rx = parking_lot::Mutex::new(go_rx);
        let me = slot.clone();
        let task = rt.spawn(async move {
            go_rx.lock().recv().unwrap();
            assert!(me.lock().as_ref().unwrap().cancel());
            42 // asyncio test_cancel_at_end: the task still ends cancelled
        });
        *slot.lock() = Some(task);
        go_tx.send(()).unwrap();
        while !slot.lock().as_ref().unwrap().is_finished() {
            std::thread::yield_now();
        }
        let task = slot.lock().take().unwrap();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
    });
}

#[test]
fn cancel_of_a_finished_task_returns_false_and_keeps_the_output() {
    let rt = Runtime::new().unwrap();
    let task = rt.spawn(async { String::from("kept") });
    while !task.is_finished() {
        std::thread::yield_now();
    }
    assert!(!task.cancel());
    assert_eq!(rt.block_on(task).unwrap(), "kept");
}

#[test]
fn a_cancelled_blocking_job_that_has_not_started_never_runs() {
    let rt = weft_executor::Builder::new()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let gate = Arc::new(std::sync::Barrier::new(2));
    let g = gate.clone();
    let first = rt.spawn_blocking(move || {
        g.wait();
    });
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let second = rt.spawn_blocking(move || r.store(true, Ordering::SeqCst));
    assert!(second.cancel());
    gate.wait();
    rt.block_on(first).unwrap();
    assert!(rt.block_on(second).unwrap_err().is_cancelled());
    assert!(!ran.load(Ordering::SeqCst));
}
