//! Test drivers for weft-sync: a deterministic single-threaded executor that mimics
//! asyncio's scheduling; the generic helpers (a thread-parking `block_on`, hang guards,
//! counting wakers) come from `weft-test-support`.
//!
//! The executor keeps one FIFO run queue. `spawn` queues a task's first step (asyncio's
//! `create_task` uses `call_soon`), a wake queues the task once, and [`Executor::run_once`]
//! runs exactly the tasks that were queued when it started, like one iteration of asyncio's
//! loop. So `ex.run_once()` in a test body plays the part of `await asyncio.sleep(0)` in the
//! CPython test being ported, and orderings such as `Event` `test_wait`'s `[3, 1, 2]` can be
//! checked exactly. `Task::cancel` is delivered the asyncio way: the task is queued, and when
//! its turn comes its future is dropped instead of polled.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

type LocalFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// A single-threaded executor with asyncio's FIFO scheduling. Futures may borrow anything
/// that outlives the executor.
pub struct Executor<'a> {
    tasks: RefCell<Vec<Option<TaskSlot<'a>>>>,
    run_queue: Arc<Mutex<VecDeque<usize>>>,
}

struct TaskSlot<'a> {
    future: LocalFuture<'a>,
    waker: Arc<TaskWaker>,
    cancel: Rc<CancelFlag>,
    /// Records the task as cancelled (set after its future was dropped).
    mark_cancelled: Box<dyn FnOnce() + 'a>,
}

/// Set when the task should be dropped at its next turn.
type CancelFlag = std::cell::Cell<bool>;

struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    run_queue: Arc<Mutex<VecDeque<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::SeqCst) {
            self.run_queue.lock().unwrap().push_back(self.id);
        }
    }
}

/// What became of a spawned task.
#[derive(Debug)]
enum Outcome<T> {
    Running,
    Done(Option<T>),
    Cancelled,
}

/// A handle to a task spawned on an [`Executor`].
pub struct Task<T> {
    outcome: Rc<RefCell<Outcome<T>>>,
    cancel: Rc<CancelFlag>,
    waker: Arc<TaskWaker>,
}

impl<T> Task<T> {
    /// Whether the task finished (returned or was cancelled).
    pub fn done(&self) -> bool {
        !matches!(*self.outcome.borrow(), Outcome::Running)
    }

    /// Whether the task was cancelled before it finished.
    pub fn cancelled(&self) -> bool {
        matches!(*self.outcome.borrow(), Outcome::Cancelled)
    }

    /// The task's return value; panics unless it returned.
    pub fn result(&self) -> T {
        match &mut *self.outcome.borrow_mut() {
            Outcome::Done(value) => value.take().expect("result already taken"),
            other => panic!("task has no result: {}", describe(other)),
        }
    }

    /// Requests cancellation: at its next turn the task's future is dropped, not polled.
    pub fn cancel(&self) {
        if !self.done() {
            self.cancel.set(true);
            self.waker.wake_by_ref();
        }
    }
}

fn describe<T>(outcome: &Outcome<T>) -> &'static str {
    match outcome {
        Outcome::Running => "still running",
        Outcome::Done(_) => "result already taken",
        Outcome::Cancelled => "cancelled",
    }
}

impl<'a> Executor<'a> {
    pub fn new() -> Self {
        Executor {
            tasks: RefCell::new(Vec::new()),
            run_queue: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    /// Queues a new task (its first step runs at its turn, as with `create_task`).
    pub fn spawn<T: 'a>(&self, future: impl Future<Output = T> + 'a) -> Task<T> {
        let outcome = Rc::new(RefCell::new(Outcome::Running));
        let cancel = Rc::new(CancelFlag::new(false));
        let mut tasks = self.tasks.borrow_mut();
        let id = tasks.len();
        let waker = Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(false),
            run_queue: self.run_queue.clone(),
        });
        let slot = outcome.clone();
        let cancelled = outcome.clone();
        tasks.push(Some(TaskSlot {
            mark_cancelled: Box::new(move || *cancelled.borrow_mut() = Outcome::Cancelled),
            future: Box::pin(async move {
                let value = future.await;
                *slot.borrow_mut() = Outcome::Done(Some(value));
            }),
            waker: waker.clone(),
            cancel: cancel.clone(),
        }));
        waker.wake_by_ref();
        Task {
            outcome,
            cancel,
            waker,
        }
    }

    /// Runs the tasks queued right now, once each (one asyncio loop iteration); tasks woken
    /// meanwhile wait for the next call. Returns how many steps ran.
    pub fn run_once(&self) -> usize {
        let batch: Vec<usize> = self.run_queue.lock().unwrap().drain(..).collect();
        for &id in &batch {
            self.step(id);
        }
        batch.len()
    }

    /// Runs until no task is queued.
    pub fn run_until_stalled(&self) {
        while self.run_once() > 0 {}
    }

    /// Spawns `future` and runs the executor until it completes; panics if it stalls first.
    pub fn block_on<T: 'a>(&self, future: impl Future<Output = T> + 'a) -> T {
        let task = self.spawn(future);
        while !task.done() {
            assert!(self.run_once() > 0, "block_on: the executor stalled");
        }
        task.result()
    }

    fn step(&self, id: usize) {
        let Some(mut slot) = self.tasks.borrow_mut()[id].take() else {
            return; // finished; a late wake
        };
        slot.waker.queued.store(false, Ordering::SeqCst);
        if slot.cancel.get() {
            drop(slot.future);
            (slot.mark_cancelled)();
            return;
        }
        let waker = Waker::from(slot.waker.clone());
        let mut cx = Context::from_waker(&waker);
        let done = weft_coop::with_budget(|| slot.future.as_mut().poll(&mut cx).is_ready());
        if !done {
            self.tasks.borrow_mut()[id] = Some(slot);
        }
    }
}

impl Drop for Executor<'_> {
    fn drop(&mut self) {
        // Drop pending futures in spawn order, outside the RefCell borrow.
        let tasks = std::mem::take(&mut *self.tasks.borrow_mut());
        drop(tasks);
    }
}

#[allow(unused_imports)] // each test binary uses its own subset
pub use weft_test_support::{CountingWaker, block_on, poll_once, poll_with, within, yield_now};
