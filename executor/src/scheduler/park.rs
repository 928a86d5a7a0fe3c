//! How an idle worker sleeps: in the I/O driver if it is free, on its own condvar otherwise.
//!
//! Exactly one idle worker at a time blocks in the [`Driver`] (the reactor's `Poller::wait`,
//! bounded by the nearest timer); the others sleep on a condvar. Each worker has a
//! [`Parker`] whose state word says where it sleeps, so [`Parker::unpark`] knows whether to
//! signal the condvar or interrupt the driver. An unpark that arrives before the park is
//! remembered (`NOTIFIED`), so a wake-up racing a worker on its way to sleep is never lost;
//! that race is model-checked with loom (`scheduler/loom_model.rs`).

use crate::loom::{AtomicBool, AtomicUsize, Condvar, Mutex};
use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Release, SeqCst};
use std::time::Duration;

/// An event source that idle workers block in: the reactor (I/O readiness and timers). A
/// trait so the parking protocol can be model-checked with a loom-aware stand-in.
///
/// The executor guarantees that only one thread calls [`turn`](Driver::turn) at a time.
pub(crate) trait Driver: Send + Sync + 'static {
    /// Waits for events for at most `timeout` (`None`: until an event or a notification) and
    /// dispatches them, waking the tasks they concern. Returns how many it woke.
    fn turn(&self, timeout: Option<Duration>) -> usize;
    /// Makes a blocked `turn` return promptly (and the next one, if none is blocked).
    fn notify(&self);
    /// The driver's clock stands still (a paused test clock).
    #[cfg(feature = "test-util")]
    fn clock_paused(&self) -> bool {
        false
    }
    /// Jumps a paused clock to the next timer and fires it; true if the clock moved.
    #[cfg(feature = "test-util")]
    fn auto_advance(&self) -> bool {
        false
    }
}

impl Driver for weft_reactor::Reactor {
    fn turn(&self, timeout: Option<Duration>) -> usize {
        weft_reactor::Reactor::turn(self, timeout)
    }

    fn notify(&self) {
        weft_reactor::Reactor::notify(self);
    }

    #[cfg(feature = "test-util")]
    fn clock_paused(&self) -> bool {
        self.is_clock_paused()
    }

    #[cfg(feature = "test-util")]
    fn auto_advance(&self) -> bool {
        weft_reactor::Reactor::auto_advance(self)
    }
}

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The driver shared by all of a runtime's parkers, and the flag saying who holds it.
pub(crate) struct DriverSlot {
    driver: Option<Arc<dyn Driver>>,
    held: AtomicBool,
    /// A paused clock's idle look and jump are under way (see [`DriverSlot::wait_out_advance`]).
    #[cfg(feature = "test-util")]
    advancing: AtomicBool,
}

impl DriverSlot {
    pub(crate) fn new(driver: Option<Arc<dyn Driver>>) -> DriverSlot {
        DriverSlot {
            driver,
            held: AtomicBool::new(false),
            #[cfg(feature = "test-util")]
            advancing: AtomicBool::new(false),
        }
    }

    /// A root future is starting on a runtime whose clock may be paused (it has just counted
    /// itself busy): waits until an idle look that may have missed it has finished its jump.
    /// The look raises `advancing` before it reads the roots, and the root counts itself
    /// before it reads `advancing`, both `SeqCst`: either the look sees the root (and does
    /// not jump) or the root sees the flag and waits, so it reads the clock and arms its
    /// timers only after the jump, never during it. Without this a `block_on` that started
    /// just after an idle look had the clock jump past its first instant (`time_paused`'s
    /// 500 rounds, 57.7 s, under Wine). The wait is one look and one wheel jump: short.
    ///
    /// Each side puts a `SeqCst` fence between its write and its read: `SeqCst` accesses
    /// alone order the pair in the C++ model, but loom models them as acquire/release and
    /// finds the interleaving where both reads miss (its model of this handshake,
    /// `loom_a_root_starting_during_the_paused_idle_look_never_sees_the_clock_jump`, fails
    /// without the fences); the fences make the argument hold in both.
    #[cfg(feature = "test-util")]
    pub(crate) fn wait_out_advance(&self) {
        crate::loom::fence(SeqCst);
        while self.advancing.load(SeqCst) {
            crate::loom::yield_now();
        }
    }

