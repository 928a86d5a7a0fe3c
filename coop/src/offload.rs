//! Where a crate below the executor sends blocking work it must not run on a worker.
//!
//! The reactor resolves host names for `TcpStream::connect` and `lookup_host`, and the
//! system resolver (`getaddrinfo`) blocks for as long as DNS takes. Run on a worker, that
//! stalls every task queued behind it. The reactor cannot reach the executor's blocking pool
//! (it sits below the executor), so entering a runtime installs a lookup on the thread
//! ([`set_offload_lookup`], a function pointer: nothing process-wide) that returns the
//! [`Offload`] of the thread's current runtime, which hands a job to its pool, and
//! [`offload`] uses it. Outside a runtime an offload set by a guard ([`set_offload`]) serves.
//!
//! With no offload installed (a plain thread, another executor, a reactor-only test) the job
//! runs on a new short-lived thread: slower to start than a pool thread, but never on the
//! caller's thread, which may be some other executor's worker. A job that cannot be run (the
//! runtime is shutting down, no thread could be started) is dropped unrun; jobs report their
//! outcome through a channel whose sender they own, so dropping one is how it says so.

use std::cell::RefCell;
use std::sync::Arc;

use crate::installed::Installed;

/// A blocking job: runs once, on some thread where blocking is fine.
pub type Job = Box<dyn FnOnce() + Send>;

/// Runs (or drops, when it cannot) a blocking job away from the calling thread.
pub type Offload = Arc<dyn Fn(Job) + Send + Sync>;

crate::local! {
    static OFFLOAD: RefCell<Option<Installed<Offload>>> = RefCell::new(None);
}

/// Makes [`offload`] hand jobs to `offload` on this thread until the guard drops (the
/// previous one, if any, is restored then).
///
/// ```
/// use std::sync::{Arc, mpsc};
/// let guard = weft_coop::set_offload(Arc::new(|job| {
///     std::thread::spawn(job);
/// }));
/// let (tx, rx) = mpsc::channel();
/// weft_coop::offload(Box::new(move || tx.send(std::thread::current().id()).unwrap()));
/// assert_ne!(rx.recv().unwrap(), std::thread::current().id());
/// drop(guard);
/// ```
pub fn set_offload(offload: Offload) -> OffloadGuard {
    swap_offload(Some(Installed::Own(offload)))
}

/// Makes [`offload`] on this thread use the offload `lookup` returns at that moment (none:
/// a new thread), until the guard drops. The executor installs its lookup when it enters a
/// runtime, so that an offload set outside does not shadow the runtime's.
///
/// ```
/// fn no_offload() -> Option<weft_coop::Offload> {
///     None
/// }
/// let outer = weft_coop::set_offload(std::sync::Arc::new(drop));
/// let inner = weft_coop::set_offload_lookup(no_offload);
/// drop(inner); // the outer offload is back
/// # drop(outer);
/// ```
pub fn set_offload_lookup(lookup: fn() -> Option<Offload>) -> OffloadGuard {
    swap_offload(Some(Installed::Lookup(lookup)))
}

fn swap_offload(offload: Option<Installed<Offload>>) -> OffloadGuard {
    let previous = OFFLOAD.with(|o| std::mem::replace(&mut *o.borrow_mut(), offload));
    OffloadGuard {
        previous,
        _not_send: std::marker::PhantomData,
    }
}

/// Restores the previous offload when dropped; returned by [`set_offload`] and
/// [`set_offload_lookup`].
///
/// ```
/// let guard = weft_coop::set_offload(std::sync::Arc::new(drop));
/// drop(guard);
/// ```
#[must_use = "the offload is only installed until the guard is dropped"]
pub struct OffloadGuard {
    previous: Option<Installed<Offload>>,
    // Restores a thread-local, so it must stay on the thread that made it.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl std::fmt::Debug for OffloadGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OffloadGuard").finish_non_exhaustive()
    }
}

impl Drop for OffloadGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Fails only while the thread's locals are being destroyed; nothing to restore then.
        let _ = OFFLOAD.try_with(|o| *o.borrow_mut() = previous);
    }
}

/// Runs `job` away from this thread: on the current runtime's blocking pool when one is
/// installed, else on a new thread. Never runs it inline; drops it unrun when neither works.
///
/// ```
/// let (tx, rx) = std::sync::mpsc::channel();
/// weft_coop::offload(Box::new(move || tx.send(2 + 2).unwrap()));
/// assert_eq!(rx.recv().unwrap(), 4);
/// ```
pub fn offload(job: Job) {
    // Cloned out so the offload runs with no borrow held: it may offload again.
    let installed = OFFLOAD
        .try_with(|o| o.borrow().clone())
        .ok()
        .flatten()
        .and_then(Installed::resolve);
    match installed {
        Some(offload) => offload(job),
        None => {
            // A failed spawn drops the job, which is how its caller learns it did not run.
            let _ = std::thread::Builder::new()
                .name("weft-offload".into())
                .spawn(job);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn guards_nest_and_restore() {
        let (tx, rx) = mpsc::channel();
        let (a, b) = (tx.clone(), tx);
        let outer = set_offload(Arc::new(move |job: Job| {
            a.send("outer").unwrap();
            drop(job);
        }));
        let inner = set_offload(Arc::new(move |job: Job| {
            b.send("inner").unwrap();
            drop(job);
        }));
        offload(Box::new(|| {}));
        drop(inner);
        offload(Box::new(|| {}));
        drop(outer);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), ["inner", "outer"]);
    }

    #[test]
    fn without_an_offload_the_job_runs_on_another_thread() {
        let (tx, rx) = mpsc::channel();
        offload(Box::new(move || {
            tx.send(std::thread::current().id()).unwrap()
        }));
        assert_ne!(rx.recv().unwrap(), std::thread::current().id());
    }
}
