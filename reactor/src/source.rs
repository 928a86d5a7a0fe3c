//! An I/O source registered with the reactor: its readiness cache and its waiting tasks.
//!
//! Each direction (read, write) has a lock-free [`ReadinessCache`] and, behind the source's
//! one mutex, the wakers of tasks waiting for it: one *shared* slot for poll-style callers
//! (`poll_readable`, `poll_read_with`: the last waker wins, as `futures_io` expects) and a
//! slab of *own* slots so that any number of `readable()`/`read_with()` futures can wait on
//! the same direction at once, each removing its slot when dropped.
//!
//! The mutex orders registration against dispatch: the reactor sets the ready bit and takes
//! the wakers under it, and a waiter re-checks the bit under it before storing its waker, so
//! a readiness event can never slip between "not ready" and "waker stored".
//!
//! With edge-triggered polling the source is registered once for both directions and never
//! re-armed: a `WouldBlock` clears the cached bit and the next edge sets it. On direct epoll
//! a plain TCP stream's short read clears it too, unless an event said a read may stop short
//! (`readiness.rs` proves that one shortcut and lists the ones not taken). In the oneshot
//! fallback every event disarms the fd, so a direction is re-armed (one `modify` syscall) when
//! a waiter needs it, and the reactor re-arms the other direction after an event when it
//! still has waiters. `registered` (also under the mutex) turns false before the reactor
//! deletes the fd from the poller; no `modify` can happen after that, which is what lets the
//! fd be closed right after deregistration.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use slab::Slab;

use crate::poller::{Event, Interest, Mode, Poller};

use crate::readiness::ReadinessCache;
use crate::sys::{self, RawSource};

/// One of the two directions of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Readable.
    Read = 0,
    /// Writable.
    Write = 1,
}

/// Which waker slot of a direction a caller uses.
#[derive(Debug)]
pub(crate) enum WaitSlot<'a> {
    /// The single poll-style slot: the most recent waker replaces the previous one.
    Shared,
    /// The caller's own slot in the waiter slab (allocated on first use, freed on drop).
    Own(&'a mut Option<usize>),
}

impl WaitSlot<'_> {
    /// The same slot, borrowed for a shorter time.
    fn reborrow(&mut self) -> WaitSlot<'_> {
        match self {
            WaitSlot::Shared => WaitSlot::Shared,
            WaitSlot::Own(id) => WaitSlot::Own(id),
        }
    }
}

/// The wakers of one direction.
#[derive(Debug, Default)]
struct DirectionWaiters {
    shared: Option<Waker>,
    own: Slab<Option<Waker>>,
}

impl DirectionWaiters {
    /// Stores `waker` in `slot`; returns a replaced waker to drop after unlocking.
    fn store(&mut self, slot: WaitSlot<'_>, waker: &Waker) -> Option<Waker> {
        let cell = match slot {
            WaitSlot::Shared => &mut self.shared,
            WaitSlot::Own(id) => match *id {
                Some(id) => &mut self.own[id],
                None => {
                    *id = Some(self.own.insert(Some(waker.clone())));
                    return None;
                }
            },
        };
        match cell {
            Some(current) if current.will_wake(waker) => None,
            _ => cell.replace(waker.clone()),
        }
    }

    /// Moves every stored waker to `out`.
    fn take_all(&mut self, out: &mut Vec<Waker>) {
        out.extend(self.shared.take());
        out.extend(self.own.iter_mut().filter_map(|(_, w)| w.take()));
    }

    /// Whether anyone is waiting.
    fn is_waited_on(&self) -> bool {
        self.shared.is_some() || self.own.iter().any(|(_, w)| w.is_some())
    }
}

/// Waiters and arming state, behind the source's mutex.
#[derive(Debug)]
struct SourceState {
    /// False once deregistration began; the fd may be closed soon after.
    registered: bool,
    /// Oneshot mode only: which directions are armed in the poller right now.
    armed: [bool; 2],
    waiters: [DirectionWaiters; 2],
}

