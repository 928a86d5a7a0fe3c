//! A reactor's timers: one timing wheel per shard, and the handshake with the turn that sleeps
//! towards the earliest of them.
//!
//! # Why shards
//!
//! With one wheel behind one lock, every worker that arms or cancels a timer takes the same
//! lock and writes the same nodes, and on a multi-core runtime that lock and those cache lines
//! travel between cores on every timeout (half of `timer_churn`'s time went to the contended
//! lock and the misses after it). So a reactor keeps a wheel per shard, and a thread arms its
//! timers in its own shard ([`use_timer_shard`]: the executor gives each worker its own; other
//! threads share shard 0). A timer's key names its shard, so cancelling it from another thread
//! still finds it — rarely, since a timer is mostly cancelled by the task that armed it, on the
//! worker that runs it.
//!
//! The turning thread advances every shard (one short lock each) and sleeps towards the
//! earliest next expiration of all of them.
//!
//! # Telling fired from armed without the lock
//!
//! Firing frees a timer's node (see `wheel.rs`), and its owner keeps a [`TimerId`]: the key
//! and the deadline tick. After each advance, the turning thread publishes the shard's
//! `elapsed` tick in an atomic, still under the shard's lock; an owner whose deadline is at
//! or before it knows the timer fired without taking the lock. This matters because a woken
//! sleep is polled on its worker while the turning thread may be advancing that worker's shard
//! through a slot of thousands of timers: before, the poll waited for that lock (a futex sleep
//! and a futex wake per collision: a fifth of `timer_fire`'s profile). A stale read only sends
//! the owner to the lock, where `elapsed` is exact, so the atomic is a hint that is never
//! wrong in the direction that matters: it never says "fired" early, since the wheel only
//! publishes ticks it has processed.
//!
//! # The sleep handshake
//!
//! A timer armed while a turn decides how long to sleep must not be slept past. The turn
//! publishes the tick it will sleep until in `blocked_until`, then looks at every shard again
//! ([`Timers::sleep_until`]); an insert files the timer under its shard's lock and then reads
//! `blocked_until`, notifying the turn if the timer is due earlier. For the one shard they
//! share, the two critical sections are ordered by its lock: if the insert's came first, the
//! turn's second look sees the timer; if the turn's came first, the publish happened before
//! it, so the insert reads it and notifies. Either way the timer is not slept past (loom
//! model: `loom_model.rs`).

use std::cell::Cell;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::task::Waker;

use super::clock::Tick;
use super::wheel::{TimerKey, Wheel};
use crate::loom::{AtomicU64, Mutex};

/// `blocked_until` when no turn is blocked (or about to be).
pub(crate) const NOT_BLOCKED: Tick = 0;

/// Bits of a [`TimerKey`] that hold the slot in the shard's wheel; the shard is above them.
const SHARD_SHIFT: u32 = 48;
/// The most shards a reactor keeps.
pub(crate) const MAX_SHARDS: usize = 256;

crate::loom::local! {
    /// The shard this thread arms timers in (modulo the reactor's shard count).
    static SHARD: Cell<usize> = Cell::new(0);
}

/// Makes this thread arm its timers in shard `index` of every reactor (modulo its shard
/// count): an executor gives each worker thread a shard of its own, so workers never contend
/// for a timer lock. Threads that never call this use shard 0.
///
/// ```
/// // A worker thread of some executor:
/// weft_reactor::time::use_timer_shard(1);
/// ```
pub fn use_timer_shard(index: usize) {
    SHARD.with(|shard| shard.set(index));
}

/// What [`Timers::poll`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerState {
    /// Still waiting for its deadline.
    Armed,
    /// Its deadline passed; the node is gone.
    Fired,
}

/// An armed timer, as its owner keeps it: the key of its node (shard included) and its
/// deadline tick, which tells whether it fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerId {
    key: TimerKey,
    when: Tick,
}

/// One wheel and its lock, on cache lines of their own.
#[repr(align(128))]
struct Shard {
    wheel: Mutex<Wheel>,
    /// The wheel's `elapsed` as of its last advance (written under the lock).
    elapsed: AtomicU64,
}

impl Shard {
    /// Whether the timer due at `when` has fired, by the published tick alone: `true` is
    /// final, `false` may be stale (ask the wheel under its lock).
    fn surely_fired(&self, when: Tick) -> bool {
        when <= self.elapsed.load(Acquire)
    }
}

/// The timers of one reactor. See the module docs.
pub(crate) struct Timers {
    shards: Box<[Shard]>,
    /// The tick the turning thread sleeps until (`Tick::MAX`: no limit; [`NOT_BLOCKED`]).
    blocked_until: AtomicU64,
}