    fn try_acquire(&self) -> Option<DriverLease<'_>> {
        let driver = self.driver.as_deref()?;
        self.held
            .compare_exchange(false, true, Acquire, Acquire)
            .ok()?;
        Some(DriverLease { slot: self, driver })
    }

    /// A turn that does not block, for busy workers that must not let I/O and timers starve.
    /// Does nothing when another worker is already in the driver.
    pub(crate) fn poll_now(&self) {
        if let Some(lease) = self.try_acquire() {
            lease.driver.turn(Some(Duration::ZERO));
        }
    }

    /// Whether the driver's clock is paused (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub(crate) fn clock_paused(&self) -> bool {
        self.driver.as_deref().is_some_and(|d| d.clock_paused())
    }

    /// Interrupts the thread blocked in the driver, if any.
    #[cfg(feature = "test-util")]
    pub(crate) fn notify(&self) {
        if let Some(driver) = &self.driver {
            driver.notify();
        }
    }
}

struct DriverLease<'a> {
    slot: &'a DriverSlot,
    driver: &'a dyn Driver,
}

impl Drop for DriverLease<'_> {
    fn drop(&mut self) {
        self.slot.held.store(false, Release);
    }
}

/// One worker's sleeping place.
pub(crate) struct Parker {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    driver: Arc<DriverSlot>,
}

impl Parker {
    pub(crate) fn new(driver: Arc<DriverSlot>) -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            mutex: Mutex::new(()),
            condvar: Condvar::new(),
            driver,
        }
    }

    /// True while this worker is blocked in the driver (it should be woken last).
    pub(crate) fn is_in_driver(&self) -> bool {
        self.state.load(Acquire) == PARKED_DRIVER
    }

    /// Sleeps until [`unpark`](Self::unpark) (or an earlier unpark that was not consumed yet),
    /// or until driver events arrive when this worker holds the driver.
    #[cfg_attr(feature = "test-util", allow(dead_code))]
    pub(crate) fn park(&self) {
        self.park_or_advance(&|| false);
    }

    /// [`park`](Self::park), but when this worker gets the driver, the driver's clock is
    /// paused and `runtime_idle` says nothing else can make progress, it advances the clock
    /// to the next timer instead of sleeping (feature `test-util`'s auto-advance).
    pub(crate) fn park_or_advance(&self, runtime_idle: &dyn Fn() -> bool) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        match self.driver.try_acquire() {
            Some(lease) => self.park_driver(lease, runtime_idle),
            None => self.park_condvar(),
        }
    }

    fn park_driver(&self, lease: DriverLease<'_>, runtime_idle: &dyn Fn() -> bool) {
        if let Err(actual) = self
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
        {
            debug_assert_eq!(actual, NOTIFIED);
            self.state.store(EMPTY, SeqCst);
            return;
        }
        #[cfg(feature = "test-util")]
        if lease.driver.clock_paused() {
            // Raised around the look and the jump: a root starting meanwhile waits for both
            // (`DriverSlot::wait_out_advance`).
            self.driver.advancing.store(true, SeqCst);
            crate::loom::fence(SeqCst);
            let idle = runtime_idle();
            let woke = idle
                && (lease.driver.turn(Some(Duration::ZERO)) > 0 || lease.driver.auto_advance());
            self.driver.advancing.store(false, SeqCst);
            if woke {
                // Ready I/O or a jump of the clock woke tasks: back to the run loop.
                self.state.store(EMPTY, SeqCst);
                return;
            }
            // The zero-timeout turn consumed any driver notify that came since we published
            // PARKED_DRIVER, so an unpark that landed meanwhile is visible only here, in the
            // state word (`unpark` swaps NOTIFIED in before it notifies the driver). Blocking
            // now would sleep through it, with every later unpark finding NOTIFIED and
            // returning; an unpark after this look notifies the driver afresh.
            if idle && self.state.load(SeqCst) == NOTIFIED {
                self.state.store(EMPTY, SeqCst);
                return;
            }
        }
        #[cfg(not(feature = "test-util"))]
        let _ = runtime_idle;
        lease.driver.turn(None);
        // NOTIFIED (an unpark came) or still PARKED_DRIVER (events or a timer woke us).
        self.state.store(EMPTY, SeqCst);
    }

    fn park_condvar(&self) {
        let mut guard = self.mutex.lock();
        if let Err(actual) = self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            debug_assert_eq!(actual, NOTIFIED);
            self.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
            self.condvar.wait(&mut guard);
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
            // Spurious wake-up: the state is still PARKED_CONDVAR; sleep again.
        }
    }

    /// Wakes the worker, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the lock orders this notify after the sleeper's wait began (it set
                // PARKED_CONDVAR while holding the lock), so the notify cannot be missed.
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            PARKED_DRIVER => {
                if let Some(driver) = &self.driver.driver {
                    driver.notify();
                }
            }
            state => unreachable!("invalid parker state {state}"),
        }
    }
}
