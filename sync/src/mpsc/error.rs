//! The errors of [`mpsc`](super): one per way a send or receive can fail, each handing back
//! the value it could not deliver.
//!
//! Their `Debug` output leaves the value out, as tokio's does, so the errors are
//! `std::error::Error` (and `?`-able into `Box<dyn Error>`) whatever the message type.

use std::error::Error;
use std::fmt;

/// A send failed because the receiver was dropped or [closed](super::Receiver::close); the
/// value that was not sent is field `0`.
///
/// ```
/// let (tx, rx) = weft_sync::mpsc::unbounded_channel();
/// drop(rx);
/// let err = tx.send("lost?").unwrap_err();
/// assert_eq!(err.0, "lost?"); // handed back, not lost
/// println!("{err}");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// let err = weft_sync::mpsc::error::SendError(5);
    /// assert_eq!(err.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "sending on a closed channel: its receiver was dropped or closed, so nobody will \
             read the message; stop producing (the unsent value is returned in the error)",
        )
    }
}

impl<T> Error for SendError<T> {}

/// Why [`try_send`](super::Sender::try_send) (or `try_reserve`) did not send; each variant
/// hands the value back.
///
/// ```
/// use weft_sync::mpsc::{self, error::TrySendError};
///
/// let (tx, rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2))); // no room until rx takes one
/// drop(rx);
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel holds its capacity's worth of messages (or every free slot is promised to
    /// a sender queued earlier).
    Full(T),
    /// The receiver was dropped or closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// use weft_sync::mpsc::error::TrySendError;
    /// assert_eq!(TrySendError::Full(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    /// A closed channel.
    ///
    /// ```
    /// use weft_sync::mpsc::error::{SendError, TrySendError};
    /// assert_eq!(TrySendError::from(SendError(1)), TrySendError::Closed(1));
    /// ```
    fn from(err: SendError<T>) -> Self {
        TrySendError::Closed(err.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str(
                "no room in the channel: it holds its capacity's worth of messages; await \
                 send() to wait for room, or retry once the receiver has taken some",
            ),
            TrySendError::Closed(_) => f.write_str(
                "sending on a closed channel: its receiver was dropped or closed, so nobody \
                 will read the message; stop producing (the unsent value is returned in the \
                 error)",
            ),
        }
    }
}

impl<T> Error for TrySendError<T> {}

/// Why [`try_recv`](super::Receiver::try_recv) returned no message.
///
/// ```
/// use weft_sync::mpsc::{self, error::TryRecvError};
///
/// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No message right now, but a sender may still send one.
    Empty,
    /// No message, and none can arrive: every sender is gone, or the receiver closed the
    /// channel and no reserved slot is outstanding.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str(
                "the channel is empty for now; await recv() to wait for the next message",
            ),
            TryRecvError::Disconnected => f.write_str(
                "the channel is empty and closed (every sender is gone, or the receiver \
                 closed it): no message will arrive, so stop receiving",
            ),
        }
    }
}

impl Error for TryRecvError {}
