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
