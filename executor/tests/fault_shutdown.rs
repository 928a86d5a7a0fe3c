//! Faults at shutdown: the runtime dropped from each odd place (a worker, a blocking job, a
//! loop callback, a done-callback) finishes promptly, and spawns and callbacks racing the
//! shutdown are either accepted and dropped, or refused and handed back — never lost, never
//! a panic.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use weft_executor::{Builder, Runtime};
use weft_test_support::{DropCounter, within};

const LIMIT: Duration = Duration::from_secs(60);
/// Well under the 300 s a runtime waits for running blocking jobs when dropped.
const PROMPT: Duration = Duration::from_secs(30);

#[test]
fn dropping_the_runtime_inside_a_blocking_job_returns_promptly() {
    within(LIMIT, || {
        let rt = Runtime::new().unwrap();
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        drop(handle.spawn_blocking(move || {
            drop(rt);
            tx.send(()).unwrap();
        }));
        rx.recv_timeout(PROMPT).expect("the drop returned");
    });
}

#[test]
fn dropping_the_runtime_inside_a_task_returns_promptly() {
    within(LIMIT, || {
        let rt = Runtime::new().unwrap();
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        let drops = DropCounter::new();
        let t = drops.track();
        drop(handle.spawn(std::future::pending::<()>()));
        drop(handle.spawn(async move {
            let _t = t;
            drop(rt);
            tx.send(()).unwrap();
        }));
        rx.recv_timeout(PROMPT).expect("the drop returned");
    });
}

#[test]
fn dropping_the_runtime_inside_a_callback_returns_promptly() {
    within(LIMIT, || {
        let rt = Runtime::new().unwrap();
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        let rt = Mutex::new(Some(rt));
        handle
            .call_soon(move || {
                drop(rt.lock().unwrap().take());
                tx.send(()).unwrap();
            })
            .unwrap();
        rx.recv_timeout(PROMPT).expect("the drop returned");
    });
}

#[test]
fn dropping_the_runtime_inside_a_done_callback_returns_promptly() {
    within(LIMIT, || {
        let rt = Runtime::new().unwrap();
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        let fut = handle.run_coroutine_threadsafe(async { 1 });
        let rt = Mutex::new(Some(rt));
        fut.add_done_callback(move |_| {
            drop(rt.lock().unwrap().take());
            tx.send(()).unwrap();
        });
        rx.recv_timeout(PROMPT).expect("the drop returned");
        assert_eq!(fut.result().unwrap(), 1);
    });
}

#[test]
fn call_later_racing_shutdown_is_accepted_or_handed_back_never_a_panic() {
    within(LIMIT, || {
        for _ in 0..50 {
            let rt = Builder::new().worker_threads(2).build().unwrap();
            let handle = rt.handle().clone();
            let started = Arc::new(AtomicBool::new(false));
            let refused = Arc::new(AtomicUsize::new(0));
            let (s, r) = (started.clone(), refused.clone());
            let caller = std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(10);
                while Instant::now() < deadline {
                    s.store(true, Ordering::SeqCst);
                    let past = handle.time();
                    let now_due = handle.call_at(past, || {});
                    let later = handle.call_later(Duration::from_secs(3600), || {});
                    let handed_back = match (now_due, later) {
                        (Ok(_), Ok(timer)) => {
                            timer.cancel();
                            false
                        }
                        (Err(back), _) => {
                            (back.into_inner())(); // handed back whole
                            true
                        }
                        (Ok(_), Err(back)) => {
                            (back.into_inner())();
                            true
                        }
                    };
                    if handed_back {
                        r.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                }
            });
            while !started.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            drop(rt);
            caller.join().expect("call_at/call_later never panic");
            assert_eq!(refused.load(Ordering::SeqCst), 1, "refused after shutdown");
        }
    });
}

#[test]
fn spawns_from_futures_dropped_at_shutdown_are_dropped_too() {
    within(LIMIT, || {
        let rt = Runtime::new().unwrap();
        let drops = DropCounter::new();
        for _ in 0..50 {
            let (outer, inner) = (drops.track(), drops.clone());
            /// Spawns another task from its `Drop`, as cleanup code might.
            struct SpawnOnDrop(DropCounter);
            impl Drop for SpawnOnDrop {
                fn drop(&mut self) {
                    if let Some(handle) = weft_executor::Handle::try_current() {
                        let t = self.0.track();
                        drop(handle.spawn(async move {
                            let _t = t;
                            std::future::pending::<()>().await
                        }));
                    }
                }
            }
            let guard = SpawnOnDrop(inner);
            drop(rt.spawn(async move {
                let _outer = outer;
                let _guard = guard;
                std::future::pending::<()>().await
            }));
        }
        drop(rt);
        assert_eq!(
            drops.get(),
            100,
            "every future, first and second generation, dropped"
        );
    });
}
