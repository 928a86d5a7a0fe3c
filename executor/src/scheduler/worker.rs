//! A worker thread's run loop and its local queues.
//!
//! The loop: take the next task (the LIFO slot, the local deque, every so often the global
//! injector first); run it and any tasks it hands to the slot, up to the cap; when nothing is
//! left, search (steal), linger a moment as a searcher (work handed over from outside the
//! workers soon after, by a `block_on` thread, the blocking pool or the driver, is then found
//! without waking anyone; the other workers' queues are left alone meanwhile, see
//! `watch_queues`), then park. All of a worker's local state
//! lives in [`Core`], reached by `schedule` through a thread-local so that a task waking
//! another task on the same worker pushes locally without touching any shared lock or atomic
//! beyond the deque's own.
//!
//! **Lending the core (`block_in_place`).** A task about to block its thread hands the whole
//! [`Core`] — deque, LIFO slot, index, parker — to a *stand-in* thread, which runs this same
//! loop as worker `index` until the blocking code returns, then finishes the poll it is in,
//! hands the core back and exits; the blocked thread then resumes as the worker. So the
//! runtime never has fewer running workers than it was built with, tasks queued on this
//! worker keep running, and other workers can still steal from it. One thread at a time uses
//! a core: the lender clears its thread-local before the stand-in starts and takes the core
//! back only after joining it (thread start and join order the two threads' accesses).

use super::stats::WorkerStats;
use super::{GLOBAL_QUEUE_INTERVAL, MAINTENANCE_INTERVAL, MAX_LIFO_POLLS, Shared};
use crate::spin_pays::SpinPays;
use crate::task::Notified;
use crossbeam_deque::{Steal, Worker};
use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a searcher out of work watches for work from outside before it parks.
const LINGER: Duration = Duration::from_micros(50);
/// How often a lingering worker offers its CPU to other threads and looks at the driver.
const LINGER_YIELD_EVERY: Duration = Duration::from_micros(5);
/// Spins between two looks at the queues while lingering.
const LINGER_SPINS: u32 = 32;

/// One worker's own state; only its thread touches it.
pub(crate) struct Core {
    pub(crate) shared: Arc<Shared>,
    index: usize,
    local: Worker<Notified>,
    lifo: Cell<Option<Notified>>,
    /// A task is being polled right now: only then does a wake mean "the running task woke
    /// another" and go to the LIFO slot.
    polling: Cell<bool>,
    tick: Cell<u32>,
    searching: Cell<bool>,
    rng: Cell<u32>,
    /// Whether this worker's lingers have been finding work (the brake on lingering).
    linger_pays: SpinPays,
    /// This idle period lingered before parking: its sleep then began a linger late and
    /// cannot tell the brake what a linger would have found.
    lingered: Cell<bool>,
}

thread_local! {
    /// The core this thread runs: set by `run` (which owns the core for as long as the
    /// pointer is set) or by a stand-in the core is lent to (see the module docs).
    static CORE: Cell<Option<NonNull<Core>>> = const { Cell::new(None) };
}

/// Calls `f` with this thread's core, if it is a worker of `shared`.
#[inline]
fn with_core<R>(shared: &Arc<Shared>, f: impl FnOnce(&Core) -> R) -> Option<R> {
    let core = CORE.try_with(Cell::get).ok().flatten()?;
    // SAFETY: the pointer is set only while its core is alive (`run` owns it, and a lender
    // outlives its stand-in), and only on the one thread using that core at the time.
    let core = unsafe { core.as_ref() };
    Arc::ptr_eq(&core.shared, shared).then(|| f(core))
}

/// True when the calling thread is a worker of some weft runtime.
pub(crate) fn on_worker_thread() -> bool {
    weft_coop::is_worker_thread()
}

