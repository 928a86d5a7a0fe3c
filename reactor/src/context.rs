//! The current reactor of a thread.
//!
//! Timers and I/O sources find their reactor through a thread-local set by [`enter`], or, on a
//! thread where no guard set one, through a process-wide lookup ([`set_current_fallback`]).
//! The executor installs that lookup once: it finds the reactor of the thread's current
//! runtime, so entering a runtime (every `block_on`) costs no reactor swap and no `Arc`
//! clone. Keeping the lookup here, not in the executor, is what lets this crate stay below
//! the executor in the dependency graph. Guards nest: each restores the reactor that was
//! current before it.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use crate::Reactor;

/// Calls the closure it is given with the current reactor of the thread, as some outer layer
/// (the executor) knows it; see [`set_current_fallback`].
pub type CurrentLookup = fn(&mut dyn FnMut(Option<&Arc<Reactor>>));

/// Where threads with no reactor entered by a guard find one.
static FALLBACK: OnceLock<CurrentLookup> = OnceLock::new();

/// Makes threads on which no [`enter`] guard is alive find their reactor with `lookup`. Set
/// once per process (later calls are ignored): the executor's lookup gives the reactor of the
/// thread's current runtime.
///
/// ```
/// use std::sync::Arc;
/// fn none(f: &mut dyn FnMut(Option<&Arc<weft_reactor::Reactor>>)) {
///     f(None)
/// }
/// weft_reactor::set_current_fallback(none);
/// ```
pub fn set_current_fallback(lookup: CurrentLookup) {
    let _ = FALLBACK.set(lookup);
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Reactor>>> = const { RefCell::new(None) };
}

/// Makes `reactor` the current reactor of this thread until the returned guard drops.
///
/// Guards nest: dropping one restores the reactor that was current when it was created, so
/// drop them in reverse order of creation (scopes do that by themselves).
///
/// ```
/// use std::sync::Arc;
/// use weft_reactor::{Reactor, enter, try_current};
///
/// let reactor = Arc::new(Reactor::new()?);
/// assert!(try_current().is_none());
/// {
///     let _guard = enter(reactor.clone());
///     assert!(Arc::ptr_eq(&try_current().unwrap(), &reactor));
/// }
/// assert!(try_current().is_none());
/// # std::io::Result::Ok(())
/// ```
pub fn enter(reactor: Arc<Reactor>) -> EnterGuard {
    swap(Some(reactor))
}

/// Makes no reactor current on this thread by a guard until the returned guard drops, so
/// that the fallback lookup ([`set_current_fallback`]) answers. The executor calls it when
/// it enters a runtime, so that a reactor entered outside does not shadow the runtime's.
///
/// ```
/// use std::sync::Arc;
/// let reactor = Arc::new(weft_reactor::Reactor::new()?);
/// let _outer = weft_reactor::enter(reactor.clone());
/// let inner = weft_reactor::clear_current();
/// drop(inner);
/// assert!(Arc::ptr_eq(&weft_reactor::try_current().unwrap(), &reactor));
/// # std::io::Result::Ok(())
/// ```
pub fn clear_current() -> EnterGuard {
    swap(None)
}

fn swap(reactor: Option<Arc<Reactor>>) -> EnterGuard {
    let previous = CURRENT.with(|current| current.replace(reactor));
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// The current reactor of this thread: the one a live guard from [`enter`] set, else the
/// one the fallback lookup finds ([`set_current_fallback`]).
///
/// ```
/// assert!(weft_reactor::try_current().is_none());
/// ```
pub fn try_current() -> Option<Arc<Reactor>> {
    with_current_arc(|reactor| reactor.cloned())
}

/// Runs `f` with the current reactor of this thread, without cloning the `Arc`. `f` must
/// not enter or leave a reactor or a runtime (the slot is borrowed while it runs).
#[cfg_attr(not(feature = "test-util"), allow(dead_code))]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Reactor>) -> R) -> R {
    with_current_arc(|reactor| f(reactor.map(|r| &**r)))
}

fn with_current_arc<R>(f: impl FnOnce(Option<&Arc<Reactor>>) -> R) -> R {
    let mut f = Some(f);
    let outcome = CURRENT.try_with(|current| {
        let current = current.borrow();
        current
            .as_ref()
            .map(|reactor| (f.take().expect("called once"))(Some(reactor)))
    });
    if let Ok(Some(out)) = outcome {
        return out;
    }
    // No guard on this thread (or its locals are being destroyed): ask the fallback.
    let mut out = None;
    if let Some(lookup) = FALLBACK.get() {
        lookup(&mut |reactor| {
            if let Some(f) = f.take() {
                out = Some(f(reactor));
            }
        });
    }
    match out {
        Some(out) => out,
        None => (f.take().expect("called once"))(None),
    }
}

/// Restores the previous current reactor when dropped. Returned by [`enter`].
///
/// It is `!Send`: it must be dropped on the thread that created it.
///
/// ```
/// use std::sync::Arc;
/// let outer = Arc::new(weft_reactor::Reactor::new()?);
/// let inner = Arc::new(weft_reactor::Reactor::new()?);
/// let _a = weft_reactor::enter(outer.clone());
/// let b = weft_reactor::enter(inner.clone());
/// assert!(Arc::ptr_eq(&weft_reactor::try_current().unwrap(), &inner));
/// drop(b);
/// assert!(Arc::ptr_eq(&weft_reactor::try_current().unwrap(), &outer));
/// # std::io::Result::Ok(())
/// ```
#[must_use = "the reactor stops being current when the guard is dropped"]
pub struct EnterGuard {
    previous: Option<Arc<Reactor>>,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard")
            .field("restores_a_reactor", &self.previous.is_some())
            .finish()
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: during thread teardown the slot may already be gone; nothing to restore.
        let replaced = CURRENT.try_with(|current| current.replace(previous));
        // Dropped outside the `RefCell` borrow: a reactor's drop must not find it borrowed.
        drop(replaced);
    }
}
