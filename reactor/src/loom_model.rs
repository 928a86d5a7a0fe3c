//! loom models of the reactor's cross-thread handshakes. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-reactor --release --lib loom`.
//!
//! - The wait gate (`wait_gate.rs`): a notify racing a turn on its way into the poller never
//!   leaves the turn blocked. The poller is a stand-in whose poke, like `polling`'s notify,
//!   is remembered until the next wait consumes it.
//! - Timer insertion (`time/timers.rs`): a timer armed in another shard from another thread
//!   while a turn chooses how long to sleep is never slept past: the turn's second look sees
//!   it in its wheel, or the insert sees the turn's `blocked_until` and notifies through the
//!   wait gate.
//! - Fired timers (`time/timers.rs`): a timer's owner polling while a turn advances its
//!   shard either learns that it fired (from the published tick or under the lock) and then
//!   the turn fired it, or finds it armed with the owner's waker in place, which the turn
//!   then fires: a poll never reports fired before the turn did, and never loses the wake.
//! - The readiness cache (`readiness.rs`): a `WouldBlock`'s clear never erases an event that
//!   arrived after the operation looked, whatever the interleaving with the turn that
//!   reports the event; nor does a short read's clear, which also never clears once an
//!   event it saw said a read may stop short.

use crate::readiness::ReadinessCache;
use crate::time::clock::Tick;
use crate::time::timers::{NOT_BLOCKED, TimerState, Timers};
use crate::wait_gate::WaitGate;
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use std::task::Waker;

#[derive(Default)]
struct StandInPoller {
    poked: Mutex<bool>,
    cv: Condvar,
}

impl StandInPoller {
    fn wait(&self) {
        let mut poked = self.poked.lock().unwrap();
        while !*poked {
            poked = self.cv.wait(poked).unwrap();
        }
        *poked = false;
    }

    fn poke(&self) {
        *self.poked.lock().unwrap() = true;
        self.cv.notify_one();
    }
}

#[test]
fn loom_a_notify_never_misses_a_turn_entering_the_poller() {
    loom::model(|| {
        let gate = Arc::new(WaitGate::new());
        let poller = Arc::new(StandInPoller::default());
        let (g, p) = (gate.clone(), poller.clone());
        let notifier = thread::spawn(move || {
            if g.notify() {
                p.poke();
            }
        });
        // The turn, with no deadline: it blocks unless told not to.
        if gate.begin(true) {
            poller.wait();
        }
        gate.end(true);
        notifier.join().unwrap();
    });
}

#[test]
fn loom_a_timer_armed_during_a_turn_is_never_slept_past() {
    loom::model(|| {
        let timers = Arc::new(Timers::new(2));
        let gate = Arc::new(WaitGate::new());
        let poller = Arc::new(StandInPoller::default());
        let (t, g, p) = (timers.clone(), gate.clone(), poller.clone());
        let inserter = thread::spawn(move || {
            // A worker arming in its own shard, not the one the turn's thread uses.
            crate::time::use_timer_shard(1);
            let (armed, must_notify) = t.insert(5, Waker::noop().clone());
            assert!(armed.is_ok());
            if must_notify && g.notify() {
                p.poke();
            }
        });
        // A turn at tick 0 with no timeout of its own: it sleeps until the wheels' next
        // expiration, and only an unbounded sleep needs a poke to end.
        let until = timers.next_expiration().unwrap_or(Tick::MAX);
        let until = timers.sleep_until(until);
        if gate.begin(true) && until == Tick::MAX {
            poller.wait();
        }
        gate.end(true);
        timers.sleep_until(NOT_BLOCKED);
        inserter.join().unwrap();
    });
}

#[test]
fn loom_a_poll_racing_the_advance_that_fires_it_never_loses_the_wake() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    struct Count(AtomicUsize);
    impl std::task::Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    loom::model(|| {
        let timers = Arc::new(Timers::new(1));
        let (armed, _) = timers.insert(5, Waker::noop().clone());
        let timer = armed.unwrap();
        let t = timers.clone();
        let turn = thread::spawn(move || {
            let mut fired = Vec::new();
            t.advance(5, &mut fired);
            assert_eq!(fired.len(), 1);
            fired
        });
        // The owner, polled with a new waker of its own.
        let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
        let state = timers.poll(timer, &Waker::from(count.clone()));
        let fired = turn.join().unwrap();
        fired.into_iter().for_each(Waker::wake);
        match state {
            // Fired: the turn advanced past the deadline first.
            TimerState::Fired => assert_eq!(count.0.load(SeqCst), 0),
            // Armed: the owner's waker was in place when the turn fired it.
            TimerState::Armed => assert_eq!(count.0.load(SeqCst), 1, "the wake was lost"),
        }
        assert_eq!(timers.len(), 0);
    });
}

#[test]
fn loom_a_would_block_never_clears_an_event_that_came_after_it() {
    loom::model(|| {
        let cache = Arc::new(ReadinessCache::new_ready());
        let c = cache.clone();
        // The turn reports new data.
        let turn = thread::spawn(move || c.mark_ready(false));
        // The reader: look, read (`WouldBlock`), clear; a failed clear means "retry".
        let seen = cache.snapshot();
        let cleared = cache.clear_if_unchanged(seen);
        turn.join().unwrap();
        let now = cache.snapshot();
        // An event the read may have consumed (before the look) may be cleared; a later one
        // must leave the direction ready, or its data would be slept through.
        assert!(now.tick() == seen.tick() || now.is_ready());
        assert!(cleared || now.is_ready());
    });
}

#[test]
fn loom_a_short_read_never_clears_an_event_that_came_after_it_or_said_reads_stop_short() {
    for stops in [false, true] {
        loom::model(move || {
            let cache = Arc::new(ReadinessCache::new_ready());
            let c = cache.clone();
            // The turn reports new data (or urgent data, end of stream, an error).
            let turn = thread::spawn(move || c.mark_ready(stops));
            // The reader: look, read (short), clear if the short read drained the socket.
            let seen = cache.snapshot();
            let cleared = cache.clear_after_short_read(seen);
            turn.join().unwrap();
            let now = cache.snapshot();
            // A clear may only erase what the look had seen, and only when nothing it had
            // seen said a read may stop short.
            assert!(now.tick() == seen.tick() || now.is_ready());
            assert!(!cleared || !seen.may_stop_short());
            if seen.tick() == 1 && stops {
                assert!(!cleared && now.is_ready(), "a stop seen before the read");
            }
        });
    }
}
