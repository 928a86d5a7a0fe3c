//! The broadcast channel's errors (tokio's `broadcast::error`): one for sending, one for
//! each way of receiving.

use std::error::Error;
use std::fmt;

/// [`Sender::send`](super::Sender::send) found no receiver; the value comes back unsent.
///
/// ```
/// let (tx, rx) = weft_sync::broadcast::channel(4);
/// drop(rx);
/// let err = tx.send("lost?").unwrap_err();
/// assert_eq!(err.0, "lost?"); // no: given back
/// println!("{err}");
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "sending on a broadcast channel with no receiver: nobody would see the value \
             (subscribe a receiver before sending)",
        )
    }
}

impl<T> Error for SendError<T> {}

/// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::broadcast::{self, error::RecvError};
///
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap(); // overwrites 1: the capacity is 1
/// drop(tx);
/// block_on(async {
///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
///     assert_eq!(rx.recv().await, Ok(2));
///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// });
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RecvError {
    /// Every sender was dropped and this receiver has read every value.
    Closed,
    /// This receiver fell more than the capacity behind and missed this many values; the
    /// next receive continues with the oldest value still held.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str(CLOSED),
            RecvError::Lagged(missed) => lagged(f, *missed),
        }
    }
}

impl Error for RecvError {}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
///
/// ```
/// use weft_sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel::<i32>(4);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// No value is waiting for this receiver right now.
    Empty,
    /// Every sender was dropped and this receiver has read every value.
    Closed,
    /// This receiver fell more than the capacity behind and missed this many values; the
    /// next receive continues with the oldest value still held.
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str(
                "the broadcast channel has no new value for this receiver yet \
                 (await recv to wait for one)",
            ),
            TryRecvError::Closed => f.write_str(CLOSED),
            TryRecvError::Lagged(missed) => lagged(f, *missed),
        }
    }
}

impl Error for TryRecvError {}

const CLOSED: &str =
    "every sender of the broadcast channel was dropped and this receiver has read every value";

fn lagged(f: &mut fmt::Formatter<'_>, missed: u64) -> fmt::Result {
    write!(
        f,
        "this broadcast receiver fell behind and missed {missed} values, overwritten by newer \
         ones; it continues with the oldest value still held (read faster, or create the \
         channel with a larger capacity)"
    )
}
