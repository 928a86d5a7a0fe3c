//! The errors of [`oneshot`](super): the sender went away without sending.

use std::error::Error;
use std::fmt;

/// Awaiting a [`Receiver`](super::Receiver) failed: the sender was dropped without sending
/// (or the value was already received).
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, rx) = weft_sync::oneshot::channel::<u8>();
/// drop(tx); // e.g. the task computing the answer failed
/// let err = block_on(rx).unwrap_err();
/// println!("{err}");
/// assert_eq!(err, weft_sync::oneshot::error::RecvError);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the oneshot sender was dropped without sending a value (did the task that \
             owned it fail or return early?): no value will arrive",
        )
    }
}

impl Error for RecvError {}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
///
/// ```
/// use weft_sync::oneshot::{self, error::TryRecvError};
///
/// let (tx, mut rx) = oneshot::channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value yet, but the sender may still send one.
    Empty,
    /// No value will arrive: the sender was dropped without sending, the receiver was
    /// closed first, or the value was already received.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str(
                "no value yet: the oneshot sender has not sent; await the receiver to wait \
                 for it",
            ),
            TryRecvError::Closed => f.write_str(
                "the oneshot channel is closed (the sender was dropped without sending, the \
                 receiver was closed, or the value was already taken): no value will arrive",
            ),
        }
    }
}

impl Error for TryRecvError {}
