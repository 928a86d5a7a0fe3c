//! The thread-local "current runtime", which `spawn`, `Handle::current` and (through the
//! enter hook) the reactor's timers and I/O read.
//!
//! Workers, blocking-pool threads and threads inside `block_on` all enter the context of
//! their runtime for as long as they run its code; entering nests and restores.
//!
//! The crates below the executor find the runtime's parts through this one thread-local: the
//! reactor its reactor (`weft_reactor::set_current_fallback`), `weft_coop` the panic reporter
//! (so a panicking waker or done-callback run by the reactor or a sync primitive reaches the
//! runtime's panic handler) and the blocking offload (so blocking work the reactor cannot
//! avoid, a DNS lookup, goes to this runtime's blocking pool). Each keeps a thread-local of
//! its own too, for code that sets one by hand; entering a runtime clears those (moving the
//! values aside, restored on exit) so the runtime's parts are the ones found. Before, entering
//! cloned the reactor, reporter and offload `Arc`s into those thread-locals and dropped them
//! on exit: six atomic read-modify-writes per `block_on`, a sixth of a `block_on` around six
//! semaphore acquires (`sync_semaphore_uncontended`: 180 → 150 ns per iteration).

use super::Handle;
use std::cell::RefCell;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

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
    // The lower crates' own thread-locals, cleared while this runtime is current.
    _reporter: weft_coop::ReporterGuard,
    _offload: weft_coop::OffloadGuard,
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
    let reactor = weft_reactor::clear_current();
    let previous = CURRENT.with(|c| c.borrow_mut().replace(handle.clone()));
    EnterGuard {
        previous,
        _reporter: weft_coop::clear_reporter(),
        _offload: weft_coop::clear_offload(),
        _reactor: reactor,
        _not_send: std::marker::PhantomData,
    }
}

/// Points the lower crates' lookups at this thread-local (see the module docs). Called for
/// every runtime built; only the first call in a process does anything.
pub(crate) fn install_lookups() {
    weft_reactor::set_current_fallback(|f| with_current(|h| f(h.map(|h| &h.inner.reactor))));
    weft_coop::set_reporter_fallback(|| with_current(|h| h.map(|h| h.inner.reporter.clone())));
    weft_coop::set_offload_fallback(|| with_current(|h| h.map(|h| h.inner.offload.clone())));
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
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
