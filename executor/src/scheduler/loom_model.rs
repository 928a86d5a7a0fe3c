//! loom models of the scheduler's hand-offs. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib loom`.
//!
//! - Parking: an unpark racing a worker on its way into the condvar or the driver is never
//!   lost (`park.rs`).
//! - Sleep and wake: a worker going to sleep (and waking spuriously and going back to sleep)
//!   races a pusher announcing new work; whatever the interleaving, the worker ends up picked
//!   to be woken, by the pusher or by its own re-check, so no work is stranded (`idle.rs`).
//! - The paused clock (feature `test-util`): an unpark during the idle look is never lost,
//!   and a root future starting during the look never sees the clock jump after it started
//!   (the `advancing` handshake, `park.rs`).

use super::idle::Idle;
use super::park::{Driver, DriverSlot, Parker};
use crate::loom::AtomicUsize;
use loom::sync::Arc as LoomArc;
use loom::thread;
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// A driver whose `turn` blocks until `notify`, like `Poller::wait` with no timeout.
#[derive(Default)]
struct BlockingDriver {
    notified: loom::sync::Mutex<bool>,
    cv: loom::sync::Condvar,
}

impl Driver for BlockingDriver {
    fn turn(&self, _timeout: Option<Duration>) -> usize {
        let mut notified = self.notified.lock().unwrap();
        while !*notified {
            notified = self.cv.wait(notified).unwrap();
        }
        *notified = false;
        0
    }
    fn notify(&self) {
        *self.notified.lock().unwrap() = true;
        self.cv.notify_one();
    }
}

#[test]
fn loom_unpark_racing_condvar_park() {
    loom::model(|| {
        let parker = LoomArc::new(Parker::new(Arc::new(DriverSlot::new(None))));
        let p = parker.clone();
        let unparker = thread::spawn(move || p.unpark());
        parker.park();
        unparker.join().unwrap();
    });
}

#[test]
fn loom_unpark_racing_driver_park_and_condvar_park() {
    loom::model(|| {
        let driver: Arc<dyn Driver> = Arc::new(BlockingDriver::default());
        let slot = Arc::new(DriverSlot::new(Some(driver)));
        let a = LoomArc::new(Parker::new(slot.clone()));
        let b = LoomArc::new(Parker::new(slot));
        let (a2, b2) = (a.clone(), b.clone());
        let sleeper = thread::spawn(move || b2.park());
        let waker = thread::spawn(move || {
            a2.unpark();
            b.unpark();
        });
        a.park();
        sleeper.join().unwrap();
        waker.join().unwrap();
    });
}

#[test]
fn loom_a_sleeping_worker_is_never_left_behind_by_a_push() {
    loom::model(|| {
        // Worker 1 stays awake (running a long poll); worker 0 goes to sleep.
        let idle = LoomArc::new(Idle::new(2));
        let work = LoomArc::new(AtomicUsize::new(0));
        let (i, w) = (idle.clone(), work.clone());
        let pusher = thread::spawn(move || {
            w.fetch_add(1, SeqCst);
            i.worker_to_notify(|_| true)
        });
        // Worker 0: sleep, wake spuriously once, sleep again; re-check after each.
        let mut picked = Vec::new();
        for spurious in [false, true] {
            if spurious && !idle.transition_worker_from_parked(0) {
                break; // the pusher already took us off the list
            }
            idle.transition_worker_to_parked(0, false);
            if work.load(SeqCst) > 0 {
                picked.extend(idle.worker_to_notify(|_| true));
            }
        }
        picked.extend(pusher.join().unwrap());
        assert!(picked.contains(&0), "worker 0 sleeps while work is queued");
    });
}

/// A paused-clock driver: a zero-timeout turn consumes a pending notify (as the reactor's
/// wait gate does), a blocking turn waits for one, and the clock has no timer to jump to.
#[cfg(feature = "test-util")]
#[derive(Default)]
struct PausedDriver {
    notified: loom::sync::Mutex<bool>,
    cv: loom::sync::Condvar,
}

#[cfg(feature = "test-util")]
impl Driver for PausedDriver {
    fn turn(&self, timeout: Option<Duration>) -> usize {
        let mut notified = self.notified.lock().unwrap();
        if timeout == Some(Duration::ZERO) {
            *notified = false;
            return 0;
        }
        while !*notified {
            notified = self.cv.wait(notified).unwrap();
        }
        *notified = false;
        0
    }
    fn notify(&self) {
        *self.notified.lock().unwrap() = true;
        self.cv.notify_one();
    }
    fn clock_paused(&self) -> bool {
        true
    }
    fn auto_advance(&self) -> bool {
        false
    }
}

/// A worker parks in the driver of a paused, idle runtime while another thread unparks it
/// (a plain thread waking a task). The idle look's zero-timeout turn may swallow the
/// driver notify; the worker must still see the unpark and not block for good.
#[test]
#[cfg(feature = "test-util")]
fn loom_an_unpark_during_the_paused_idle_look_is_never_lost() {
    loom::model(|| {
        let driver: Arc<dyn Driver> = Arc::new(PausedDriver::default());
        let parker = LoomArc::new(Parker::new(Arc::new(DriverSlot::new(Some(driver)))));
        let p = parker.clone();
        let waker = thread::spawn(move || p.unpark());
        parker.park_or_advance(&|| true);
        waker.join().unwrap();
    });
}

/// A paused driver whose jumps count themselves, for the `advancing` handshake.
#[cfg(feature = "test-util")]
#[derive(Default)]
struct JumpingDriver {
    jumps: AtomicUsize,
    blocking: PausedDriver,
}

#[cfg(feature = "test-util")]
impl Driver for JumpingDriver {
    fn turn(&self, timeout: Option<Duration>) -> usize {
        self.blocking.turn(timeout)
    }
    fn notify(&self) {
        self.blocking.notify();
    }
    fn clock_paused(&self) -> bool {
        true
    }
    fn auto_advance(&self) -> bool {
        self.jumps.fetch_add(1, SeqCst);
        true
    }
}

/// A worker's idle look on a paused clock races a `block_on` starting on another thread (it
/// counts itself busy, waits out any look under way, then reads the clock and arms its
/// timers). Either the look sees the root and does not jump, or the jump is over before the
/// root reads the clock: the clock never jumps past a root that has started.
#[test]
#[cfg(feature = "test-util")]
fn loom_a_root_starting_during_the_paused_idle_look_never_sees_the_clock_jump() {
    loom::model(|| {
        let driver = Arc::new(JumpingDriver::default());
        let slot = Arc::new(DriverSlot::new(Some(driver.clone() as Arc<dyn Driver>)));
        let parker = LoomArc::new(Parker::new(slot.clone()));
        let roots = LoomArc::new(AtomicUsize::new(0));
        let (p, r, d) = (parker.clone(), roots.clone(), driver.clone());
        let root = thread::spawn(move || {
            r.fetch_add(1, SeqCst);
            slot.wait_out_advance();
            // The root reads the clock: the jumps so far are all it may ever see.
            let seen = d.jumps.load(SeqCst);
            // Its work wakes the worker, which may be blocked in the driver.
            p.unpark();
            seen
        });
        parker.park_or_advance(&|| roots.load(SeqCst) == 0);
        let seen = root.join().unwrap();
        assert_eq!(
            driver.jumps.load(SeqCst),
            seen,
            "the clock jumped past a started root"
        );
    });
}
