//! Time: [`sleep()`], [`timeout()`], [`interval()`], all on the reactor's timing wheel.
//!
//! Every timer is a node in one of the current reactor's wheels (see `wheel.rs`; a reactor
//! keeps a wheel per worker, `timers.rs`): inserting and cancelling one takes one short,
//! normally uncontended lock and allocates nothing but the slab slot. A timer is
//! armed on its first poll (unless the clock says its deadline has passed), later polls ask
//! whether the wheel fired it (firing frees the node; a published tick answers without the
//! lock), and a drop before then cancels it. Timers resolve to 10 µs, deadlines rounded *up*
//! and "now" *down*: they never complete before their deadline, and on an idle runtime a
//! 1 ms sleep takes about 1.05 ms (worker threads ask the kernel for timed waits without
//! slack, `slack.rs`; tokio's 1 ms ticks make it 2).
//!
//! **Instant.** [`Instant`] is a moment on the runtime clock (asyncio's `loop.time()` is
//! `Instant::now()`): a `std::time::Instant` underneath, converting to and from it and
//! comparing with it directly, but its `now()` reads the current runtime's clock, which a test
//! can pause and advance (feature `test-util`: `pause`, `resume`, `advance`). Every
//! timer here measures time on that clock; functions that take a deadline accept either kind
//! of instant.
//!
//! **Saturation.** Durations that would overflow an `Instant` (`Duration::MAX`, say) saturate
//! to a deadline about a century ahead ([`far_future`]); the wheel itself accepts any
//! deadline. Nothing here panics on large values.
//!
//! **Outside a runtime.** Timers need a current reactor. One is looked up when the timer is
//! created and, failing that, on its first poll; polling a timer on a thread with no current
//! reactor panics with a message that says so.

pub(crate) mod clock;
mod instant;
mod interval;
mod slack;
mod sleep;
#[cfg(feature = "test-util")]
mod test_clock;
mod timeout;
pub(crate) mod timers;
pub(crate) mod wheel;
#[cfg(all(test, not(loom)))]
mod wheel_model;

use std::sync::Arc;
use std::time::Duration;

pub use instant::Instant;
pub use interval::{Interval, MISSED_TICK_TOLERANCE, MissedTickBehavior, interval, interval_at};
pub use slack::wake_on_time_on_this_thread;
pub use sleep::{Sleep, sleep, sleep_until};
#[cfg(feature = "test-util")]
pub use test_clock::{advance, pause, resume};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};
pub use timers::use_timer_shard;

use crate::Reactor;

/// The panic message for timers used outside a runtime.
const NO_RUNTIME: &str = "weft timers need a running weft runtime: call this inside \
    weft::run / Runtime::block_on or a spawned task";

/// The current reactor, or the plain panic that timers need one, at the caller's site.
#[cfg(feature = "test-util")]
#[track_caller]
fn current_reactor() -> Arc<Reactor> {
    match crate::try_current() {
        Some(reactor) => reactor,
        None => panic!("{NO_RUNTIME}"),
    }
}

/// The current reactor for a timer made at `made_at` and first polled now: a poll cannot
/// carry its caller's site, so the panic names where the timer was made.
fn current_reactor_for(made_at: &'static std::panic::Location<'static>) -> Arc<Reactor> {
    match crate::try_current() {
        Some(reactor) => reactor,
        None => panic!("{NO_RUNTIME} (this timer was made at {made_at} and polled outside one)"),
    }
}

/// About a century in seconds: where overflowing deadlines saturate.
const FAR_FUTURE_SECS: u64 = 100 * 365 * 24 * 60 * 60;

/// A deadline about a century after `from`: what `Duration::MAX` and other overflowing
/// durations saturate to.
///
/// ```
/// use std::time::Duration;
/// use weft_reactor::time::Instant;
/// let now = Instant::now();
/// assert!(weft_reactor::time::far_future(now) > now + Duration::from_secs(50 * 365 * 86_400));
/// ```
pub fn far_future(from: Instant) -> Instant {
    let mut ahead = Duration::from_secs(FAR_FUTURE_SECS);
    // On the platforms we know a century always fits; keep halving on any that cannot.
    while ahead > Duration::from_secs(1) {
        if let Some(at) = from.checked_add(ahead) {
            return at;
        }
        ahead /= 2;
    }
    from
}

/// `from + duration`, saturating to [`far_future`] instead of overflowing.
///
/// ```
/// use std::time::Duration;
/// use weft_reactor::time::Instant;
/// let now = Instant::now();
/// assert_eq!(weft_reactor::time::saturating_add(now, Duration::from_secs(1)), now + Duration::from_secs(1));
/// assert_eq!(weft_reactor::time::saturating_add(now, Duration::MAX), weft_reactor::time::far_future(now));
/// ```
pub fn saturating_add(from: Instant, duration: Duration) -> Instant {
    from.checked_add(duration)
        .unwrap_or_else(|| far_future(from))
}
