//! The queues' error values, one per concern, named after asyncio's exceptions.
//!
//! Every error on the put side carries the refused item back to the caller: nothing handed to
//! a queue is silently dropped. `Debug` never prints the item, so the errors work with
//! `unwrap`, `?` and `Box<dyn Error>` for any item type.

use std::error::Error;
use std::fmt;

/// `put_nowait` found the queue full (asyncio's `QueueFull`); the item comes back in `.0`.
///
/// ```
/// use weft_sync::{PutNowaitError, Queue, QueueFull};
///
/// let q = Queue::bounded(1);
/// q.put_nowait("a").unwrap();
/// match q.put_nowait("b") {
///     Err(PutNowaitError::Full(QueueFull(item))) => assert_eq!(item, "b"),
///     other => panic!("expected QueueFull, got {other:?}"),
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

impl<T> QueueFull<T> {
    /// The refused item.
    ///
    /// ```
    /// assert_eq!(weft_sync::QueueFull(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full: the item was not added")
    }
}

impl<T> Error for QueueFull<T> {}

/// `get_nowait` found no item to take (asyncio's `QueueEmpty`).
///
/// ```
/// use weft_sync::{GetNowaitError, Queue, QueueEmpty};
///
/// let q = Queue::<u8>::new();
/// assert_eq!(q.get_nowait(), Err(GetNowaitError::Empty(QueueEmpty)));
/// assert_eq!(QueueEmpty.to_string(), "the queue is empty");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEmpty;

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}

impl Error for QueueEmpty {}

/// The queue was shut down (asyncio's `QueueShutDown`).
///
/// A refused put gets its item back in `.0` (`QueueShutDown<T>`); a get on a shut-down queue
/// with nothing left to take has nothing to return (`QueueShutDown`, i.e. `QueueShutDown<()>`).
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::{Queue, QueueShutDown};
///
/// let q = Queue::new();
/// q.shutdown(false);
/// block_on(async {
///     assert_eq!(q.put("late").await, Err(QueueShutDown("late")));
///     assert_eq!(q.get().await, Err(QueueShutDown(())));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueShutDown<T = ()>(pub T);

impl<T> QueueShutDown<T> {
    /// The refused item (or `()` on the get side).
    ///
    /// ```
    /// assert_eq!(weft_sync::QueueShutDown("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is shut down")
    }
}

impl<T> Error for QueueShutDown<T> {}

/// Why `put_nowait` refused an item; either way the item comes back.
///
/// ```
/// let q = weft_sync::Queue::bounded(1);
/// q.put_nowait(1).unwrap();
/// let err = q.put_nowait(2).unwrap_err();
/// assert!(err.is_full());
/// assert_eq!(err.into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutNowaitError<T> {
    /// The queue is at its `maxsize` (asyncio's `QueueFull`).
    Full(QueueFull<T>),
    /// The queue was shut down (asyncio's `QueueShutDown`).
    ShutDown(QueueShutDown<T>),
}

impl<T> PutNowaitError<T> {
    /// The refused item.
    ///
    /// ```
    /// let q = weft_sync::Queue::new();
    /// q.shutdown(false);
    /// assert_eq!(q.put_nowait('z').unwrap_err().into_inner(), 'z');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutNowaitError::Full(QueueFull(item))
            | PutNowaitError::ShutDown(QueueShutDown(item)) => item,
        }
    }

    /// Whether the queue was full (as opposed to shut down).
    ///
    /// ```
    /// let q = weft_sync::Queue::bounded(1);
    /// q.put_nowait(()).unwrap();
    /// assert!(q.put_nowait(()).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, PutNowaitError::Full(_))
    }

    /// Whether the queue was shut down.
    ///
    /// ```
    /// let q = weft_sync::Queue::new();
    /// q.shutdown(false);
    /// assert!(q.put_nowait(()).unwrap_err().is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, PutNowaitError::ShutDown(_))
    }
}

impl<T> fmt::Debug for PutNowaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutNowaitError::Full(err) => f.debug_tuple("Full").field(err).finish(),
            PutNowaitError::ShutDown(err) => f.debug_tuple("ShutDown").field(err).finish(),
        }
    }
}

impl<T> fmt::Display for PutNowaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutNowaitError::Full(err) => fmt::Display::fmt(err, f),
            PutNowaitError::ShutDown(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl<T: 'static> Error for PutNowaitError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PutNowaitError::Full(err) => Some(err),
            PutNowaitError::ShutDown(err) => Some(err),
        }
    }
}

impl<T> From<QueueFull<T>> for PutNowaitError<T> {
    /// Wraps the error.
    ///
    /// ```
    /// let err: weft_sync::PutNowaitError<u8> = weft_sync::QueueFull(1).into();
    /// assert!(err.is_full());
    /// ```
    fn from(err: QueueFull<T>) -> Self {
        PutNowaitError::Full(err)
    }
}

impl<T> From<QueueShutDown<T>> for PutNowaitError<T> {
    /// Wraps the error.
    ///
    /// ```
    /// let err: weft_sync::PutNowaitError<u8> = weft_sync::QueueShutDown(1).into();
    /// assert!(err.is_shut_down());
    /// ```
    fn from(err: QueueShutDown<T>) -> Self {
        PutNowaitError::ShutDown(err)
    }
}