/// Routes a scheduled task: onto this worker's queues when called on one of `shared`'s
/// workers (the LIFO slot for wakes, the back of the deque for yields), else the injector.
pub(crate) fn schedule(shared: &Arc<Shared>, task: Notified, is_yield: bool) {
    let mut task = Some(task);
    // No core (another thread, or this thread's locals being destroyed): the task goes to
    // the injector like any remote wake.
    with_core(shared, |core| {
        if let Some(task) = task.take() {
            core.schedule_local(task, is_yield);
        }
    });
    if let Some(task) = task {
        shared.schedule_remote(task);
    }
}

/// Runs a just-spawned task's entry on this thread (an eager spawn). On one of `shared`'s
/// workers this happens inside another task's poll: the worker's `running` cell is given back
/// to that task afterwards (the eager task's completion clears it), and wakes during the eager
/// poll go to the LIFO slot as wakes by the running task do.
pub(crate) fn run_eager(shared: &Arc<Shared>, task: Notified) {
    let shown = with_core(shared, |core| (core.index, core.stats().running.load()));
    task.run();
    if let Some((index, Some(running))) = shown {
        shared.stats[index]
            .running
            .enter(running.task, running.spawned_at);
    }
}

/// The task this worker is polling is completing: it leaves the worker's running cell
/// before anyone can see it complete, so a dump taken after a join never lists it.
pub(crate) fn completing(shared: &Arc<Shared>) {
    with_core(shared, |core| core.stats().running.leave());
}

/// Adds a timed poll to the histogram of the worker that ran it. Polls on other threads
/// (local tasks run by `block_on`) do not run through a worker and are not timed.
pub(crate) fn record_poll_time(shared: &Arc<Shared>, took: Duration) {
    with_core(shared, |core| core.stats().record_poll_time(took));
}

impl Core {
    fn schedule_local(&self, task: Notified, is_yield: bool) {
        if !self.polling.get() {
            // A wake during a driver turn on this worker: to the back, keeping tasks woken
            // together (timers expiring in one turn) in wake order. No wake-up per event:
            // after the turn, `share_driver_wakes` wakes one other worker if the turn
            // queued more than this worker is about to run.
            self.local.push(task);
            return;
        }
        if is_yield {
            self.local.push(task);
            // The yielding task alone is no reason to wake anyone: this worker runs it next.
            if self.local.len() > 1 {
                self.shared.notify_parked();
            }
            return;
        }
        match self.lifo.replace(Some(task)) {
            // The slot was empty: this worker will run the task next; nobody else needed.
            None => {}
            Some(prev) => {
                self.local.push(prev);
                self.shared.notify_parked();
            }
        }
    }

    /// After a driver turn on this worker: one sleeper is woken to share the work when the
    /// turn queued more than this worker is about to run.
    fn share_driver_wakes(&self) {
        if self.local.len() > 1 {
            self.shared.share_outside_work();
        }
    }

    // One call site each, in the worker loop: inlined, as they were before they grew.
    #[inline(always)]
    fn next_task(&self) -> Option<Notified> {
        let tick = self.tick.get();
        if tick.is_multiple_of(GLOBAL_QUEUE_INTERVAL)
            && let Some(task) = steal_one(|| self.shared.injector.steal())
        {
            return Some(task);
        }
        if let Some(task) = self.lifo.take() {
            return Some(task);
        }
        self.local.pop().or_else(|| self.take_from_injector())
    }

    /// Moves a batch from the injector to the local deque and returns one task. When the
    /// batch left more behind, a sleeper is woken to steal some: otherwise those tasks would
    /// wait behind whatever this worker runs next.
    fn take_from_injector(&self) -> Option<Notified> {
        let task = steal_one(|| self.shared.injector.steal_batch_and_pop(&self.local))?;
        if !self.local.is_empty() {
            self.shared.share_outside_work();
        }
        Some(task)
    }

