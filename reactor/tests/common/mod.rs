//! A tiny test harness standing in for the executor (which depends on this crate).
//!
//! * [`block_on`]: polls one future on this thread and, while it waits, drives the reactor
//!   with `turn(None)`; its waker calls `Reactor::notify`.
//! * [`LocalPool`]: many tasks on this thread, same driving rule; proves each task is woken
//!   (a task is polled only after its waker ran).
//! * [`Driver`] + [`block_on_parked`]: one thread turns the reactor; other threads park until
//!   their waker unparks them. For cross-thread wake-up tests.
//! * `HangGuard`, `DropCounter`, `poll_once`: re-exported from `weft-test-support`.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use weft_reactor::Reactor;

/// A fresh reactor.
pub fn reactor() -> Arc<Reactor> {
    Arc::new(Reactor::new().expect("create reactor"))
}

/// Wakes by setting a flag and nudging the reactor.
struct FlagWaker {
    woken: AtomicBool,
    reactor: Weak<Reactor>,
}

impl Wake for FlagWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if let Some(r) = self.reactor.upgrade() {
            r.notify();
        }
    }
}

/// Runs `future` with `reactor` current and its clock paused: whenever the future waits and
/// no I/O is ready, the clock jumps to the next timer (what a runtime's auto-advance does),
/// so timer tests take no real time.
pub fn block_on_paused<F: Future>(reactor: &Arc<Reactor>, future: F) -> F::Output {
    reactor.pause_clock();
    drive(reactor, future, true)
}

/// Runs `future` with `reactor` current, driving the reactor whenever the future waits.
pub fn block_on<F: Future>(reactor: &Arc<Reactor>, future: F) -> F::Output {
    drive(reactor, future, false)
}

fn drive<F: Future>(reactor: &Arc<Reactor>, future: F, paused: bool) -> F::Output {
    let _enter = weft_reactor::enter(reactor.clone());
    let flag = Arc::new(FlagWaker {
        woken: AtomicBool::new(true),
        reactor: Arc::downgrade(reactor),
    });
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if flag.woken.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
            continue;
        }
        if paused && reactor.turn(Some(Duration::ZERO)) == 0 && reactor.auto_advance() {
            continue;
        }
        reactor.turn(None);
    }
}

/// The waker of one [`LocalPool`] task.
struct TaskWaker {
    index: usize,
    scheduled: AtomicBool,
    queue: Arc<Mutex<VecDeque<usize>>>,
    reactor: Weak<Reactor>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.scheduled.swap(true, Ordering::SeqCst) {
            self.queue.lock().unwrap().push_back(self.index);
            if let Some(r) = self.reactor.upgrade() {
                r.notify();
            }
        }
    }
}

type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// A single-threaded pool that polls a task only when its waker ran.
pub struct LocalPool {
    reactor: Arc<Reactor>,
    tasks: Vec<Option<LocalTask>>,
    wakers: Vec<Arc<TaskWaker>>,
    queue: Arc<Mutex<VecDeque<usize>>>,
}

impl LocalPool {
    pub fn new(reactor: &Arc<Reactor>) -> LocalPool {
        LocalPool {
            reactor: reactor.clone(),
            tasks: Vec::new(),
            wakers: Vec::new(),
            queue: Default::default(),
        }
    }

    pub fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        let index = self.tasks.len();
        self.tasks.push(Some(Box::pin(future)));
        self.wakers.push(Arc::new(TaskWaker {
            index,
            scheduled: AtomicBool::new(true),
            queue: self.queue.clone(),
            reactor: Arc::downgrade(&self.reactor),
        }));
        self.queue.lock().unwrap().push_back(index);
    }

    /// Runs until every task completed.
    pub fn run(&mut self) {
        let _enter = weft_reactor::enter(self.reactor.clone());
        let mut remaining = self.tasks.iter().filter(|t| t.is_some()).count();
        while remaining > 0 {
            let batch: Vec<usize> = self.queue.lock().unwrap().drain(..).collect();
            if batch.is_empty() {
                self.reactor.turn(None);
                continue;
            }
            for index in batch {
                let waker_arc = self.wakers[index].clone();
                waker_arc.scheduled.store(false, Ordering::SeqCst);
                let Some(task) = self.tasks[index].as_mut() else {
                    continue;
                };
                let waker = Waker::from(waker_arc);
                let mut cx = Context::from_waker(&waker);
                if task.as_mut().poll(&mut cx).is_ready() {
                    self.tasks[index] = None;
                    remaining -= 1;
                }
            }
        }
    }
}

/// A thread that turns the reactor until dropped.
pub struct Driver {
    reactor: Arc<Reactor>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Driver {
    pub fn start(reactor: &Arc<Reactor>) -> Driver {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let reactor = reactor.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                let _enter = weft_reactor::enter(reactor.clone());
                while !stop.load(Ordering::SeqCst) {
                    reactor.turn(None);
                }
            })
        };
        Driver {
            reactor: reactor.clone(),
            stop,
            thread: Some(thread),
        }
    }

    /// Spins (yielding) until the driver thread is blocked in the poller.
    pub fn wait_until_blocked(&self) {
        let _guard = HangGuard::new("driver never blocked in the poller", 30);
        while !self.reactor.is_waiting() {
            thread::yield_now();
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.reactor.notify();
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

/// Unparks a thread.
struct ThreadWaker(thread::Thread, AtomicBool);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.1.store(true, Ordering::SeqCst);
        self.0.unpark();
    }
}

/// Runs `future` on this thread with `reactor` current, parking between polls; someone else
/// (a [`Driver`]) must turn the reactor.
pub fn block_on_parked<F: Future>(reactor: &Arc<Reactor>, future: F) -> F::Output {
    let _enter = weft_reactor::enter(reactor.clone());
    let tw = Arc::new(ThreadWaker(thread::current(), AtomicBool::new(true)));
    let waker = Waker::from(tw.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if tw.1.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
        } else {
            thread::park();
        }
    }
}

/// A future that is pending once (waking itself), then ready.
pub struct PendingOnce(pub bool);

impl Future for PendingOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[allow(unused_imports)] // each test binary uses its own subset
pub use weft_test_support::{DropCounter, HangGuard, poll_once};
