//! The blocking pool: on-demand threads up to the cap, idle exit, shutdown behaviour.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use weft_executor::Builder;
use weft_test_support::within;

#[test]
fn threads_start_on_demand_up_to_the_cap() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().max_blocking_threads(3).build().unwrap();
        assert_eq!(rt.handle().blocking_threads(), 0);
        let barrier = Arc::new(Barrier::new(4));
        let jobs: Vec<_> = (0..3)
            .map(|_| {
                let b = barrier.clone();
                rt.spawn_blocking(move || {
                    b.wait();
                })
            })
            .collect();
        // Three jobs run at once (they all reach the barrier), on three threads.
        barrier.wait();
        for j in jobs {
            rt.block_on(j).unwrap();
        }
        assert_eq!(rt.handle().blocking_threads(), 3);
        // More jobs than threads: they queue and all complete on the same three threads.
        let names: Vec<_> = (0..50)
            .map(|_| rt.spawn_blocking(|| std::thread::current().name().unwrap().to_owned()))
            .collect();
        let mut names: Vec<String> = names.into_iter().map(|t| rt.block_on(t).unwrap()).collect();
        names.sort();
        names.dedup();
        assert!(names.len() <= 3, "{names:?}");
        assert!(rt.handle().blocking_threads() <= 3);
    });
}

#[test]
fn idle_threads_exit_after_the_keep_alive() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new()
            .blocking_keep_alive(Duration::from_millis(20))
            .build()
            .unwrap();
        rt.block_on(rt.spawn_blocking(|| ())).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        // Polls a condition (not a timing assumption): it must become true eventually.
        while rt.handle().blocking_threads() != 0 {
            assert!(Instant::now() < deadline, "the idle thread never exited");
            std::thread::sleep(Duration::from_millis(5));
        }
    });
}

#[test]
fn shutdown_waits_for_running_jobs_up_to_the_timeout() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().max_blocking_threads(2).build().unwrap();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
        let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let f = finished.clone();
        let job = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            finish_rx.recv().unwrap();
            f.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        started_rx.recv().unwrap();
        // Let the job finish shortly after shutdown starts waiting for it.
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            finish_tx.send(()).unwrap();
        });
        rt.shutdown_timeout(Duration::from_secs(20));
        assert!(
            finished.load(std::sync::atomic::Ordering::SeqCst),
            "shutdown returned before the job ended"
        );
        releaser.join().unwrap();
        assert!(job.is_finished());
    });
}

#[test]
fn shutdown_gives_up_on_a_stuck_job_after_the_timeout() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new().build().unwrap();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let _job = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv();
        });
        started_rx.recv().unwrap();
        let t0 = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        assert!(t0.elapsed() >= Duration::from_millis(100));
        drop(release_tx);
    });
}

#[test]
fn handle_current_works_inside_blocking_jobs() {
    let rt = Builder::new().build().unwrap();
    let inner = rt.block_on(rt.spawn_blocking(|| {
        let handle = weft_executor::Handle::current();
        handle.block_on(handle.spawn(async { 3 }))
    }));
    assert_eq!(inner.unwrap().unwrap(), 3);
}

/// A job submitted while the previous job's thread is finishing (the usual shape of a chain
/// of `to_thread` calls, or a file read loop) is left for that thread: a chain never needs a
/// second thread.
#[test]
fn a_sequential_chain_of_jobs_stays_on_one_thread() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().build().unwrap();
        let names = rt.block_on(rt.spawn(async {
            let mut names = std::collections::HashSet::new();
            for _ in 0..1_000 {
                let name = weft_executor::spawn_blocking(|| {
                    std::thread::current().name().unwrap().to_owned()
                });
                names.insert(name.await.unwrap());
            }
            names
        }));
        assert_eq!(names.unwrap().len(), 1);
        assert_eq!(rt.handle().blocking_threads(), 1);
    });
}
