//! `Reactor::turn` / `notify` / `next_deadline` as the executor uses them: cross-thread
//! wake-ups of a blocked turn, exclusivity, and the current-reactor context.

mod common;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Driver, HangGuard, block_on_parked, poll_once, reactor};
use weft_reactor::{Reactor, enter, sleep, try_current};

#[test]
fn a_foreign_timer_earlier_than_the_current_wait_wakes_the_blocked_turn() {
    let _g = HangGuard::new("foreign timer insert", 60);
    let r = reactor();
    // The driver blocks towards a far deadline (one hour)...
    let _e = enter(r.clone());
    let mut far = sleep(Duration::from_secs(3600));
    assert!(poll_once(&mut far).is_pending());
    let driver = Driver::start(&r);
    driver.wait_until_blocked();
    // ...then another thread sleeps 20 ms. Its insert must re-time the blocked turn.
    let r2 = r.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        block_on_parked(&r2, sleep(Duration::from_millis(20)));
        tx.send(start.elapsed()).unwrap();
    });
    let elapsed = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the blocked turn was never re-timed for the earlier timer");
    assert!(elapsed >= Duration::from_millis(20));
    drop(far);
    drop(driver);
}

#[test]
fn a_foreign_timer_wakes_a_turn_blocked_without_any_deadline() {
    let _g = HangGuard::new("foreign timer, no deadline", 60);
    let r = reactor();
    let driver = Driver::start(&r);
    driver.wait_until_blocked();
    let r2 = r.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        block_on_parked(&r2, sleep(Duration::from_millis(5)));
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the blocked turn never noticed the new timer");
    drop(driver);
}

#[test]
fn notify_interrupts_a_blocked_turn() {
    let _g = HangGuard::new("notify", 60);
    let r = reactor();
    let (tx, rx) = mpsc::channel();
    let r2 = r.clone();
    std::thread::spawn(move || {
        let woken = r2.turn(None);
        tx.send(woken).unwrap();
    });
    while !r.is_waiting() {
        std::thread::yield_now();
    }
    r.notify();
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)).unwrap(), 0);
}

#[test]
fn a_notify_before_the_turn_is_not_lost() {
    let r = reactor();
    r.notify();
    let start = Instant::now();
    assert_eq!(r.turn(Some(Duration::from_secs(30))), 0);
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn turns_are_exclusive() {
    let _g = HangGuard::new("exclusive", 60);
    let r = reactor();
    let r2 = r.clone();
    let (tx, rx) = mpsc::channel();
    let holder = std::thread::spawn(move || {
        r2.turn(None);
        tx.send(()).unwrap();
    });
    while !r.is_waiting() {
        std::thread::yield_now();
    }
    // A second caller does not wait behind the first: it returns at once.
    let start = Instant::now();
    assert_eq!(r.turn(Some(Duration::from_secs(30))), 0);
    assert!(start.elapsed() < Duration::from_secs(20));
    r.notify();
    rx.recv_timeout(Duration::from_secs(30)).unwrap();
    holder.join().unwrap();
}

#[test]
fn turn_reports_how_many_wakers_it_woke() {
    let _g = HangGuard::new("turn count", 60);
    let r = reactor();
    let _e = enter(r.clone());
    let mut sleeps: Vec<_> = (0..3).map(|_| sleep(Duration::from_millis(30))).collect();
    for s in &mut sleeps {
        assert!(poll_once(s).is_pending());
    }
    let mut total = 0;
    while total < 3 {
        total += r.turn(None);
    }
    assert_eq!(total, 3);
}

#[test]
fn next_deadline_tracks_the_nearest_timer() {
    let r = reactor();
    let _e = enter(r.clone());
    assert_eq!(r.next_deadline(), None);
    let mut a = sleep(Duration::from_secs(10));
    assert!(poll_once(&mut a).is_pending());
    let first = r.next_deadline().unwrap();
    assert!(first <= a.deadline());
    let mut b = sleep(Duration::from_millis(100));
    assert!(poll_once(&mut b).is_pending());
    let second = r.next_deadline().unwrap();
    assert!(second <= b.deadline() && second <= first);
    drop(b);
    drop(a);
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn enter_nests_and_restores() {
    let outer: Arc<Reactor> = reactor();
    let inner: Arc<Reactor> = reactor();
    assert!(try_current().is_none());
    let a = enter(outer.clone());
    {
        let _b = enter(inner.clone());
        assert!(Arc::ptr_eq(&try_current().unwrap(), &inner));
    }
    assert!(Arc::ptr_eq(&try_current().unwrap(), &outer));
    drop(a);
    assert!(try_current().is_none());
}

#[test]
fn reactor_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Reactor>();
    check::<weft_reactor::Sleep>();
    check::<weft_reactor::time::Interval>();
    check::<weft_reactor::Timeout<std::future::Ready<()>>>();
    check::<weft_reactor::Async<std::net::TcpStream>>();
}
