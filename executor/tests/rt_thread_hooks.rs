//! Thread options: start/stop hooks on workers and blocking threads, names, stack size, and
//! panicking hooks reported without losing the thread.

use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft_executor::Builder;
use weft_test_support::within;

#[test]
fn hooks_run_once_per_thread_start_and_stop() {
    within(Duration::from_secs(30), || {
        let started = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(Mutex::new(Vec::new()));
        let (s, t) = (started.clone(), stopped.clone());
        let rt = Builder::new()
            .worker_threads(3)
            .thread_name("hooked")
            .on_thread_start(move || {
                // Inside the runtime's context.
                assert!(weft_executor::Handle::try_current().is_some());
                s.lock()
                    .push(std::thread::current().name().unwrap().to_owned());
            })
            .on_thread_stop(move || {
                t.lock()
                    .push(std::thread::current().name().unwrap().to_owned());
            })
            .build()
            .unwrap();
        // Two blocking threads at once.
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let jobs: Vec<_> = (0..2)
            .map(|_| {
                let b = barrier.clone();
                rt.spawn_blocking(move || {
                    b.wait();
                })
            })
            .collect();
        for job in jobs {
            rt.block_on(job).unwrap();
        }
        drop(rt);
        let mut started = started.lock().clone();
        let mut stopped = stopped.lock().clone();
        started.sort();
        stopped.sort();
        assert_eq!(
            started,
            [
                "hooked-blocking-0",
                "hooked-blocking-1",
                "hooked-worker-0",
                "hooked-worker-1",
                "hooked-worker-2"
            ]
        );
        assert_eq!(stopped, started, "every started thread stopped once");
    });
}

#[test]
fn a_panicking_hook_is_reported_and_the_thread_still_works() {
    within(Duration::from_secs(30), || {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let r = reports.clone();
        let rt = Builder::new()
            .worker_threads(1)
            .on_task_panic(move |err| r.lock().push(err.to_string()))
            .on_thread_start(|| panic!("start hook failed"))
            .on_thread_stop(|| panic!("stop hook failed"))
            .build()
            .unwrap();
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 2)).unwrap(), 2);
        drop(rt);
        let reports = reports.lock().clone();
        let starts = reports
            .iter()
            .filter(|r| r.contains("start hook failed"))
            .count();
        let stops = reports
            .iter()
            .filter(|r| r.contains("stop hook failed"))
            .count();
        assert_eq!((starts, stops), (2, 2), "{reports:?}");
    });
}

#[test]
fn thread_name_fn_names_every_thread_and_stack_size_is_applied() {
    within(Duration::from_secs(30), || {
        let next = Arc::new(AtomicUsize::new(0));
        let n = next.clone();
        let rt = Builder::new()
            .worker_threads(2)
            .thread_name_fn(move || format!("custom-{}", n.fetch_add(1, Ordering::SeqCst)))
            .thread_stack_size(8 * 1024 * 1024)
            .build()
            .unwrap();
        let worker = rt
            .block_on(rt.spawn(async {
                // Uses more than std's default 2 MiB of stack (frames of 8 KiB and more in debug
                // builds): only fits in the 8 MiB asked for.
                fn deep(n: usize) -> usize {
                    let pad = [n as u8; 4096];
                    if n == 0 {
                        pad[0] as usize
                    } else {
                        deep(n - 1) + std::hint::black_box(pad)[1] as usize
                    }
                }
                let _ = deep(300);
                std::thread::current().name().unwrap().to_owned()
            }))
            .unwrap();
        let blocking = rt
            .block_on(rt.spawn_blocking(|| std::thread::current().name().unwrap().to_owned()))
            .unwrap();
        assert!(worker.starts_with("custom-"), "{worker}");
        assert!(blocking.starts_with("custom-"), "{blocking}");
        assert_eq!(next.load(Ordering::SeqCst), 3);
    });
}