impl Timers {
    /// Timers with `shards` wheels (at least 1, at most [`MAX_SHARDS`]).
    pub(crate) fn new(shards: usize) -> Timers {
        Timers {
            shards: (0..shards.clamp(1, MAX_SHARDS))
                .map(|_| Shard {
                    wheel: Mutex::new(Wheel::new()),
                    elapsed: AtomicU64::new(0),
                })
                .collect(),
            blocked_until: AtomicU64::new(NOT_BLOCKED),
        }
    }

    fn shard_of(&self, id: TimerId) -> (&Shard, TimerKey) {
        let shard = id.key >> SHARD_SHIFT;
        (&self.shards[shard], id.key & ((1 << SHARD_SHIFT) - 1))
    }

    /// Arms a timer due at `when` in this thread's shard. `Err(waker)` when the tick has
    /// passed already (the caller completes the timer itself). The flag says the turn blocked
    /// in the poller would sleep past it and must be notified.
    pub(crate) fn insert(&self, when: Tick, waker: Waker) -> (Result<TimerId, Waker>, bool) {
        let shard = SHARD.with(Cell::get) % self.shards.len();
        let inserted = self.shards[shard].wheel.lock().insert(when, waker);
        match inserted {
            Ok(key) => {
                // After the shard's lock: see the module docs.
                let must_notify = when < self.blocked_until.load(Relaxed);
                let key = (shard << SHARD_SHIFT) | key;
                (Ok(TimerId { key, when }), must_notify)
            }
            Err(waker) => (Err(waker), false),
        }
    }

    /// Moves timer `id` to `when` (see [`Wheel::reset`]): `Ok` with its new id, or `Err` when
    /// it is gone (`Some(waker)` to wake: it is due). The flag as for
    /// [`insert`](Self::insert).
    pub(crate) fn reset(&self, id: TimerId, when: Tick) -> (Result<TimerId, Option<Waker>>, bool) {
        let (shard, key) = self.shard_of(id);
        if shard.surely_fired(id.when) {
            return (Err(None), false);
        }
        let result = shard.wheel.lock().reset(key, id.when, when);
        match result {
            Ok(()) => {
                let must_notify = when < self.blocked_until.load(Relaxed);
                (Ok(TimerId { key: id.key, when }), must_notify)
            }
            Err(due) => (Err(due), false),
        }
    }

    /// Whether timer `id` fired (its node is gone: the caller forgets the id); an armed one is
    /// made to wake `waker` (the replaced waker is dropped after the lock).
    pub(crate) fn poll(&self, id: TimerId, waker: &Waker) -> TimerState {
        let (shard, key) = self.shard_of(id);
        if shard.surely_fired(id.when) {
            return TimerState::Fired;
        }
        let (state, replaced) = {
            let mut wheel = shard.wheel.lock();
            if wheel.has_fired(id.when) {
                (TimerState::Fired, None)
            } else {
                (TimerState::Armed, wheel.set_waker(key, waker))
            }
        };
        drop(replaced);
        state
    }

    /// Cancels timer `id` unless it fired; returns its waker, to drop after the lock.
    pub(crate) fn remove(&self, id: TimerId) -> Option<Waker> {
        let (shard, key) = self.shard_of(id);
        if shard.surely_fired(id.when) {
            return None;
        }
        shard.wheel.lock().remove(key, id.when)
    }

    /// Fires every timer due at or before `now`, in every shard, onto `fired`.
    pub(crate) fn advance(&self, now: Tick, fired: &mut Vec<Waker>) {
        for shard in self.shards.iter() {
            let mut wheel = shard.wheel.lock();
            wheel.advance(now, fired);
            // Under the lock, so the published tick never runs ahead of the wheel's.
            shard.elapsed.store(wheel.elapsed(), Release);
        }
    }

    /// The earliest tick at which some shard has work.
    pub(crate) fn next_expiration(&self) -> Option<Tick> {
        self.shards
            .iter()
            .filter_map(|shard| shard.wheel.lock().next_expiration())
            .min()
    }

    /// The turning thread will sleep until `until` (`Tick::MAX`: no limit; [`NOT_BLOCKED`]:
    /// it will not sleep, or it woke). When blocking, returns the tick to really sleep until:
    /// `until`, or earlier if a timer was armed meanwhile (the second look of the handshake).
    pub(crate) fn sleep_until(&self, until: Tick) -> Tick {
        self.blocked_until.store(until, Relaxed);
        if until == NOT_BLOCKED {
            return until;
        }
        match self.next_expiration() {
            Some(next) if next < until => next,
            _ => until,
        }
    }

    /// Armed timers.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.wheel.lock().len())
            .sum()
    }
}

