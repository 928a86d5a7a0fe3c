//! `Timeout`: run a future against a deadline (asyncio's `timeout` / `wait_for`).
//!
//! The inner future is polled first, so a future that is ready completes even with a zero or
//! past deadline (asyncio's `wait_for` rule). When the deadline passes, the inner future is
//! dropped at once — before `Elapsed` is returned — which is how it is cancelled: its `Drop`
//! cleanup runs then, not whenever the caller gets around to dropping the `Timeout`. The
//! deadline is polled outside the cooperative budget, so an inner future that keeps spending
//! the whole budget still times out. The deadline is an ordinary [`Sleep`]: rescheduling is a
//! wheel reset.

use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;

use pin_project_lite::pin_project;

use super::sleep::Sleep;

/// Runs `future` for at most `duration`: `Ok(output)` if it completes in time, else
/// `Err(Elapsed)` with the future dropped (cancelled).
///
/// A future that is ready on its first poll wins even with a zero duration.
///
/// # Panics
///
/// When the deadline must be waited for on a thread without a current weft runtime.
///
/// ```
/// use std::time::Duration;
/// use weft_reactor::{sleep, timeout};
/// weft_reactor::doc_support::block_on(async {
///     let slow = timeout(Duration::from_millis(10), sleep(Duration::from_secs(10))).await;
///     assert!(slow.is_err());
///     let quick = timeout(Duration::ZERO, async { 7 }).await;
///     assert_eq!(quick, Ok(7));
/// });
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    timeout_at(super::saturating_add(Instant::now(), duration), future)
}

/// Runs `future` until `deadline`; see [`timeout`].
///
/// ```
/// use std::time::{Duration, Instant};
/// use weft_reactor::{sleep, timeout_at};
/// weft_reactor::doc_support::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(10);
///     let result = timeout_at(deadline, sleep(Duration::from_secs(10))).await;
///     assert!(result.is_err());
///     assert!(Instant::now() >= deadline);
/// });
/// ```
#[track_caller]
pub fn timeout_at<F: IntoFuture>(
    deadline: impl Into<Instant>,
    future: F,
) -> Timeout<F::IntoFuture> {
    Timeout {
        future: Some(future.into_future()),
        deadline: Sleep::unrecorded(deadline.into()),
    }
}

pin_project! {
    /// Future returned by [`timeout`] and [`timeout_at`].
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::{Duration, Instant};
    /// use weft_reactor::{sleep, timeout};
    /// weft_reactor::doc_support::block_on(async {
    ///     let mut guarded = pin!(timeout(Duration::from_secs(60), sleep(Duration::from_secs(30))));
    ///     // asyncio's Timeout.reschedule: give up much sooner.
    ///     let sooner = Instant::now() + Duration::from_millis(5);
    ///     guarded.as_mut().reschedule(sooner);
    ///     assert_eq!(guarded.deadline(), sooner);
    ///     assert!(guarded.await.is_err());
    /// });
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F> {
        #[pin]
        future: Option<F>,
        deadline: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The deadline.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(weft_reactor::timeout_at(at, async {}).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline.deadline()
    }

    /// Moves the deadline, earlier or later (asyncio's `Timeout.reschedule`). After the
    /// timeout has elapsed this has no effect: the inner future is already gone.
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::{Duration, Instant};
    /// use weft_reactor::{sleep, timeout};
    /// weft_reactor::doc_support::block_on(async {
    ///     let mut guarded = pin!(timeout(Duration::from_millis(1), sleep(Duration::from_millis(20))));
    ///     // Give the work more time than first planned: it now finishes.
    ///     guarded.as_mut().reschedule(Instant::now() + Duration::from_secs(60));
    ///     assert!(guarded.await.is_ok());
    /// });
    /// ```
    pub fn reschedule(self: Pin<&mut Self>, deadline: impl Into<Instant>) {
        self.project().deadline.reset(deadline);
    }

    /// The inner future, or `None` once the timeout elapsed and dropped it.
    ///
    /// ```
    /// let t = weft_reactor::timeout(std::time::Duration::from_secs(1), std::future::ready(5));
    /// assert!(t.get_ref().is_some());
    /// ```
    pub fn get_ref(&self) -> Option<&F> {
        self.future.as_ref()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return Poll::Ready(Err(Elapsed(())));
        };
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let deadline = weft_coop::unconstrained(|| Pin::new(&mut *this.deadline).poll(cx));
        if deadline.is_pending() {
            return Poll::Pending;
        }
        // Cancel: drop the inner future now, so its cleanup runs before we report.
        this.future.set(None);
        Poll::Ready(Err(Elapsed(())))
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.deadline.deadline())
            .field("elapsed", &self.future.is_none())
            .finish()
    }
}

/// The error of a [`Timeout`] whose deadline passed before its future completed.
///
/// Converts into an `io::Error` of kind `TimedOut`.
///
/// ```
/// use std::time::Duration;
/// weft_reactor::doc_support::block_on(async {
///     let err = weft_reactor::timeout(Duration::ZERO, std::future::pending::<()>())
///         .await
///         .unwrap_err();
///     assert_eq!(err.to_string(), "deadline elapsed: the operation did not complete before its timeout");
///     let io: std::io::Error = err.into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed: the operation did not complete before its timeout")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}
