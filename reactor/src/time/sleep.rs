//! `Sleep`: a future that completes at a deadline.
//!
//! A `Sleep` is `Unpin` and holds only its deadline, its reactor and the id of its wheel timer
//! (once armed). The first poll reads the clock: a deadline already past completes at once,
//! without touching the wheel. Except in the common `sleep(d).await`: a sleep of at least
//! [`FRESH_FOR`] first polled under the poll stamp it was made under
//! ([`weft_coop::poll_stamp`]: no task poll ended on the thread in between) goes straight to
//! the wheel, because its deadline was at least that far ahead a moment ago, when the clock
//! was read to compute it (a second read was 6% of `timer_fire` on a VM). If that poll's own
//! code ran longer than the sleep between making and awaiting it (or the sleep moved to
//! another thread whose stamp happens to match), the sleep ends at the wheel's next tick
//! instead of at once: late by a tick, never early. Once armed, the wheel alone decides: a poll asks whether the
//! timer fired (the shard's published tick answers without a lock; see `timers.rs`), and
//! hands over the waker if it changed. That is never early, because the wheel rounds
//! deadlines up and "now" down, and it spares the second clock read a fired sleep would
//! otherwise make (on a VM, reading the clock was 5% of `timer_fire`). Resetting moves the
//! timer while it is armed; a sleep whose timer fired holds none, and its next poll arms a new
//! one.
//!
//! A sleep made by [`sleep`] or [`sleep_until`] remembers its caller's location and records
//! `sleep(duration)` there on `Pending`, for task dumps ([`weft_coop::record`]). The sleeps
//! inside `Timeout` and `Interval` record nothing themselves: the wrapped future or the
//! interval says what the task waits on.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;

use crate::Reactor;
use crate::time::timers::{TimerId, TimerState};

/// Waits until `duration` has elapsed (asyncio's `sleep`).
///
/// The deadline is rounded up to the wheel's 10 µs ticks: the sleep never ends early.
/// `Duration::MAX` and other overflowing durations sleep until
/// [`far_future`](crate::time::far_future).
///
/// # Panics
///
/// When polled on a thread without a current weft runtime (reactor).
///
/// ```
/// use std::time::{Duration, Instant};
/// weft_reactor::doc_support::block_on(async {
///     let start = Instant::now();
///     weft_reactor::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let mut sleep = Sleep::unrecorded(super::saturating_add(Instant::now(), duration));
    sleep.wait = Some(duration);
    sleep.made_in = fresh_stamp(duration);
    sleep
}

/// How far ahead a deadline must be, when the sleep is made, for its first poll in the same
/// task poll to skip the clock (see the module docs): a task poll that runs this long is
/// already a slow one.
const FRESH_FOR: Duration = Duration::from_millis(1);

/// The poll stamp to remember for a sleep whose deadline is `ahead` away: 0 (read the clock
/// at the first poll) when that is under [`FRESH_FOR`].
fn fresh_stamp(ahead: Duration) -> u32 {
    if ahead >= FRESH_FOR {
        weft_coop::poll_stamp()
    } else {
        0
    }
}

/// Waits until `deadline` (asyncio's `loop.call_at` as a future). A deadline in the past
/// completes on the first poll.
///
/// # Panics
///
/// When polled on a thread without a current weft runtime (reactor).
///
/// ```
/// use std::time::{Duration, Instant};
/// weft_reactor::doc_support::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     weft_reactor::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
#[track_caller]
pub fn sleep_until(deadline: impl Into<Instant>) -> Sleep {
    let mut sleep = Sleep::unrecorded(deadline.into());
    let asked = sleep.deadline.saturating_duration_since(Instant::now());
    sleep.wait = Some(asked);
    sleep.made_in = fresh_stamp(asked);
    sleep
}

