//! The paused test clock (feature `test-util`): time moves only by `advance`, or by
//! auto-advance when the whole runtime is idle, on runtimes with one or many workers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft::time::{Instant, advance, pause, resume};
use weft_test_support::within;

const HOUR: Duration = Duration::from_secs(3600);
/// Real time a paused test may take: a hang guard, nowhere near the hours it sleeps.
const LIMIT: Duration = Duration::from_secs(60);

#[weft::test(start_paused = true)]
async fn a_one_hour_sleep_finishes_at_once_and_the_clock_says_an_hour() {
    let real = std::time::Instant::now();
    let start = Instant::now();
    weft::sleep(HOUR).await;
    assert_eq!(start.elapsed(), HOUR);
    assert!(
        real.elapsed() < Duration::from_secs(30),
        "{:?}",
        real.elapsed()
    );
}

#[weft::test(start_paused = true)]
async fn a_timeout_fires_at_exactly_its_deadline() {
    let start = Instant::now();
    let out = weft::timeout(Duration::from_secs(10), std::future::pending::<()>()).await;
    assert!(out.is_err());
    assert_eq!(Instant::now() - start, Duration::from_secs(10));
}

#[weft::test(start_paused = true, worker_threads = 4)]
async fn auto_advance_works_across_many_workers() {
    let start = Instant::now();
    let done = weft::gather((1..=100u64).map(|i| async move {
        weft::sleep(Duration::from_secs(i * 36)).await;
        Instant::now()
    }))
    .await;
    for (i, at) in done.iter().enumerate() {
        assert!(
            *at - start >= Duration::from_secs((i as u64 + 1) * 36),
            "woke early"
        );
    }
    assert_eq!(start.elapsed(), HOUR);
}

#[weft::test]
async fn advance_moves_a_paused_clock_and_fires_what_came_due() {
    pause();
    let fired = Arc::new(AtomicBool::new(false));
    let f = fired.clone();
    let sleeper = weft::spawn(async move {
        weft::sleep(Duration::from_secs(5)).await;
        f.store(true, Ordering::SeqCst);
    });
    // Let the sleeper arm its timer; a paused clock cannot fire it by itself while this
    // task keeps the runtime busy.
    while weft::Handle::current().tasks().is_empty() {
        weft::yield_now().await;
    }
    advance(Duration::from_secs(4)).await;
    assert!(!fired.load(Ordering::SeqCst), "fired a second early");
    advance(Duration::from_secs(1)).await;
    sleeper.await.unwrap();
    assert!(fired.load(Ordering::SeqCst));
}

#[test]
fn call_later_and_interval_follow_the_paused_clock() {
    within(LIMIT, || {
        let rt = weft::Builder::new().start_paused(true).build().unwrap();
        let handle = rt.handle().clone();
        let t0 = handle.time();
        let (tx, rx) = std::sync::mpsc::channel();
        for (i, secs) in [30u64, 10, 20].into_iter().enumerate() {
            let (tx, h) = (tx.clone(), handle.clone());
            handle
                .call_later(Duration::from_secs(secs), move || {
                    tx.send((i, h.time() - t0)).unwrap()
                })
                .unwrap();
        }
        let got: Vec<_> = (0..3).map(|_| rx.recv().unwrap()).collect();
        let secs = |s| Duration::from_secs(s);
        assert_eq!(got, [(1, secs(10)), (2, secs(20)), (0, secs(30))]);

        let ticks = rt.block_on(async {
            let mut interval = weft::time::interval(Duration::from_secs(60));
            let start = Instant::now();
            let mut ticks = Vec::new();
            for _ in 0..4 {
                ticks.push(interval.tick().await - start);
            }
            ticks
        });
        assert_eq!(ticks, [secs(0), secs(60), secs(120), secs(180)]);
    });
}

#[weft::test(start_paused = true)]
async fn the_clock_does_not_jump_while_a_blocking_job_runs() {
    let finished = Arc::new(AtomicBool::new(false));
    let f = finished.clone();
    let job = weft::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(50));
        f.store(true, Ordering::SeqCst);
    });
    weft::sleep(HOUR).await;
    assert!(
        finished.load(Ordering::SeqCst),
        "an hour passed on the clock while a blocking job was still running"
    );
    job.await.unwrap();
}

#[weft::test(start_paused = true)]
async fn resume_lets_the_clock_run_on_from_where_it_stood() {
    let start = Instant::now();
    weft::sleep(HOUR).await;
    resume();
    let resumed = Instant::now();
    assert!(resumed - start >= HOUR && resumed - start < HOUR + Duration::from_secs(5));
    weft::sleep(Duration::from_millis(5)).await; // a real 5 ms
    assert!(Instant::now() - resumed >= Duration::from_millis(5));
}

#[test]
#[should_panic(expected = "needs a paused clock")]
fn advance_on_a_running_clock_says_to_pause_first() {
    weft::run(async { advance(Duration::from_secs(1)).await });
}

