//! The reactor's clock: the runtime's idea of "now", and conversions between instants and
//! the wheel's 10 µs ticks.
//!
//! The wheel counts whole ticks since the reactor was created (its *origin*). A tick is
//! 10 µs: rounding a deadline up to its tick then costs 5 µs on average (with tokio's 1 ms
//! ticks a 1 ms sleep takes 2 ms; with 100 µs ticks it took 1.11 ms here, 1.05 ms now, the
//! workers' timed waits having no kernel slack either: `slack.rs`), while timers due within
//! 10 µs of each other still fire in one turn. A 1 ms sleep sits on level 1 of the wheel and
//! is cascaded once, which measured no slower on `timer_fire` and `timer_churn`. Two
//! roundings keep timers from ever firing early: a deadline becomes the first tick at or after
//! it (rounded **up**), and "now" becomes the last tick at or before it (rounded **down**). A
//! timer fires when `now_tick >= deadline_tick`, so `now >= deadline` holds whenever it does.
//! Every conversion saturates instead of overflowing: a deadline beyond `u64::MAX` ticks
//! (5,800 years) is simply the last tick.
//!
//! **Test time** (feature `test-util`). The clock can be paused: "now" then stands still and
//! moves only when told to (`Clock::advance`), and after a resume it runs on from where it
//! stood, at the OS clock's pace. Until the first pause the clock *is* the OS clock, and a
//! single relaxed load says so; without the feature none of this is compiled.

use std::time::Duration;

use super::Instant;

/// Ticks (10 µs) since the origin; the wheel's unit of time.
pub(crate) type Tick = u64;

/// Nanoseconds in one tick.
const NANOS_PER_TICK: u128 = 10_000;
/// Ticks in one second (a whole number: the tick divides the second).
const TICKS_PER_SEC: u64 = 1_000_000_000 / NANOS_PER_TICK as u64;

/// Now on the current runtime's clock (the OS clock outside a runtime).
pub(crate) fn now() -> Instant {
    #[cfg(feature = "test-util")]
    if let Some(now) = crate::context::with_current(|r| r.and_then(|r| r.clock().test_now())) {
        return now;
    }
    Instant::from_std(std::time::Instant::now())
}

/// Maps instants to ticks relative to a fixed origin, and keeps the runtime's time.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: std::time::Instant,
    #[cfg(feature = "test-util")]
    test: test_time::TestTime,
}

impl Clock {
    /// A clock whose tick 0 is now.
    pub(crate) fn new() -> Clock {
        Clock {
            origin: std::time::Instant::now(),
            #[cfg(feature = "test-util")]
            test: test_time::TestTime::default(),
        }
    }

    /// Now on this clock.
    pub(crate) fn now(&self) -> Instant {
        #[cfg(feature = "test-util")]
        if let Some(now) = self.test_now() {
            return now;
        }
        Instant::from_std(std::time::Instant::now())
    }

    /// The first tick at or after `deadline` (rounded up, saturating).
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> Tick {
        let since = deadline.into_std().saturating_duration_since(self.origin);
        // Whole seconds and the rest apart, in `u64`: a `u128` division is a library call
        // (`__udivti3`), 1.5% of `timer_fire`. Exact, since a second is whole ticks.
        let rest = u64::from(since.subsec_nanos()).div_ceil(NANOS_PER_TICK as u64);
        whole_ticks(since.as_secs(), rest)
    }

    /// The last tick at or before `now` (rounded down, saturating).
    pub(crate) fn now_tick(&self, now: Instant) -> Tick {
        let since = now.into_std().saturating_duration_since(self.origin);
        let rest = u64::from(since.subsec_nanos()) / NANOS_PER_TICK as u64;
        whole_ticks(since.as_secs(), rest)
    }

    /// The instant at which `tick` begins, or `None` if `Instant` cannot represent it.
    pub(crate) fn instant_of(&self, tick: Tick) -> Option<Instant> {
        let nanos = u64::try_from(u128::from(tick) * NANOS_PER_TICK).ok()?;
        self.origin
            .checked_add(Duration::from_nanos(nanos))
            .map(Instant::from_std)
    }
}

/// `secs` seconds and `rest` ticks, in ticks, saturating.
fn whole_ticks(secs: u64, rest: u64) -> Tick {
    secs.checked_mul(TICKS_PER_SEC)
        .and_then(|t| t.checked_add(rest))
        .unwrap_or(Tick::MAX)
}

