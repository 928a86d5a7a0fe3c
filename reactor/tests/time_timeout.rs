//! `timeout`, `timeout_at` and `Timeout`: values, cancellation, rescheduling, `Elapsed`.

mod common;

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use common::{DropCounter, HangGuard, block_on, reactor};
use weft_reactor::{Elapsed, sleep, timeout, timeout_at};

/// Pending forever; counts its drop.
fn pending_with_counter(drops: &DropCounter) -> impl Future<Output = ()> + use<> {
    let counter = drops.track();
    async move {
        let _counter = counter;
        std::future::pending::<()>().await;
    }
}

#[test]
fn in_time_returns_the_value() {
    let _g = HangGuard::new("in_time_returns_the_value", 60);
    let r = reactor();
    let v = block_on(&r, async {
        timeout(Duration::from_secs(10), async {
            sleep(Duration::from_millis(5)).await;
            42
        })
        .await
    });
    assert_eq!(v, Ok(42));
    assert_eq!(r.timer_count(), 0, "the unused deadline was cancelled");
}

#[test]
fn zero_duration_on_a_ready_future_returns_its_value() {
    let r = reactor();
    let v = block_on(&r, timeout(Duration::ZERO, async { "done" }));
    assert_eq!(v, Ok("done"));
    let past = Instant::now() - Duration::from_millis(10);
    let v = block_on(&r, timeout_at(past, std::future::ready(7)));
    assert_eq!(v, Ok(7));
}

#[test]
fn zero_duration_on_a_pending_future_drops_it_and_elapses() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let drops = DropCounter::new();
    let mut t = pin!(timeout(Duration::ZERO, pending_with_counter(&drops)));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(t.as_mut().poll(&mut cx), Poll::Ready(Err(_))));
    // Dropped at the moment of elapsing, not when the Timeout goes away.
    assert_eq!(drops.get(), 1);
    assert!(t.get_ref().is_none());
}

#[test]
fn elapsing_drops_the_inner_future_and_returns_elapsed() {
    let _g = HangGuard::new("elapsing_drops_the_inner_future", 60);
    let r = reactor();
    let drops = DropCounter::new();
    let (result, elapsed, drops_at_return) = block_on(&r, async {
        let start = Instant::now();
        let result = timeout(Duration::from_millis(15), pending_with_counter(&drops)).await;
        (result, start.elapsed(), drops.get())
    });
    assert!(result.is_err());
    assert_eq!(drops_at_return, 1, "inner future dropped exactly once");
    assert!(
        elapsed >= Duration::from_millis(15),
        "timed out early: {elapsed:?}"
    );
    assert_eq!(drops.get(), 1);
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn reschedule_earlier_holds() {
    let _g = HangGuard::new("reschedule_earlier_holds", 60);
    let r = reactor();
    let (result, elapsed) = block_on(&r, async {
        let start = Instant::now();
        let mut t = pin!(timeout(
            Duration::from_secs(30),
            std::future::pending::<()>()
        ));
        // Arm at 30 s, then pull the deadline in.
        assert!(poll_inside(t.as_mut()).await.is_pending());
        t.as_mut().reschedule(start + Duration::from_millis(25));
        assert_eq!(t.deadline(), start + Duration::from_millis(25));
        (t.await, start.elapsed())
    });
    assert!(result.is_err());
    assert!(elapsed >= Duration::from_millis(25));
    assert!(
        elapsed < Duration::from_secs(20),
        "the earlier deadline was ignored"
    );
}

#[test]
fn reschedule_later_holds() {
    let _g = HangGuard::new("reschedule_later_holds", 60);
    let r = reactor();
    // The inner work needs 100 ms; the first deadline (25 ms) would kill it; the new one not.
    let (result, elapsed) = block_on(&r, async {
        let start = Instant::now();
        let mut t = pin!(timeout(Duration::from_millis(25), async {
            sleep(Duration::from_millis(100)).await;
            "finished"
        }));
        assert!(poll_inside(t.as_mut()).await.is_pending());
        t.as_mut().reschedule(start + Duration::from_secs(30));
        (t.await, start.elapsed())
    });
    assert_eq!(result, Ok("finished"));
    assert!(elapsed >= Duration::from_millis(100));

    // And a later deadline that still passes elapses then, not at the first one.
    let (result, elapsed) = block_on(&r, async {
        let start = Instant::now();
        let mut t = pin!(timeout(
            Duration::from_millis(25),
            std::future::pending::<()>()
        ));
        assert!(poll_inside(t.as_mut()).await.is_pending());
        t.as_mut().reschedule(start + Duration::from_millis(100));
        (t.await, start.elapsed())
    });
    assert!(result.is_err());
    assert!(
        elapsed >= Duration::from_millis(100),
        "fired at the old deadline"
    );
}

#[test]
fn a_budget_hogging_future_still_times_out() {
    let _g = HangGuard::new("budget_hog", 60);
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let start = Instant::now();
    let mut t = pin!(timeout(
        Duration::from_millis(10),
        std::future::pending::<()>()
    ));
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        // Each "task poll" starts with the budget already spent by earlier work.
        let result = weft_coop::with_budget(|| {
            while weft_coop::poll_consume(&mut cx).is_ready() {}
            t.as_mut().poll(&mut cx)
        });
        if let Poll::Ready(result) = result {
            assert!(result.is_err());
            break;
        }
        r.turn(Some(Duration::from_millis(5)));
    }
    assert!(start.elapsed() >= Duration::from_millis(10));
}

#[test]
fn elapsed_is_a_clear_error() {
    let e = elapsed();
    assert_eq!(
        e.to_string(),
        "deadline elapsed: the operation did not complete before its timeout"
    );
    let as_error: &dyn std::error::Error = &e;
    assert!(as_error.source().is_none());
    let io: std::io::Error = e.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}

/// An `Elapsed` value, obtained the only public way.
fn elapsed() -> Elapsed {
    let r = reactor();
    block_on(&r, timeout(Duration::ZERO, std::future::pending::<()>())).unwrap_err()
}

/// Polls once with the enclosing task's waker.
async fn poll_inside<F: Future>(mut f: Pin<&mut F>) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx))).await
}
