//! The reactor: one poller (direct epoll on Linux, `polling` elsewhere or when asked; see
//! `poller/`), the I/O source table and the timer wheels (one per shard, `time/timers.rs`),
//! driven by whichever thread calls [`Reactor::turn`].
//!
//! A turn has five steps: fire the timers that are already due and pick the wait timeout
//! (zero if anything fired, else the nearer of the caller's timeout and the wheel's next
//! expiration); block in `Poller::wait`; apply the I/O events to their sources; fire the
//! timers that came due meanwhile; wake. A non-blocking turn (`Some(ZERO)`, what busy workers
//! call every few dozen tasks) skips step 1: with no wait between them, step 4 alone fires
//! everything due, so it costs one wheel lock and one `epoll_wait`. Wakers are collected into
//! one batch and woken at the end, after every lock is released, so a waker that runs code
//! (or drops a task) can never deadlock against the reactor; a waker that panics is reported
//! (`weft_coop::report`) and the rest of the batch is still woken.
//!
//! **Waking the waiting thread.** Two things must interrupt a blocked turn:
//!
//! * [`Reactor::notify`], which the executor uses when the reactor-holding worker must run
//!   something. It calls `Poller::notify` only if a thread is in (or entering)
//!   `Poller::wait`; otherwise it leaves a flag that makes the next turn not block. The
//!   handshake is `WaitGate` (`wait_gate.rs`), model-checked with loom. With nobody
//!   waiting, a notify costs one store and one load.
//! * A timer inserted (from any thread) with a deadline earlier than the one the blocked turn
//!   is sleeping towards. The turn publishes that deadline (`blocked_until`, in ticks) and
//!   then looks at every wheel once more; an insert reads it after filing its timer. So an
//!   insert is either seen by that second look or sees the record (and notifies); see
//!   `time/timers.rs`. Timers later than `blocked_until` never cost a notify. `loom_model.rs`
//!   checks that handshake with loom.
//!
//! I/O registrations need no notify: epoll and kqueue apply `add`/`modify` to a wait that is
//! already in progress, and `polling`'s other backends notify themselves.
//!
//! **Sources** live in a slab. The poller key is the slab index plus a generation in the high
//! bits, so an event still queued for a source that was removed (and whose slot was reused)
//! is recognised as stale and ignored.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use crate::sys::RawSource;
use crate::time::Instant;

use parking_lot::Mutex;

use crate::poller::{Event, Events, IoBackend, Poller};

use crate::wait_gate::WaitGate;
use slab::Slab;

use crate::source::Source;
use crate::time::clock::{Clock, Tick};
use crate::time::timers::{NOT_BLOCKED, TimerId, TimerState, Timers};

/// Bits of a poller key that hold the slab index.
#[cfg(target_pointer_width = "64")]
const INDEX_BITS: u32 = 32;
#[cfg(not(target_pointer_width = "64"))]
const INDEX_BITS: u32 = 24;
/// Mask for the slab index of a poller key.
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// Number of generations; the all-ones generation is skipped so that no key is `usize::MAX`
/// (which `polling` reserves).
const GENERATIONS: usize = usize::MAX >> INDEX_BITS;

/// Wakers kept allocated between turns; a larger batch is freed after use.
const KEEP_WAKER_CAPACITY: usize = 4096;

/// Registered sources.
#[derive(Debug)]
struct SourceTable {
    slab: Slab<Arc<Source>>,
    /// Bumped on every registration; mixed into the poller key.
    generation: usize,
}

/// Buffers owned by the turning thread.
struct TurnBuffers {
    events: Events,
    wakers: Vec<Waker>,
}

