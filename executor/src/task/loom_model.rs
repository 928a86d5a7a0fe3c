//! loom models of the task state machine: wake vs run vs cancel vs join-handle drop, the
//! join-waker hand-off and its release, and registration and completion racing shutdown's
//! registry sweep. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib loom`.

use super::{Notified, Schedule, Task, TaskRef, new_task};
use crate::scheduler::registry::Registry;
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

#[derive(Clone, Default)]
struct Queue(Arc<loom::sync::Mutex<VecDeque<Notified>>>);

impl Schedule for Queue {
    fn schedule(&self, task: Notified) {
        self.0.lock().unwrap().push_back(task);
    }
    fn release(&self, _task: super::TaskRef) -> bool {
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

/// Counts drops of futures and outputs (plain std atomics: read only after all joins).
#[derive(Clone, Default)]
struct Counts(std::sync::Arc<[AtomicUsize; 3]>);
const FUTURE_DROPPED: usize = 0;
const OUTPUT_MADE: usize = 1;
const OUTPUT_DROPPED: usize = 2;

impl Counts {
    fn get(&self, i: usize) -> usize {
        self.0[i].load(Ordering::SeqCst)
    }
}

struct Output(Counts);
impl Drop for Output {
    fn drop(&mut self) {
        self.0.0[OUTPUT_DROPPED].fetch_add(1, Ordering::SeqCst);
    }
}

/// Pending on its first poll (leaving its waker in `slot`), ready on the next.
struct TwoStep {
    slot: Arc<loom::sync::Mutex<Option<Waker>>>,
    polled: bool,
    counts: Counts,
}

impl Future for TwoStep {
    type Output = Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        if self.polled {
            self.counts.0[OUTPUT_MADE].fetch_add(1, Ordering::SeqCst);
            return Poll::Ready(Output(self.counts.clone()));
        }
        self.polled = true;
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for TwoStep {
    fn drop(&mut self) {
        self.counts.0[FUTURE_DROPPED].fetch_add(1, Ordering::SeqCst);
    }
}

fn two_step(queue: &Queue) -> (Task<Output>, Arc<loom::sync::Mutex<Option<Waker>>>, Counts) {
    let slot = Arc::new(loom::sync::Mutex::new(None));
    let counts = Counts::default();
    let future = TwoStep {
        slot: slot.clone(),
        polled: false,
        counts: counts.clone(),
    };
    let (task, notified) = new_task(
        future,
        queue.clone(),
        super::Origin::at(std::panic::Location::caller()),
    );
    notified.run();
    (task, slot, counts)
}

#[test]
fn loom_wake_run_cancel_and_detach_race() {
    loom::model(|| {
        let queue = Queue::default();
        let (task, slot, counts) = two_step(&queue);
        let waker = slot
            .lock()
            .unwrap()
            .take()
            .expect("first poll stored its waker");

        let waking = thread::spawn(move || waker.wake());
        let q = queue.clone();
        let running = thread::spawn(move || q.run_all());
        let cancelled = task.cancel();
        drop(task);
        waking.join().unwrap();
        running.join().unwrap();
        queue.run_all();

        assert_eq!(
            counts.get(FUTURE_DROPPED),
            1,
            "the future is dropped exactly once"
        );
        assert_eq!(
            counts.get(OUTPUT_MADE),
            counts.get(OUTPUT_DROPPED),
            "every output is dropped"
        );
        if cancelled {
            // cancel() returned true: whatever the interleaving, no output survived.
            assert_eq!(counts.get(OUTPUT_MADE), counts.get(OUTPUT_DROPPED));
        }
    });
}

struct Flag(std::sync::atomic::AtomicBool);
impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn loom_join_waker_is_never_lost() {
    loom::model(|| {
        let queue = Queue::default();
        let (mut task, slot, counts) = two_step(&queue);
        let waker = slot.lock().unwrap().take().unwrap();
        let q = queue.clone();
        let finisher = thread::spawn(move || {
            waker.wake();
            q.run_all();
        });
        let flag = std::sync::Arc::new(Flag(std::sync::atomic::AtomicBool::new(false)));
        let join_waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&join_waker);
        let first = Pin::new(&mut task).poll(&mut cx);
        finisher.join().unwrap();
        let output = match first {
            Poll::Ready(out) => out,
            Poll::Pending => {
                assert!(
                    flag.0.load(Ordering::SeqCst),
                    "completion must wake the registered joiner"
                );
                match Pin::new(&mut task).poll(&mut cx) {
                    Poll::Ready(out) => out,
                    Poll::Pending => panic!("woken but not complete"),
                }
            }
        };
        assert!(output.is_ok());
        drop(output);
        drop(task);
        assert_eq!(counts.get(OUTPUT_DROPPED), 1);
        assert_eq!(counts.get(FUTURE_DROPPED), 1);
    });
}

#[test]
fn loom_wake_by_ref_while_running_requeues_once() {
    loom::model(|| {
        let queue = Queue::default();
        let (task, slot, counts) = two_step(&queue);
        let waker = slot.lock().unwrap().take().unwrap();
        let w2 = waker.clone();
        let a = thread::spawn(move || w2.wake_by_ref());
        let q = queue.clone();
        let b = thread::spawn(move || q.run_all());
        waker.wake_by_ref();
        drop(waker);
        a.join().unwrap();
        b.join().unwrap();
        queue.run_all();
        assert!(task.is_finished());
        assert_eq!(
            counts.get(OUTPUT_MADE),
            1,
            "polled to completion exactly once"
        );
        drop(task);
        assert_eq!(counts.get(OUTPUT_DROPPED), 1);
    });
}

/// Counts the deallocations of the cells that own one (each test task's scheduler does).
struct CellDropped(std::sync::Arc<AtomicUsize>);
impl Drop for CellDropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The runtime's arrangement in small: a queue, and a registry of idle tasks that shutdown
/// closes and cancels.
struct Registered {
    queue: Queue,
    registry: Arc<Registry>,
    _cell: CellDropped,
}

impl Schedule for Registered {
    fn schedule(&self, task: Notified) {
        self.queue.schedule(task);
    }
    fn register(&self, task: TaskRef) -> bool {
        self.registry.register(task)
    }
    fn release(&self, task: TaskRef) -> bool {
        self.registry.release(task)
    }
}

/// A two-step task on a `Registered` scheduler; returns the handle, its queue entry, the
/// future's waker slot, its counts and the cell-deallocation counter.
#[allow(clippy::type_complexity)]
fn registered_task(
    queue: &Queue,
    registry: &Arc<Registry>,
) -> (
    Task<Output>,
    Notified,
    Arc<loom::sync::Mutex<Option<Waker>>>,
    Counts,
    std::sync::Arc<AtomicUsize>,
) {
    let slot = Arc::new(loom::sync::Mutex::new(None));
    let counts = Counts::default();
    let cells = std::sync::Arc::new(AtomicUsize::new(0));
    let future = TwoStep {
        slot: slot.clone(),
        polled: false,
        counts: counts.clone(),
    };
    let scheduler = Registered {
        queue: queue.clone(),
        registry: registry.clone(),
        _cell: CellDropped(cells.clone()),
    };
    let (task, notified) = new_task(
        future,
        scheduler,
        super::Origin::at(std::panic::Location::caller()),
    );
    (task, notified, slot, counts, cells)
}

/// Shutdown closes the registry and cancels what it holds while the task's first poll
/// registers it (or is refused): either way the future is dropped exactly once, the task
/// ends cancelled, and the cell is freed exactly once.
#[test]
fn loom_registering_races_shutdown() {
    loom::model(|| {
        let queue = Queue::default();
        let registry = Arc::new(Registry::new(1));
        let (task, entry, slot, counts, cells) = registered_task(&queue, &registry);
        let runner = thread::spawn(move || entry.run());
        for idle in registry.close_and_take() {
            idle.cancel_and_release();
        }
        runner.join().unwrap();
        queue.run_all();
        drop(slot.lock().unwrap().take());
        assert!(task.is_finished());
        assert_eq!(counts.get(FUTURE_DROPPED), 1);
        drop(task);
        assert_eq!(
            cells.load(Ordering::SeqCst),
            1,
            "the cell is freed exactly once"
        );
    });
}

/// A registered idle task is woken and runs to completion (leaving the registry) while
/// shutdown takes the registry's tasks and cancels them: the registry's reference is
/// released exactly once, by whichever side got it.
#[test]
fn loom_completing_races_shutdown() {
    loom::model(|| {
        let queue = Queue::default();
        let registry = Arc::new(Registry::new(1));
        let (task, entry, slot, counts, cells) = registered_task(&queue, &registry);
        entry.run(); // idle, registered
        let waker = slot.lock().unwrap().take().expect("parked");
        let q = queue.clone();
        let finisher = thread::spawn(move || {
            waker.wake();
            q.run_all();
        });
        for idle in registry.close_and_take() {
            idle.cancel_and_release();
        }
        finisher.join().unwrap();
        queue.run_all();
        assert!(task.is_finished());
        assert_eq!(counts.get(FUTURE_DROPPED), 1);
        drop(task);
        assert_eq!(counts.get(OUTPUT_MADE), counts.get(OUTPUT_DROPPED));
        assert_eq!(
            cells.load(Ordering::SeqCst),
            1,
            "the cell is freed exactly once"
        );
    });
}

/// A join waker stored by the handle is dropped exactly once whether the handle or the
/// completing runner lets go of the slot last, and the cell is freed: no waker (and so no
/// awaiting task) is kept alive by a task whose handle is gone.
#[test]
fn loom_join_waker_is_released_when_the_handle_races_completion() {
    loom::model(|| {
        let queue = Queue::default();
        let registry = Arc::new(Registry::new(1));
        let (mut task, entry, slot, counts, cells) = registered_task(&queue, &registry);
        entry.run();
        let waker = slot.lock().unwrap().take().expect("parked");
        let flag = std::sync::Arc::new(Flag(std::sync::atomic::AtomicBool::new(false)));
        let join_waker = Waker::from(flag.clone());
        assert!(
            Pin::new(&mut task)
                .poll(&mut Context::from_waker(&join_waker))
                .is_pending()
        );
        drop(join_waker);
        let q = queue.clone();
        let finisher = thread::spawn(move || {
            waker.wake();
            q.run_all();
        });
        drop(task);
        finisher.join().unwrap();
        assert_eq!(
            std::sync::Arc::strong_count(&flag),
            1,
            "the stored join waker was dropped exactly once"
        );
        assert_eq!(counts.get(OUTPUT_MADE), counts.get(OUTPUT_DROPPED));
        assert_eq!(
            cells.load(Ordering::SeqCst),
            1,
            "the cell is freed exactly once"
        );
    });
}