/// A registered fd. See the module docs.
#[derive(Debug)]
pub(crate) struct Source {
    fd: RawSource,
    /// The poller key: slab index plus generation (see `driver`).
    key: usize,
    /// Edge-triggered (`true`) or oneshot with re-arm (`false`).
    edge: bool,
    readiness: [ReadinessCache; 2],
    /// The reactor shut down: every operation fails (see `Reactor::shut_down`).
    defunct: std::sync::atomic::AtomicBool,
    /// Per direction, the readiness tick last reported by `readable()`/`writable()`, so that
    /// reporting the same tick twice is double-checked (see [`Source::poll_ready`]).
    reported: [AtomicUsize; 2],
    /// A read shorter than its buffer empties this source unless an event said otherwise: a
    /// plain TCP stream on a backend that reports stops (`readiness.rs`). Set once, right
    /// after registration, by the stream that owns the source.
    short_reads_drain: std::sync::atomic::AtomicBool,
    state: Mutex<SourceState>,
}

impl Source {
    /// A source for `fd`, registered under `key`.
    pub(crate) fn new(fd: RawSource, key: usize, edge: bool) -> Source {
        Source {
            fd,
            key,
            edge,
            readiness: [ReadinessCache::new_ready(), ReadinessCache::new_ready()],
            defunct: std::sync::atomic::AtomicBool::new(false),
            // The initial "ready" is a guess, not an event: count it as already reported so
            // that `readable()` checks it before trusting it.
            reported: [AtomicUsize::new(0), AtomicUsize::new(0)],
            short_reads_drain: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(SourceState {
                registered: true,
                armed: [false, false],
                waiters: Default::default(),
            }),
        }
    }

    /// The fd.
    pub(crate) fn fd(&self) -> RawSource {
        self.fd
    }

    /// The poller key.
    pub(crate) fn key(&self) -> usize {
        self.key
    }

    /// Lets a short read clear read readiness (see `readiness.rs`): for a plain TCP stream
    /// only, and only where `poller` is edge-triggered and reports stops (elsewhere it does
    /// nothing).
    pub(crate) fn trust_short_reads(&self, poller: &Poller) {
        if self.edge && poller.reports_stops() {
            self.short_reads_drain.store(true, Ordering::Relaxed);
        }
    }

    /// The interest and mode to register with.
    pub(crate) fn initial_interest(&self) -> (Interest, Mode) {
        if self.edge {
            let both = Interest {
                readable: true,
                writable: true,
            };
            (both, Mode::Edge)
        } else {
            let none = Interest {
                readable: false,
                writable: false,
            };
            (none, Mode::Oneshot)
        }
    }

    /// Applies a poller event: marks the directions ready and moves their wakers to `wakers`.
    /// In oneshot mode, re-arms directions that still have waiters.
    pub(crate) fn dispatch(&self, poller: &Poller, event: Event, wakers: &mut Vec<Waker>) {
        let mut state = self.state.lock();
        if !state.registered {
            return;
        }
        let hits = [
            (Direction::Read, event.readable),
            (Direction::Write, event.writable),
        ];
        for (dir, hit) in hits {
            if hit {
                self.readiness[dir as usize].mark_ready(event.stops);
                state.waiters[dir as usize].take_all(wakers);
            }
        }
        if !self.edge {
            // The event disarmed the fd. Re-arm whatever is still awaited.
            let wanted = [
                state.waiters[0].is_waited_on(),
                state.waiters[1].is_waited_on(),
            ];
            state.armed = [false, false];
            if wanted != [false, false] {
                match self.arm(poller, wanted) {
                    Ok(()) => state.armed = wanted,
                    // Let the waiters retry: their next poll re-arms and reports the error.
                    Err(_) => {
                        state.waiters[0].take_all(wakers);
                        state.waiters[1].take_all(wakers);
                    }
                }
            }
        }
    }

