//! The work-stealing scheduler.
//!
//! Each worker thread owns a crossbeam-deque [`Worker`](crossbeam_deque::Worker) (FIFO, its
//! other end stealable) and a one-task *LIFO slot*: a task woken by the task running on this
//! worker goes in the slot and runs next, which is what makes message passing between two
//! tasks fast (the receiver runs while the message is still in cache). The slot is not
//! stealable and it is capped: after [`MAX_LIFO_POLLS`] slot polls in a row the next slot task
//! goes to the back of the deque, so a ping-pong pair cannot starve the rest of the queue.
//!
//! Spawns and wakes from outside the runtime's workers go to one global
//! [`Injector`]. A worker takes from it when its own queue is empty,
//! and also every [`GLOBAL_QUEUE_INTERVAL`] ticks even when it is not, so remote work is never
//! starved by local work. A worker with nothing to do *searches*: it steals half of a random
//! victim's deque, then from the injector, before it parks; see [`idle`] for who may search
//! and who gets woken, and [`park`] for how workers sleep in the I/O driver or on a condvar.
//!
//! Every [`MAINTENANCE_INTERVAL`] ticks a busy worker also gives the driver a non-blocking
//! turn, so timers and I/O are serviced even when no worker is idle.

pub(crate) mod idle;
pub(crate) mod park;
pub(crate) mod registry;
pub(crate) mod running;
pub(crate) mod stats;
mod task_slab;
pub(crate) mod worker;

#[cfg(all(test, loom))]
mod loom_model;

use crate::blocking_pool::BlockingPool;
use crate::task::{Header, Notified, Schedule, TaskRef};
use crossbeam_deque::{Injector, Stealer};
use idle::Idle;
use park::{DriverSlot, Parker};
use registry::Registry;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

/// Slot polls in a row before the slot's task is sent to the back of the queue.
pub(crate) const MAX_LIFO_POLLS: u32 = 3;
/// Ticks between forced looks at the global injector.
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 31;
/// Ticks between non-blocking driver turns on a busy worker.
pub(crate) const MAINTENANCE_INTERVAL: u32 = 61;

/// Everything the workers of one runtime share.
pub(crate) struct Shared {
    pub(crate) injector: Injector<Notified>,
    pub(crate) stealers: Box<[Stealer<Notified>]>,
    pub(crate) parkers: Box<[Parker]>,
    pub(crate) idle: Idle,
    pub(crate) registry: Registry,
    pub(crate) driver: Arc<DriverSlot>,
    pub(crate) blocking: BlockingPool,
    pub(crate) panic_handler: PanicHandler,
    /// asyncio's debug mode: every task is registered at spawn so dumps list them all.
    pub(crate) debug: bool,
    pub(crate) slow_poll: Option<(std::time::Duration, SlowPollHandler)>,
    /// Polls are timed: for slow-poll reports, the poll-time histogram, or both.
    pub(crate) times_polls: bool,
    /// Each worker's counters, indexed like `stealers`.
    pub(crate) stats: Box<[stats::WorkerStats]>,
    /// When the runtime was built: the origin of the workers' busy-time stamps.
    pub(crate) started: std::time::Instant,
    shutdown: AtomicBool,
    /// Set when a worker moved work from outside the workers (an injector batch, what its
    /// driver turn woke) into its own deque beyond what it runs next: the cue for a lingering
    /// searcher, which watches no other worker's deque (`worker.rs`, `watch_queues`), to
    /// steal. A hint: a stale one only ends a linger early.
    outside_work_queued: AtomicBool,
    /// Root futures (`block_on`) running or woken and about to run: while any is, the
    /// runtime is not idle, and a paused clock must not auto-advance. Shared with each root's
    /// waker, which counts the root in before its thread wakes (`runtime/block_on.rs`).
    #[cfg(feature = "test-util")]
    pub(crate) roots_busy: Arc<crate::loom::AtomicUsize>,
}

