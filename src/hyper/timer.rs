//! [`WeftTimer`]: hyper's timeouts on weft's timer wheel.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::time::Sleep;

/// hyper's timer: its sleeps are weft [`Sleep`]s, nodes in the runtime's timer wheel, and
/// [`reset`](hyper::rt::Timer::reset) moves one in place instead of allocating a new one.
/// Give it to hyper's builders (`.timer(WeftTimer::new())`) for the header-read timeout, the
/// keep-alive timeouts and the client pool's idle timer.
///
/// ```
/// use std::time::{Duration, Instant};
/// use hyper::rt::Timer;
///
/// weft::run(async {
///     let timer = weft::hyper::WeftTimer::new();
///     let start = timer.now();
///     let mut sleep = timer.sleep(Duration::from_secs(3600));
///     // Changed our mind: hyper does this on every request for its header-read timeout.
///     timer.reset(&mut sleep, start + Duration::from_millis(5));
///     sleep.await;
///     assert!(Instant::now() >= start + Duration::from_millis(5));
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct WeftTimer {
    _private: (),
}

impl WeftTimer {
    /// The timer; it holds no state (the wheel is the current runtime's).
    ///
    /// ```
    /// let builder = hyper::server::conn::http1::Builder::new()
    ///     .timer(weft::hyper::WeftTimer::new())
    ///     .header_read_timeout(std::time::Duration::from_secs(10))
    ///     .clone();
    /// # drop(builder);
    /// ```
    pub fn new() -> WeftTimer {
        WeftTimer { _private: () }
    }
}

impl hyper::rt::Timer for WeftTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(TimerSleep(crate::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(TimerSleep(crate::time::sleep_until(deadline)))
    }

    fn now(&self) -> Instant {
        // The runtime's clock: it follows a paused test clock.
        crate::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<TimerSleep>() {
            Some(ours) => ours.get_mut().0.reset(new_deadline),
            // Another timer's sleep: replace it, as hyper's default `reset` does.
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// A weft sleep that hyper can hold (`hyper::rt::Sleep` is hyper's trait, `Sleep` weft's,
/// so a local type joins them). It is the type `reset` downcasts to.
struct TimerSleep(Sleep);

impl Future for TimerSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl hyper::rt::Sleep for TimerSleep {}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    #[test]
    fn reset_moves_our_sleep_in_place() {
        crate::run(async {
            let timer = WeftTimer::new();
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let before: *const dyn hyper::rt::Sleep = &*sleep;
            let deadline = Instant::now() + Duration::from_millis(1);
            timer.reset(&mut sleep, deadline);
            assert!(std::ptr::addr_eq(before, &*sleep), "the sleep was replaced");
            let ours = sleep.as_mut().downcast_mut_pin::<TimerSleep>().unwrap();
            assert_eq!(ours.0.deadline(), deadline);
            sleep.await;
        });
    }
}