    /// The owner shut the directions `shut` (read, write) of the socket down itself: marks
    /// them ready and moves their waiters' wakers to `wakers`, as an event would. epoll and
    /// kqueue raise that event on their own (a local `SHUT_RD` is read readiness and hang-up);
    /// IOCP's AFD poll does not complete on a local shutdown at all, so without this a task
    /// blocked reading a socket its own side closed would sleep for good on Windows (mio's
    /// suite ignores its `tcp_shutdown_client_read_close_event` there for that reason). The
    /// next operation asks the socket, which answers end of stream or an error; on Unix this
    /// only repeats what the poller is about to say.
    pub(crate) fn shut_down_locally(&self, shut: [bool; 2], wakers: &mut Vec<Waker>) {
        let mut state = self.state.lock();
        if !state.registered {
            return;
        }
        for (d, hit) in shut.into_iter().enumerate() {
            if hit {
                // A read after the local shutdown answers end of stream: a stop.
                self.readiness[d].mark_ready(true);
                state.waiters[d].take_all(wakers);
            }
        }
    }

    /// The reactor shut down: fails every later operation and moves every waiter's waker
    /// to `wakers`, so they poll again and see the error.
    pub(crate) fn shut_down(&self, wakers: &mut Vec<Waker>) {
        let mut state = self.state.lock();
        self.defunct.store(true, Ordering::Release);
        state.waiters[0].take_all(wakers);
        state.waiters[1].take_all(wakers);
    }

    /// The error for an operation on a shut-down reactor's source, if it is one.
    fn defunct_error(&self) -> Option<io::Error> {
        self.defunct
            .load(Ordering::Acquire)
            .then(|| io::Error::other(crate::driver::RUNTIME_GONE))
    }

    /// Deletes the fd from `poller` and drops every waiter. After this no event is applied
    /// and no re-arm happens, so the fd may be closed.
    ///
    /// # Safety
    ///
    /// The fd must still be open.
    pub(crate) unsafe fn deregister(&self, poller: &Poller) -> io::Result<()> {
        let mut state = self.state.lock();
        state.registered = false;
        let mut leftovers = Vec::new();
        state.waiters[0].take_all(&mut leftovers);
        state.waiters[1].take_all(&mut leftovers);
        // SAFETY: the caller guarantees that the fd is open; the borrow ends with this call.
        let fd = unsafe { sys::borrow_source(self.fd) };
        // Deleting under the lock means no `arm` (which also runs under it) can be in flight.
        let result = poller.delete(fd);
        drop(state);
        drop(leftovers);
        result
    }

