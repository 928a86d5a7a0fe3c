//! `sleep`, `sleep_until` and `Sleep`: order, never early, scale, reset, saturation, budget.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use common::{HangGuard, LocalPool, block_on, poll_once, reactor};
use weft_reactor::{sleep, sleep_until};

#[test]
fn sleeps_never_complete_early() {
    let _g = HangGuard::new("sleeps_never_complete_early", 60);
    let r = reactor();
    for ms in [0u64, 1, 2, 3, 5, 8, 13, 21] {
        let d = Duration::from_millis(ms);
        let elapsed = block_on(&r, async {
            let start = Instant::now();
            sleep(d).await;
            start.elapsed()
        });
        assert!(
            elapsed >= d,
            "sleep({d:?}) completed after only {elapsed:?}"
        );
    }
    // Durations shorter than a tick round up, never down to "now".
    let d = Duration::from_micros(300);
    let elapsed = block_on(&r, async {
        let start = Instant::now();
        sleep(d).await;
        start.elapsed()
    });
    assert!(elapsed >= d);
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn timers_fire_in_deadline_order() {
    let _g = HangGuard::new("timers_fire_in_deadline_order", 60);
    let r = reactor();
    let mut pool = LocalPool::new(&r);
    let order = Rc::new(RefCell::new(Vec::new()));
    // Far enough ahead that every sleep is armed before the first one is due, even if this
    // thread is preempted while spawning.
    let start = Instant::now() + Duration::from_millis(100);
    // Deadlines 3 ms apart, registered in a scrambled order, spanning two wheel levels.
    let mut slots: Vec<u64> = (0..30).collect();
    for i in 0..slots.len() {
        let j = (i * 17 + 5) % slots.len();
        slots.swap(i, j);
    }
    for k in slots {
        let order = order.clone();
        let deadline = start + Duration::from_millis(3 * k);
        pool.spawn(async move {
            sleep_until(deadline).await;
            let now = Instant::now();
            assert!(now >= deadline, "timer {k} fired early");
            order.borrow_mut().push(k);
        });
    }
    pool.run();
    let order = order.borrow();
    assert_eq!(*order, (0..30).collect::<Vec<_>>());
}

#[test]
fn hundred_thousand_concurrent_sleeps_all_complete() {
    let _g = HangGuard::new("hundred_thousand_concurrent_sleeps", 300);
    let r = reactor();
    let mut pool = LocalPool::new(&r);
    let done = Rc::new(AtomicUsize::new(0));
    const N: usize = 100_000;
    for i in 0..N {
        let done = done.clone();
        let d = Duration::from_millis(1 + (i % 50) as u64);
        pool.spawn(async move {
            let start = Instant::now();
            sleep(d).await;
            assert!(start.elapsed() >= d);
            done.fetch_add(1, Ordering::Relaxed);
        });
    }
    pool.run();
    assert_eq!(done.load(Ordering::Relaxed), N);
    assert_eq!(
        r.timer_count(),
        0,
        "completed sleeps leave nothing in the wheel"
    );
}

#[test]
fn past_deadlines_complete_on_first_poll() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let mut s = sleep_until(Instant::now() - Duration::from_millis(1));
    assert_eq!(poll_once(&mut s), Poll::Ready(()));
    let mut s = sleep(Duration::ZERO);
    assert_eq!(poll_once(&mut s), Poll::Ready(()));
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn past_deadlines_complete_on_first_poll_inside_a_task_poll_too() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    // Made in one task poll, first polled in a later one after its deadline: the clock
    // decides, at once.
    let mut s = weft_coop::with_budget(|| sleep(Duration::from_millis(2)));
    std::thread::sleep(Duration::from_millis(3));
    assert_eq!(
        weft_coop::with_budget(|| poll_once(&mut s)),
        Poll::Ready(())
    );
    // A past deadline, or none at all, in the poll that made it: at once.
    weft_coop::with_budget(|| {
        let mut s = sleep_until(Instant::now() - Duration::from_millis(1));
        assert_eq!(poll_once(&mut s), Poll::Ready(()));
        let mut s = sleep(Duration::ZERO);
        assert_eq!(poll_once(&mut s), Poll::Ready(()));
    });
    // Reset to a past deadline in the poll that made it: the clock decides again.
    weft_coop::with_budget(|| {
        let mut s = sleep(Duration::from_secs(5));
        s.reset(Instant::now() - Duration::from_millis(1));
        assert_eq!(poll_once(&mut s), Poll::Ready(()));
    });
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn a_sleep_first_polled_in_the_task_poll_that_made_it_goes_straight_to_the_wheel() {
    let _g = HangGuard::new("fresh sleep", 60);
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    // `sleep(d).await`: the deadline was read a moment ago, in this very poll, so the first
    // poll arms the wheel without reading the clock again, even when (as here) the poll's
    // own code overran the deadline in between: then the sleep ends at the wheel's next tick
    // (late by a tick, never early) rather than at once.
    let start = Instant::now();
    let mut s = None;
    let first = weft_coop::with_budget(|| {
        let s = s.insert(sleep(Duration::from_millis(2)));
        std::thread::sleep(Duration::from_millis(3));
        poll_once(s)
    });
    assert_eq!(first, Poll::Pending, "armed without a second clock read");
    assert_eq!(r.timer_count(), 1);
    block_on(&r, s.unwrap());
    assert!(start.elapsed() >= Duration::from_millis(2));
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn reset_earlier_holds() {
    let _g = HangGuard::new("reset_earlier_holds", 60);
    let r = reactor();
    let elapsed = block_on(&r, async {
        let start = Instant::now();
        let mut s = sleep(Duration::from_secs(30));
        // Arm it at 30 s first, then pull it in.
        assert!(futures_poll(&mut s).await.is_pending());
        s.reset(start + Duration::from_millis(20));
        (&mut s).await;
        start.elapsed()
    });
    assert!(elapsed >= Duration::from_millis(20));
    assert!(
        elapsed < Duration::from_secs(20),
        "reset earlier was ignored"
    );
}

#[test]
fn reset_later_holds() {
    let _g = HangGuard::new("reset_later_holds", 60);
    let r = reactor();
    let elapsed = block_on(&r, async {
        let start = Instant::now();
        let mut s = sleep(Duration::from_millis(25));
        assert!(futures_poll(&mut s).await.is_pending());
        s.reset(start + Duration::from_millis(100));
        (&mut s).await;
        start.elapsed()
    });
    assert!(
        elapsed >= Duration::from_millis(100),
        "fired at the old deadline"
    );
}

#[test]
fn reset_after_completion_rearms() {
    let _g = HangGuard::new("reset_after_completion_rearms", 60);
    let r = reactor();
    block_on(&r, async {
        let mut s = sleep(Duration::from_millis(2));
        (&mut s).await;
        let again = Instant::now() + Duration::from_millis(100);
        s.reset(again);
        assert!(!s.is_elapsed());
        (&mut s).await;
        assert!(Instant::now() >= again);
    });
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn reset_while_fired_but_unpolled_still_wakes() {
    // The timer fires (its waker is taken), then the deadline moves before the task polls.
    let _g = HangGuard::new("reset_while_fired_but_unpolled", 60);
    let r = reactor();
    block_on(&r, async {
        let mut s = sleep(Duration::from_millis(20));
        assert!(futures_poll(&mut s).await.is_pending());
        // Let the wheel fire it without polling the sleep.
        weft_reactor::sleep(Duration::from_millis(40)).await;
        let later = Instant::now() + Duration::from_millis(10);
        s.reset(later);
        (&mut s).await;
        assert!(Instant::now() >= later);
    });
}

#[test]
fn saturating_deadlines_do_not_panic() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let now = Instant::now();
    let mut s = sleep(Duration::MAX);
    assert!(s.deadline() > now + Duration::from_secs(50 * 365 * 86_400));
    assert_eq!(poll_once(&mut s), Poll::Pending);
    assert_eq!(r.timer_count(), 1);
    assert!(r.next_deadline().is_some());
    drop(s);
    assert_eq!(r.timer_count(), 0);

    // An Instant far beyond what the wheel's u64 ticks can express.
    if let Some(far) = now.checked_add(Duration::from_secs(u64::MAX / 4)) {
        let mut s = sleep_until(far);
        assert_eq!(poll_once(&mut s), Poll::Pending);
        s.reset(now + Duration::from_secs(1));
        s.reset(far);
        drop(s);
    }
    // Intervals and timeouts with huge values, too.
    let mut t = weft_reactor::timeout(Duration::MAX, std::future::pending::<()>());
    assert!(poll_once(&mut t).is_pending());
    drop(t);
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn polling_outside_a_runtime_panics_plainly() {
    let result = std::thread::spawn(|| {
        let mut s = sleep(Duration::from_millis(5));
        let _ = poll_once(&mut s);
    })
    .join();
    let payload = result.expect_err("polling a sleep outside a runtime must panic");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(
        message.contains("weft timers need a running weft runtime"),
        "unexpected panic message: {message}"
    );
    assert!(message.contains("weft::run / Runtime::block_on or a spawned task"));
}

#[test]
fn a_sleep_created_outside_resolves_its_reactor_on_first_poll() {
    let _g = HangGuard::new("late_resolution", 60);
    let s = sleep(Duration::from_millis(3));
    let r = reactor();
    block_on(&r, s);
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn completing_a_sleep_consumes_budget() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    weft_coop::with_budget(|| {
        for _ in 0..weft_coop::BUDGET {
            let mut s = sleep_until(Instant::now());
            assert_eq!(poll_once(&mut s), Poll::Ready(()));
        }
        let mut s = sleep_until(Instant::now());
        assert_eq!(poll_once(&mut s), Poll::Pending, "budget spent: must yield");
    });
}

#[test]
fn repolling_with_a_new_waker_moves_the_wake_up() {
    let _g = HangGuard::new("new_waker", 60);
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    struct Count(AtomicUsize);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let first = Arc::new(Count(AtomicUsize::new(0)));
    let second = Arc::new(Count(AtomicUsize::new(0)));
    let mut s = sleep(Duration::from_millis(30));
    let w1 = std::task::Waker::from(first.clone());
    let w2 = std::task::Waker::from(second.clone());
    assert!(std::pin::Pin::new(&mut s).poll_with(&w1).is_pending());
    assert!(std::pin::Pin::new(&mut s).poll_with(&w2).is_pending());
    while second.0.load(Ordering::SeqCst) == 0 {
        r.turn(None);
    }
    assert_eq!(
        first.0.load(Ordering::SeqCst),
        0,
        "the replaced waker must not be woken"
    );
    assert!(s.is_elapsed());
}

/// Polls a future once from inside an async block (with the real task waker).
async fn futures_poll<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *f).poll(cx))).await
}

trait PollWith: std::future::Future {
    fn poll_with(self: std::pin::Pin<&mut Self>, waker: &std::task::Waker) -> Poll<Self::Output>;
}

impl<F: std::future::Future> PollWith for F {
    fn poll_with(self: std::pin::Pin<&mut Self>, waker: &std::task::Waker) -> Poll<Self::Output> {
        self.poll(&mut std::task::Context::from_waker(waker))
    }
}