/// One runtime's I/O and timer driver: a poller (see [`IoBackend`]), the registered I/O
/// sources and the timer wheel.
///
/// The reactor knows nothing about executors: it only wakes [`Waker`]s. An executor shares it
/// through an `Arc`, makes it current on its threads with [`enter`](crate::enter), and lets
/// one idle worker at a time drive it with [`turn`](Reactor::turn); other threads interrupt
/// that worker with [`notify`](Reactor::notify). Timers ([`sleep`](crate::sleep),
/// [`timeout`](crate::timeout), [`interval`](crate::time::interval)) and I/O sources
/// ([`Async`](crate::Async)) register with the current reactor.
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
/// use weft_reactor::Reactor;
///
/// let reactor = Arc::new(Reactor::new()?);
/// // Nothing registered: a bounded turn just waits out its timeout.
/// let start = Instant::now();
/// assert_eq!(reactor.turn(Some(Duration::from_millis(5))), 0);
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// # std::io::Result::Ok(())
/// ```
pub struct Reactor {
    poller: Poller,
    /// Edge-triggered registration (else oneshot with re-arm).
    edge: bool,
    clock: Clock,
    /// loom-switchable: `loom_model.rs` checks the insert-versus-turn handshake on it.
    timers: Timers,
    sources: Mutex<SourceTable>,
    /// Held for the whole of a turn; `try_lock` keeps turns one at a time.
    turn: Mutex<TurnBuffers>,
    /// Who is about to block in `Poller::wait`, and whether a notify is pending.
    gate: WaitGate,
    /// Its runtime is gone: nothing will turn it again (see [`Reactor::shut_down`]).
    shut_down: std::sync::atomic::AtomicBool,
}

/// What an I/O operation on a shut-down reactor's object returns.
pub(crate) const RUNTIME_GONE: &str = "the weft runtime this I/O object was created in has been shut down, so nothing will ever report it ready: create I/O objects inside the runtime that uses them";

/// What polling a timer of a shut-down reactor panics with.
const TIMER_RUNTIME_GONE: &str = "this sleep, timeout or interval belongs to a weft runtime that has been shut down, so it would never fire: create timers inside the runtime that awaits them";

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("backend", &self.poller.backend())
            .field("edge_triggered", &self.edge)
            .field("timers", &self.timer_count())
            .field("sources", &self.source_count())
            .finish_non_exhaustive()
    }
}

