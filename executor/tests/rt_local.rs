//! `spawn_local`: `!Send` tasks on the thread inside `run`/`block_on`, and refusing nested
//! `run`/`block_on` calls.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;
use weft_executor::{Runtime, run, spawn, spawn_local};
use weft_test_support::within;

const LIMIT: Duration = Duration::from_secs(60);

/// Records the thread it was dropped on.
struct DropsOn(Arc<Mutex<Vec<ThreadId>>>);

impl Drop for DropsOn {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(std::thread::current().id());
    }
}

#[test]
fn local_tasks_run_on_the_block_on_thread_interleaved_with_the_root() {
    within(LIMIT, || {
        let here = std::thread::current().id();
        let log = run(async move {
            let log = Rc::new(RefCell::new(Vec::new())); // not Send
            let (a, b) = (log.clone(), log.clone());
            let first = spawn_local(async move {
                a.borrow_mut().push(("first", std::thread::current().id()));
                // A wait served by a worker's timer: the wake comes from another thread.
                weft_reactor::sleep(Duration::from_millis(5)).await;
                a.borrow_mut()
                    .push(("first again", std::thread::current().id()));
            });
            let second = spawn_local(async move {
                b.borrow_mut().push(("second", std::thread::current().id()));
            });
            first.await.unwrap();
            second.await.unwrap();
            Rc::try_unwrap(log).unwrap().into_inner()
        });
        let names: Vec<_> = log.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["first", "second", "first again"]);
        assert!(
            log.iter().all(|(_, t)| *t == here),
            "every poll on this thread"
        );
    });
}

#[test]
fn local_tasks_left_at_the_end_are_cancelled_and_dropped_on_that_thread() {
    within(LIMIT, || {
        let drops = Arc::new(Mutex::new(Vec::new()));
        let d = drops.clone();
        let here = std::thread::current().id();
        let detached = run(async move {
            let guard = DropsOn(d.clone());
            let _local = Rc::new(()); // the task is !Send
            let task = spawn_local(async move {
                let _guard = guard;
                let _local = _local;
                std::future::pending::<()>().await
            });
            weft_executor::yield_now().await; // let it start and park
            task.abort_handle()
        });
        assert!(detached.is_finished());
        assert_eq!(*drops.lock().unwrap(), [here]);
    });
}

#[test]
fn a_cancel_from_another_thread_drops_the_future_on_its_own_thread() {
    within(LIMIT, || {
        let drops = Arc::new(Mutex::new(Vec::new()));
        let d = drops.clone();
        let here = std::thread::current().id();
        run(async move {
            let guard = DropsOn(d);
            let task = spawn_local(async move {
                let _guard = guard;
                let _not_send = Rc::new(());
                std::future::pending::<()>().await
            });
            weft_executor::yield_now().await;
            let abort = task.abort_handle();
            // Cancelled on a worker thread: the drop must still happen here.
            assert!(spawn(async move { abort.cancel() }).await.unwrap());
            assert!(task.await.unwrap_err().is_cancelled());
        });
        assert_eq!(*drops.lock().unwrap(), [here]);
    });
}

#[test]
fn spawn_local_outside_run_says_where_to_call_it() {
    let rt = Runtime::new().unwrap();
    let err =
        rt.block_on(rt.spawn(async {
            std::panic::catch_unwind(|| drop(spawn_local(async {}))).unwrap_err()
        }))
        .unwrap();
    let msg = weft_coop::panic_message(&*err);
    assert!(
        msg.contains("inside weft::run / Runtime::block_on"),
        "{msg}"
    );
}

#[test]
fn run_inside_a_task_is_refused_with_asyncios_message() {
    let rt = Runtime::new().unwrap();
    let err = rt
        .block_on(rt.spawn(async { run(async { 1 }) }))
        .unwrap_err();
    assert!(err.is_panic());
    let msg = err.panic_message().unwrap_or_default();
    assert!(
        msg.contains("cannot be called from a running runtime") && msg.contains("await"),
        "{msg}"
    );
}

#[test]
fn block_on_inside_block_on_is_refused_instead_of_nesting() {
    let outer = Runtime::new().unwrap();
    let inner = Runtime::new().unwrap();
    let caught = outer.block_on(async {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.block_on(async { 1 })))
    });
    let msg = weft_coop::panic_message(&*caught.unwrap_err());
    assert!(
        msg.contains("cannot be called from a running runtime"),
        "{msg}"
    );
    // Outside any runtime it still works.
    assert_eq!(inner.block_on(async { 2 }), 2);
}
