//! `JoinError`: why a task produced no value.

use super::header::TaskId;
use std::any::Any;
use std::fmt;

/// The task behind a [`Task`](crate::Task) did not produce a value: it was cancelled, or it
/// panicked. (asyncio raises `CancelledError` or the task's exception from `await task`.)
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
/// assert!(err.is_panic());
/// assert!(err.to_string().contains("boom"));
/// ```
pub struct JoinError(Box<Failure>);

/// A `JoinError`'s contents, boxed: a task's output slot is sized for its own output or an
/// error, and failures are rare, so the error is one pointer in every task.
struct Failure {
    id: TaskId,
    name: Option<super::header::TaskName>,
    repr: Repr,
}

enum Repr {
    Cancelled,
    // The mutex makes the error `Sync` (so it fits `Box<dyn Error + Send + Sync>`) without
    // unsafe; it is only locked to read the message or take the payload.
    Panic(parking_lot::Mutex<Box<dyn Any + Send + 'static>>),
}

impl JoinError {
    pub(crate) fn cancelled(id: TaskId, name: Option<super::header::TaskName>) -> JoinError {
        JoinError(Box::new(Failure {
            id,
            name,
            repr: Repr::Cancelled,
        }))
    }

    pub(crate) fn panic(
        id: TaskId,
        name: Option<super::header::TaskName>,
        payload: Box<dyn Any + Send>,
    ) -> JoinError {
        JoinError(Box::new(Failure {
            id,
            name,
            repr: Repr::Panic(parking_lot::Mutex::new(payload)),
        }))
    }

    /// True when the task was cancelled (its future dropped before it finished).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let task = weft_executor::spawn(std::future::pending::<()>());
    ///     task.cancel();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0.repr, Repr::Cancelled)
    }

    /// True when the task panicked.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// assert!(rt.block_on(rt.spawn(async { panic!() })).unwrap_err().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.0.repr, Repr::Panic(_))
    }

    /// The panic payload, to resume it with `std::panic::resume_unwind` or inspect it.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicking; use [`try_into_panic`](Self::try_into_panic)
    /// to find out without panicking.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let err = rt.block_on(rt.spawn(async { std::panic::panic_any(7_u32) })).unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 7);
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().unwrap_or_else(|err| {
            panic!("JoinError::into_panic called on an error that is not a panic: {err}")
        })
    }

    /// The panic payload, or the error back when the task was cancelled.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let err = rt.block_on(async {
    ///     let task = weft_executor::spawn(std::future::pending::<()>());
    ///     task.cancel();
    ///     task.await.unwrap_err()
    /// });
    /// assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.0.repr {
            Repr::Panic(payload) => Ok(payload.into_inner()),
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async { panic!() });
    /// let id = task.id();
    /// assert_eq!(rt.block_on(task).unwrap_err().id(), id);
    /// ```
    pub fn id(&self) -> TaskId {
        self.0.id
    }

    /// The failed task's name: the one it was given, or `Task-<id>`.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = weft_executor::task::Builder::new().name("loader").spawn_on(rt.handle(), async { panic!() });
    /// assert_eq!(rt.block_on(task).unwrap_err().task_name(), "loader");
    /// ```
    pub fn task_name(&self) -> std::borrow::Cow<'_, str> {
        match &self.0.name {
            Some(name) => std::borrow::Cow::Borrowed(name),
            None => std::borrow::Cow::Owned(format!("Task-{}", self.0.id)),
        }
    }

    /// The panic message, when the task panicked with a string (as `panic!` does).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let err = rt.block_on(rt.spawn(async { panic!("bad {}", 1) })).unwrap_err();
    /// assert_eq!(err.panic_message().as_deref(), Some("bad 1"));
    /// ```
    pub fn panic_message(&self) -> Option<String> {
        let Repr::Panic(payload) = &self.0.repr else {
            return None;
        };
        let payload = payload.lock();
        if let Some(s) = payload.downcast_ref::<&'static str>() {
            Some((*s).to_owned())
        } else {
            payload.downcast_ref::<String>().cloned()
        }
    }

    fn task_label(&self) -> String {
        match &self.0.name {
            Some(name) => format!("task {name} (id {})", self.0.id),
            None => format!("task Task-{}", self.0.id),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "{} was cancelled", self.task_label()),
            (Repr::Panic(_), Some(msg)) => write!(f, "{} panicked: {msg}", self.task_label()),
            (Repr::Panic(_), None) => write!(
                f,
                "{} panicked with a non-string payload",
                self.task_label()
            ),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_cancelled() {
            "Cancelled"
        } else {
            "Panic"
        };
        f.debug_struct("JoinError")
            .field("id", &self.0.id)
            .field("name", &self.0.name)
            .field("kind", &kind)
            .field("message", &self.panic_message())
            .finish()
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(err: JoinError) -> std::io::Error {
        std::io::Error::other(err)
    }
}