/// Receives reports of polls that took longer than the threshold.
pub(crate) type SlowPollHandler = std::sync::Arc<dyn Fn(&crate::runtime::SlowPoll) + Send + Sync>;

/// What a runtime is configured to watch for (debug mode, slow polls, poll times).
#[derive(Clone, Default)]
pub(crate) struct Diagnostics {
    pub(crate) debug: bool,
    pub(crate) slow_poll: Option<(std::time::Duration, SlowPollHandler)>,
    /// Time every poll for the histogram even without a slow-poll threshold.
    pub(crate) poll_time_histogram: bool,
}

/// Receives the panics of tasks and callbacks that nobody awaits.
pub(crate) type PanicHandler = std::sync::Arc<dyn Fn(&crate::JoinError) + Send + Sync>;

/// Gives `err` to `handler`, never unwinding: a panicking handler is reported on stderr
/// instead, and a payload whose `Drop` panics is leaked. Every panic the runtime reports goes
/// through here.
pub(crate) fn report(handler: &PanicHandler, err: crate::JoinError) {
    if let Err(second) = catch_unwind(AssertUnwindSafe(|| handler(&err))) {
        eprintln!(
            "weft: the on_task_panic handler panicked ({}) while reporting: {err}",
            weft_coop::panic_message(&*second)
        );
        weft_coop::drop_payload(second);
    }
    if let Ok(payload) = err.try_into_panic() {
        weft_coop::drop_payload(payload);
    }
}

impl Shared {
    pub(crate) fn new(
        stealers: Box<[Stealer<Notified>]>,
        driver: Arc<DriverSlot>,
        blocking: BlockingPool,
        panic_handler: PanicHandler,
        diagnostics: Diagnostics,
    ) -> Shared {
        let workers = stealers.len();
        Shared {
            injector: Injector::new(),
            parkers: (0..workers).map(|_| Parker::new(driver.clone())).collect(),
            stealers,
            idle: Idle::new(workers),
            registry: Registry::new(workers),
            driver,
            blocking,
            panic_handler,
            debug: diagnostics.debug,
            times_polls: diagnostics.slow_poll.is_some() || diagnostics.poll_time_histogram,
            slow_poll: diagnostics.slow_poll,
            stats: (0..workers).map(|_| Default::default()).collect(),
            started: std::time::Instant::now(),
            shutdown: AtomicBool::new(false),
            outside_work_queued: AtomicBool::new(false),
            #[cfg(feature = "test-util")]
            roots_busy: Arc::new(crate::loom::AtomicUsize::new(0)),
        }
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.stealers.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(SeqCst)
    }

    /// Marks the runtime as shutting down; true for the first caller.
    pub(crate) fn begin_shutdown(&self) -> bool {
        !self.shutdown.swap(true, SeqCst)
    }

