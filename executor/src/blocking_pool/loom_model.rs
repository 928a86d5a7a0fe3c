//! loom models of the blocking pool's hand-offs (`counts.rs` states the invariant: while a
//! job is queued some thread is awake, or none can be had). Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib loom`.
//!
//! - A job submitted while the pool's only thread finishes its job, goes to sleep and is
//!   woken again, is taken by that thread — never stranded — and shutdown then finds every
//!   thread.
//! - A job queued behind a job that blocks until the second one has run gets a thread of its
//!   own: whichever of the submitter and the thread entering the closure sees the other's
//!   write starts it.

use super::BlockingPool;
use crate::task;
use loom::sync::{Condvar, Mutex};
use std::sync::Arc;
use std::time::Duration;

fn pool(max_threads: usize) -> BlockingPool {
    let name: Arc<dyn Fn() -> String + Send + Sync> = Arc::new(|| "pool".into());
    BlockingPool::new(
        max_threads,
        Duration::from_secs(10),
        name,
        Arc::new(|_| {}),
        Default::default(),
    )
}

fn origin() -> task::Origin {
    task::Origin::at(std::panic::Location::caller())
}

#[test]
fn loom_a_job_submitted_while_a_thread_finishes_is_never_stranded() {
    loom::model(|| {
        let pool = pool(1);
        let first = pool.spawn(|| 1, origin());
        let second = pool.spawn(|| 2, origin());
        while !(first.is_finished() && second.is_finished()) {
            loom::thread::yield_now();
        }
        assert!(pool.shutdown(Duration::from_secs(10)));
        assert_eq!(pool.load().threads, 0);
    });
}

#[test]
fn loom_a_job_queued_behind_a_blocking_job_gets_a_thread() {
    loom::model(|| {
        let pool = pool(2);
        // Counts the jobs that got past the gate. The first job waits at the gate until the
        // second opens it: a job stranded behind the first leaves every thread blocked, which
        // loom reports as a deadlock.
        let gate = Arc::new((Mutex::new((false, 0)), Condvar::new()));
        let g = gate.clone();
        drop(pool.spawn(
            move || {
                let (state, changed) = &*g;
                let mut state = state.lock().unwrap();
                while !state.0 {
                    state = changed.wait(state).unwrap();
                }
                state.1 += 1;
                changed.notify_all();
            },
            origin(),
        ));
        let g = gate.clone();
        drop(pool.spawn(
            move || {
                let (state, changed) = &*g;
                let mut state = state.lock().unwrap();
                *state = (true, state.1 + 1);
                changed.notify_all();
            },
            origin(),
        ));
        let (state, changed) = &*gate;
        let mut passed = state.lock().unwrap();
        while passed.1 < 2 {
            passed = changed.wait(passed).unwrap();
        }
        drop(passed);
        assert!(pool.shutdown(Duration::from_secs(10)));
        assert_eq!(pool.load().threads, 0);
    });
}