impl Reactor {
    /// Creates a reactor with its own poller: the platform's default backend, or the one
    /// the environment variable `WEFT_IO_BACKEND` names (see [`IoBackend::from_env`]).
    ///
    /// Sources are registered edge-triggered where the platform supports it, and oneshot
    /// (re-armed on demand) elsewhere.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// assert_eq!(reactor.timer_count(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> io::Result<Reactor> {
        Reactor::with_backend(IoBackend::from_env()?)
    }

    /// Creates a reactor on the chosen backend. `Unsupported` when this platform lacks it
    /// ([`IoBackend::Epoll`] off Linux).
    ///
    /// ```
    /// use weft_reactor::{IoBackend, Reactor};
    /// let portable = Reactor::with_backend(IoBackend::Polling)?;
    /// assert_eq!(portable.io_backend(), IoBackend::Polling);
    /// # #[cfg(target_os = "linux")]
    /// assert!(Reactor::with_backend(IoBackend::Epoll)?.is_edge_triggered());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_backend(backend: IoBackend) -> io::Result<Reactor> {
        Reactor::with_options(backend, 1)
    }

    /// Creates a reactor on the chosen backend whose timers live in `timer_shards` wheels
    /// (clamped to `1..=256`): an executor with N workers asks for N + 1 and gives each
    /// worker its own shard ([`use_timer_shard`](crate::time::use_timer_shard)), so arming
    /// and cancelling timers on different workers never contends for a lock.
    ///
    /// ```
    /// use weft_reactor::{IoBackend, Reactor};
    /// let reactor = Reactor::with_options(IoBackend::from_env()?, 3)?;
    /// assert_eq!(reactor.timer_count(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_options(backend: IoBackend, timer_shards: usize) -> io::Result<Reactor> {
        let poller = Poller::new(backend)?;
        let edge = poller.supports_edge();
        Ok(Reactor::with_poller(poller, edge, timer_shards))
    }

    /// The backend this reactor drives.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// assert_eq!(reactor.io_backend(), weft_reactor::IoBackend::from_env()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn io_backend(&self) -> IoBackend {
        self.poller.backend()
    }

    /// Creates a reactor on the portable backend (`polling`) that registers sources in
    /// oneshot mode even where edge-triggered polling exists: the portable fallback, exposed
    /// so that its re-arm path can be tested.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new_oneshot()?;
    /// assert!(!reactor.is_edge_triggered());
    /// # std::io::Result::Ok(())
    /// ```
    #[doc(hidden)]
    pub fn new_oneshot() -> io::Result<Reactor> {
        Ok(Reactor::with_poller(
            Poller::new(IoBackend::Polling)?,
            false,
            1,
        ))
    }

    fn with_poller(poller: Poller, edge: bool, timer_shards: usize) -> Reactor {
        let events = poller.events();
        Reactor {
            poller,
            edge,
            clock: Clock::new(),
            timers: Timers::new(timer_shards),
            sources: Mutex::new(SourceTable {
                slab: Slab::new(),
                generation: 0,
            }),
            turn: Mutex::new(TurnBuffers {
                events,
                wakers: Vec::new(),
            }),
            gate: WaitGate::new(),
            shut_down: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Marks the reactor as shut down: its runtime is gone and nothing will turn it again.
    /// Everything waiting on it is woken, and from then on an I/O operation on one of its
    /// objects returns an error that says so (instead of waiting forever) and polling one of
    /// its timers panics with such a message. The executor calls this when its runtime shuts
    /// down; it is idempotent.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// assert!(!reactor.is_shut_down());
    /// reactor.shut_down();
    /// assert!(reactor.is_shut_down());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shut_down(&self) {
        if self
            .shut_down
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        let mut wakers = Vec::new();
        for (_, source) in self.sources.lock().slab.iter() {
            source.shut_down(&mut wakers);
        }
        // Fired, their sleeps poll again and learn that the runtime is gone.
        self.timers.advance(Tick::MAX, &mut wakers);
        for waker in wakers {
            weft_coop::catch("waker", || waker.wake());
        }
    }

    /// Whether [`shut_down`](Reactor::shut_down) was called.
    ///
    /// ```
    /// assert!(!weft_reactor::Reactor::new()?.is_shut_down());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.shut_down.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Panics (at the caller's caller) if the reactor is shut down: for timers.
    #[track_caller]
    pub(crate) fn assert_running_for_timers(&self) {
        if self.is_shut_down() {
            panic!("{TIMER_RUNTIME_GONE}");
        }
    }

    /// One driver turn.
    ///
    /// Blocks in `Poller::wait` for at most `timeout` (`None`: no limit), clamped to the next
    /// timer deadline, then dispatches I/O readiness and fires every expired timer. Wakers are
    /// collected first and woken after all locks are released. Returns how many wakers it
    /// woke.
    ///
    /// One thread turns at a time: a call made while another thread is turning returns `0`
    /// at once. A pending [`notify`](Reactor::notify) makes the turn not block.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use weft_reactor::Reactor;
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// reactor.notify();
    /// // The notification was pending, so this turn does not wait its hour.
    /// assert_eq!(reactor.turn(Some(Duration::from_secs(3600))), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn turn(&self, timeout: Option<Duration>) -> usize {
        let Some(mut buffers) = self.turn.try_lock() else {
            return 0;
        };
        let TurnBuffers { events, wakers } = &mut *buffers;

        // 1. Fire what is already due; choose how long to sleep and record it. A turn that
        // will not sleep leaves all of this to step 4 (`blocked_until` is already
        // NOT_BLOCKED: every turn resets it, and turns are one at a time).
        let wait = if timeout == Some(Duration::ZERO) {
            timeout
        } else {
            let start = self.clock.now();
            self.timers.advance(self.clock.now_tick(start), wakers);
            // On a paused clock no real wait brings a timer closer: only the caller's
            // timeout, I/O or a notify end the wait (the executor advances the clock).
            let wait_for = |tick: Tick| {
                (!self.clock_stands_still())
                    .then(|| self.clock.instant_of(tick))
                    .flatten()
                    .map(|at| at.saturating_duration_since(start))
            };
            let sooner = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let wait = if wakers.is_empty() {
                sooner(timeout, self.timers.next_expiration().and_then(wait_for))
            } else {
                Some(Duration::ZERO)
            };
            let until = match wait {
                Some(d) if d.is_zero() => NOT_BLOCKED,
                Some(d) => start
                    .checked_add(d)
                    .map_or(Tick::MAX, |at| self.clock.deadline_tick(at)),
                None => Tick::MAX,
            };
            // The second look of the sleep handshake: a timer armed meanwhile may be sooner.
            let until_seen = self.timers.sleep_until(until);
            if until_seen < until {
                sooner(wait, wait_for(until_seen))
            } else {
                wait
            }
        };

        // 2. Wait for I/O (or a notify, or the deadline).
        let blocking = wait != Some(Duration::ZERO);
        let wait = if self.gate.begin(blocking) {
            wait
        } else {
            Some(Duration::ZERO)
        };
        events.clear();
        // An error here (EINTR included) leaves `events` empty; the turn then behaves like a
        // spurious wake-up and the caller simply turns again.
        let _ = self.poller.wait(events, wait);
        self.gate.end(blocking);

        // 3. Apply I/O events.
        if !events.is_empty() {
            self.dispatch(events, wakers);
        }

        // 4. Fire the timers that came due while we waited.
        self.timers.sleep_until(NOT_BLOCKED);
        self.timers
            .advance(self.clock.now_tick(self.clock.now()), wakers);

        // 5. Wake, with no lock held but the turn token. The tasks woken will stamp their
        // next wait with the coarse clock: bring it up to date first.
        weft_coop::refresh_clock();
        let woken = wakers.len();
        // A waker is the waiting executor's code: one that panics is reported, and the rest
        // of the batch is still woken (an unwind here would strand them and the worker).
        for waker in wakers.drain(..) {
            weft_coop::catch("waker", || waker.wake());
        }
        if wakers.capacity() > KEEP_WAKER_CAPACITY {
            wakers.shrink_to(KEEP_WAKER_CAPACITY);
        }
        woken
    }

    /// Interrupts a thread blocked in [`turn`](Reactor::turn), or makes the next turn return
    /// without blocking if nobody is blocked right now.
    ///
    /// A notification is consumed by the first turn that starts after it, blocking or not
    /// (a `turn(Some(Duration::ZERO))` consumes it too): re-check your own state after every
    /// turn before blocking again.
    ///
    /// Cheap when nobody is blocked: one atomic store and one load, no syscall.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use weft_reactor::Reactor;
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let r = reactor.clone();
    /// let waiter = std::thread::spawn(move || r.turn(None));
    /// reactor.notify(); // whether the thread is already waiting or not, it returns
    /// assert_eq!(waiter.join().unwrap(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn notify(&self) {
        if self.gate.notify() {
            // An error means the wake-up fd is broken; nothing useful can be done about it
            // here, and the waiting thread still wakes at its deadline.
            let _ = self.poller.notify();
        }
    }

    /// The instant at which the reactor next has timer work, if any timer is armed: never
    /// later than the nearest deadline (it may be earlier, when a far timer must move to a
    /// finer level of the wheel first).
    ///
    /// ```
    /// use std::future::Future;
    /// use std::pin::Pin;
    /// use std::sync::Arc;
    /// use std::task::{Context, Waker};
    /// use std::time::Duration;
    /// use weft_reactor::Reactor;
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// assert_eq!(reactor.next_deadline(), None);
    ///
    /// let _guard = weft_reactor::enter(reactor.clone());
    /// let mut sleep = weft_reactor::sleep(Duration::from_secs(1));
    /// // Polling the sleep once arms its timer.
    /// let _ = Pin::new(&mut sleep).poll(&mut Context::from_waker(Waker::noop()));
    /// assert!(reactor.next_deadline().unwrap() <= sleep.deadline());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn next_deadline(&self) -> Option<Instant> {
        let tick = self.timers.next_expiration()?;
        self.clock.instant_of(tick)
    }

    /// The runtime clock.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now on this reactor's clock: the OS clock, or the paused test clock (feature
    /// `test-util`). [`Instant::now`] reads the current reactor's.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// let t0 = reactor.now();
    /// assert!(reactor.now() >= t0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Whether the clock stands still (a paused test clock): then timers never come due
    /// by waiting.
    fn clock_stands_still(&self) -> bool {
        #[cfg(feature = "test-util")]
        return self.clock.is_paused();
        #[cfg(not(feature = "test-util"))]
        return false;
    }

    /// Fires the timers that are due on the clock now, from any thread (the turn lock is not
    /// needed: timers have their own), and wakes their tasks.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn fire_due_timers(&self) {
        let mut wakers = Vec::new();
        let now = self.clock.now_tick(self.clock.now());
        self.timers.advance(now, &mut wakers);
        for waker in wakers {
            weft_coop::catch("waker", || waker.wake());
        }
    }

    /// Pauses this reactor's clock, as [`time::pause`](crate::time::pause) does for the
    /// current one (feature `test-util`).
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// reactor.pause_clock();
    /// assert!(reactor.is_clock_paused());
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(feature = "test-util")]
    pub fn pause_clock(&self) {
        self.clock.pause();
        // A turn blocked towards a timer deadline would now sleep on a clock that stands
        // still: let it recompute.
        self.notify();
    }

    /// Whether this reactor's clock is paused (feature `test-util`).
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// assert!(!reactor.is_clock_paused());
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(feature = "test-util")]
    pub fn is_clock_paused(&self) -> bool {
        self.clock.is_paused()
    }

    /// Auto-advance, for an executor whose every thread is idle: when the clock is paused
    /// and a timer is armed, jumps the clock to the wheel's next expiration and fires what
    /// came due. True if the clock moved.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let reactor = Arc::new(weft_reactor::Reactor::new()?);
    /// // The clock runs: nothing to advance.
    /// assert!(!reactor.auto_advance());
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(feature = "test-util")]
    pub fn auto_advance(&self) -> bool {
        if !self.clock.is_paused() {
            return false;
        }
        let next = self.timers.next_expiration();
        let Some(at) = next.and_then(|tick| self.clock.instant_of(tick)) else {
            return false;
        };
        self.clock.advance_to(at);
        self.fire_due_timers();
        true
    }

    /// Timers armed and not yet fired. Zero once every timer has fired or been dropped.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// assert_eq!(reactor.timer_count(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn timer_count(&self) -> usize {
        self.timers.len()
    }

    /// I/O sources registered with this reactor.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// assert_eq!(reactor.source_count(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn source_count(&self) -> usize {
        self.sources.lock().slab.len()
    }

    /// Whether sources are registered edge-triggered (`true`) or oneshot with re-arm.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// # #[cfg(any(target_os = "linux", target_os = "macos"))]
    /// assert!(reactor.is_edge_triggered());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_edge_triggered(&self) -> bool {
        self.edge
    }

    /// Whether a thread is blocked (or about to block) in the poller. For tests that need
    /// to know that a turn is waiting before they poke it.
    ///
    /// ```
    /// let reactor = weft_reactor::Reactor::new()?;
    /// assert!(!reactor.is_waiting());
    /// # std::io::Result::Ok(())
    /// ```
    #[doc(hidden)]
    pub fn is_waiting(&self) -> bool {
        self.gate.is_waiting()
    }

    // ----- timers (used by `time::Sleep`) -----

    /// Arms a timer for `deadline` that wakes `waker`. `None` if the deadline has already
    /// been processed (the timer is due: the caller completes it). Notifies a blocked turn
    /// that would otherwise sleep past the deadline.
    pub(crate) fn insert_timer(&self, deadline: Instant, waker: &Waker) -> Option<TimerId> {
        let when = self.clock.deadline_tick(deadline);
        let waker = waker.clone();
        let (result, must_notify) = self.timers.insert(when, waker);
        if must_notify {
            self.notify();
        }
        result.ok()
    }

    /// Moves timer `id` to `deadline` (earlier or later). Returns its id now, or `None` when
    /// it is gone: it had fired (the owner arms a new timer when it next waits), or the new
    /// deadline has passed (its waker is woken here).
    pub(crate) fn reset_timer(&self, id: TimerId, deadline: Instant) -> Option<TimerId> {
        let when = self.clock.deadline_tick(deadline);
        let (result, must_notify) = self.timers.reset(id, when);
        if must_notify {
            self.notify();
        }
        match result {
            Ok(id) => Some(id),
            Err(due) => {
                if let Some(waker) = due {
                    weft_coop::catch("waker", || waker.wake());
                }
                None
            }
        }
    }

    /// Whether timer `id` fired (the id is then void); if not, it will wake `waker`.
    pub(crate) fn poll_timer(&self, id: TimerId, waker: &Waker) -> TimerState {
        self.timers.poll(id, waker)
    }

    /// Cancels timer `id` unless it fired.
    pub(crate) fn remove_timer(&self, id: TimerId) {
        let removed = self.timers.remove(id);
        drop(removed);
    }

    // ----- I/O sources (used by `Async`) -----

    /// Registers `fd` for readiness events in both directions.
    ///
    /// # Safety
    ///
    /// The caller must call [`Reactor::deregister`] on the returned source while `fd` is still
    /// open, i.e. before it closes `fd` (or lets it be closed).
    pub(crate) unsafe fn register(&self, fd: RawSource) -> io::Result<Arc<Source>> {
        if self.is_shut_down() {
            return Err(io::Error::other(RUNTIME_GONE));
        }
        let source = {
            let mut guard = self.sources.lock();
            let table = &mut *guard;
            let entry = table.slab.vacant_entry();
            let index = entry.key();
            if index > INDEX_MASK {
                return Err(io::Error::other(
                    "too many I/O sources registered with one weft reactor",
                ));
            }
            let generation = table.generation % GENERATIONS;
            let key = (generation << INDEX_BITS) | index;
            let source = Arc::new(Source::new(fd, key, self.edge));
            entry.insert(source.clone());
            table.generation = table.generation.wrapping_add(1);
            source
        };
        let (interest, mode) = source.initial_interest();
        // The fd must be deleted from the poller before it closes: our caller promised to
        // call `deregister` (which deletes it) while the fd is open. The one caller, `Async`,
        // owns the fd's object and deregisters in `drop`/`into_inner` before letting it go;
        // `Async::get_mut` is unsafe with the contract that the object is not replaced or
        // closed through it. Events still queued after the delete carry an old generation.
        // SAFETY: per the above, the fd stays open and registered until `deregister`.
        let added = unsafe { self.poller.add(fd, source.key(), interest, mode) };
        if let Err(err) = added {
            self.sources.lock().slab.remove(source.key() & INDEX_MASK);
            return Err(err);
        }
        Ok(source)
    }

    /// Deletes `source` from the poller and forgets it.
    ///
    /// # Safety
    ///
    /// The source's fd must still be open.
    pub(crate) unsafe fn deregister(&self, source: &Source) -> io::Result<()> {
        // SAFETY: our caller guarantees that the fd is open.
        let result = unsafe { source.deregister(&self.poller) };
        let mut table = self.sources.lock();
        let index = source.key() & INDEX_MASK;
        if table
            .slab
            .get(index)
            .is_some_and(|s| s.key() == source.key())
        {
            let removed = table.slab.remove(index);
            drop(table);
            drop(removed);
        }
        result
    }

    /// The poller, for sources that re-arm.
    pub(crate) fn poller(&self) -> &Poller {
        &self.poller
    }

    /// Applies I/O events to their sources, collecting the wakers to wake. An event whose key
    /// carries an old generation is stale (its source is gone and the slot was reused) and
    /// is ignored.
    fn dispatch(&self, events: &Events, wakers: &mut Vec<Waker>) {
        let table = self.sources.lock();
        events.for_each(|event| self.dispatch_one(&table, event, wakers));
    }

    /// Applies one event (see [`dispatch`](Self::dispatch)).
    fn dispatch_one(&self, table: &SourceTable, event: Event, wakers: &mut Vec<Waker>) {
        if let Some(source) = table.slab.get(event.key & INDEX_MASK)
            && source.key() == event.key
        {
            source.dispatch(&self.poller, event, wakers);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::fd::AsRawFd;
    #[cfg(unix)]
    use std::os::unix::net::UnixStream;
    #[cfg(unix)]
    use std::task::Context;

    // The two tests over a socket pair are Unix-only (std has no socket pair on Windows);
    // the Windows suite registers TCP sockets (`reactor/tests/io_async.rs`).
    #[cfg(unix)]
    #[test]
    fn stale_events_are_ignored() {
        let reactor = Reactor::new().unwrap();
        let (a, _b) = UnixStream::pair().unwrap();
        // SAFETY: `a` stays open until after `deregister` below.
        let old = unsafe { reactor.register(a.as_raw_fd()).unwrap() };
        // SAFETY: `a` is still open.
        unsafe { reactor.deregister(&old).unwrap() };
        let (c, _d) = UnixStream::pair().unwrap();
        c.set_nonblocking(true).unwrap();
        // SAFETY: `c` stays open until after `deregister` below.
        let new = unsafe { reactor.register(c.as_raw_fd()).unwrap() };
        assert_eq!(
            new.key() & INDEX_MASK,
            old.key() & INDEX_MASK,
            "slot reused"
        );
        assert_ne!(new.key(), old.key(), "generation differs");

        // Park a waiter on the new source's read direction (drain its optimistic readiness).
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut id = None;
        let pending = new.poll_io(
            &reactor.poller,
            crate::source::Direction::Read,
            &mut cx,
            crate::source::WaitSlot::Own(&mut id),
            || std::io::Read::read(&mut &c, &mut [0u8; 8]),
            |_| false,
        );
        assert!(pending.is_pending());

        // An event carrying the old key must not wake it; one with the new key must.
        let dispatch = |key| {
            let mut wakers = Vec::new();
            let table = reactor.sources.lock();
            let event = Event {
                key,
                readable: true,
                writable: false,
                stops: false,
            };
            reactor.dispatch_one(&table, event, &mut wakers);
            wakers.len()
        };
        assert_eq!(dispatch(old.key()), 0);
        assert_eq!(dispatch(new.key()), 1);
        new.remove_waiter(crate::source::Direction::Read, id.unwrap());
        // SAFETY: `c` is still open.
        unsafe { reactor.deregister(&new).unwrap() };
        assert_eq!(reactor.source_count(), 0);
    }

    /// Reads `b` twice through `poll_io` on a reactor of `backend` and returns how many
    /// `read` syscalls that took, and whether the second poll is still pending. `b` is a
    /// loopback TCP stream trusted as plain TCP (when `tcp`) or a Unix stream.
    #[cfg(unix)]
    fn reads_for_two_polls_after_a_short_read(backend: IoBackend, tcp: bool) -> (usize, bool) {
        use std::io::Write;
        let reactor = Reactor::with_backend(backend).unwrap();
        let (mut a, b): (Box<dyn Write>, Box<dyn AsFdRead>) = if tcp {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let a = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            (Box::new(a), Box::new(listener.accept().unwrap().0))
        } else {
            let (a, b) = UnixStream::pair().unwrap();
            (Box::new(a), Box::new(b))
        };
        b.set_nonblocking().unwrap();
        a.write_all(b"abc").unwrap();
        // SAFETY: `b` stays open until after `deregister` below.
        let source = unsafe { reactor.register(b.raw()).unwrap() };
        if tcp {
            // Asked on Linux only, the one platform whose backend can use the answer.
            assert_eq!(
                crate::sys::is_plain_tcp(&b.borrowed()),
                cfg!(target_os = "linux")
            );
            source.trust_short_reads(&reactor.poller);
        }
        let calls = std::cell::Cell::new(0);
        let mut buf = [0u8; 16];
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut poll = || {
            source.poll_io(
                &reactor.poller,
                crate::source::Direction::Read,
                &mut cx,
                crate::source::WaitSlot::Shared,
                || {
                    calls.set(calls.get() + 1);
                    b.read_some(&mut buf)
                },
                |&n| n < 16,
            )
        };
        // A TCP segment may land after `write_all` returns: wait for it to be readable.
        while !crate::sys::is_ready_now(b.raw(), crate::source::Direction::Read).unwrap() {
            std::thread::yield_now();
        }
        assert!(matches!(poll(), std::task::Poll::Ready(Ok(3))));
        let pending = poll().is_pending();
        // SAFETY: `b` is still open.
        unsafe { reactor.deregister(&source).unwrap() };
        (calls.get(), pending)
    }

    /// What the helper above needs of either stream type.
    #[cfg(unix)]
    trait AsFdRead {
        fn set_nonblocking(&self) -> std::io::Result<()>;
        fn raw(&self) -> std::os::fd::RawFd;
        fn borrowed(&self) -> std::os::fd::BorrowedFd<'_>;
        fn read_some(&self, buf: &mut [u8]) -> std::io::Result<usize>;
    }

    #[cfg(unix)]
    impl<T> AsFdRead for T
    where
        T: std::os::fd::AsFd + std::os::fd::AsRawFd,
        for<'a> &'a T: std::io::Read,
    {
        fn set_nonblocking(&self) -> std::io::Result<()> {
            crate::sys::set_nonblocking(self.as_raw_fd())
        }
        fn raw(&self) -> std::os::fd::RawFd {
            self.as_raw_fd()
        }
        fn borrowed(&self) -> std::os::fd::BorrowedFd<'_> {
            self.as_fd()
        }
        fn read_some(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            std::io::Read::read(&mut &*self, buf)
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_short_read_clears_readiness_only_on_plain_tcp_over_direct_epoll() {
        // A short read proves nothing on a Unix stream (ancillary data: see `readiness.rs`)
        // or where the poller cannot report stops, so only the `WouldBlock` of a second read
        // may clear the readiness there; on plain TCP over direct epoll the short read does.
        for backend in [IoBackend::Epoll, IoBackend::Polling] {
            if backend == IoBackend::Epoll && !cfg!(target_os = "linux") {
                continue;
            }
            assert_eq!(
                reads_for_two_polls_after_a_short_read(backend, false),
                (2, true)
            );
            let tcp_reads = if backend == IoBackend::Epoll { 1 } else { 2 };
            assert_eq!(
                reads_for_two_polls_after_a_short_read(backend, true),
                (tcp_reads, true),
                "{backend:?}"
            );
        }
    }

    #[test]
    fn keys_never_collide_with_the_notify_key() {
        let max_key = ((GENERATIONS - 1) << INDEX_BITS) | INDEX_MASK;
        assert_ne!(max_key, usize::MAX);
    }
}
