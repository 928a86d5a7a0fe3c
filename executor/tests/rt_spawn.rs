//! Spawning: scale, from plain threads, after shutdown, names, bad input.

use std::time::Duration;
use weft_executor::{Builder, Handle, Runtime};
use weft_test_support::{DropCounter, within};

#[test]
fn a_million_spawned_tasks_all_complete() {
    within(Duration::from_secs(120), || {
        let rt = Runtime::new().unwrap();
        let sum = rt.block_on(async {
            let tasks: Vec<_> = (0..1_000_000u64)
                .map(|i| weft_executor::spawn(async move { i }))
                .collect();
            let mut sum = 0u64;
            for task in tasks {
                sum += task.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 999_999 * 1_000_000 / 2);
    });
}

#[test]
fn tasks_spawned_from_a_plain_thread_run() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle().clone();
    let tasks = std::thread::spawn(move || {
        (0..100)
            .map(|i| handle.spawn(async move { i * 2 }))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    let results: Vec<i32> = rt.block_on(async {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    assert_eq!(results, (0..100).map(|i| i * 2).collect::<Vec<_>>());
}

#[test]
fn runtime_is_reused_across_block_on_calls() {
    let rt = Runtime::new().unwrap();
    assert_eq!(
        rt.block_on(async { weft_executor::spawn(async { "a" }).await.unwrap() }),
        "a"
    );
    assert_eq!(
        rt.block_on(async { weft_executor::spawn(async { "b" }).await.unwrap() }),
        "b"
    );
}

#[test]
fn run_returns_the_output_of_a_non_send_future() {
    let local = std::rc::Rc::new(41);
    let out =
        weft_executor::run(
            async move { *local + weft_executor::spawn(async { 1 }).await.unwrap() },
        );
    assert_eq!(out, 42);
}

#[test]
fn spawn_after_shutdown_resolves_cancelled_and_drops_the_future() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle().clone();
    rt.shutdown_timeout(Duration::from_secs(5));
    let drops = DropCounter::new();
    let tracked = drops.track();
    let task = handle.spawn(async move {
        let _keep = tracked;
    });
    assert_eq!(drops.get(), 1, "the future was dropped at spawn");
    assert!(task.is_finished());
    let err = handle.block_on(task).unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    let blocking = handle.block_on(handle.spawn_blocking(|| 1));
    assert!(blocking.unwrap_err().is_cancelled());
}

#[test]
fn zero_worker_threads_is_refused_with_a_reason() {
    let err = Builder::new().worker_threads(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string()
            .contains("worker_threads must be at least 1"),
        "{err}"
    );
    let err = Builder::new().max_blocking_threads(0).build().unwrap_err();
    assert!(err.to_string().contains("max_blocking_threads"), "{err}");
}

#[test]
fn block_on_on_a_worker_thread_panics_with_a_clear_message() {
    let rt = Builder::new().worker_threads(2).build().unwrap();
    let handle = rt.handle().clone();
    let err = rt
        .block_on(rt.spawn(async move { handle.block_on(async {}) }))
        .unwrap_err();
    let msg = err.into_panic().downcast::<String>().unwrap();
    assert!(
        msg.contains("cannot be called from a running runtime"),
        "{msg}"
    );
    // The worker survived: the runtime still runs tasks on every worker.
    let ok: Vec<_> = (0..8).map(|i| rt.spawn(async move { i })).collect();
    for (i, t) in ok.into_iter().enumerate() {
        assert_eq!(rt.block_on(t).unwrap(), i);
    }
}

#[test]
fn handle_current_outside_a_runtime_says_what_to_do() {
    assert!(Handle::try_current().is_none());
    let err = std::panic::catch_unwind(Handle::current).unwrap_err();
    let msg = err.downcast::<String>().unwrap();
    assert!(
        msg.contains("no weft runtime is running on this thread"),
        "{msg}"
    );
    let err = std::panic::catch_unwind(|| weft_executor::spawn(async {})).unwrap_err();
    assert!(err.downcast::<String>().unwrap().contains("weft::run"));
}

#[test]
fn tasks_have_default_and_given_names() {
    let rt = Runtime::new().unwrap();
    let named = weft_executor::task::Builder::new()
        .name("fetch")
        .spawn_on(rt.handle(), async {
            weft_executor::task::current().unwrap().name().to_owned()
        });
    assert_eq!(named.name(), "fetch");
    assert_eq!(rt.block_on(named).unwrap(), "fetch");
    let unnamed = rt.spawn(async {});
    assert_eq!(unnamed.name(), format!("Task-{}", unnamed.id()));
}

#[test]
fn run_forever_returns_after_stop_from_a_task() {
    within(Duration::from_secs(30), || {
        let rt = Runtime::new().unwrap();
        let handle = rt.handle().clone();
        let (tx, rx) = std::sync::mpsc::channel();
        rt.spawn(async move {
            tx.send(()).unwrap();
            handle.stop();
        });
        rt.run_forever();
        rx.try_recv().expect("the task ran before stop");
        // A stop issued before run_forever is kept.
        rt.handle().stop();
        rt.run_forever();
    });
}

#[test]
fn worker_threads_carry_the_configured_name() {
    let rt = Builder::new()
        .worker_threads(1)
        .thread_name("svc")
        .build()
        .unwrap();
    let name = rt
        .block_on(rt.spawn(async { std::thread::current().name().map(str::to_owned) }))
        .unwrap();
    assert_eq!(name.as_deref(), Some("svc-worker-0"));
    let name = rt
        .block_on(rt.spawn_blocking(|| std::thread::current().name().map(str::to_owned)))
        .unwrap();
    assert_eq!(name.as_deref(), Some("svc-blocking-0"));
}
