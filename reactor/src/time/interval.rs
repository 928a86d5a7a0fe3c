//! `Interval`: a stream of ticks at a fixed period, with a policy for ticks that were missed.
//!
//! An interval is a [`Sleep`] that is reset after each tick to the next scheduled instant.
//! Each tick returns the instant it was *scheduled* for, so a consumer can tell how late it
//! is. When a tick completes more than [`MISSED_TICK_TOLERANCE`] after its schedule (the
//! consumer stalled, or the runtime was busy), [`MissedTickBehavior`] decides when the next
//! one is due, with tokio's three meanings: `Burst` catches up on the original schedule,
//! `Delay` restarts the schedule from now, `Skip` drops the missed ticks and keeps the
//! original phase. The tolerance keeps the millisecond jitter of normal operation from
//! shifting a `Delay` schedule on every tick.
//!
//! A tick that is not due yet records `Interval::tick(period)` as its task's wait point, at
//! the caller of `tick` (or, for the stream, where the interval was made).

use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;

use super::saturating_add;
use super::sleep::Sleep;

/// How late a tick may complete before it counts as missed.
///
/// ```
/// assert_eq!(weft_reactor::time::MISSED_TICK_TOLERANCE, std::time::Duration::from_millis(5));
/// ```
pub const MISSED_TICK_TOLERANCE: Duration = Duration::from_millis(5);

/// What an [`Interval`] does when ticks were missed (tokio's names and meanings).
///
/// In the examples, the period is 10 ms and the tick scheduled at 10 ms is first polled at
/// 35 ms.
///
/// ```
/// use weft_reactor::time::MissedTickBehavior;
/// assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MissedTickBehavior {
    /// Catch up: the missed ticks (20, 30 ms) are returned immediately, one per call, then the
    /// original schedule (40, 50, ... ms) resumes. The default.
    ///
    /// ```
    /// let b = weft_reactor::time::MissedTickBehavior::Burst;
    /// assert_ne!(b, weft_reactor::time::MissedTickBehavior::Skip);
    /// ```
    #[default]
    Burst,
    /// Restart the schedule from the late tick: next ticks at 45, 55, ... ms.
    ///
    /// ```
    /// let d = weft_reactor::time::MissedTickBehavior::Delay;
    /// assert_ne!(d, weft_reactor::time::MissedTickBehavior::Burst);
    /// ```
    Delay,
    /// Drop the missed ticks, keep the phase: next ticks at 40, 50, ... ms.
    ///
    /// ```
    /// let s = weft_reactor::time::MissedTickBehavior::Skip;
    /// assert_ne!(s, weft_reactor::time::MissedTickBehavior::Delay);
    /// ```
    Skip,
}

impl MissedTickBehavior {
    /// When the tick after a missed one (scheduled at `scheduled`, completed at `now`) is due.
    fn next_after_missed(self, scheduled: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => saturating_add(scheduled, period),
            MissedTickBehavior::Delay => saturating_add(now, period),
            MissedTickBehavior::Skip => {
                // The first instant of the original schedule strictly after `now`.
                let late = now.saturating_duration_since(scheduled).as_nanos();
                let period_nanos = period.as_nanos().max(1);
                let into_period = late % period_nanos;
                let until_next = period_nanos - into_period;
                let until_next = Duration::new(
                    (until_next / 1_000_000_000) as u64,
                    (until_next % 1_000_000_000) as u32,
                );
                saturating_add(now, until_next)
            }
        }
    }
}

