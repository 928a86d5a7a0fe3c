//! The timing wheel seen through the reactor: nothing left behind, many threads, far deadlines.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use common::{HangGuard, PendingOnce, block_on, poll_once, reactor};
use weft_reactor::{sleep, sleep_until, timeout};

#[test]
fn wheel_is_empty_after_100k_cancelled_timeouts() {
    let _g = HangGuard::new("100k cancelled timeouts", 300);
    let r = reactor();
    let reactor_in = r.clone();
    block_on(&r, async move {
        for _ in 0..100_000 {
            // Pending once: the timeout arms its deadline, then the future wins and the
            // deadline is cancelled.
            let out = timeout(Duration::from_secs(10), PendingOnce(false)).await;
            assert!(out.is_ok());
            assert_eq!(reactor_in.timer_count(), 0);
        }
    });
    assert_eq!(r.timer_count(), 0);
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn wheel_is_empty_after_100k_armed_timeouts_are_dropped() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let mut all: Vec<_> = (0..100_000u64)
        .map(|i| {
            timeout(
                Duration::from_millis(1000 + i * 7),
                std::future::pending::<()>(),
            )
        })
        .collect();
    for t in &mut all {
        assert!(poll_once(t).is_pending());
    }
    assert_eq!(r.timer_count(), 100_000);
    drop(all);
    assert_eq!(r.timer_count(), 0);
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn concurrent_insert_and_cancel_from_many_threads() {
    let _g = HangGuard::new("concurrent insert/cancel", 120);
    let r = reactor();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let r = r.clone();
            std::thread::spawn(move || {
                let _e = weft_reactor::enter(r.clone());
                for i in 0..25_000u64 {
                    let mut s = sleep(Duration::from_millis(100 + (i * 31 + t) % 100_000));
                    assert!(poll_once(&mut s).is_pending());
                    if i % 3 == 0 {
                        s.reset(Instant::now() + Duration::from_secs(3600));
                    }
                }
            })
        })
        .collect();
    // Meanwhile, turn the reactor from this thread.
    for _ in 0..50 {
        r.turn(Some(Duration::from_millis(1)));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn deadlines_years_ahead_are_kept_and_ordered() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let now = Instant::now();
    let year = Duration::from_secs(365 * 86_400);
    let mut far = sleep_until(now + 30 * year);
    let mut near = sleep_until(now + year);
    assert!(poll_once(&mut far).is_pending());
    let only_far = r.next_deadline().unwrap();
    assert!(only_far <= now + 30 * year);
    assert!(poll_once(&mut near).is_pending());
    let with_near = r.next_deadline().unwrap();
    assert!(with_near <= now + year);
    assert!(with_near <= only_far);
    drop(near);
    drop(far);
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn one_turn_fires_a_batch() {
    let _g = HangGuard::new("batch", 60);
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let deadline = Instant::now() + Duration::from_millis(50);
    let mut sleeps: Vec<_> = (0..100).map(|_| sleep_until(deadline)).collect();
    let counter = std::sync::Arc::new(Count::default());
    let waker = Waker::from(counter.clone());
    for s in &mut sleeps {
        assert!(
            Pin::new(s)
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
    }
    let mut woken = 0;
    while woken == 0 {
        woken = r.turn(None);
    }
    assert_eq!(woken, 100, "all timers of one tick fire in one turn");
    for s in &mut sleeps {
        assert_eq!(poll_once(s), Poll::Ready(()));
    }
    assert_eq!(r.timer_count(), 0);
    block_on(&r, async {});
}

#[derive(Default)]
struct Count(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
