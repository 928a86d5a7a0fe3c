//! The thread-local "current runtime", which `spawn`, `Handle::current` and (through the
//! reactor's own context) the reactor's timers and I/O read.
//!
//! Workers, blocking-pool threads and threads inside `block_on` all enter the context of
//! their runtime for as long as they run its code; entering nests and restores.
//!
//! Entering also makes the runtime's reactor current for the reactor crate
//! (`weft_reactor::enter`: an `Arc` clone, since timers and I/O look it up on every sleep and
//! registration). `weft_coop` finds the runtime's panic reporter (so a panicking waker or
//! done-callback run by the reactor or a sync primitive reaches the runtime's panic handler)
//! and its blocking offload (so blocking work the reactor cannot avoid, a DNS lookup, goes to
//! this runtime's blocking pool) through lookups that entering installs on the thread (two
//! function pointers, nothing process-wide), which read this thread-local: those two are
//! needed only when something panics or blocks, so entering does not clone them. A reporter
//! or offload the thread had set by hand is moved aside while the runtime is current and
//! restored after.
//!
//! Guards must be dropped in the reverse order of entering: each remembers its depth, and
//! one dropped while a later guard is still alive panics (as tokio's do) rather than leave
//! the wrong runtime current. Cloning all three into `weft_coop`'s and the
//! reactor's thread-locals, as entering did before, cost six atomic read-modify-writes per
//! `block_on`; dropping the two rare ones saves four of them.

use super::Handle;
use std::cell::RefCell;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
    /// How many guards are alive on this thread.
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

const OUT_OF_ORDER: &str = "weft: runtime EnterGuards dropped out of order: drop each guard \
    returned by Handle::enter before the guards entered before it (the reverse of entering)";

/// Restores the previous current runtime when dropped. Returned by [`Handle::enter`].
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let guard = rt.handle().enter();
/// assert!(weft_executor::Handle::try_current().is_some());
/// drop(guard);
/// assert!(weft_executor::Handle::try_current().is_none());
/// ```
#[must_use = "the runtime is only current until the guard is dropped"]
pub struct EnterGuard {
    previous: Option<Handle>,
    /// This guard's place in the thread's stack of guards (1 for the outermost).
    depth: usize,
    // `weft_coop`'s own thread-locals, cleared while this runtime is current.
    _reporter: weft_coop::ReporterGuard,
    _offload: weft_coop::OffloadGuard,
    // The reactor's own context, restored before `previous` is.
    _reactor: weft_reactor::EnterGuard,
    // The guard restores a thread-local, so it must stay on this thread.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl std::fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

pub(crate) fn enter(handle: &Handle) -> EnterGuard {
    let reactor = weft_reactor::enter(handle.inner.reactor.clone());
    let previous = CURRENT.with(|c| c.borrow_mut().replace(handle.clone()));
    let depth = DEPTH.with(|d| {
        d.set(d.get() + 1);
        d.get()
    });
    EnterGuard {
        previous,
        depth,
        _reporter: weft_coop::set_reporter_lookup(current_reporter),
        _offload: weft_coop::set_offload_lookup(current_offload),
        _reactor: reactor,
        _not_send: std::marker::PhantomData,
    }
}

/// The reporter of this thread's current runtime: `weft_coop`'s lookup while a runtime is
/// entered (see the module docs).
fn current_reporter() -> Option<weft_coop::Reporter> {
    with_current(|h| h.map(|h| h.inner.reporter.clone()))
}

/// The blocking-pool offload of this thread's current runtime, likewise.
fn current_offload() -> Option<weft_coop::Offload> {
    with_current(|h| h.map(|h| h.inner.offload.clone()))
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
        let top = DEPTH
            .try_with(|d| d.replace(self.depth - 1))
            .unwrap_or(self.depth);
        if top != self.depth && !std::thread::panicking() {
            panic!("{OUT_OF_ORDER}");
        }
    }
}

pub(crate) fn current() -> Option<Handle> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    if let Ok(r) = CURRENT.try_with(|c| (f.take().expect("called once"))(c.borrow().as_ref())) {
        return r;
    }
    (f.take().expect("called once"))(None)
}
