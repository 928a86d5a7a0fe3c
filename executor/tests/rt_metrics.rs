//! Runtime metrics move as a known workload says they must: polls counted one by one, a steal
//! when one worker's queue holds work another must take, parks while idle, busy time, queue
//! depths, the blocking pool's load and the poll-time histogram.

use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};
use weft_executor::runtime::RuntimeMetrics;
use weft_executor::{Builder, Handle};

/// Polls `metrics` until `done` holds for them; a generous deadline guards against a hang.
fn until(handle: &Handle, what: &str, done: impl Fn(&RuntimeMetrics) -> bool) -> RuntimeMetrics {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let metrics = handle.metrics();
        if done(&metrics) {
            return metrics;
        }
        assert!(Instant::now() < deadline, "never saw {what}: {metrics}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn total_polls(metrics: &RuntimeMetrics) -> u64 {
    metrics.per_worker().iter().map(|w| w.polls()).sum()
}

#[test]
fn every_task_poll_is_counted_once() {
    let rt = Builder::new().worker_threads(2).build().unwrap();
    let before = total_polls(&rt.handle().metrics());
    const YIELDS: u64 = 50;
    let task = rt.spawn(async {
        for _ in 0..YIELDS {
            weft_executor::yield_now().await;
        }
    });
    rt.block_on(task).unwrap();
    // The block_on root is polled on this thread, not by a worker: only the task counts, once
    // per yield plus its last poll.
    assert_eq!(total_polls(&rt.handle().metrics()) - before, YIELDS + 1);
}

#[test]
fn a_worker_whose_queue_holds_blocked_work_is_stolen_from() {
    let rt = Builder::new().worker_threads(2).build().unwrap();
    let before: u64 = rt
        .handle()
        .metrics()
        .per_worker()
        .iter()
        .map(|w| w.steals())
        .sum();
    // Two children spawned from one task land on that task's worker: the second in its LIFO
    // slot, the first in its stealable queue. Each blocks its worker until both run, so the
    // second worker can only make progress by stealing the first.
    let barrier = Arc::new(Barrier::new(2));
    let parent = rt.spawn(async move {
        let b = barrier.clone();
        let first = weft_executor::spawn(async move {
            b.wait();
        });
        let second = weft_executor::spawn(async move {
            barrier.wait();
        });
        (first, second)
    });
    let (first, second) = rt.block_on(parent).unwrap();
    rt.block_on(first).unwrap();
    rt.block_on(second).unwrap();
    let steals: u64 = rt
        .handle()
        .metrics()
        .per_worker()
        .iter()
        .map(|w| w.steals())
        .sum();
    assert!(steals > before, "no steal was counted");
}

#[test]
fn idle_workers_park_and_busy_time_counts_time_awake() {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    let idle = until(rt.handle(), "the worker parked", |m| {
        m.per_worker()[0].parks() >= 1
    });
    let worker = &idle.per_worker()[0];
    let task = rt.spawn(async {
        // Keeps the worker busy for at least 20 ms.
        std::thread::sleep(Duration::from_millis(20));
    });
    rt.block_on(task).unwrap();
    // The 20 ms count as busy, and the worker parks again once the task is done.
    until(rt.handle(), "20 ms more busy time and another park", |m| {
        let w = &m.per_worker()[0];
        w.busy() - worker.busy() >= Duration::from_millis(20) && w.parks() > worker.parks()
    });
}

#[test]
fn queue_depths_show_tasks_waiting_behind_a_blocked_worker() {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    let (unblock, blocked) = mpsc::channel::<()>();
    let (started, has_started) = mpsc::channel::<()>();
    let blocker = rt.spawn(async move {
        // Three children: one in the LIFO slot, two in the worker's own queue.
        let children: Vec<_> = (0..3).map(|_| weft_executor::spawn(async {})).collect();
        started.send(()).unwrap();
        blocked.recv().unwrap();
        children
    });
    has_started.recv().unwrap();
    // And two spawned from outside, into the global queue.
    let outside: Vec<_> = (0..2).map(|_| rt.spawn(async {})).collect();
    let metrics = rt.handle().metrics();
    assert_eq!(metrics.per_worker()[0].queue_depth(), 2);
    assert_eq!(metrics.global_queue_depth(), 2);
    assert_eq!(metrics.queued(), 4);
    unblock.send(()).unwrap();
    for child in rt.block_on(blocker).unwrap() {
        rt.block_on(child).unwrap();
    }
    for task in outside {
        rt.block_on(task).unwrap();
    }
}

#[test]
fn the_blocking_pool_reports_threads_idle_threads_and_queued_jobs() {
    let rt = Builder::new()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (unblock, blocked) = mpsc::channel::<()>();
    let (started, has_started) = mpsc::channel::<()>();
    let running = rt.spawn_blocking(move || {
        started.send(()).unwrap();
        blocked.recv().unwrap();
    });
    has_started.recv().unwrap();
    let queued = rt.spawn_blocking(|| ());
    let metrics = rt.handle().metrics();
    assert_eq!(metrics.blocking_threads(), 1);
    assert_eq!(metrics.blocking_idle_threads(), 0);
    assert_eq!(metrics.blocking_queue_depth(), 1);
    unblock.send(()).unwrap();
    rt.block_on(running).unwrap();
    rt.block_on(queued).unwrap();
    let drained = until(rt.handle(), "the pool go idle", |m| {
        m.blocking_idle_threads() == 1
    });
    assert_eq!(drained.blocking_queue_depth(), 0);
}

#[test]
fn the_poll_time_histogram_puts_a_slow_poll_in_a_slow_bucket() {
    let rt = Builder::new()
        .worker_threads(1)
        .poll_time_histogram(true)
        .build()
        .unwrap();
    let task = rt.spawn(async {
        std::thread::sleep(Duration::from_millis(3));
    });
    rt.block_on(task).unwrap();
    let metrics = rt.handle().metrics();
    let histogram = metrics.poll_time_histogram().unwrap();
    assert_eq!(histogram.total(), total_polls(&metrics));
    let slow: u64 = histogram
        .buckets()
        .filter(|(range, _)| range.start >= Duration::from_micros(2048))
        .map(|(_, polls)| polls)
        .sum();
    assert_eq!(slow, 1, "{histogram}");
    assert_eq!(
        metrics.per_worker()[0].poll_time_histogram(),
        Some(histogram)
    );
}

#[test]
fn without_timing_there_is_no_histogram() {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    rt.block_on(rt.spawn(async {})).unwrap();
    assert!(rt.handle().metrics().poll_time_histogram().is_none());
}

#[test]
fn a_worker_stuck_in_a_blocking_call_shows_its_busy_time_growing() {
    let rt = Builder::new().worker_threads(1).build().unwrap();
    let before = rt.handle().metrics().per_worker()[0].busy();
    let (unblock, blocked) = mpsc::channel::<()>();
    let stuck = rt.spawn(async move { blocked.recv().unwrap() });
    // Still inside the task's poll: no park has accounted for it, yet the time shows.
    until(rt.handle(), "busy time grow during the blocked poll", |m| {
        m.per_worker()[0].busy() - before >= Duration::from_millis(20)
    });
    assert!(!stuck.is_finished());
    unblock.send(()).unwrap();
    rt.block_on(stuck).unwrap();
}