#[weft::test(start_paused = true)]
async fn an_interval_is_a_stream_of_its_ticks() {
    use futures_lite::StreamExt;
    let start = Instant::now();
    let ticks: Vec<Duration> = weft::time::interval(Duration::from_secs(30))
        .take(3)
        .map(|at| at - start)
        .collect()
        .await;
    let secs = Duration::from_secs;
    assert_eq!(ticks, [secs(0), secs(30), secs(60)]);
}

#[weft::test(start_paused = true)]
async fn a_timeout_shorter_than_its_sleep_fires_at_its_own_deadline_not_the_sleeps() {
    // The 30 s timer wakes the root; until the root runs, the runtime is not idle, so the
    // clock must not run on to the 60 s sleep (it once did, and the sleep won).
    for _ in 0..20 {
        let start = Instant::now();
        let out = weft::timeout(
            Duration::from_secs(30),
            weft::sleep(Duration::from_secs(60)),
        )
        .await;
        assert!(
            out.is_err(),
            "the 60 s sleep finished inside a 30 s timeout"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }
}

#[test]
fn a_root_woken_by_finishing_tasks_is_busy_before_its_thread_runs() {
    within(LIMIT, || {
        let rt = weft::Builder::new()
            .worker_threads(2)
            .start_paused(true)
            .build()
            .unwrap();
        for round in 0..500 {
            let (out, moved) = rt.block_on(async {
                let start = Instant::now();
                let out = weft::timeout(Duration::from_secs(60), async {
                    let a = weft::spawn(async { 1 });
                    let b = weft::spawn(async { 2 });
                    a.await.unwrap() + b.await.unwrap()
                })
                .await;
                (out, start.elapsed())
            });
            // Nothing here sleeps, so a paused clock has no reason to move at all.
            assert_eq!(
                (out, moved),
                (Ok(3), Duration::ZERO),
                "round {round}: the clock jumped while the root was runnable"
            );
        }
    });
}

#[test]
fn a_worker_parked_on_a_paused_clock_wakes_for_a_plain_threads_wake() {
    // One worker, paused: a plain thread wakes a task just after the worker parks. The
    // worker's idle look must not swallow that wake (it once blocked in the poller for good,
    // and `Runtime::drop` hung). The loom model `loom_an_unpark_during_the_paused_idle_look_
    // is_never_lost` covers every interleaving; this runs the real thing many times.
    within(LIMIT, || {
        for round in 0..300u32 {
            let rt = weft::Builder::new()
                .worker_threads(1)
                .start_paused(true)
                .build()
                .unwrap();
            let event = Arc::new(weft::sync::Event::new());
            let e = event.clone();
            let task = rt.spawn(async move { e.wait().await });
            let setter = std::thread::spawn(move || {
                // A few tens of microseconds: about when the worker is parking.
                let until =
                    std::time::Instant::now() + Duration::from_micros(20 + u64::from(round % 100));
                while std::time::Instant::now() < until {
                    std::hint::spin_loop();
                }
                event.set();
            });
            setter.join().unwrap();
            let handle = rt.handle().clone();
            let waited = std::thread::spawn(move || handle.block_on(task));
            waited.join().unwrap().unwrap();
            drop(rt);
        }
    });
}

#[test]
fn a_sleep_first_polled_under_another_runtime_reads_its_own_runtimes_clock() {
    within(LIMIT, || {
        let paused = weft::Builder::new().start_paused(true).build().unwrap();
        let running = weft::Runtime::new().unwrap();
        // Made in the paused runtime: 1 ms away on a clock that does not move by itself.
        let mut sleep = {
            let _in_paused = paused.handle().enter();
            weft::sleep(Duration::from_millis(1))
        };
        // Real time passes that millisecond.
        let real = std::time::Instant::now();
        while real.elapsed() < Duration::from_millis(2) {
            std::hint::spin_loop();
        }
        // Its own clock stands still, whatever clock is current on this thread.
        assert!(!running.block_on(async { sleep.is_elapsed() }));
        // Polled where the running runtime is current: its clock must not decide.
        let first = {
            let _in_running = running.handle().enter();
            weft_test_support::poll_once(&mut sleep)
        };
        assert!(
            first.is_pending(),
            "the sleep ended by another runtime's clock"
        );
    });
}

#[test]
fn a_sleep_of_a_dropped_runtime_panics_with_a_message_instead_of_hanging() {
    within(LIMIT, || {
        let rt = weft::Runtime::new().unwrap();
        let sleep = {
            let _in = rt.handle().enter();
            weft::sleep(Duration::from_millis(1))
        };
        drop(rt);
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            futures_lite::future::block_on(sleep)
        }));
        let message = panic_text(polled.unwrap_err());
        assert!(message.contains("shut down"), "{message}");
    });
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
