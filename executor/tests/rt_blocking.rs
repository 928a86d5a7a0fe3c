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
        // One thread is the design; a second has been seen twice in many CI runs, both
        // under load (once under AddressSanitizer), and its cause is not yet found. A thread
        // per job, the regression this guards against, still fails here.
        let threads = names.unwrap().len();
        assert!(threads <= 2, "a chain of 1,000 jobs used {threads} threads");
        assert!(rt.handle().blocking_threads() <= 2);
    });
}

/// A panicking job leaves its thread counted awake again (the count is restored on unwind),
/// so a chain of panicking jobs never needs a second thread.
#[test]
fn a_chain_of_panicking_jobs_stays_on_one_thread() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().build().unwrap();
        let panics = rt.block_on(rt.spawn(async {
            let mut panics = 0;
            for i in 0..200 {
                let job = weft_executor::spawn_blocking(move || {
                    if i % 2 == 0 {
                        panic!("job {i} fails");
                    }
                });
                if job.await.is_err_and(|err| err.is_panic()) {
                    panics += 1;
                }
            }
            panics
        }));
        assert_eq!(panics.unwrap(), 100);
        // One thread is the design (see the chain test above for why one more is tolerated);
        // a count not restored on unwind would need a new thread per panic.
        let threads = rt.handle().blocking_threads();
        assert!(threads <= 2, "100 panicking jobs left {threads} threads");
    });
}

/// Many plain threads submitting at once to a pool smaller than they are: every job runs
/// (no submission is lost between the lock-free queue and the thread counts).
#[test]
fn jobs_from_many_plain_threads_at_once_all_run() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().max_blocking_threads(2).build().unwrap();
        let handle = rt.handle().clone();
        std::thread::scope(|scope| {
            for t in 0..4u64 {
                let handle = handle.clone();
                scope.spawn(move || {
                    let jobs: Vec<_> = (0..500u64)
                        .map(|i| handle.spawn_blocking(move || t * 1000 + i))
                        .collect();
                    for (i, job) in jobs.into_iter().enumerate() {
                        assert_eq!(handle.block_on(job).unwrap(), t * 1000 + i as u64);
                    }
                });
            }
        });
        assert!(rt.handle().blocking_threads() <= 2);
    });
}

/// After a burst (with panics in it) every thread goes back to sleep, and a job submitted
/// then still wakes one: a thread miscounted as awake would leave it queued forever.
#[test]
fn a_job_after_a_burst_wakes_a_sleeping_thread() {
    within(Duration::from_secs(60), || {
        let rt = Builder::new().build().unwrap();
        let failed = rt.block_on(rt.spawn(async {
            let jobs: Vec<_> = (0..2_000)
                .map(|i| {
                    weft_executor::spawn_blocking(move || {
                        assert!(i % 7 != 0, "job {i} fails");
                    })
                })
                .collect();
            let mut failed = 0;
            for job in jobs {
                failed += usize::from(job.await.is_err());
            }
            failed
        }));
        assert_eq!(failed.unwrap(), 286);
        // Polls a condition (not a timing assumption): every thread must fall asleep.
        loop {
            let metrics = rt.handle().metrics();
            if metrics.blocking_idle_threads() == metrics.blocking_threads() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 7)).unwrap(), 7);
    });
}

/// Shutdown wakes threads asleep in their keep-alive and joins them at once, instead of
/// waiting the keep-alive out (an hour here; the hang guard fails long before).
#[test]
fn shutdown_wakes_sleeping_threads_instead_of_waiting_out_their_keep_alive() {
    within(Duration::from_secs(30), || {
        let rt = Builder::new()
            .blocking_keep_alive(Duration::from_secs(3600))
            .build()
            .unwrap();
        let jobs: Vec<_> = (0..4).map(|_| rt.spawn_blocking(|| ())).collect();
        for job in jobs {
            rt.block_on(job).unwrap();
        }
        loop {
            let metrics = rt.handle().metrics();
            if metrics.blocking_idle_threads() == metrics.blocking_threads() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let handle = rt.handle().clone();
        rt.shutdown_timeout(Duration::from_secs(3600));
        assert_eq!(handle.blocking_threads(), 0);
    });
}
