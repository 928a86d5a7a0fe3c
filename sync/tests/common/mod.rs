//! Test drivers for weft-sync: a deterministic single-threaded executor that mimics
//! asyncio's scheduling, a thread-parking `block_on`, and small helpers.
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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

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

/// Yields once: the task goes to the back of the run queue (asyncio's `sleep(0)`).
pub fn yield_now() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// Polls `future` once with a waker that does nothing.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// A waker that counts how often it is woken.
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct ThreadUnparker {
    thread: thread::Thread,
    woken: AtomicBool,
}

impl Wake for ThreadUnparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on this thread, parking while it is pending. Inside, leaf
/// futures see a cooperative budget as they would in a weft task.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let unparker = Arc::new(ThreadUnparker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = weft_coop::with_budget(|| future.as_mut().poll(&mut cx)) {
            return output;
        }
        // Spin, then yield, before parking: under contention a hand-off usually arrives
        // within microseconds, and catching it awake saves a futex wait and wake.
        let mut rounds = 0;
        while !unparker.woken.swap(false, Ordering::Acquire) {
            if rounds < 32 {
                std::hint::spin_loop();
            } else if rounds < 48 {
                thread::yield_now();
            } else {
                thread::park();
            }
            rounds += 1;
        }
    }
}

/// Runs `body` on its own thread and fails the test if it has not finished within
/// `limit` (a hang guard, not a speed check).
pub fn with_hang_guard<T: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        let value = body();
        let _ = done.send(());
        value
    });
    match finished.recv_timeout(limit) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test still running after {limit:?}: deadlock or lost wake-up")
        }
    }
}