impl std::fmt::Debug for Timers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timers")
            .field("shards", &self.shards.len())
            .field("blocked_until", &self.blocked_until.load(Relaxed))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_key_finds_its_shard_from_any_thread() {
        let timers = Timers::new(3);
        use_timer_shard(2);
        let (key, _) = timers.insert(10, Waker::noop().clone());
        let key = key.unwrap();
        assert_eq!(key.key >> SHARD_SHIFT, 2);
        // Cancelled from a thread that arms in another shard.
        let removed = std::thread::scope(|s| {
            s.spawn(|| {
                use_timer_shard(0);
                timers.remove(key)
            })
            .join()
            .unwrap()
        });
        assert!(removed.is_some());
        assert_eq!(timers.len(), 0);
        use_timer_shard(0);
    }

    #[test]
    fn every_shard_fires_and_the_earliest_shard_sets_the_next_expiration() {
        let timers = Timers::new(2);
        use_timer_shard(0);
        timers.insert(40, Waker::noop().clone()).0.unwrap();
        use_timer_shard(1);
        timers.insert(7, Waker::noop().clone()).0.unwrap();
        use_timer_shard(0);
        assert_eq!(timers.next_expiration(), Some(7));
        let mut fired = Vec::new();
        timers.advance(100, &mut fired);
        assert_eq!(fired.len(), 2);
    }

    #[test]
    fn an_insert_earlier_than_the_blocked_turn_asks_for_a_notify() {
        let timers = Timers::new(2);
        assert_eq!(timers.sleep_until(Tick::MAX), Tick::MAX);
        let (_, must_notify) = timers.insert(5, Waker::noop().clone());
        assert!(must_notify);
        // A timer armed before the turn's second look lowers the sleep instead.
        timers.sleep_until(NOT_BLOCKED);
        assert_eq!(timers.sleep_until(100), 5);
        let (_, late) = timers.insert(200, Waker::noop().clone());
        assert!(!late, "a timer after the sleep needs no notify");
    }

    #[test]
    fn polling_an_armed_timer_swaps_its_waker_and_a_fired_one_is_gone() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        struct Count(AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let (first, second) = (
            Arc::new(Count(AtomicUsize::new(0))),
            Arc::new(Count(AtomicUsize::new(0))),
        );
        let timers = Timers::new(1);
        let key = timers.insert(10, Waker::from(first.clone())).0.unwrap();
        assert_eq!(
            timers.poll(key, &Waker::from(second.clone())),
            TimerState::Armed
        );
        let mut fired = Vec::new();
        timers.advance(9, &mut fired);
        assert!(fired.is_empty(), "never before the deadline tick");
        timers.advance(10, &mut fired);
        fired.into_iter().for_each(Waker::wake);
        assert_eq!(
            (first.0.load(SeqCst), second.0.load(SeqCst)),
            (0, 1),
            "the newer waker fires"
        );
        assert_eq!(timers.len(), 0, "firing frees the node");
        assert_eq!(timers.poll(key, Waker::noop()), TimerState::Fired);
        assert!(timers.remove(key).is_none(), "nothing left to cancel");
    }

    #[test]
    fn a_fired_timer_is_known_without_its_shards_lock() {
        let timers = Timers::new(1);
        let (armed, _) = timers.insert(10, Waker::noop().clone());
        let armed = armed.unwrap();
        let (later, _) = timers.insert(20, Waker::noop().clone());
        let later = later.unwrap();
        let mut fired = Vec::new();
        timers.advance(10, &mut fired);
        assert_eq!(fired.len(), 1);
        // Hold the lock as a turn advancing the shard would: the fired timer's owner is
        // answered (and may cancel) without waiting for it. Asked from another thread, so a
        // regression fails on the timeout instead of deadlocking the test.
        let held = timers.shards[0].wheel.lock();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let polled = timers.poll(armed, Waker::noop());
                let removed = timers.remove(armed).is_none();
                let reset = matches!(timers.reset(armed, 30).0, Err(None));
                tx.send((polled, removed, reset)).unwrap();
            });
            let answer = rx.recv_timeout(std::time::Duration::from_secs(10));
            drop(held);
            assert_eq!(
                answer.expect("the owner waited for the shard's lock"),
                (TimerState::Fired, true, true)
            );
        });
        // The published tick never says fired early.
        assert_eq!(timers.poll(later, Waker::noop()), TimerState::Armed);
    }

    #[test]
    fn shard_indices_beyond_the_count_wrap() {
        let timers = Timers::new(2);
        use_timer_shard(5);
        let (key, _) = timers.insert(3, Waker::noop().clone());
        assert_eq!(key.unwrap().key >> SHARD_SHIFT, 1);
        use_timer_shard(0);
    }
}
