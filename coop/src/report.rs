//! Where a panic goes when user code panics outside any task.
//!
//! A task's own poll and drop run inside the executor's harness, which turns a panic into the
//! task's `JoinError`. But the runtime also calls user code where no task can take the blame:
//! a foreign waker woken by a reactor turn, a promise's done-callback, a slow-poll handler, a
//! panic handler itself. Unwinding out of those would kill a worker thread or abandon a
//! reactor turn half way, stranding every waker still in its batch. So every such call goes
//! through [`catch`], and the panic is handed to [`report`] instead of being propagated.
//!
//! [`report`] gives the panic to the reporter of this thread: one set by a guard
//! ([`set_reporter`]), or the one a lookup installed by a guard finds
//! ([`set_reporter_lookup`]). Entering a runtime installs the executor's lookup, a plain
//! function pointer that returns the reporter of the thread's current runtime (which
//! forwards to that runtime's panic handler): so entering (every `block_on`) clones no
//! reporter, and nothing is process-wide — no library can take panic reports away from a
//! runtime it did not enter. With neither (a plain thread, another executor) it prints one
//! line to stderr. A reporter that panics in turn is reported on stderr too, and a
//! payload whose own `Drop` panics is leaked rather than dropped: reporting never unwinds.

use std::any::Any;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::installed::Installed;

/// Receives a panic from user code: what kind of code it was (`"waker"`, `"done-callback"`,
/// ...) and the payload.
pub type Reporter = Arc<dyn Fn(&'static str, Box<dyn Any + Send>) + Send + Sync>;

crate::local! {
    static REPORTER: RefCell<Option<Installed<Reporter>>> = RefCell::new(None);
}

/// Makes `reporter` receive this thread's panic reports until the guard drops (the previous
/// reporter, if any, is restored then).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let guard = weft_coop::set_reporter(Arc::new(move |what, payload| {
///     s.lock().unwrap().push((what, weft_coop::panic_message(&*payload)));
/// }));
/// weft_coop::catch("done-callback", || panic!("oops"));
/// drop(guard);
/// assert_eq!(*seen.lock().unwrap(), [("done-callback", "oops".to_string())]);
/// ```
pub fn set_reporter(reporter: Reporter) -> ReporterGuard {
    swap_reporter(Some(Installed::Own(reporter)))
}

/// Makes this thread's reports go to the reporter `lookup` returns when a panic is reported
/// (none: stderr), until the guard drops. The executor installs its lookup when it enters a
/// runtime, so that a reporter set outside does not shadow the runtime's, at the cost of a
/// pointer store rather than a reporter clone.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
/// fn lookup() -> Option<weft_coop::Reporter> {
///     Some(Arc::new(|what, _| SEEN.lock().unwrap().push(what)))
/// }
/// let outer = weft_coop::set_reporter(Arc::new(|_, _| unreachable!("shadowed")));
/// let inner = weft_coop::set_reporter_lookup(lookup);
/// weft_coop::catch("waker", || panic!("oops"));
/// drop(inner); // the outer reporter is back
/// # drop(outer);
/// assert_eq!(*SEEN.lock().unwrap(), ["waker"]);
/// ```
pub fn set_reporter_lookup(lookup: fn() -> Option<Reporter>) -> ReporterGuard {
    swap_reporter(Some(Installed::Lookup(lookup)))
}

fn swap_reporter(reporter: Option<Installed<Reporter>>) -> ReporterGuard {
    let previous = REPORTER.with(|r| std::mem::replace(&mut *r.borrow_mut(), reporter));
    ReporterGuard {
        previous,
        _not_send: std::marker::PhantomData,
    }
}

/// Restores the previous reporter when dropped; returned by [`set_reporter`] and
/// [`set_reporter_lookup`].
///
/// ```
/// let guard = weft_coop::set_reporter(std::sync::Arc::new(|_, _| {}));
/// drop(guard);
/// ```
#[must_use = "the reporter is only installed until the guard is dropped"]
pub struct ReporterGuard {
    previous: Option<Installed<Reporter>>,
    // Restores a thread-local, so it must stay on the thread that made it.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl std::fmt::Debug for ReporterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReporterGuard").finish_non_exhaustive()
    }
}

impl Drop for ReporterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Fails only while the thread's locals are being destroyed; nothing to restore then.
        let _ = REPORTER.try_with(|r| *r.borrow_mut() = previous);
    }
}

/// Reports a panic from user code of kind `what` to this thread's reporter, or to stderr when
/// there is none. Never unwinds.
///
/// ```
/// // No reporter on this thread: one line on stderr.
/// weft_coop::report("waker", Box::new("it broke"));
/// ```
pub fn report(what: &'static str, payload: Box<dyn Any + Send>) {
    // Cloned out so the reporter runs with no borrow held: it may report again.
    let reporter = REPORTER
        .try_with(|r| r.borrow().clone())
        .ok()
        .flatten()
        .and_then(Installed::resolve);
    let Some(reporter) = reporter else {
        eprintln!("weft: a {what} panicked: {}", panic_message(&*payload));
        drop_payload(payload);
        return;
    };
    if let Err(second) = catch_unwind(AssertUnwindSafe(|| reporter(what, payload))) {
        eprintln!(
            "weft: the panic handler panicked ({}) while reporting a panic in a {what}",
            panic_message(&*second)
        );
        drop_payload(second);
    }
}

/// Runs `f`, which is user code of kind `what`; a panic in it is [`report`]ed and `None` is
/// returned.
///
/// ```
/// assert_eq!(weft_coop::catch("callback", || 7), Some(7));
/// assert_eq!(weft_coop::catch("callback", || -> i32 { panic!("no") }), None);
/// ```
pub fn catch<R>(what: &'static str, f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Some(value),
        Err(payload) => {
            report(what, payload);
            None
        }
    }
}

/// The message of a panic payload: the `&str` or `String` that `panic!` carries, or a note
/// that it was something else.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("at {}", 3)).unwrap_err();
/// assert_eq!(weft_coop::panic_message(&*payload), "at 3");
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string payload".to_owned()
    }
}

/// Drops a panic payload; if its `Drop` panics, that second payload is leaked (dropping it
/// could panic again, and a drop must not unwind into the runtime).
///
/// ```
/// weft_coop::drop_payload(Box::new("done with it"));
/// ```
pub fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(second);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_panicking_reporter_does_not_unwind() {
        let _guard = set_reporter(Arc::new(|_, _| panic!("reporter broke")));
        report("waker", Box::new("first"));
        assert_eq!(catch("waker", || panic!("again")), None::<()>);
    }

    #[test]
    fn guards_nest_and_restore() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (a, b) = (seen.clone(), seen.clone());
        let outer = set_reporter(Arc::new(move |_, _| a.lock().unwrap().push("outer")));
        let inner = set_reporter(Arc::new(move |_, _| b.lock().unwrap().push("inner")));
        report("waker", Box::new(()));
        drop(inner);
        report("waker", Box::new(()));
        drop(outer);
        assert_eq!(*seen.lock().unwrap(), ["inner", "outer"]);
    }

    #[test]
    fn a_payload_whose_drop_panics_is_leaked_not_propagated() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("bomb");
            }
        }
        drop_payload(Box::new(Bomb));
    }
}
