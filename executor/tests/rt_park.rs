//! Workers parked in the reactor: woken by foreign spawns, idle without burning CPU, no lost
//! wake-up when a spawn races a worker on its way into `Poller::wait`.

use std::sync::mpsc;
use std::time::Duration;
use weft_test_support::within;

#[test]
fn a_worker_in_the_poller_is_woken_by_a_foreign_spawn() {
    within(Duration::from_secs(60), || {
        let rt = weft_executor::Builder::new()
            .worker_threads(1)
            .build()
            .unwrap();
        for _ in 0..200 {
            // Let the only worker go idle (it parks in the reactor), then spawn from here.
            let (tx, rx) = mpsc::channel();
            drop(rt.spawn(async move { tx.send(()).unwrap() }));
            rx.recv_timeout(Duration::from_secs(10))
                .expect("the parked worker ran the task");
        }
    });
}

#[test]
fn a_spawn_racing_a_worker_entering_the_poller_is_never_lost() {
    within(Duration::from_secs(120), || {
        let rt = weft_executor::Builder::new()
            .worker_threads(2)
            .build()
            .unwrap();
        for i in 0..20_000u32 {
            let (tx, rx) = mpsc::channel();
            drop(rt.spawn(async move { tx.send(()).unwrap() }));
            rx.recv_timeout(Duration::from_secs(10))
                .expect("no lost wake-up");
            // Vary the gap so the next spawn lands at every point of the worker's way to sleep.
            for _ in 0..(i % 200) {
                std::hint::spin_loop();
            }
        }
    });
}

#[test]
fn timers_fire_on_the_runtime_in_deadline_order_and_never_early() {
    // On the paused clock: deadlines of minutes cost no real time, and each timer must fire
    // at its exact deadline on the clock it is measured with.
    let rt = weft_executor::Builder::new()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = weft_reactor::time::Instant::now();
        let order = std::sync::Arc::new(parking_lot::Mutex::new(Vec::new()));
        let tasks: Vec<_> = [30u64, 10, 20, 0, 5]
            .into_iter()
            .map(|secs| {
                let order = order.clone();
                weft_executor::spawn(async move {
                    weft_reactor::sleep(Duration::from_secs(secs)).await;
                    assert_eq!(start.elapsed(), Duration::from_secs(secs), "fired off time");
                    order.lock().push(secs);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().clone();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
    });
}

#[test]
fn a_hundred_thousand_sleeping_tasks_all_complete() {
    const N: u64 = 100_000;
    within(Duration::from_secs(120), || {
        let rt = weft_executor::Builder::new()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let start = weft_reactor::time::Instant::now();
            let tasks = weft_executor::gather((0..N).map(|i| async move {
                weft_reactor::sleep(Duration::from_secs(1 + i % 50)).await;
                1u64
            }));
            assert_eq!(tasks.await.iter().sum::<u64>(), N);
            assert_eq!(start.elapsed(), Duration::from_secs(50));
        })
    });
}

#[test]
fn timeout_on_the_runtime_drops_the_inner_future() {
    struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    weft_executor::run(async {
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Flag(dropped.clone());
        let out = weft_reactor::timeout(Duration::from_millis(10), async move {
            let _flag = flag;
            std::future::pending::<()>().await
        })
        .await;
        assert!(out.is_err());
        assert!(
            dropped.load(std::sync::atomic::Ordering::SeqCst),
            "dropped before Elapsed is returned"
        );
    });
}
