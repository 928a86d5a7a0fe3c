//! The futures that wait for a token's cancellation: [`WaitForCancellationFuture`]
//! (borrowing the token) and [`WaitForCancellationFutureOwned`] (owning a clone).
//!
//! Both are a [`Registration`] in the node's wait list, as an `Event` wait is: the flag is
//! checked without a lock first, then again under the node's mutex before enqueueing, so a
//! waiter either sees the cancellation or is in the list the cancel walk notifies.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::CancellationToken;
use super::tree::Node;
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// A place in a node's wait list, shared by both futures.
struct Registration {
    waiter: Option<WaiterKey>,
    /// Where the future was created: the wait point while pending.
    site: &'static Location<'static>,
}

impl Registration {
    fn new(site: &'static Location<'static>) -> Self {
        Registration { waiter: None, site }
    }

    fn poll(&mut self, node: &Node, cx: &mut Context<'_>) -> Poll<()> {
        let polled = self.poll_unrecorded(node, cx);
        weft_coop::note_pending(WaitKind::Cancelled, self.site, polled)
    }

    fn poll_unrecorded(&mut self, node: &Node, cx: &mut Context<'_>) -> Poll<()> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        match &self.waiter {
            None => {
                if node.is_cancelled() {
                    progress.made_progress();
                    return Poll::Ready(());
                }
                let mut inner = node.inner.lock();
                if node.is_cancelled() {
                    drop(inner);
                    progress.made_progress();
                    return Poll::Ready(());
                }
                self.waiter = Some(inner.waiters.push_back((), cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                let mut inner = node.inner.lock();
                if !inner.waiters.is_notified(key) {
                    inner.waiters.register_waker(key, cx.waker());
                    return Poll::Pending;
                }
                if let Some(key) = self.waiter.take() {
                    inner.waiters.remove(key);
                }
                drop(inner);
                progress.made_progress();
                Poll::Ready(())
            }
        }
    }

    /// Leaves the list; nothing to hand on, since a cancel releases every waiter anyway.
    fn cancel(&mut self, node: &Node) {
        if let Some(key) = self.waiter.take() {
            node.inner.lock().waiters.remove(key);
        }
    }
}

/// The future returned by [`CancellationToken::cancelled`]: completes once the token is
/// cancelled.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let token = weft_sync::CancellationToken::new();
/// let mut wait: std::pin::Pin<Box<weft_sync::WaitForCancellationFuture<'_>>> =
///     Box::pin(token.cancelled());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(wait.as_mut().poll(&mut cx).is_pending());
/// token.cancel();
/// assert!(wait.as_mut().poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellationFuture<'a> {
    token: &'a CancellationToken,
    registration: Registration,
}

impl<'a> WaitForCancellationFuture<'a> {
    pub(super) fn new(token: &'a CancellationToken, site: &'static Location<'static>) -> Self {
        WaitForCancellationFuture {
            token,
            registration: Registration::new(site),
        }
    }
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.registration.poll(&this.token.node, cx)
    }
}

impl Drop for WaitForCancellationFuture<'_> {
    fn drop(&mut self) {
        self.registration.cancel(&self.token.node);
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture")
            .field("queued", &self.registration.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`CancellationToken::cancelled_owned`]: like
/// [`WaitForCancellationFuture`], but it owns a clone of the token, so it borrows nothing.
///
/// ```
#[doc = doc_block_on!()]
/// let token = weft_sync::CancellationToken::new();
/// let wait: weft_sync::WaitForCancellationFutureOwned = token.clone().cancelled_owned();
/// let waiter = std::thread::spawn(move || block_on(wait));
/// token.cancel();
/// waiter.join().unwrap();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellationFutureOwned {
    token: CancellationToken,
    registration: Registration,
}

impl WaitForCancellationFutureOwned {
    pub(super) fn new(token: CancellationToken, site: &'static Location<'static>) -> Self {
        WaitForCancellationFutureOwned {
            token,
            registration: Registration::new(site),
        }
    }
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.registration.poll(&this.token.node, cx)
    }
}

impl Drop for WaitForCancellationFutureOwned {
    fn drop(&mut self) {
        self.registration.cancel(&self.token.node);
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned")
            .field("queued", &self.registration.waiter.is_some())
            .finish_non_exhaustive()
    }
}