/// Ticks every `period`, the first tick immediately.
///
/// # Panics
///
/// If `period` is zero (an interval with no period would never yield to anything else).
/// Polling panics on a thread without a current weft runtime.
///
/// ```
/// use std::time::Duration;
/// weft_reactor::doc_support::block_on(async {
///     let mut ticks = weft_reactor::time::interval(Duration::from_millis(5));
///     let first = ticks.tick().await; // immediate
///     let second = ticks.tick().await;
///     assert_eq!(second - first, Duration::from_millis(5));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero. Polling panics on a thread without a current weft runtime.
///
/// ```
/// use std::time::{Duration, Instant};
/// weft_reactor::doc_support::block_on(async {
///     let start = Instant::now() + Duration::from_millis(5);
///     let mut ticks = weft_reactor::time::interval_at(start, Duration::from_millis(5));
///     assert_eq!(ticks.tick().await, start);
///     assert!(Instant::now() >= start);
/// });
/// ```
#[track_caller]
pub fn interval_at(start: impl Into<Instant>, period: Duration) -> Interval {
    let start = start.into();
    assert!(
        !period.is_zero(),
        "weft::time::interval: the period must be greater than zero"
    );
    Interval {
        next: Sleep::unrecorded(start),
        period,
        created_at: Location::caller(),
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// Ticks at a fixed period; created by [`interval`] and [`interval_at`].
///
/// ```
/// use std::time::Duration;
/// use weft_reactor::time::{MissedTickBehavior, interval};
/// weft_reactor::doc_support::block_on(async {
///     let mut ticks = interval(Duration::from_millis(2));
///     ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     for _ in 0..3 {
///         ticks.tick().await;
///     }
/// });
/// ```
pub struct Interval {
    /// The next tick's timer; its deadline is the next scheduled instant.
    next: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
    /// Where the interval was made: the wait point of ticks awaited as a stream.
    created_at: &'static Location<'static>,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// weft_reactor::doc_support::block_on(async {
    ///     let mut ticks = weft_reactor::time::interval(Duration::from_millis(3));
    ///     ticks.tick().await;
    ///     let scheduled = ticks.tick().await;
    ///     assert!(Instant::now() >= scheduled);
    /// });
    /// ```
    #[track_caller]
    pub fn tick(&mut self) -> impl Future<Output = Instant> + '_ {
        let site = Location::caller();
        poll_fn(move |cx| self.poll_tick_at(cx, site))
    }

    /// Poll-style [`tick`](Interval::tick).
    ///
    /// ```
    /// use std::time::Duration;
    /// weft_reactor::doc_support::block_on(async {
    ///     let mut ticks = weft_reactor::time::interval(Duration::from_millis(3));
    ///     let first = std::future::poll_fn(|cx| ticks.poll_tick(cx)).await;
    ///     assert!(first <= std::time::Instant::now());
    /// });
    /// ```
    #[track_caller]
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        self.poll_tick_at(cx, Location::caller())
    }

    /// [`poll_tick`](Self::poll_tick), recording a wait at `site` when not due yet.
    fn poll_tick_at(
        &mut self,
        cx: &mut Context<'_>,
        site: &'static Location<'static>,
    ) -> Poll<Instant> {
        if Pin::new(&mut self.next).poll(cx).is_pending() {
            weft_coop::record(weft_coop::WaitKind::Interval(self.period), site);
            return Poll::Pending;
        }
        let scheduled = self.next.deadline();
        let now = Instant::now();
        let next = if now.saturating_duration_since(scheduled) > MISSED_TICK_TOLERANCE {
            self.missed_tick_behavior
                .next_after_missed(scheduled, now, self.period)
        } else {
            saturating_add(scheduled, self.period)
        };
        self.next.reset(next);
        Poll::Ready(scheduled)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// weft_reactor::doc_support::block_on(async {
    ///     let mut ticks = weft_reactor::time::interval(Duration::from_millis(5));
    ///     ticks.reset();
    ///     let before = Instant::now();
    ///     ticks.tick().await;
    ///     assert!(before.elapsed() >= Duration::from_millis(4));
    /// });
    /// ```
    pub fn reset(&mut self) {
        self.next.reset(saturating_add(Instant::now(), self.period));
    }

    /// Restarts the schedule with a tick right now.
    ///
    /// ```
    /// use std::time::Duration;
    /// weft_reactor::doc_support::block_on(async {
    ///     let mut ticks = weft_reactor::time::interval(Duration::from_secs(3600));
    ///     ticks.tick().await;
    ///     ticks.reset_immediately();
    ///     ticks.tick().await; // does not wait an hour
    /// });
    /// ```
    pub fn reset_immediately(&mut self) {
        self.next.reset(Instant::now());
    }

    /// Restarts the schedule with the next tick at `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// weft_reactor::doc_support::block_on(async {
    ///     let mut ticks = weft_reactor::time::interval(Duration::from_secs(3600));
    ///     let at = Instant::now() + Duration::from_millis(2);
    ///     ticks.reset_at(at);
    ///     assert_eq!(ticks.tick().await, at);
    /// });
    /// ```
    pub fn reset_at(&mut self, deadline: impl Into<Instant>) {
        let deadline = deadline.into();
        self.next.reset(deadline);
    }

    /// The period.
    ///
    /// ```
    /// use std::time::Duration;
    /// let ticks = weft_reactor::time::interval(Duration::from_millis(7));
    /// assert_eq!(ticks.period(), Duration::from_millis(7));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The missed-tick policy (default [`MissedTickBehavior::Burst`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft_reactor::time::{MissedTickBehavior, interval};
    /// assert_eq!(interval(Duration::from_secs(1)).missed_tick_behavior(), MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the missed-tick policy.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft_reactor::time::{MissedTickBehavior, interval};
    /// let mut ticks = interval(Duration::from_secs(1));
    /// ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("next", &self.next.deadline())
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed_tick_behavior)
            .finish()
    }
}

/// An interval is a never-ending stream of its ticks, each the instant it was scheduled for.
impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Instant>> {
        let site = self.created_at;
        self.poll_tick_at(cx, site).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_tick_rules() {
        let t0 = Instant::now();
        let period = Duration::from_millis(10);
        let ms = Duration::from_millis;
        // Scheduled at 10 ms, completed at 35 ms.
        let (scheduled, now) = (t0 + ms(10), t0 + ms(35));
        assert_eq!(
            MissedTickBehavior::Burst.next_after_missed(scheduled, now, period),
            t0 + ms(20)
        );
        assert_eq!(
            MissedTickBehavior::Delay.next_after_missed(scheduled, now, period),
            t0 + ms(45)
        );
        assert_eq!(
            MissedTickBehavior::Skip.next_after_missed(scheduled, now, period),
            t0 + ms(40)
        );
        // Exactly on a schedule point, Skip moves to the next one (never "now").
        assert_eq!(
            MissedTickBehavior::Skip.next_after_missed(scheduled, t0 + ms(30), period),
            t0 + ms(40)
        );
    }
}