    /// Waits until `dir` is ready (for `readable()`/`poll_readable`). Consumes one unit of the
    /// cooperative budget when it completes.
    ///
    /// The cache may be stale: a caller may have drained the fd with its own reads without
    /// telling us. So when a readiness tick has already been reported once, it is checked
    /// with a zero-timeout `poll(2)` before being reported again; a stale bit is cleared and
    /// the caller waits for the next event. Operations that go through [`Source::poll_io`]
    /// keep the cache exact themselves and never pay for that check.
    pub(crate) fn poll_ready(
        &self,
        poller: &Poller,
        dir: Direction,
        cx: &mut Context<'_>,
        mut slot: WaitSlot<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(err) = self.defunct_error() {
            return Poll::Ready(Err(err));
        }
        let progress = std::task::ready!(weft_coop::poll_proceed(cx));
        let d = dir as usize;
        loop {
            let seen = self.readiness[d].snapshot();
            if seen.is_ready() {
                let reported = &self.reported[d];
                if reported.load(Ordering::Relaxed) == seen.tick() {
                    match sys::is_ready_now(self.fd, dir) {
                        Ok(true) => {}
                        Ok(false) => {
                            self.readiness[d].clear_if_unchanged(seen);
                            continue;
                        }
                        Err(err) => return Poll::Ready(Err(err)),
                    }
                } else {
                    reported.store(seen.tick(), Ordering::Relaxed);
                }
                progress.made_progress();
                return Poll::Ready(Ok(()));
            }
            match self.register_waiter(poller, dir, cx, slot.reborrow()) {
                Ok(true) => return Poll::Pending,
                // An event arrived while we locked: look again.
                Ok(false) => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    /// Runs `op` until it stops reporting `WouldBlock`, waiting for `dir` readiness between
    /// attempts. A `WouldBlock` clears the cached readiness (unless an event raced it), so
    /// the next attempt happens only after the poller reports the direction again. Consumes
    /// one unit of the cooperative budget when `op` completes.
    ///
    /// For a stream read, `short(&n)` says whether it came back shorter than its buffer,
    /// which on a source that trusts short reads clears the readiness as a `WouldBlock` would
    /// (unless an event said a read may stop short, or a new one came meanwhile:
    /// `readiness.rs`), saving the `read` that would answer `EAGAIN`. Other operations pass
    /// `|_| false`.
    pub(crate) fn poll_io<R>(
        &self,
        poller: &Poller,
        dir: Direction,
        cx: &mut Context<'_>,
        mut slot: WaitSlot<'_>,
        mut op: impl FnMut() -> io::Result<R>,
        short: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        if let Some(err) = self.defunct_error() {
            return Poll::Ready(Err(err));
        }
        let progress = std::task::ready!(weft_coop::poll_proceed(cx));
        let d = dir as usize;
        loop {
            let seen = self.readiness[d].snapshot();
            if seen.is_ready() {
                match op() {
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    result => {
                        progress.made_progress();
                        // `short` first: for the operations that pass `|_| false` the
                        // compiler then drops the load.
                        if let Ok(done) = &result
                            && short(done)
                            && self.short_reads_drain.load(Ordering::Relaxed)
                        {
                            self.readiness[d].clear_after_short_read(seen);
                        }
                        return Poll::Ready(result);
                    }
                }
                if !self.readiness[d].clear_if_unchanged(seen) {
                    // An event arrived during `op`: try again.
                    continue;
                }
            }
            match self.register_waiter(poller, dir, cx, slot.reborrow()) {
                Ok(true) => return Poll::Pending,
                Ok(false) => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    /// Stores the caller's waker for `dir` unless the direction became ready meanwhile
    /// (`Ok(false)`). In oneshot mode, arms the direction if it is not armed yet.
    fn register_waiter(
        &self,
        poller: &Poller,
        dir: Direction,
        cx: &mut Context<'_>,
        slot: WaitSlot<'_>,
    ) -> io::Result<bool> {
        let d = dir as usize;
        let mut state = self.state.lock();
        if self.readiness[d].snapshot().is_ready() {
            return Ok(false);
        }
        // Under the lock `shut_down` takes: a waker stored after its sweep would never fire.
        if let Some(err) = self.defunct_error() {
            return Err(err);
        }
        let replaced = state.waiters[d].store(slot, cx.waker());
        if !self.edge && state.registered && !state.armed[d] {
            let mut wanted = state.armed;
            wanted[d] = true;
            self.arm(poller, wanted)?;
            state.armed = wanted;
        }
        drop(state);
        drop(replaced);
        Ok(true)
    }

    /// Frees an own waiter slot (a `readable()` future or `read_with()` call being dropped).
    pub(crate) fn remove_waiter(&self, dir: Direction, id: usize) {
        let removed = self.state.lock().waiters[dir as usize].own.try_remove(id);
        drop(removed);
    }

    /// Oneshot mode: sets the poller interest to `wanted` directions. Callers hold the state
    /// lock and have checked `registered`.
    fn arm(&self, poller: &Poller, wanted: [bool; 2]) -> io::Result<()> {
        // SAFETY: `registered` is true under the state lock (checked by every caller), and the
        // owner of the fd (`Async`) clears it under this lock before deleting the fd from the
        // poller and only closes the fd after that; so the fd is open for this call.
        let fd = unsafe { sys::borrow_source(self.fd) };
        let interest = Interest {
            readable: wanted[0],
            writable: wanted[1],
        };
        poller.modify(fd, self.key, interest, Mode::Oneshot)
    }
}
