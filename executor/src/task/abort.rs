//! `AbortHandle`: cancel a task from anywhere without owning its output.

use super::header::{Header, TaskId};
use std::fmt;
use std::ptr::NonNull;

/// Cancels a task without being able to await it; cloneable and `Send + Sync`.
/// Get one from [`Task::abort_handle`](super::Task::abort_handle).
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let task = rt.spawn(std::future::pending::<()>());
/// let abort = task.abort_handle();
/// assert!(!abort.is_finished());
/// assert!(abort.cancel());
/// assert!(rt.block_on(task).unwrap_err().is_cancelled());
/// ```
pub struct AbortHandle {
    raw: NonNull<Header>,
}

// SAFETY: the handle only touches the header's atomics and runs the cancellation protocol,
// which is thread-safe; it never reaches the output.
unsafe impl Send for AbortHandle {}
// SAFETY: as above; every method takes `&self` and is atomic.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// # Safety
    /// The caller gives the new handle one reference to the task.
    pub(crate) unsafe fn from_raw(raw: NonNull<Header>) -> AbortHandle {
        AbortHandle { raw }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle owns a reference.
        unsafe { self.raw.as_ref() }
    }

    /// Requests cancellation, exactly like [`Task::cancel`](super::Task::cancel).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { 1 });
    /// let abort = task.abort_handle();
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// assert!(!abort.cancel()); // already finished
    /// ```
    pub fn cancel(&self) -> bool {
        super::join::cancel(self.raw)
    }

    /// True once the task has finished.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// let abort = task.abort_handle();
    /// rt.block_on(task).unwrap();
    /// assert!(abort.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// The task's id.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// assert_eq!(task.abort_handle().id(), task.id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.header().id
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        if self.header().state.ref_dec(1) {
            // SAFETY: this handle held the last reference.
            unsafe { (self.header().vtable.dealloc)(self.raw) };
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
