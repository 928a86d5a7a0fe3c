//! `Instant`: a moment on the runtime clock.
//!
//! It is a `std::time::Instant` underneath, on the same timeline, so the two convert freely
//! and compare with each other directly. The difference is [`Instant::now`]: it reads the
//! clock of the current runtime, which is the OS's monotonic clock — unless the runtime's
//! clock is paused for a test (feature `test-util`: `time::pause`, `time::advance`), in which
//! case it reads the paused clock. Every weft timer measures time on this clock, which is
//! what lets a paused test sleep an hour in no time at all.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A moment on the runtime clock (asyncio's `loop.time()`).
///
/// ```
/// use std::time::Duration;
/// use weft_reactor::time::Instant;
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert!(later > start);
/// assert_eq!(later - start, Duration::from_millis(5));
/// // Mixes with the standard library's instants.
/// let std_start: std::time::Instant = start.into();
/// assert_eq!(start, std_start);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(std::time::Instant);

impl Instant {
    /// Now, on the current runtime's clock: the OS clock, or the paused test clock (feature
    /// `test-util`). Outside a runtime, the OS clock.
    ///
    /// ```
    /// let a = weft_reactor::time::Instant::now();
    /// let b = weft_reactor::time::Instant::now();
    /// assert!(b >= a);
    /// ```
    pub fn now() -> Instant {
        super::clock::now()
    }

    /// The same moment as a standard-library instant.
    ///
    /// ```
    /// let now = std::time::Instant::now();
    /// assert_eq!(weft_reactor::time::Instant::from_std(now).into_std(), now);
    /// ```
    pub fn from_std(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }

    /// This moment as a standard-library instant.
    ///
    /// ```
    /// let now = weft_reactor::time::Instant::now();
    /// let std_now: std::time::Instant = now.into_std();
    /// assert_eq!(now, std_now);
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.0
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let a = weft_reactor::time::Instant::now();
    /// let b = a + Duration::from_secs(2);
    /// assert_eq!(b.duration_since(a), Duration::from_secs(2));
    /// assert_eq!(a.duration_since(b), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let a = weft_reactor::time::Instant::now();
    /// assert_eq!((a + Duration::from_secs(1)).checked_duration_since(a), Some(Duration::from_secs(1)));
    /// assert_eq!(a.checked_duration_since(a + Duration::from_secs(1)), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_duration_since(earlier.0)
    }

    /// Time from `earlier` to `self`; zero if `earlier` is later.
    ///
    /// ```
    /// let a = weft_reactor::time::Instant::now();
    /// assert_eq!(a.saturating_duration_since(a), std::time::Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time elapsed since this moment, on the runtime clock.
    ///
    /// ```
    /// let start = weft_reactor::time::Instant::now();
    /// assert!(start.elapsed() < std::time::Duration::from_secs(60));
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    ///
    /// ```
    /// let now = weft_reactor::time::Instant::now();
    /// assert!(now.checked_add(std::time::Duration::MAX).is_none());
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self - duration`, or `None` on overflow.
    ///
    /// ```
    /// let now = weft_reactor::time::Instant::now();
    /// assert!(now.checked_sub(std::time::Duration::MAX).is_none());
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.0
    }
}

impl PartialEq<std::time::Instant> for Instant {
    fn eq(&self, other: &std::time::Instant) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Instant> for std::time::Instant {
    fn eq(&self, other: &Instant) -> bool {
        *self == other.0
    }
}

impl PartialOrd<std::time::Instant> for Instant {
    fn partial_cmp(&self, other: &std::time::Instant) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl PartialOrd<Instant> for std::time::Instant {
    fn partial_cmp(&self, other: &Instant) -> Option<std::cmp::Ordering> {
        self.partial_cmp(&other.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, rhs: Duration) -> Instant {
        Instant(self.0 + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        self.0 += rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    fn sub(self, rhs: Duration) -> Instant {
        Instant(self.0 - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        self.0 -= rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    fn sub(self, rhs: Instant) -> Duration {
        self.0.saturating_duration_since(rhs.0)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