/// Why `get_nowait` returned no item.
///
/// ```
/// use weft_sync::{GetNowaitError, Queue, QueueShutDown};
///
/// let q = Queue::<u8>::new();
/// q.shutdown(false);
/// assert_eq!(q.get_nowait(), Err(GetNowaitError::ShutDown(QueueShutDown(()))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetNowaitError {
    /// No item is available (asyncio's `QueueEmpty`).
    Empty(QueueEmpty),
    /// The queue was shut down and holds nothing more to take (asyncio's `QueueShutDown`).
    ShutDown(QueueShutDown),
}

impl GetNowaitError {
    /// Whether the queue was merely empty (as opposed to shut down).
    ///
    /// ```
    /// assert!(weft_sync::Queue::<u8>::new().get_nowait().unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, GetNowaitError::Empty(_))
    }

    /// Whether the queue was shut down.
    ///
    /// ```
    /// let q = weft_sync::Queue::<u8>::new();
    /// q.shutdown(true);
    /// assert!(q.get_nowait().unwrap_err().is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, GetNowaitError::ShutDown(_))
    }
}

impl fmt::Display for GetNowaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetNowaitError::Empty(err) => fmt::Display::fmt(err, f),
            GetNowaitError::ShutDown(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl Error for GetNowaitError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            GetNowaitError::Empty(err) => Some(err),
            GetNowaitError::ShutDown(err) => Some(err),
        }
    }
}

impl From<QueueEmpty> for GetNowaitError {
    /// Wraps the error.
    ///
    /// ```
    /// let err: weft_sync::GetNowaitError = weft_sync::QueueEmpty.into();
    /// assert!(err.is_empty());
    /// ```
    fn from(err: QueueEmpty) -> Self {
        GetNowaitError::Empty(err)
    }
}

impl From<QueueShutDown> for GetNowaitError {
    /// Wraps the error.
    ///
    /// ```
    /// let err: weft_sync::GetNowaitError = weft_sync::QueueShutDown(()).into();
    /// assert!(err.is_shut_down());
    /// ```
    fn from(err: QueueShutDown) -> Self {
        GetNowaitError::ShutDown(err)
    }
}

/// Why `put_blocking_timeout` did not add its item; either way the item comes back.
///
/// ```
/// use std::time::Duration;
///
/// let q = weft_sync::Queue::bounded(1);
/// q.put_nowait(1).unwrap();
/// let err = q.put_blocking_timeout(2, Duration::from_millis(1)).unwrap_err();
/// assert!(err.is_timeout());
/// assert_eq!(err.into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutTimeoutError<T> {
    /// No room became free before the timeout.
    Timeout(T),
    /// The queue was shut down.
    ShutDown(QueueShutDown<T>),
}

impl<T> PutTimeoutError<T> {
    /// The item that was not added.
    ///
    /// ```
    /// let err = weft_sync::PutTimeoutError::Timeout(5);
    /// assert_eq!(err.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutTimeoutError::Timeout(item) | PutTimeoutError::ShutDown(QueueShutDown(item)) => item,
        }
    }

    /// Whether the timeout expired (as opposed to the queue shutting down).
    ///
    /// ```
    /// assert!(weft_sync::PutTimeoutError::Timeout(()).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, PutTimeoutError::Timeout(_))
    }

    /// Whether the queue was shut down.
    ///
    /// ```
    /// let q = weft_sync::Queue::new();
    /// q.shutdown(false);
    /// let err = q.put_blocking_timeout((), std::time::Duration::from_secs(1)).unwrap_err();
    /// assert!(err.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, PutTimeoutError::ShutDown(_))
    }
}

impl<T> fmt::Debug for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            PutTimeoutError::ShutDown(err) => f.debug_tuple("ShutDown").field(err).finish(),
        }
    }
}

impl<T> fmt::Display for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => {
                f.write_str("timed out waiting for room in the queue: the item was not added")
            }
            PutTimeoutError::ShutDown(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl<T> Error for PutTimeoutError<T> {}

/// Why `get_blocking_timeout` returned no item.
///
/// ```
/// use std::time::Duration;
/// use weft_sync::GetTimeoutError;
///
/// let q = weft_sync::Queue::<u8>::new();
/// assert_eq!(q.get_blocking_timeout(Duration::from_millis(1)), Err(GetTimeoutError::Timeout));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetTimeoutError {
    /// No item arrived before the timeout.
    Timeout,
    /// The queue was shut down and holds nothing more to take.
    ShutDown(QueueShutDown),
}

impl GetTimeoutError {
    /// Whether the timeout expired (as opposed to the queue shutting down).
    ///
    /// ```
    /// assert!(weft_sync::GetTimeoutError::Timeout.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, GetTimeoutError::Timeout)
    }

    /// Whether the queue was shut down.
    ///
    /// ```
    /// let q = weft_sync::Queue::<u8>::new();
    /// q.shutdown(false);
    /// let err = q.get_blocking_timeout(std::time::Duration::from_secs(1)).unwrap_err();
    /// assert!(err.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, GetTimeoutError::ShutDown(_))
    }
}

impl fmt::Display for GetTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetTimeoutError::Timeout => f.write_str("timed out waiting for an item from the queue"),
            GetTimeoutError::ShutDown(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl Error for GetTimeoutError {}

/// `task_done` was called more times than items were put (asyncio raises `ValueError`).
///
/// ```
/// let q = weft_sync::Queue::<u8>::new();
/// let err = q.task_done().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "task_done() called more times than there were items put in the queue"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than there were items put in the queue")
    }
}

impl Error for TaskDoneError {}