    /// Runs `task`, then whatever it put in the LIFO slot, up to the cap.
    #[inline(always)]
    fn run_task(&self, task: Notified) {
        if self.searching.replace(false) && self.shared.idle.transition_worker_from_searching() {
            // The last searcher found work: there may be more, so wake a successor.
            self.shared.notify_parked();
        }
        // Counted as they start: whoever sees a task's result then also sees its poll.
        let stats = self.stats();
        self.polling.set(true);
        stats.polls.bump();
        run_shown(&stats.running, task);
        for _ in 0..MAX_LIFO_POLLS {
            match self.lifo.take() {
                Some(next) => {
                    stats.polls.bump();
                    run_shown(&stats.running, next);
                }
                None => break,
            }
        }
        self.polling.set(false);
        if let Some(next) = self.lifo.take() {
            self.local.push(next);
            self.shared.notify_parked();
        }
    }

    fn steal_work(&self) -> Option<Notified> {
        if !self.searching.get() {
            if !self.shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.searching.set(true);
        }
        let stealers = &self.shared.stealers;
        let n = stealers.len();
        let start = self.next_random() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some(task) = steal_one(|| stealers[victim].steal_batch_and_pop(&self.local)) {
                self.stats().steals.bump();
                return Some(task);
            }
        }
        self.take_from_injector()
    }

    /// A searcher out of work watches for work from outside the workers for a moment before
    /// it parks: work that comes back soon (a `block_on` thread's next round of spawns, a
    /// blocking job's result, I/O) is then found without a futex wake, which on a VM costs
    /// the woken vCPU tens of microseconds. Only searchers linger: notifiers skip waking a
    /// sleeper while one searches, so its last look before it parks covers every queue. And
    /// only while lingering pays (`spin_pays.rs`): a server at light load, whose work comes
    /// milliseconds apart, would otherwise burn `LINGER` of CPU after every request.
    ///
    /// It does not watch the other workers' queues (see `watch_queues`). True when work
    /// showed up.
    fn linger(&self) -> bool {
        let spin = self.searching.get() && self.linger_pays.should_spin();
        self.lingered.set(spin);
        if !spin {
            return false;
        }
        let found = self.watch_queues();
        self.linger_pays.spun(linger_paid(found));
        found.is_some()
    }

    /// Watches for work from outside the workers for up to `LINGER`: the injector, this
    /// worker's own queue (where the driver turns below put what they wake), and the cue a
    /// busy worker gives when it moved outside work into its deque (an injector batch, its
    /// driver turn's wakes: `Shared::share_outside_work`). When work showed up, how long
    /// after the start. (It can be later than `LINGER`: see [`linger_paid`].)
    ///
    /// Not the other workers' queues as such: a task a busy worker queues is most often one
    /// its own tasks woke, sharing their data, and stealing it the moment it appears spreads
    /// such a group over both cores to fight over the same cache lines. Watching every queue, the
    /// contended rows ran at half speed: `chan_mpsc_bounded_4to1` 19.1–19.5 ms against
    /// 8.7–8.9 watching outside work only, `sync_rwlock_read_heavy` 45.0–45.4 against
    /// 18.7–20.2, `sync_lock_contended` 16.9–17.6 against 12.8–13.2 (BENCHMARKS.md). The
    /// busy worker's queue is still shared, at most `LINGER` later: the look before parking
    /// (`park`) sees it, and this worker goes back to stealing.
    fn watch_queues(&self) -> Option<Duration> {
        let started = std::time::Instant::now();
        let mut looked_around = Duration::ZERO;
        // Every `LINGER_YIELD_EVERY`: offer this CPU to a thread woken onto it (a
        // blocking-pool thread this worker just handed a job), which must not wait out the
        // whole linger, and turn the driver without blocking, so I/O and timers due
        // meanwhile are not held up by a worker that is not in it. (Yielding at once measured
        // worse: `sync_bridge` lost most of its gain, as the woken caller then shared this
        // CPU instead of running beside it.)
        loop {
            if !self.shared.injector.is_empty()
                || !self.local.is_empty()
                || self.shared.take_outside_work_cue()
            {
                return Some(started.elapsed());
            }
            let lingered = started.elapsed();
            if self.shared.is_shutdown() || lingered >= LINGER {
                return None;
            }
            if lingered - looked_around >= LINGER_YIELD_EVERY {
                looked_around = lingered;
                std::thread::yield_now();
                self.shared.driver.poll_now();
            } else {
                for _ in 0..LINGER_SPINS {
                    std::hint::spin_loop();
                }
            }
        }
    }

    fn stats(&self) -> &WorkerStats {
        &self.shared.stats[self.index]
    }

    /// Sleeps until there is work, the runtime shuts down, or (a stand-in) `stop` says the
    /// core is wanted back.
    fn park(&self, stop: &impl Fn() -> bool) {
        let shared = &self.shared;
        let stats = self.stats();
        stats.parks.bump();
        let asleep_at = shared.started.elapsed();
        stats.fall_asleep(asleep_at);
        let was_searching = self.searching.replace(false);
        shared
            .idle
            .transition_worker_to_parked(self.index, was_searching);
        // Look once more after publishing that we sleep: a push (or a searcher's hand-off)
        // whose fenced check still saw us awake is visible here. Every parking worker does
        // this, not only the last searcher: a worker that woke spuriously is counted awake
        // for a moment, and a searcher that looks just then wakes nobody.
        if shared.has_visible_work() {
            shared.notify_parked();
        }
        #[cfg(feature = "test-util")]
        shared.nudge_paused_driver();
        let woke_for_work = loop {
            #[cfg(feature = "test-util")]
            shared.parkers[self.index].park_or_advance(&|| shared.runtime_is_idle());
            #[cfg(not(feature = "test-util"))]
            shared.parkers[self.index].park();
            if !shared.idle.transition_worker_from_parked(self.index) {
                // A notifier woke us for new work and counted us as a searcher.
                self.searching.set(true);
                break true;
            }
            // Woke on our own: the driver may have queued tasks here, or we are shutting down.
            let queued = !self.local.is_empty();
            if queued || shared.is_shutdown() || stop() {
                self.share_driver_wakes();
                break queued;
            }
            shared.idle.transition_worker_to_parked(self.index, false);
            if shared.has_visible_work() {
                shared.notify_parked();
            }
        };
        let woke_at = shared.started.elapsed();
        stats.wake_up(woke_at);
        if was_searching && woke_for_work && !self.lingered.get() {
            // Work that came within a linger: counted as a linger that found it (`spin_pays.rs`).
            self.linger_pays
                .slept(woke_at.saturating_sub(asleep_at), LINGER);
        }
    }

    fn next_random(&self) -> u32 {
        // xorshift32: cheap and good enough to spread victims.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }

    /// Drops the futures of every task still queued here or in the injector (the runtime is
    /// shutting down). Dropping a future can wake other tasks, which lands them in this
    /// worker's queues (the thread is still this runtime's worker) or in the injector: so the
    /// drain goes on until all three are empty at once, not just until each was empty once.
    fn drain_cancelled(&self) {
        loop {
            if let Some(task) = self.lifo.take().or_else(|| self.local.pop()) {
                task.cancel_and_run();
            } else if let Some(task) = steal_one(|| self.shared.injector.steal()) {
                task.cancel_and_run();
            } else {
                break;
            }
        }
    }
}

