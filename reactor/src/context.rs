//! The current reactor of a thread.
//!
//! Timers and I/O sources find their reactor through a thread-local set by [`enter`], which
//! the executor calls on each worker thread and inside `block_on`. Keeping the lookup here,
//! not in the executor, is what lets this crate stay below the executor in the dependency
//! graph. Guards nest: each restores the reactor that was current before it.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::Reactor;

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
    let previous = CURRENT.with(|current| current.replace(Some(reactor)));
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// The current reactor of this thread, if a guard from [`enter`] is alive.
///
/// ```
/// assert!(weft_reactor::try_current().is_none());
/// ```
pub fn try_current() -> Option<Arc<Reactor>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Runs `f` with the current reactor of this thread, without cloning the `Arc`. `f` must
/// not enter or leave a reactor (the slot is borrowed while it runs).
#[cfg_attr(not(feature = "test-util"), allow(dead_code))]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Reactor>) -> R) -> R {
    let mut f = Some(f);
    let outcome =
        CURRENT.try_with(|current| (f.take().expect("called once"))(current.borrow().as_deref()));
    match outcome {
        Ok(out) => out,
        // The thread's locals are being destroyed: no reactor is current any more.
        Err(_) => (f.take().expect("not called when the local is gone"))(None),
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
