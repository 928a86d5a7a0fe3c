//! Whether this thread is one of a runtime's workers.
//!
//! A worker thread runs many tasks in turn; blocking it (a blocking queue call, a `block_on`)
//! stalls every task queued behind it, and can deadlock the task that would have unblocked
//! it. Blocking APIs check [`is_worker_thread`] and panic with a message that says what to do
//! instead. The executor marks its worker threads with [`enter_worker_thread`].

use std::cell::Cell;

crate::local! {
    static WORKER: Cell<bool> = Cell::new(false);
}

/// Marks this thread as a runtime worker until the guard drops.
///
/// ```
/// assert!(!weft_coop::is_worker_thread());
/// let guard = weft_coop::enter_worker_thread();
/// assert!(weft_coop::is_worker_thread());
/// drop(guard);
/// assert!(!weft_coop::is_worker_thread());
/// ```
pub fn enter_worker_thread() -> WorkerThreadGuard {
    WorkerThreadGuard {
        previous: WORKER.with(|w| w.replace(true)),
        _not_send: std::marker::PhantomData,
    }
}

/// Unmarks this worker thread until the guard drops: it is running blocking code the
/// executor allowed for (`block_in_place`, whose worker duties another thread took over), so
/// blocking calls are fine there.
///
/// ```
/// let worker = weft_coop::enter_worker_thread();
/// let blocking = weft_coop::leave_worker_thread();
/// assert!(!weft_coop::is_worker_thread());
/// drop(blocking);
/// assert!(weft_coop::is_worker_thread());
/// # drop(worker);
/// ```
pub fn leave_worker_thread() -> WorkerThreadGuard {
    WorkerThreadGuard {
        previous: WORKER.with(|w| w.replace(false)),
        _not_send: std::marker::PhantomData,
    }
}

/// True on a thread that runs a runtime's tasks, where blocking would stall them.
///
/// ```
/// assert!(!weft_coop::is_worker_thread());
/// ```
pub fn is_worker_thread() -> bool {
    WORKER.try_with(Cell::get).unwrap_or(false)
}

/// Ends the worker marking when dropped; returned by [`enter_worker_thread`].
///
/// ```
/// drop(weft_coop::enter_worker_thread());
/// ```
#[derive(Debug)]
#[must_use = "the thread is only marked until the guard is dropped"]
pub struct WorkerThreadGuard {
    previous: bool,
    // Restores a thread-local, so it must stay on the thread that made it.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for WorkerThreadGuard {
    fn drop(&mut self) {
        let _ = WORKER.try_with(|w| w.set(self.previous));
    }
}
