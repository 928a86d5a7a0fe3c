//! Eager tasks (asyncio 3.12's eager task factory): polled inside `spawn` until they first
//! wait; finished ones never queued; `current()` and the spawn tree as for queued tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft_executor::task::{self, TaskId};
use weft_executor::{Builder, Runtime};
use weft_test_support::within;

fn rt(eager_runtime: bool) -> Runtime {
    Builder::new()
        .worker_threads(1)
        .eager_tasks(eager_runtime)
        .build()
        .unwrap()
}

/// Polls of every worker so far: an eager task that finishes inside `spawn` adds none.
fn worker_polls(rt: &Runtime) -> u64 {
    rt.handle()
        .metrics()
        .per_worker()
        .iter()
        .map(|w| w.polls())
        .sum()
}

#[test]
fn an_eager_task_that_completes_at_once_is_finished_after_spawn_and_never_queued() {
    within(Duration::from_secs(30), || {
        let rt = rt(false);
        let before = worker_polls(&rt);
        let thread = std::thread::current().id();
        let (finished, ran_here, value) = rt.block_on(async move {
            let task = task::Builder::new()
                .eager(true)
                .spawn(async move { (std::thread::current().id() == thread, 7) });
            let finished = task.is_finished();
            let (here, value) = task.await.unwrap();
            (finished, here, value)
        });
        assert!(finished, "completed inside spawn");
        assert!(ran_here, "polled on the spawning thread");
        assert_eq!(value, 7);
        assert_eq!(rt.handle().metrics().global_queue_depth(), 0);
        assert_eq!(worker_polls(&rt), before, "no worker ever ran it");
    });
}

#[test]
fn a_queued_task_is_not_finished_after_spawn() {
    // The control for the test above: the same spawn without `eager` goes through a worker.
    within(Duration::from_secs(30), || {
        let rt = rt(false);
        let gate = Arc::new(std::sync::Barrier::new(2));
        let g = gate.clone();
        // Keep the only worker busy so the queued task cannot run before we look.
        let busy = rt.spawn(async move {
            g.wait();
        });
        let finished = rt.block_on(async {
            let task = task::Builder::new().spawn(async { 7 });
            let finished = task.is_finished();
            gate.wait();
            assert_eq!(task.await.unwrap(), 7);
            finished
        });
        rt.block_on(busy).unwrap();
        assert!(!finished);
    });
}

#[test]
fn an_eager_task_sees_itself_as_current_and_its_spawner_as_parent() {
    within(Duration::from_secs(30), || {
        let rt = rt(false);
        let handle = rt.handle().clone();
        rt.block_on(async move {
            let outer = weft_executor::spawn(async move {
                let me = task::current().unwrap().id();
                let seen: Arc<parking_lot::Mutex<Option<TaskId>>> = Default::default();
                let s = seen.clone();
                let (release, wait) = weft_sync::oneshot::channel::<()>();
                let child =
                    task::Builder::new()
                        .name("eager-child")
                        .eager(true)
                        .spawn(async move {
                            let current = task::current().unwrap();
                            assert_eq!(current.name(), "eager-child");
                            *s.lock() = Some(current.id());
                            // Wait, so the task goes idle: registered, listed with its parent.
                            wait.await.unwrap();
                        });
                // After the eager poll the spawner is current again.
                assert_eq!(task::current().unwrap().id(), me);
                let seen_id = seen.lock().take();
                assert_eq!(
                    seen_id,
                    Some(child.id()),
                    "current() inside the eager poll is the child"
                );
                let listed = handle.tasks().into_iter().find(|t| t.id() == child.id());
                assert_eq!(
                    listed.map(|t| t.parent()),
                    Some(Some(me)),
                    "the spawner is the parent"
                );
                release.send(()).unwrap();
                child.await.unwrap();
            });
            outer.await.unwrap();
        });
    });
}

#[test]
fn an_eager_task_that_waits_is_woken_and_finishes_like_any_task() {
    within(Duration::from_secs(30), || {
        let rt = rt(false);
        rt.block_on(async {
            let (tx, rx) = weft_sync::oneshot::channel::<u32>();
            let polls = Arc::new(AtomicUsize::new(0));
            let p = polls.clone();
            let task = task::Builder::new().eager(true).spawn(async move {
                p.fetch_add(1, Ordering::SeqCst);
                rx.await.unwrap() + 1
            });
            assert_eq!(
                polls.load(Ordering::SeqCst),
                1,
                "its first poll ran inside spawn"
            );
            assert!(!task.is_finished());
            tx.send(41).unwrap();
            assert_eq!(task.await.unwrap(), 42);
        });
    });
}

#[test]
fn an_eager_runtime_makes_every_spawn_eager_but_callbacks_still_run_later() {
    within(Duration::from_secs(30), || {
        let rt = rt(true);
        rt.block_on(async {
            let task = weft_executor::spawn(async { 1 });
            assert!(task.is_finished());
            // Opting out on an eager runtime.
            let queued = task::Builder::new().eager(false).spawn(async { 2 });
            assert_eq!(queued.await.unwrap(), 2);
            // `call_soon` does not run its callback before returning. The check runs on the
            // one worker, so the callback (which also needs that worker) cannot race it.
            let on_worker = task::Builder::new().eager(false).spawn(async {
                let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
                let r = ran.clone();
                let (tx, rx) = weft_sync::oneshot::channel();
                weft_executor::Handle::current()
                    .call_soon(move || {
                        r.store(true, Ordering::SeqCst);
                        let _ = tx.send(());
                    })
                    .unwrap();
                let ran_inside_call_soon = ran.load(Ordering::SeqCst);
                rx.await.unwrap();
                ran_inside_call_soon
            });
            assert!(
                !on_worker.await.unwrap(),
                "the callback ran inside call_soon"
            );
            assert_eq!(task.await.unwrap(), 1);
        });
    });
}

#[test]
fn eager_spawns_nest_and_panics_become_join_errors() {
    within(Duration::from_secs(30), || {
        let rt = rt(true);
        rt.block_on(async {
            let outer = weft_executor::spawn(async {
                let inner = weft_executor::spawn(async { 3 });
                assert!(inner.is_finished());
                inner.await.unwrap() * 2
            });
            assert!(outer.is_finished());
            assert_eq!(outer.await.unwrap(), 6);
            let failed = weft_executor::spawn(async { panic!("eager boom") });
            assert!(failed.is_finished());
            assert!(failed.await.unwrap_err().is_panic());
        });
    });
}
