//! loom models of done-callbacks: adding a callback, awaiting, and dropping the handle, each
//! racing the task's completion on another thread. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib loom`.

use crate::DoneStatus;
use crate::task::{Notified, Origin, Schedule, Task, TaskRef, new_task};
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};

#[derive(Clone, Default)]
struct Queue(Arc<loom::sync::Mutex<VecDeque<Notified>>>);

impl Schedule for Queue {
    fn schedule(&self, task: Notified) {
        self.0.lock().unwrap().push_back(task);
    }
    fn release(&self, _task: TaskRef) -> bool {
        false
    }
}

impl Queue {
    fn run_all(&self) {
        loop {
            let next = self.0.lock().unwrap().pop_front();
            match next {
                Some(task) => task.run(),
                None => return,
            }
        }
    }
}

/// Counts the drops of an output (plain std atomic: read only after all joins).
struct Output(std::sync::Arc<AtomicUsize>);
impl Drop for Output {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Pending on its first poll (leaving its waker in `slot`), ready on the next.
struct TwoStep {
    slot: Arc<loom::sync::Mutex<Option<Waker>>>,
    dropped: std::sync::Arc<AtomicUsize>,
}

impl Future for TwoStep {
    type Output = Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        let mut slot = self.slot.lock().unwrap();
        if slot.is_some() {
            return Poll::Ready(Output(self.dropped.clone()));
        }
        *slot = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A task parked after its first poll, and the thread that will finish it.
fn parked_task() -> (
    Task<Output>,
    thread::JoinHandle<()>,
    std::sync::Arc<AtomicUsize>,
) {
    let queue = Queue::default();
    let slot = Arc::new(loom::sync::Mutex::new(None));
    let dropped = std::sync::Arc::new(AtomicUsize::new(0));
    let future = TwoStep {
        slot: slot.clone(),
        dropped: dropped.clone(),
    };
    let (task, notified) = new_task(
        future,
        queue.clone(),
        Origin::at(std::panic::Location::caller()),
    );
    notified.run();
    let waker = slot
        .lock()
        .unwrap()
        .clone()
        .expect("first poll stored its waker");
    let finisher = thread::spawn(move || {
        waker.wake();
        queue.run_all();
    });
    (task, finisher, dropped)
}

/// Records the statuses it was called with.
fn recorder() -> (
    std::sync::Arc<std::sync::Mutex<Vec<DoneStatus>>>,
    impl FnOnce(DoneStatus) + Send + 'static,
) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    (seen, move |status| s.lock().unwrap().push(status))
}

#[test]
fn loom_done_callback_added_racing_completion_runs_once() {
    loom::model(|| {
        let (mut task, finisher, dropped) = parked_task();
        let (seen, callback) = recorder();
        task.add_done_callback(callback);
        finisher.join().unwrap();
        assert_eq!(*seen.lock().unwrap(), [DoneStatus::Completed]);
        let output = task.try_output().expect("complete").unwrap();
        drop(output);
        drop(task);
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

struct Flag(AtomicBool);
impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

#[test]
fn loom_done_callback_keeps_an_awaiter_registered_before_it() {
    loom::model(|| {
        let (mut task, finisher, dropped) = parked_task();
        let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let first = Pin::new(&mut task).poll(&mut cx);
        let (seen, callback) = recorder();
        // Moves the registered waker into the list, racing completion.
        task.add_done_callback(callback);
        finisher.join().unwrap();
        assert_eq!(*seen.lock().unwrap(), [DoneStatus::Completed]);
        if first.is_pending() {
            assert!(flag.0.load(SeqCst), "the awaiter's waker must not be lost");
            assert!(Pin::new(&mut task).poll(&mut cx).is_ready());
        }
        drop(first);
        drop(task);
        assert_eq!(dropped.load(SeqCst), 1);
    });
}

#[test]
fn loom_done_callback_survives_the_handle_dropped_racing_completion() {
    loom::model(|| {
        let (mut task, finisher, dropped) = parked_task();
        let (seen, callback) = recorder();
        task.add_done_callback(callback);
        drop(task);
        finisher.join().unwrap();
        assert_eq!(*seen.lock().unwrap(), [DoneStatus::Completed]);
        assert_eq!(
            dropped.load(SeqCst),
            1,
            "the output is dropped, and the task freed"
        );
    });
}
