//! [`Receiver`]: the half that awaits the one value; it is itself the future.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Inner;
use super::error::{RecvError, TryRecvError};
use crate::loom::Arc;
use weft_coop::WaitKind;

/// Receives the channel's one value, from [`channel`](super::channel): `.await` it for
/// `Ok(value)`, or `Err(RecvError)` if the sender is dropped without sending.
///
/// Dropping it (awaited or not) closes the channel: a later `send` fails and hands its
/// value back, and an already-sent value is dropped. Polling it again after it resolved
/// returns `Err(RecvError)`.
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, rx) = weft_sync::oneshot::channel();
/// std::thread::spawn(move || tx.send(String::from("reply")).unwrap());
/// assert_eq!(block_on(rx).unwrap(), "reply");
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
    /// Where the channel was made: the wait point while awaiting (a future has no call
    /// site of its own).
    site: &'static Location<'static>,
}

impl<T> Receiver<T> {
    pub(super) fn new(inner: Arc<Inner<T>>, site: &'static Location<'static>) -> Self {
        Receiver { inner, site }
    }

    /// Takes the value if it was sent, without waiting.
    ///
    /// ```
    /// use weft_sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed)); // already taken
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Refuses the value from now on: a later `send` fails, and the sender's
    /// [`closed`](super::Sender::closed) completes. A value sent before the close can still
    /// be received.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Waits for the value on a plain thread, parking it meanwhile.
    ///
    /// # Panics
    ///
    /// On a weft worker thread, which blocking would stall: `.await` the receiver there
    /// instead.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send(3).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(3));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::block_on::block_on("oneshot::Receiver::blocking_recv", self)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = self.inner.poll_recv(cx);
        weft_coop::note_pending(WaitKind::OneshotRecv, self.site, polled)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.inner.drop_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("inner", &self.inner)
            .finish()
    }
}