    /// Queues a task from a thread that is not one of this runtime's workers.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        self.injector.push(task);
        // Orders the push before the shutdown check; pairs with `begin_shutdown`.
        std::sync::atomic::fence(SeqCst);
        if self.is_shutdown() {
            // The workers may have drained the injector for the last time already: whatever
            // is in it now (at least our task) is cancelled here, so nothing is stranded.
            self.cancel_injected();
        } else {
            self.notify_parked();
        }
    }

    /// Puts a task in the registry (see [`Registry::register`]). Called when a task first
    /// goes idle, or at spawn in debug mode so task dumps see it at once.
    pub(crate) fn register(&self, task: TaskRef) -> bool {
        self.registry.register(task)
    }

    /// Hands a panic nobody will see otherwise to the runtime's panic handler
    /// ([`Builder::on_task_panic`](crate::Builder::on_task_panic)). Never unwinds: a
    /// panicking handler is reported on stderr instead, and a payload whose `Drop` panics is
    /// leaked.
    pub(crate) fn report_panic(&self, err: crate::JoinError) {
        report(&self.panic_handler, err);
    }

    /// Cancels (drops the futures of) every task waiting in the injector.
    pub(crate) fn cancel_injected(&self) {
        while let Some(task) = worker::steal_one(|| self.injector.steal()) {
            task.cancel_and_run();
        }
    }

    /// A worker queued work from outside for others to take: wakes a sleeper, unless a
    /// worker is searching (notifiers leave the work to it), and cues a lingering searcher.
    pub(crate) fn share_outside_work(&self) {
        if !self.outside_work_queued.load(Relaxed) {
            self.outside_work_queued.store(true, Relaxed);
        }
        self.notify_parked();
    }

    /// Whether [`share_outside_work`](Self::share_outside_work) cued a lingering searcher
    /// since the last call (which takes the cue).
    pub(crate) fn take_outside_work_cue(&self) -> bool {
        self.outside_work_queued.load(Relaxed) && self.outside_work_queued.swap(false, Relaxed)
    }

    /// Wakes one sleeping worker if a task just queued would otherwise wait. The caller must
    /// have pushed the task first: the check is fenced against workers going to sleep.
    pub(crate) fn notify_parked(&self) {
        if let Some(worker) = self
            .idle
            .worker_to_notify(|w| !self.parkers[w].is_in_driver())
        {
            self.parkers[worker].unpark();
        }
    }

    pub(crate) fn unpark_all(&self) {
        for parker in self.parkers.iter() {
            parker.unpark();
        }
    }

    /// The paused clock's one idle rule: nothing in the runtime can make progress without
    /// time passing. Every worker asleep, no queued task, no root future running or woken
    /// (a root counts from its wake on, and runs its local tasks itself, so a queued local
    /// task keeps its root woken), no blocking job running. Only then may a paused clock
    /// auto-advance (feature `test-util`); the worker asking holds the driver, and
    /// [`Parker::park_or_advance`] re-checks its own wake after the look.
    #[cfg(feature = "test-util")]
    pub(crate) fn runtime_is_idle(&self) -> bool {
        self.idle.all_parked()
            && !self.has_visible_work()
            && self.roots_busy.load(SeqCst) == 0
            && self.blocking.busy_threads() == 0
    }

    /// With a paused clock, something just went idle: let the worker in the driver look
    /// again whether the whole runtime is idle and the clock should jump.
    #[cfg(feature = "test-util")]
    pub(crate) fn nudge_paused_driver(&self) {
        if self.driver.clock_paused() {
            self.driver.notify();
        }
    }

    /// True when any queue holds work: a worker's last look before it sleeps.
    pub(crate) fn has_visible_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }
}

/// Tasks spawned on a runtime hold this: it routes their wakes to the right queue.
#[derive(Clone)]
pub(crate) struct Scheduler(pub(crate) Arc<Shared>);

impl Schedule for Scheduler {
    fn schedule(&self, task: Notified) {
        worker::schedule(&self.0, task, false);
    }

    fn yield_now(&self, task: Notified) {
        worker::schedule(&self.0, task, true);
    }

    fn register(&self, task: TaskRef) -> bool {
        self.0.register(task)
    }

    fn report_panic(&self, err: crate::JoinError) {
        self.0.report_panic(err);
    }

    fn times_polls(&self) -> bool {
        self.0.times_polls
    }

    fn poll_took(&self, task: &Header, took: std::time::Duration) {
        worker::record_poll_time(&self.0, took);
        let Some((threshold, handler)) = &self.0.slow_poll else {
            return;
        };
        if took < *threshold {
            return;
        }
        let report = crate::runtime::SlowPoll {
            task: crate::runtime::TaskInfo::of(task),
            took,
            still_running: false,
        };
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| handler(&report))) {
            let name = format!("{} (in the on_slow_poll handler)", task.name());
            let err = crate::JoinError::panic(task.id, Some(name.into()), payload);
            self.0.report_panic(err);
        }
    }

    fn release(&self, task: TaskRef) -> bool {
        worker::completing(&self.0);
        self.0.registry.release(task)
    }
}
