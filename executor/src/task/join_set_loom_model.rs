//! loom models of a `JoinSet`'s ready list: a task finishing on another thread races
//! `join_next` between its check of the list and its waker registration, and the task's
//! join-waker registration itself (at insert) races the task completing. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib loom`.

use super::{EntryWaker, JoinSet, ReadyList};
use crate::task::{Notified, Origin, Schedule, TaskRef, new_task};
use loom::thread;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Wakes a parked loom thread.
struct Unparker(thread::Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` on the current loom thread, parking between polls: a lost wake-up leaves
/// every thread parked, which loom reports as a deadlock.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

#[test]
fn loom_join_set_completion_racing_join_next_is_never_lost() {
    loom::model(|| {
        let list = Arc::new(ReadyList::new());
        let wakers: Vec<Waker> = (0..2)
            .map(|slot| {
                Waker::from(Arc::new(EntryWaker {
                    list: list.clone(),
                    slot,
                    key: slot as u64,
                }))
            })
            .collect();
        let finishers: Vec<_> = wakers
            .into_iter()
            .map(|waker| thread::spawn(move || waker.wake()))
            .collect();
        // `block_on` parks until woken: a push that slipped between the check and the
        // registration would leave it parked forever, which loom reports as a deadlock.
        let mut got = Vec::new();
        while got.len() < 2 {
            let next = block_on(poll_fn(|cx| match list.pop_or_register(cx.waker()) {
                Some(entry) => Poll::Ready(entry),
                None => Poll::Pending,
            }));
            got.push(next);
        }
        got.sort();
        assert_eq!(got, [(0, 0), (1, 1)]);
        for finisher in finishers {
            finisher.join().unwrap();
        }
    });
}

/// Runs its tasks when told to, on whichever thread calls `run_all`.
#[derive(Clone, Default)]
struct Queue(loom::sync::Arc<loom::sync::Mutex<VecDeque<Notified>>>);

impl Schedule for Queue {
    fn schedule(&self, task: Notified) {
        self.0.lock().unwrap().push_back(task);
    }
    fn release(&self, _task: TaskRef) -> bool {
        false
    }
}

#[test]
fn loom_join_set_task_finishing_while_inserted_is_joined() {
    loom::model(|| {
        let queue = Queue::default();
        let (task, entry) = new_task(
            async { 42u32 },
            queue.clone(),
            Origin::at(std::panic::Location::caller()),
        );
        // The task runs on another thread while the set registers its join waker.
        let runner = thread::spawn(move || entry.run());
        let mut set = JoinSet::new();
        set.insert(task);
        let out = block_on(poll_fn(|cx| set.poll_join_next(cx)));
        assert_eq!(out.unwrap().unwrap(), 42);
        assert!(set.is_empty());
        runner.join().unwrap();
        drop(queue);
    });
}