/// Future returned by [`sleep`] and [`sleep_until`].
///
/// ```
/// use std::time::{Duration, Instant};
/// weft_reactor::doc_support::block_on(async {
///     let mut sleep = weft_reactor::sleep(Duration::from_secs(3600));
///     // Changed our mind: wake up soon instead.
///     sleep.reset(Instant::now() + Duration::from_millis(1));
///     (&mut sleep).await;
///     assert!(sleep.is_elapsed());
/// });
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Instant,
    /// Resolved at creation when a reactor is current, else on the first poll.
    reactor: Option<Arc<Reactor>>,
    /// The wheel timer, from the poll that armed it until it is seen to have fired.
    timer: Option<TimerId>,
    /// Where it was made: named when it is polled outside any runtime.
    made_at: &'static Location<'static>,
    /// For how long the user asked: recorded on `Pending` (not by the sleeps inside
    /// `Timeout` and `Interval`, whose own leaves say what the task waits on).
    wait: Option<Duration>,
    /// The poll stamp it was made under, with its deadline at least [`FRESH_FOR`] ahead,
    /// until its first poll or a reset; 0 otherwise (see the module docs).
    made_in: u32,
}

impl Sleep {
    /// A sleep that records no wait point (a building block of another leaf), made at its
    /// caller's site.
    #[track_caller]
    pub(crate) fn unrecorded(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            reactor: crate::try_current(),
            timer: None,
            made_at: Location::caller(),
            wait: None,
            made_in: 0,
        }
    }

    /// The instant at which this sleep completes.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(weft_reactor::sleep_until(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// assert!(weft_reactor::sleep_until(Instant::now()).is_elapsed());
    /// assert!(!weft_reactor::sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        let now = self.reactor.as_ref().map_or_else(Instant::now, |r| r.now());
        now >= self.deadline
    }

    /// Moves the deadline, earlier or later, even after the sleep completed (it then
    /// becomes pending again if `deadline` is in the future). A task waiting on the sleep is
    /// woken at the new deadline; at once if it has passed.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// weft_reactor::doc_support::block_on(async {
    ///     let start = Instant::now();
    ///     let mut sleep = weft_reactor::sleep(Duration::from_millis(1));
    ///     sleep.reset(start + Duration::from_millis(20));
    ///     (&mut sleep).await;
    ///     assert!(start.elapsed() >= Duration::from_millis(20));
    /// });
    /// ```
    pub fn reset(&mut self, deadline: impl Into<Instant>) {
        let deadline = deadline.into();
        self.deadline = deadline;
        // The new deadline may have passed: the next arming reads the clock.
        self.made_in = 0;
        if let (Some(timer), Some(reactor)) = (self.timer, &self.reactor) {
            self.timer = reactor.reset_timer(timer, deadline);
        }
    }

    /// Cancels the wheel timer, if any.
    fn disarm(&mut self) {
        if let (Some(timer), Some(reactor)) = (self.timer.take(), &self.reactor) {
            reactor.remove_timer(timer);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let made_at = this.made_at;
        let reactor = this
            .reactor
            .get_or_insert_with(|| super::current_reactor_for(made_at));
        reactor.assert_running_for_timers();
        let progress = std::task::ready!(weft_coop::poll_proceed(cx));
        let due = match this.timer {
            // Not armed yet: the clock decides (this sleep's own reactor's, which may be
            // paused, whatever runtime is current here), so a deadline already past
            // completes now; unless the sleep is fresh from this very poll (module docs).
            None => {
                let fresh = this.made_in != 0 && this.made_in == weft_coop::poll_stamp();
                this.made_in = 0;
                (!fresh && reactor.now() >= this.deadline)
                    || match reactor.insert_timer(this.deadline, cx.waker()) {
                        Some(timer) => {
                            this.timer = Some(timer);
                            false
                        }
                        // The wheel already passed the deadline, so the clock has too.
                        None => true,
                    }
            }
            // Armed: the wheel decides, and it never fires before the deadline.
            Some(timer) => match reactor.poll_timer(timer, cx.waker()) {
                TimerState::Fired => {
                    this.timer = None;
                    true
                }
                TimerState::Armed => false,
            },
        };
        if due {
            progress.made_progress();
            return Poll::Ready(());
        }
        if let Some(asked) = this.wait {
            weft_coop::record(weft_coop::WaitKind::Sleep(asked), this.made_at);
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("armed", &self.timer.is_some())
            .finish()
    }
}
