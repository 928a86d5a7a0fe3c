//! Introspection: the live task list and tree, spawn locations, slow-poll reports, metrics.

use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use weft_executor::Builder;
use weft_executor::runtime::TaskState;
use weft_test_support::{Gate, within};

/// A hang guard for the tests that block a worker on purpose.
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn debug_mode_lists_every_task_with_name_parent_and_spawn_site() {
    let rt = Builder::new().debug(true).build().unwrap();
    let gate = Gate::new();
    let g = gate.clone();
    let body = async move {
        let child = weft_executor::task::Builder::new()
            .name("child")
            .spawn(async move { g.wait().await });
        child.await.unwrap();
    };
    let builder = weft_executor::task::Builder::new().name("parent");
    let spawned_line = line!() + 1;
    let parent = builder.spawn_on(rt.handle(), body);
    // Wait until the child exists (polling a condition, bounded by the test's own work).
    let tasks = loop {
        let tasks = rt.handle().tasks();
        if tasks.len() == 2 {
            break tasks;
        }
        std::thread::yield_now();
    };
    let p = tasks.iter().find(|t| t.name() == "parent").unwrap();
    let c = tasks.iter().find(|t| t.name() == "child").unwrap();
    assert_eq!(p.id(), parent.id());
    assert_eq!(p.parent(), None);
    assert_eq!(c.parent(), Some(p.id()));
    assert_eq!(p.spawned_at().line(), spawned_line);
    assert!(p.spawned_at().file().ends_with("rt_introspect.rs"));
    let tree = rt.handle().dump_tasks();
    assert!(tree.starts_with("weft runtime: 2 live tasks"), "{tree}");
    let parent_line = tree
        .lines()
        .position(|l| l.starts_with("└─ parent"))
        .expect(&tree);
    assert!(
        tree.lines()
            .nth(parent_line + 1)
            .unwrap()
            .starts_with("   └─ child"),
        "{tree}"
    );
    gate.open();
    rt.block_on(parent).unwrap();
    assert!(
        rt.handle().tasks().is_empty(),
        "finished tasks leave the list"
    );
}

#[test]
fn without_debug_mode_only_waiting_tasks_are_listed() {
    weft_test_support::within(Duration::from_secs(30), || {
        let rt = Builder::new().build().unwrap();
        let quick = rt.spawn(async { 1 });
        assert_eq!(rt.block_on(quick).unwrap(), 1);
        let gate = Gate::new();
        let g = gate.clone();
        let waiting = rt.spawn(async move { g.wait().await });
        // A task joins the list as its first poll ends, while still `Running`: wait for `Idle`.
        let listed = loop {
            let tasks = rt.handle().tasks();
            if tasks.iter().any(|t| t.state() == TaskState::Idle) {
                break tasks;
            }
            std::thread::yield_now();
        };
        assert_eq!(listed.len(), 1, "the finished task is not listed");
        assert_eq!(listed[0].id(), waiting.id());
        assert_eq!(listed[0].state(), TaskState::Idle);
        gate.open();
        rt.block_on(waiting).unwrap();
    });
}

#[test]
fn slow_polls_are_reported_with_the_task_and_duration() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let r = reports.clone();
    let rt = Builder::new()
        .slow_poll_threshold(Duration::from_millis(10))
        .on_slow_poll(move |slow| {
            // The watchdog may also report the hog while it still runs; count finished polls.
            if !slow.is_still_running() {
                r.lock()
                    .push((slow.task().name().to_owned(), slow.took(), slow.to_string()))
            }
        })
        .build()
        .unwrap();
    let hog = weft_executor::task::Builder::new()
        .name("hog")
        .spawn_on(rt.handle(), async {
            std::thread::sleep(Duration::from_millis(30));
        });
    rt.block_on(hog).unwrap();
    let fast = weft_executor::task::Builder::new()
        .name("fast")
        .spawn_on(rt.handle(), async {});
    rt.block_on(fast).unwrap();
    let reports = reports.lock();
    assert_eq!(reports.len(), 1, "only the slow poll is reported");
    assert_eq!(reports[0].0, "hog");
    assert!(reports[0].1 >= Duration::from_millis(30));
    assert!(
        reports[0].2.contains("blocks the worker"),
        "{}",
        reports[0].2
    );
}

#[test]
fn metrics_count_workers_and_registered_tasks() {
    let rt = Builder::new()
        .worker_threads(2)
        .debug(true)
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..5)
        .map(|_| rt.spawn(std::future::pending::<()>()))
        .collect();
    let m = rt.handle().metrics();
    assert_eq!(m.workers(), 2);
    assert_eq!(m.registered_tasks(), 5);
    for t in &tasks {
        t.cancel();
    }
    for t in tasks {
        assert!(rt.block_on(t).unwrap_err().is_cancelled());
    }
    assert_eq!(rt.handle().metrics().registered_tasks(), 0);
}

#[test]
fn a_task_blocking_its_worker_in_its_first_poll_is_listed_without_debug_mode() {
    within(LIMIT, || {
        let rt = weft_executor::Builder::new()
            .worker_threads(2)
            .build()
            .unwrap();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let hog =
            weft_executor::task::Builder::new()
                .name("hog")
                .spawn_on(rt.handle(), async move {
                    blocked.recv().unwrap(); // blocks its worker; never idle, never registered
                });
        let listed = loop {
            let tasks = rt.handle().tasks();
            if let Some(t) = tasks.into_iter().find(|t| t.id() == hog.id()) {
                break t;
            }
            std::thread::yield_now();
        };
        assert_eq!(listed.state(), weft_executor::runtime::TaskState::Running);
        assert!(listed.running_for().is_some());
        assert!(listed.spawned_at().file().ends_with("rt_introspect.rs"));
        let dump = rt.handle().dump_tasks();
        assert!(dump.contains("polled for"), "{dump}");
        release.send(()).unwrap();
        let id = hog.id();
        rt.block_on(hog).unwrap();
        assert!(rt.handle().tasks().iter().all(|t| t.id() != id));
    });
}

#[test]
fn a_poll_that_never_ends_is_reported_while_it_is_still_running() {
    within(LIMIT, || {
        let (reports, seen) = std::sync::mpsc::channel();
        let rt = weft_executor::Builder::new()
            .worker_threads(1)
            .slow_poll_threshold(Duration::from_millis(20))
            .on_slow_poll(move |slow| {
                let _ = reports.send((slow.is_still_running(), slow.task().name().to_owned()));
            })
            .build()
            .unwrap();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let stuck = weft_executor::task::Builder::new()
            .name("stuck")
            .spawn_on(rt.handle(), async move { blocked.recv().unwrap() });
        // Reported while the poll still blocks (the release comes only after the report).
        let (still_running, name) = seen.recv().unwrap();
        assert!(
            still_running,
            "the first report should come while the poll runs"
        );
        assert!(
            name.contains(&stuck.id().as_u64().to_string()) || name == "stuck",
            "{name}"
        );
        release.send(()).unwrap();
        rt.block_on(stuck).unwrap();
        // And once more when it ends, with its full time.
        let (still_running, _) = seen.recv().unwrap();
        assert!(!still_running);
    });
}
