//! `call_later` / `call_at`: callbacks that run at a deadline (asyncio's `TimerHandle`).
//!
//! A timer is a small task that sleeps on the reactor's wheel until the deadline and then
//! queues the callback on the FIFO callback queue, so timed callbacks keep the same ordering
//! and panic reporting as `call_soon`. Cancelling the handle cancels that task, which removes
//! the wheel entry at once: a cancelled timer leaves nothing behind.

use super::queue::{Callback, CallbackRefused};
use crate::runtime::Handle;
use crate::task::AbortHandle;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft_reactor::time::Instant;

/// A callback scheduled for later (asyncio's `TimerHandle`): cancel it, or ask when it runs.
///
/// ```
/// use std::time::Duration;
/// let rt = weft_executor::Runtime::new().unwrap();
/// let timer = rt.handle().call_later(Duration::from_secs(3600), || unreachable!()).unwrap();
/// assert!(timer.when() > rt.handle().time());
/// timer.cancel();
/// assert!(timer.cancelled());
/// ```
pub struct TimerHandle {
    cancelled: Arc<AtomicBool>,
    when: Instant,
    /// The sleeping task; `None` when the deadline had passed already and the callback went
    /// straight to the runner.
    timer: Option<AbortHandle>,
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.when)
            .field("cancelled", &self.cancelled())
            .finish()
    }
}

impl TimerHandle {
    /// Prevents the callback from running if it has not run yet; the timer is removed.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let t = rt.handle().call_later(std::time::Duration::from_secs(60), || {}).unwrap();
    /// t.cancel();
    /// ```
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
        if let Some(timer) = &self.timer {
            timer.cancel();
        }
    }

    /// True once [`cancel`](Self::cancel) was called.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let t = rt.handle().call_later(std::time::Duration::from_secs(60), || {}).unwrap();
    /// assert!(!t.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// When the callback is due, on the runtime clock ([`Handle::time`]).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let at = rt.handle().time() + std::time::Duration::from_secs(5);
    /// assert_eq!(rt.handle().call_at(at, || {}).unwrap().when(), at);
    /// ```
    pub fn when(&self) -> Instant {
        self.when
    }
}

impl Handle {
    /// Runs `f` after `delay` (asyncio's `call_later`), through the same FIFO queue as
    /// [`call_soon`](Self::call_soon).
    ///
    /// # Errors
    ///
    /// [`CallbackRefused`] (holding `f`) once the runtime has shut down.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let start = Instant::now();
    /// rt.handle().call_later(Duration::from_millis(20), move || tx.send(start.elapsed()).unwrap()).unwrap();
    /// assert!(rx.recv().unwrap() >= Duration::from_millis(20));
    /// ```
    pub fn call_later<F: FnOnce() + Send + 'static>(
        &self,
        delay: Duration,
        f: F,
    ) -> Result<TimerHandle, CallbackRefused<F>> {
        self.call_at(weft_reactor::time::saturating_add(self.time(), delay), f)
    }

    /// Runs `f` at `when` on the runtime clock (asyncio's `call_at`); a deadline in the past
    /// runs it soon.
    ///
    /// # Errors
    ///
    /// [`CallbackRefused`] (holding `f`) once the runtime has shut down.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// rt.handle().call_at(rt.handle().time(), move || tx.send(1).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), 1);
    /// ```
    pub fn call_at<F: FnOnce() + Send + 'static>(
        &self,
        when: impl Into<Instant>,
        f: F,
    ) -> Result<TimerHandle, CallbackRefused<F>> {
        let when = when.into();
        if self.inner.shared.is_shutdown() {
            return Err(CallbackRefused(f));
        }
        let cancelled = Arc::new(AtomicBool::new(false));
        if when <= self.time() {
            // Already due: no timer needed, straight into the runner's deadline order.
            let mut f = Some(f);
            let context = crate::context::capture();
            let make = || Callback::new(context, f.take().expect("made once"));
            return match self.enqueue_due_timer(when, make, cancelled.clone()) {
                true => Ok(TimerHandle {
                    cancelled,
                    when,
                    timer: None,
                }),
                // Refused (shutdown began since the check above): `make` never ran.
                false => Err(CallbackRefused(f.take().expect("not made when refused"))),
            };
        }
        let (handle, flag) = (self.clone(), cancelled.clone());
        // The sleeping task starts in a copy of the caller's context, which it binds the
        // callback to when it comes due. Never eager: its first poll only arms the timer.
        let origin = crate::task::Origin::at(std::panic::Location::caller()).eager(Some(false));
        let timer = self.spawn_with(
            async move {
                weft_reactor::sleep_until(when).await;
                // Refused only when the runtime is shutting down, which drops pending timers
                // (as asyncio's `loop.close()` discards its scheduled handles).
                let make = || Callback::new(crate::context::capture(), f);
                handle.enqueue_due_timer(when, make, flag);
            },
            origin,
        );
        Ok(TimerHandle {
            cancelled,
            when,
            timer: Some(timer.abort_handle()),
        })
    }
}