#[cfg(feature = "test-util")]
mod test_time {
    use super::{Clock, Instant};
    use parking_lot::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// The paused-clock state of one runtime.
    #[derive(Debug, Default)]
    pub(super) struct TestTime {
        /// Ever paused: from then on "now" comes from `state`, not straight from the OS.
        adjusted: AtomicBool,
        state: Mutex<Option<State>>,
    }

    #[derive(Debug, Clone, Copy)]
    enum State {
        /// Stands still at `at`.
        Paused { at: Instant },
        /// Runs at the OS clock's pace: `base` when the OS clock read `since`.
        Running {
            base: Instant,
            since: std::time::Instant,
        },
    }

    impl State {
        fn now(self) -> Instant {
            match self {
                State::Paused { at } => at,
                State::Running { base, since } => base + since.elapsed(),
            }
        }
    }

    impl Clock {
        /// Now, when the clock has ever been paused; `None` while it is the OS clock.
        pub(crate) fn test_now(&self) -> Option<Instant> {
            if !self.test.adjusted.load(Ordering::Acquire) {
                return None;
            }
            Some(
                self.test
                    .state
                    .lock()
                    .map_or_else(|| Instant::from_std(std::time::Instant::now()), State::now),
            )
        }

        /// Stops the clock where it stands, rounded up to the next whole tick so that whole
        /// milliseconds from now are whole ticks, and timers fire exactly at their
        /// deadlines. Pausing a paused clock does nothing.
        pub(crate) fn pause(&self) {
            let mut state = self.test.state.lock();
            if let Some(State::Paused { .. }) = *state {
                return;
            }
            let now =
                state.map_or_else(|| Instant::from_std(std::time::Instant::now()), State::now);
            let at = self.instant_of(self.deadline_tick(now)).unwrap_or(now);
            *state = Some(State::Paused { at });
            self.test.adjusted.store(true, Ordering::Release);
        }

        /// Lets the clock run on from where it stands. Resuming a running clock does nothing.
        pub(crate) fn resume(&self) {
            let mut state = self.test.state.lock();
            if let Some(State::Paused { at }) = *state {
                *state = Some(State::Running {
                    base: at,
                    since: std::time::Instant::now(),
                });
            }
        }

        /// Whether the clock stands still.
        pub(crate) fn is_paused(&self) -> bool {
            self.test.adjusted.load(Ordering::Acquire)
                && matches!(*self.test.state.lock(), Some(State::Paused { .. }))
        }

        /// Moves a paused clock forward by `by`; false (and nothing moves) when it runs.
        pub(crate) fn advance(&self, by: Duration) -> bool {
            match &mut *self.test.state.lock() {
                Some(State::Paused { at }) => {
                    *at = super::super::saturating_add(*at, by);
                    true
                }
                _ => false,
            }
        }

        /// Moves a paused clock forward to `to` (never backward).
        pub(crate) fn advance_to(&self, to: Instant) {
            if let Some(State::Paused { at }) = &mut *self.test.state.lock() {
                *at = (*at).max(to);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let clock = Clock::new();
        let at = Instant::from_std(clock.origin + Duration::from_nanos(1_555_000));
        assert_eq!(clock.deadline_tick(at), 156);
        assert_eq!(clock.now_tick(at), 155);
        let exact = Instant::from_std(clock.origin + Duration::from_millis(7));
        assert_eq!(clock.deadline_tick(exact), 700);
        assert_eq!(clock.now_tick(exact), 700);
        assert_eq!(clock.instant_of(700), Some(exact));
        let later = Instant::from_std(clock.origin + Duration::new(2, 1));
        assert_eq!(clock.deadline_tick(later), 200_001);
        assert_eq!(clock.now_tick(later), 200_000);
    }

    #[test]
    fn instants_before_the_origin_are_tick_zero() {
        let clock = Clock::new();
        let before = clock
            .origin
            .checked_sub(Duration::from_millis(5))
            .map(Instant::from_std);
        if let Some(before) = before {
            assert_eq!(clock.deadline_tick(before), 0);
            assert_eq!(clock.now_tick(before), 0);
        }
    }

    #[test]
    fn huge_deadlines_saturate() {
        let clock = Clock::new();
        // 1.5e11 years: `Instant` can hold it on 64-bit Unix, `u64` ticks cannot.
        if let Some(far) = clock
            .origin
            .checked_add(Duration::from_secs(u64::MAX / 4))
            .map(Instant::from_std)
        {
            assert_eq!(clock.deadline_tick(far), Tick::MAX);
            assert_eq!(clock.now_tick(far), Tick::MAX);
        }
        assert_eq!(clock.instant_of(0), Some(Instant::from_std(clock.origin)));
    }
}
