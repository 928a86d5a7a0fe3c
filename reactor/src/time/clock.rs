//! The reactor's clock: converts between `Instant`s and the wheel's millisecond ticks.
//!
//! The wheel counts whole milliseconds since the reactor was created (its *origin*). Two
//! roundings keep timers from ever firing early: a deadline becomes the first tick at or after
//! it (rounded **up**), and "now" becomes the last tick at or before it (rounded **down**). A
//! timer fires when `now_tick >= deadline_tick`, so `now >= deadline` holds whenever it does.
//! Every conversion saturates instead of overflowing: a deadline beyond `u64::MAX`
//! milliseconds (half a billion years) is simply the last tick.

use std::time::{Duration, Instant};

/// Milliseconds since the origin; the wheel's unit of time.
pub(crate) type Tick = u64;

/// Nanoseconds in one tick.
const NANOS_PER_TICK: u128 = 1_000_000;

/// Maps instants to ticks relative to a fixed origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    origin: Instant,
}

impl Clock {
    /// A clock whose tick 0 is now.
    pub(crate) fn new() -> Clock {
        Clock {
            origin: Instant::now(),
        }
    }

    /// The first tick at or after `deadline` (rounded up, saturating).
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> Tick {
        let nanos = deadline.saturating_duration_since(self.origin).as_nanos();
        let ticks = nanos.div_ceil(NANOS_PER_TICK);
        Tick::try_from(ticks).unwrap_or(Tick::MAX)
    }

    /// The last tick at or before `now` (rounded down, saturating).
    pub(crate) fn now_tick(&self, now: Instant) -> Tick {
        let nanos = now.saturating_duration_since(self.origin).as_nanos();
        Tick::try_from(nanos / NANOS_PER_TICK).unwrap_or(Tick::MAX)
    }

    /// The instant at which `tick` begins, or `None` if `Instant` cannot represent it.
    pub(crate) fn instant_of(&self, tick: Tick) -> Option<Instant> {
        self.origin.checked_add(Duration::from_millis(tick))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let clock = Clock::new();
        let at = clock.origin + Duration::from_micros(1500);
        assert_eq!(clock.deadline_tick(at), 2);
        assert_eq!(clock.now_tick(at), 1);
        let exact = clock.origin + Duration::from_millis(7);
        assert_eq!(clock.deadline_tick(exact), 7);
        assert_eq!(clock.now_tick(exact), 7);
    }

    #[test]
    fn instants_before_the_origin_are_tick_zero() {
        let clock = Clock::new();
        let before = clock.origin.checked_sub(Duration::from_millis(5));
        if let Some(before) = before {
            assert_eq!(clock.deadline_tick(before), 0);
            assert_eq!(clock.now_tick(before), 0);
        }
    }

    #[test]
    fn huge_deadlines_saturate() {
        let clock = Clock::new();
        // 1.5e11 years: `Instant` can hold it on 64-bit Unix, `u64` milliseconds cannot.
        if let Some(far) = clock.origin.checked_add(Duration::from_secs(u64::MAX / 4)) {
            assert_eq!(clock.deadline_tick(far), Tick::MAX);
            assert_eq!(clock.now_tick(far), Tick::MAX);
        }
        assert_eq!(clock.instant_of(0), Some(clock.origin));
    }
}
