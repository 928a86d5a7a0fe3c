//! The watch channel's errors (tokio's `watch::error`): one for sending, one for receiving.

use std::error::Error;
use std::fmt;

/// [`Sender::send`](super::Sender::send) found no receiver; the value comes back unsent.
///
/// ```
/// let (tx, rx) = weft_sync::watch::channel(0);
/// drop(rx);
/// let err = tx.send(7).unwrap_err();
/// assert_eq!(err.0, 7); // the value is given back
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
            "sending on a watch channel whose receivers were all dropped: nobody would see the \
             value (use send_replace to store it anyway, or subscribe a receiver first)",
        )
    }
}

impl<T> Error for SendError<T> {}

/// The sender was dropped: no new value will come (from
/// [`Receiver::changed`](super::Receiver::changed), `wait_for` and `has_changed`).
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::watch::channel(0);
/// drop(tx);
/// let err = block_on(rx.changed()).unwrap_err();
/// println!("{err}");
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct RecvError(pub(super) ());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the watch channel's sender was dropped, so its value will not change again \
             (the last value can still be read with borrow)",
        )
    }
}

impl Error for RecvError {}
