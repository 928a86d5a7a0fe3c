//! Panics: caught, delivered through the handle, workers and blocking threads survive.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use weft_executor::{Builder, Runtime};

#[test]
fn a_panicking_task_reports_through_its_handle_and_the_workers_live_on() {
    let rt = Builder::new().worker_threads(2).build().unwrap();
    for _ in 0..20 {
        let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains("panicked: boom"), "{err}");
        assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    }
    // Both workers still run tasks: two tasks that need each other to be running at once.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let b = barrier.clone();
            rt.spawn(async move {
                b.wait();
            })
        })
        .collect();
    for t in tasks {
        rt.block_on(t).unwrap();
    }
}

#[test]
fn a_panicking_blocking_job_becomes_a_join_error_and_the_pool_keeps_working() {
    let rt = Builder::new().max_blocking_threads(1).build().unwrap();
    let err = rt
        .block_on(rt.spawn_blocking(|| -> u8 { panic!("blocking boom") }))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("blocking boom"));
    assert_eq!(
        rt.handle().blocking_threads(),
        1,
        "the thread survived the panic"
    );
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 5)).unwrap(), 5);
}

#[test]
fn a_panic_in_a_detached_task_does_not_disturb_others() {
    let rt = Runtime::new().unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let mut kept = Vec::new();
    for i in 0..100 {
        let d = done.clone();
        let task = rt.spawn(async move {
            if i % 2 == 0 {
                panic!("detached {i}");
            }
            d.fetch_add(1, Ordering::SeqCst);
        });
        if i % 2 == 0 {
            drop(task); // detached: its panic has nobody to go to
        } else {
            kept.push(task);
        }
    }
    for task in kept {
        rt.block_on(task).unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 50);
}

#[test]
fn join_error_payload_can_be_resumed() {
    let rt = Runtime::new().unwrap();
    let err = rt
        .block_on(rt.spawn(async { std::panic::panic_any(17_i32) }))
        .unwrap_err();
    assert!(err.to_string().contains("non-string payload"), "{err}");
    let payload = err.into_panic();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        std::panic::resume_unwind(payload)
    }))
    .unwrap_err();
    assert_eq!(*caught.downcast::<i32>().unwrap(), 17);
}
