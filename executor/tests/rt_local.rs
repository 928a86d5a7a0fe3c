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

/// Pending until woken through the waker it parks in its slot (from any thread).
struct ParkedIn(Arc<Mutex<Option<std::task::Waker>>>);

impl std::future::Future for ParkedIn {
    type Output = ();
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        *self.0.lock().unwrap() = Some(cx.waker().clone());
        std::task::Poll::Pending
    }
}

#[test]
fn local_tasks_woken_or_aborted_from_another_thread_while_block_on_returns_are_cancelled() {
    // A remote wake marks its task NOTIFIED before it queues it, and an AbortHandle's cancel
    // claims the task before it queues the cancellation: a set that closes in between must
    // still drop every future on its own thread, never leave one in a queue nobody drains.
    // Run by hand with `taskset -c 0` and more rounds (WEFT_LOCAL_RACE_ROUNDS=20000).
    const TASKS: usize = 8;
    let rounds: usize = std::env::var("WEFT_LOCAL_RACE_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    within(Duration::from_secs(120), move || {
        let rt = Runtime::new().unwrap();
        for round in 0..rounds {
            let drops = weft_test_support::DropCounter::new();
            let barrier = Arc::new(std::sync::Barrier::new(2));
            let handed = Arc::new(Mutex::new((Vec::new(), Vec::new())));
            let (b, h) = (barrier.clone(), handed.clone());
            let remote = std::thread::spawn(move || {
                b.wait();
                let (slots, aborts) = std::mem::take(&mut *h.lock().unwrap());
                for slot in slots {
                    let slot: Arc<Mutex<Option<std::task::Waker>>> = slot;
                    let waker = slot.lock().unwrap().take();
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                }
                for abort in aborts {
                    let abort: weft_executor::AbortHandle = abort;
                    abort.cancel();
                }
            });
            let tasks = rt.block_on(async {
                let mut tasks = Vec::new();
                {
                    let mut handed = handed.lock().unwrap();
                    for i in 0..TASKS {
                        let slot = Arc::new(Mutex::new(None));
                        let tracked = drops.track();
                        let parked = ParkedIn(slot.clone());
                        let task = spawn_local(async move {
                            let _tracked = tracked;
                            parked.await;
                        });
                        if i % 2 == 0 {
                            handed.0.push(slot);
                        } else {
                            handed.1.push(task.abort_handle());
                        }
                        tasks.push(task);
                    }
                }
                // Let every local task run to its first wait.
                weft_executor::yield_now().await;
                weft_executor::yield_now().await;
                // Then return while the other thread wakes and aborts them.
                barrier.wait();
                tasks
            });
            remote.join().unwrap();
            assert_eq!(
                drops.get(),
                TASKS,
                "round {round}: a local future was never dropped"
            );
            assert!(tasks.iter().all(|t| t.is_finished()), "round {round}");
        }
    });
}