pub(crate) fn steal_one(mut f: impl FnMut() -> Steal<Notified>) -> Option<Notified> {
    loop {
        match f() {
            Steal::Success(task) => return Some(task),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

impl Core {
    fn new(shared: Arc<Shared>, index: usize, local: Worker<Notified>) -> Core {
        Core {
            shared,
            index,
            local,
            lifo: Cell::new(None),
            polling: Cell::new(false),
            tick: Cell::new(0),
            searching: Cell::new(false),
            rng: Cell::new(0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B) | 1),
            linger_pays: SpinPays::new(),
            lingered: Cell::new(false),
        }
    }
}

/// Makes this thread the one running `core` until the guard drops.
fn adopt(core: &Core) -> impl Drop {
    struct Clear {
        _role: weft_coop::WorkerThreadGuard,
    }
    impl Drop for Clear {
        fn drop(&mut self) {
            let _ = CORE.try_with(|c| c.set(None));
        }
    }
    CORE.with(|c| c.set(Some(NonNull::from(core))));
    let role = weft_coop::enter_worker_thread();
    // This worker arms its timers in a wheel of its own (shard 0 is everyone else's; shards
    // are locked, so a lender blocked in `block_in_place` may share it).
    weft_reactor::time::use_timer_shard(core.index + 1);
    // It sleeps in the reactor towards the next timer: that sleep should end on time.
    weft_reactor::time::wake_on_time_on_this_thread();
    Clear { _role: role }
}

/// The body of worker thread `index`.
pub(crate) fn run(shared: Arc<Shared>, index: usize, local: Worker<Notified>) {
    shared.stats[index].wake_up(shared.started.elapsed());
    let core = Core::new(shared, index, local);
    // Declared after `core`, so dropped (clearing the thread-local) before it.
    let _adopted = adopt(&core);
    run_loop(&core, &|| false);
    core.drain_cancelled();
}

/// The worker loop, until shutdown or until `stop` (a stand-in's core is wanted back).
fn run_loop(core: &Core, stop: &impl Fn() -> bool) {
    while !core.shared.is_shutdown() && !stop() {
        let tick = core.tick.get().wrapping_add(1);
        core.tick.set(tick);
        if tick.is_multiple_of(MAINTENANCE_INTERVAL) {
            core.shared.driver.poll_now();
            core.share_driver_wakes();
        }
        if let Some(task) = core.next_task().or_else(|| core.steal_work()) {
            core.run_task(task);
            continue;
        }
        if core.linger() {
            continue;
        }
        core.park(stop);
    }
}

/// Runs `f`, which blocks, on this thread after lending this worker's core to a stand-in
/// thread (see the module docs); anywhere but inside a task's poll on a worker, just runs `f`.
pub(crate) fn block_in_place<R>(f: impl FnOnce() -> R) -> R {
    let Some(ptr) = CORE.try_with(Cell::get).ok().flatten() else {
        return f();
    };
    // SAFETY: set by `run` (or a stand-in) on this thread while the core is alive; the core
    // outlives this call, whose caller is a task polled from that `run`.
    let core = unsafe { ptr.as_ref() };
    let Some(handle) = crate::runtime::context::current() else {
        return f();
    };
    if !core.polling.get() || !Arc::ptr_eq(&handle.inner.shared, &core.shared) {
        // Not inside a task's poll (a future dropped during a drain, a driver turn): nothing
        // would keep the core busy, so there is nothing to hand over.
        return f();
    }
    let wanted_back = Arc::new(AtomicBool::new(false));
    let lent = LentCore(ptr);
    let stand_in = {
        let wanted_back = wanted_back.clone();
        let name = (handle.inner.worker_name)();
        let options = handle.inner.thread_options.clone();
        // From here until the join below, only the stand-in touches the core.
        CORE.with(|c| c.set(None));
        options.spawn(name, move || {
            let lent = lent;
            let _enter = handle.enter();
            handle
                .inner
                .thread_options
                .run(|| stand_in(lent, &wanted_back));
        })
    };
    let stand_in = match stand_in {
        Ok(thread) => thread,
        Err(err) => {
            // No thread to hand over to: block this worker, as a plain blocking call would.
            CORE.with(|c| c.set(Some(ptr)));
            eprintln!("weft: block_in_place could not start a stand-in worker thread: {err}");
            return f();
        }
    };
    /// Takes the core back when `f` returns or unwinds.
    struct Reclaim<'a> {
        core: &'a Core,
        ptr: NonNull<Core>,
        wanted_back: Arc<AtomicBool>,
        stand_in: Option<std::thread::JoinHandle<()>>,
    }
    impl Drop for Reclaim<'_> {
        fn drop(&mut self) {
            self.wanted_back.store(true, Ordering::SeqCst);
            // It may be asleep as worker `index`.
            self.core.shared.parkers[self.core.index].unpark();
            if let Some(thread) = self.stand_in.take() {
                // The join orders the stand-in's last use of the core before ours.
                let _ = thread.join();
            }
            let _ = CORE.try_with(|c| c.set(Some(self.ptr)));
        }
    }
    let _reclaim = Reclaim {
        core,
        ptr,
        wanted_back,
        stand_in: Some(stand_in),
    };
    // Blocking is what this thread is for now: blocking calls (`Handle::block_on`) are fine.
    let _blocking = weft_coop::leave_worker_thread();
    f()
}

