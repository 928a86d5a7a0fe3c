//! The runtime context as the lower crates see it: the reactor, the panic reporter and the
//! blocking offload of the runtime a thread is in, found through the executor's lookups,
//! shadowing what the thread had set by hand, which comes back on exit.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft_executor::Builder;
use weft_test_support::within;

#[test]
fn inside_block_on_the_runtimes_reactor_is_current_and_the_outer_one_comes_back() {
    within(Duration::from_secs(30), || {
        let outer = Arc::new(weft_reactor::Reactor::new().unwrap());
        let _outer = weft_reactor::enter(outer.clone());
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let (inside, on_worker) = rt.block_on(async {
            let inside = weft_reactor::try_current().expect("a reactor inside block_on");
            let on_worker = weft_executor::spawn(async { weft_reactor::try_current() })
                .await
                .unwrap()
                .expect("a reactor on a worker");
            (inside, on_worker)
        });
        assert!(
            !Arc::ptr_eq(&inside, &outer),
            "the outer reactor shadowed the runtime's"
        );
        assert!(
            Arc::ptr_eq(&inside, &on_worker),
            "block_on and the worker disagree"
        );
        let after = weft_reactor::try_current().expect("the outer reactor is back");
        assert!(Arc::ptr_eq(&after, &outer));
    });
}

#[test]
fn a_panic_reported_inside_block_on_reaches_the_runtimes_handler_not_the_threads() {
    within(Duration::from_secs(30), || {
        let by_thread = Arc::new(Mutex::new(Vec::new()));
        let seen = by_thread.clone();
        let _thread = weft_coop::set_reporter(Arc::new(move |what, _| {
            seen.lock().unwrap().push(what);
        }));
        let by_runtime = Arc::new(Mutex::new(Vec::new()));
        let seen = by_runtime.clone();
        let rt = Builder::new()
            .worker_threads(1)
            .on_task_panic(move |err| seen.lock().unwrap().push(err.task_name().into_owned()))
            .build()
            .unwrap();
        rt.block_on(async { weft_coop::catch("waker", || panic!("inside")) });
        assert_eq!(*by_runtime.lock().unwrap(), ["a waker"]);
        assert!(by_thread.lock().unwrap().is_empty());
        // Out of the runtime, the thread's own reporter is back.
        weft_coop::catch("done-callback", || panic!("outside"));
        assert_eq!(*by_thread.lock().unwrap(), ["done-callback"]);
        assert_eq!(by_runtime.lock().unwrap().len(), 1);
    });
}

#[test]
fn blocking_work_offloaded_inside_a_runtime_runs_on_its_pool() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().worker_threads(1).build().unwrap();
        let (tx, rx) = mpsc::channel();
        rt.block_on(async move {
            weft_coop::offload(Box::new(move || {
                let name = std::thread::current().name().map(str::to_owned);
                tx.send(name).unwrap();
            }));
        });
        let name = rx.recv().unwrap().unwrap_or_default();
        assert!(
            name.contains("blocking"),
            "ran on {name:?}, not the runtime's blocking pool"
        );
    });
}

#[test]
#[should_panic(expected = "dropped out of order")]
fn enter_guards_dropped_out_of_order_panic_instead_of_leaving_a_stale_runtime() {
    let a = Builder::new().worker_threads(1).build().unwrap();
    let b = Builder::new().worker_threads(1).build().unwrap();
    let first = a.handle().enter();
    let second = b.handle().enter();
    // Dropping `first` now would make nothing current while `second` still claims `b` is.
    drop(first);
    drop(second);
}

#[test]
fn enter_guards_dropped_in_order_restore_each_runtime() {
    let a = Builder::new().worker_threads(1).build().unwrap();
    let b = Builder::new().worker_threads(1).build().unwrap();
    let first = a.handle().enter();
    let second = b.handle().enter();
    drop(second);
    assert!(
        weft_executor::Handle::try_current().is_some(),
        "the outer runtime came back"
    );
    drop(first);
    assert!(weft_executor::Handle::try_current().is_none());
}

#[test]
fn a_local_task_reports_to_its_block_ons_runtime_even_spawned_under_another() {
    within(Duration::from_secs(30), || {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s1, s2) = (seen.clone(), seen.clone());
        let own = Builder::new()
            .worker_threads(1)
            .on_task_panic(move |_| s1.lock().unwrap().push("block_on's runtime"))
            .build()
            .unwrap();
        let other = Builder::new()
            .worker_threads(1)
            .on_task_panic(move |_| s2.lock().unwrap().push("the other runtime"))
            .build()
            .unwrap();
        own.block_on(async {
            let guard = other.handle().enter();
            // The first local task makes the set's queue while `other` is current.
            drop(weft_executor::spawn_local(async {
                panic!("detached local panic")
            }));
            drop(guard);
            weft_executor::yield_now().await;
        });
        assert_eq!(*seen.lock().unwrap(), ["block_on's runtime"]);
    });
}
