//! Which task is being polled on this thread (asyncio's `current_task()`).
//!
//! The harness records the header pointer around each poll; it is a thread-local `Cell`, so
//! recording costs two stores. Only the id and name are exposed, copied out, so nothing can
//! hold on to the task past its poll.

use super::header::{Header, TaskId};
use std::cell::Cell;
use std::ptr::NonNull;

thread_local! {
    static CURRENT: Cell<Option<NonNull<Header>>> = const { Cell::new(None) };
}

pub(crate) fn enter<R>(header: &Header, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<NonNull<Header>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(Some(NonNull::from(header)))));
    f()
}

/// The id and name of the task being polled on this thread.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let task = weft_executor::task::Builder::new()
///     .name("worker")
///     .spawn_on(&rt.handle(), async { weft_executor::task::current().unwrap().name().to_owned() });
/// assert_eq!(rt.block_on(task).unwrap(), "worker");
/// assert!(weft_executor::task::current().is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentTask {
    id: TaskId,
    name: String,
}

impl CurrentTask {
    /// The task's id.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { weft_executor::task::current().unwrap().id() });
    /// let id = task.id();
    /// assert_eq!(rt.block_on(task).unwrap(), id);
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name (`Task-<id>` unless it was given one).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { weft_executor::task::current().unwrap().name().to_owned() });
    /// let expected = format!("Task-{}", task.id());
    /// assert_eq!(rt.block_on(task).unwrap(), expected);
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The task being polled on this thread, or `None` outside a task (in `block_on`'s own
/// future, a plain thread, or a callback).
///
/// ```
/// assert!(weft_executor::task::current().is_none());
/// ```
pub fn current() -> Option<CurrentTask> {
    CURRENT.with(|c| c.get()).map(|ptr| {
        // SAFETY: the pointer is set only while that task is being polled on this thread, and
        // the poller holds a reference for the whole poll.
        let header = unsafe { ptr.as_ref() };
        CurrentTask { id: header.id, name: header.name().into_owned() }
    })
}
