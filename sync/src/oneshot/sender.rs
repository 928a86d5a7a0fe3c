//! [`Sender`]: the half that sends the one value, and can watch for the receiver leaving.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Inner;
use crate::loom::Arc;
use weft_coop::WaitKind;

/// Sends the channel's one value, from [`channel`](super::channel).
///
/// Dropping it unsent makes the receiver resolve to
/// [`RecvError`](super::error::RecvError).
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, rx) = weft_sync::oneshot::channel();
/// tx.send("done").unwrap();
/// assert_eq!(block_on(rx), Ok("done"));
/// ```
pub struct Sender<T> {
    /// `None` once the value was sent.
    inner: Option<Arc<Inner<T>>>,
    /// Where the channel was made: the wait point of `poll_closed`.
    site: &'static Location<'static>,
}

impl<T> Sender<T> {
    pub(super) fn new(inner: Arc<Inner<T>>, site: &'static Location<'static>) -> Self {
        Sender {
            inner: Some(inner),
            site,
        }
    }

    fn inner(&self) -> &Inner<T> {
        match &self.inner {
            Some(inner) => inner,
            // Only `send` takes `inner`, and it consumes the sender.
            None => unreachable!("oneshot Sender used after send"),
        }
    }

    /// Sends the value, waking the receiver. Hands the value back if the receiver was
    /// dropped or closed (nobody will read it).
    ///
    /// ```
    /// let (tx, rx) = weft_sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(5), Err(5)); // handed back
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let Some(inner) = self.inner.take() else {
            unreachable!("oneshot Sender used after send")
        };
        inner.send(value)
    }

    /// Waits until the receiver is dropped or [closed](super::Receiver::close), so a
    /// producer can give up on work nobody waits for. Cancel-safe.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let (mut tx, rx) = weft_sync::oneshot::channel::<u8>();
    /// std::thread::spawn(move || drop(rx)); // the requester gave up
    /// block_on(tx.closed());
    /// assert!(tx.is_closed());
    /// ```
    #[track_caller]
    pub fn closed(&mut self) -> Closed<'_, T> {
        Closed {
            inner: self.inner(),
            site: Location::caller(),
        }
    }

    /// Polls for the receiver going away: [`closed`](Self::closed) for poll functions.
    ///
    /// ```
    /// use std::task::{Context, Waker};
    ///
    /// let (mut tx, mut rx) = weft_sync::oneshot::channel::<u8>();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(tx.poll_closed(&mut cx).is_pending());
    /// rx.close();
    /// assert!(tx.poll_closed(&mut cx).is_ready());
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let polled = self.inner().poll_closed(cx);
        weft_coop::note_pending(WaitKind::OneshotClosed, self.site, polled)
    }

    /// Whether the receiver was dropped or closed: a send would fail.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::oneshot::channel::<u8>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().is_closed()
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.drop_sender();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("inner", &self.inner)
            .finish()
    }
}

/// The future returned by [`Sender::closed`]: completes once the receiver is dropped or
/// closed. Dropping it is free (it only parks the sender's waker).
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let (mut tx, rx) = weft_sync::oneshot::channel::<u8>();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut closed = Box::pin(tx.closed());
/// assert!(closed.as_mut().poll(&mut cx).is_pending());
/// drop(rx);
/// assert!(closed.as_mut().poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Closed<'a, T> {
    inner: &'a Inner<T>,
    /// The caller of `closed`: the wait point.
    site: &'static Location<'static>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let polled = self.inner.poll_closed(cx);
        weft_coop::note_pending(WaitKind::OneshotClosed, self.site, polled)
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}