/// A core on its way to a stand-in thread.
struct LentCore(NonNull<Core>);

// SAFETY: the core's parts are `Send` (a crossbeam `Worker`, `Cell`s of `Send` values, an
// `Arc`); what is not thread-safe is using it from two threads at once, which the lending
// protocol excludes: the lender does not touch it from spawning the stand-in until joining
// it, and it outlives the stand-in (the lender joins it before returning).
unsafe impl Send for LentCore {}

/// A stand-in's body: runs the lent core as its worker until it is wanted back.
fn stand_in(lent: LentCore, wanted_back: &AtomicBool) {
    // SAFETY: see `LentCore`: the lender keeps the core alive and away until it joins us.
    let core = unsafe { lent.0.as_ref() };
    let _adopted = adopt(core);
    // The lender was polling a task: the core comes between polls here, and goes back the
    // same way it came, mid-poll, not searching.
    core.polling.set(false);
    run_loop(core, &|| wanted_back.load(Ordering::SeqCst));
    if core.searching.replace(false) && core.shared.idle.transition_worker_from_searching() {
        // We were the last searcher, and a notifier may have counted on us.
        core.shared.notify_parked();
    }
    core.polling.set(true);
}

/// Whether a linger that found work `found` after its start paid. Work found only after the
/// linger's time was up (a `yield_now` that gave the CPU away for milliseconds on a loaded
/// machine, and the driver turn after it that caught the next request) is run, but is no
/// sign that lingering pays: counted as a success it kept a light-load server lingering
/// after every request under load.
fn linger_paid(found: Option<Duration>) -> bool {
    found.is_some_and(|at| at <= LINGER)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::blocking_pool::BlockingPool;
    use crate::scheduler::Scheduler;
    use crate::scheduler::park::DriverSlot;
    use crate::task::{Origin, new_task};
    use parking_lot::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Poll, Waker};
    use std::time::Duration;

    fn shared(local: &Worker<Notified>) -> Arc<Shared> {
        shared_of(&[local])
    }

    fn shared_of(locals: &[&Worker<Notified>]) -> Arc<Shared> {
        let panic_handler: crate::scheduler::PanicHandler = Arc::new(|_| {});
        let name: Arc<dyn Fn() -> String + Send + Sync> = Arc::new(|| "test-blocking".into());
        Arc::new(Shared::new(
            locals.iter().map(|local| local.stealer()).collect(),
            Arc::new(DriverSlot::new(None)),
            BlockingPool::new(
                1,
                Duration::from_secs(1),
                name,
                panic_handler.clone(),
                Default::default(),
            ),
            panic_handler,
            Default::default(),
        ))
    }

    /// Wakes the waker in its slot when dropped.
    struct WakeOnDrop(Arc<Mutex<Option<Waker>>>);
    impl Drop for WakeOnDrop {
        fn drop(&mut self) {
            if let Some(waker) = self.0.lock().take() {
                waker.wake();
            }
        }
    }

    /// Counts a drop.
    struct Tracked(Arc<AtomicUsize>);
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn only_work_found_within_the_linger_counts_as_paid() {
        assert!(linger_paid(Some(Duration::ZERO)));
        assert!(linger_paid(Some(LINGER)));
        assert!(!linger_paid(Some(LINGER + Duration::from_micros(1))));
        assert!(!linger_paid(None));
        // Late finds alone stop the lingering, as empty lingers do: after them only probes
        // linger (the first idle period, then one in `PROBE_EVERY`).
        let pays = SpinPays::new();
        for _ in 0..crate::spin_pays::MAX_MISSES {
            assert!(pays.should_spin());
            pays.spun(linger_paid(Some(Duration::from_millis(3))));
        }
        assert!(pays.should_spin(), "the first probe");
        assert!(!pays.should_spin(), "no linger until the next probe");
    }

    /// A linger watches for work from outside the workers (the injector, its own queue where
    /// driver turns put what they wake, a busy worker's cue), never a busy peer's deque as
    /// such: stealing from it at once spread tightly coupled tasks over both cores (see
    /// `watch_queues`).
    #[test]
    fn a_linger_watches_outside_work_not_a_peers_queue() {
        let (mine, peers) = (Worker::new_fifo(), Worker::new_fifo());
        let shared = shared_of(&[&mine, &peers]);
        let core = Core::new(shared.clone(), 0, mine);
        let origin = || Origin::at(std::panic::Location::caller());
        let idle = || std::future::pending::<()>();

        let (_peer_task, entry) = new_task(idle(), Scheduler(shared.clone()), origin());
        peers.push(entry);
        assert!(
            shared.has_visible_work(),
            "the last look before parking sees it"
        );
        assert_eq!(
            core.watch_queues(),
            None,
            "the linger leaves it to its worker"
        );

        // A busy worker's cue that it moved outside work into its deque ends it, once.
        shared.share_outside_work();
        assert!(core.watch_queues().is_some(), "the cue ends the linger");
        assert_eq!(core.watch_queues(), None, "the cue was taken");

        let (_remote_task, entry) = new_task(idle(), Scheduler(shared.clone()), origin());
        shared.injector.push(entry);
        assert!(
            core.watch_queues().is_some(),
            "work from outside ends the linger"
        );

        shared.begin_shutdown();
        core.drain_cancelled();
        while let Some(task) = peers.pop() {
            task.cancel_and_run();
        }
    }

    /// A future cancelled from the injector during the drain wakes an idle task; that wake
    /// lands in this worker's local queue after the local queue was already drained once.
    /// The drain must still run it (dropping its future) before the worker exits.
    #[test]
    fn the_drain_runs_tasks_woken_by_futures_it_drops() {
        let local = Worker::new_fifo();
        let shared = shared(&local);
        let core = Core::new(shared.clone(), 0, local);
        CORE.with(|c| c.set(Some(NonNull::from(&core))));

        let slot = Arc::new(Mutex::new(None::<Waker>));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (s, tracked) = (slot.clone(), Tracked(dropped.clone()));
        let idle = std::future::poll_fn(move |cx| {
            let _keep = &tracked;
            *s.lock() = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        let origin = || Origin::at(std::panic::Location::caller());
        let (idle_task, entry) = new_task(idle, Scheduler(shared.clone()), origin());
        entry.run(); // parks: idle, registered, its waker in `slot`

        let guard = WakeOnDrop(slot);
        let waker_task = async move {
            let _guard = guard;
            std::future::pending::<()>().await
        };
        let (waker_task, entry) = new_task(waker_task, Scheduler(shared.clone()), origin());
        shared.injector.push(entry);

        shared.begin_shutdown();
        core.drain_cancelled();
        CORE.with(|c| c.set(None));

        assert!(waker_task.is_finished());
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "the woken task's future was dropped"
        );
        assert!(idle_task.is_finished());
    }
}

/// Runs `task`, showing it in the worker's `running` cell for the length of the poll.
#[inline]
fn run_shown(running: &super::running::RunningCell, task: Notified) {
    let header = task.header();
    running.enter(header.id.as_u64(), header.spawned_at);
    task.run();
    running.leave();
}
