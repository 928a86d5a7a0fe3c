//! [`CancellationToken`]: a cancellation signal shared by clones and passed down a tree of
//! child tokens (tokio-util's `CancellationToken`).
//!
//! `cancel()` on a token cancels it, every clone of it, and every descendant made with
//! [`child_token`](CancellationToken::child_token), from any thread, waking every task
//! waiting in [`cancelled`](CancellationToken::cancelled) on any of them. Cancelling a
//! child leaves its parent alone. The tree (`tree.rs`) is walked iteratively, one node
//! locked at a time, with each node's waiters woken after its lock is released; a child
//! leaves its parent's list as soon as nothing can reach it any more, so a long-lived token
//! handing out many short-lived children does not grow. `wait.rs` holds the two wait
//! futures, `drop_guard.rs` the [`DropGuard`].

mod drop_guard;
mod tree;
mod wait;

#[cfg(all(test, loom))]
mod loom_model;

use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::Location;
use std::pin::pin;
use std::task::Poll;

use crate::loom::Arc;
use tree::Node;

pub use drop_guard::DropGuard;
pub use wait::{WaitForCancellationFuture, WaitForCancellationFutureOwned};

/// A cancellation signal: clones share it, child tokens inherit it (tokio-util's
/// `CancellationToken`).
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::CancellationToken;
///
/// let shutdown = CancellationToken::new();
/// let worker = {
///     let token = shutdown.child_token();
///     std::thread::spawn(move || {
///         block_on(async {
///             token.cancelled().await; // a real worker would select on its work too
///             "stopped"
///         })
///     })
/// };
/// shutdown.cancel(); // reaches the child on the other thread
/// assert_eq!(worker.join().unwrap(), "stopped");
/// ```
pub struct CancellationToken {
    node: Arc<Node>,
}

impl CancellationToken {
    /// A new token, not cancelled, with no parent.
    ///
    /// ```
    /// assert!(!weft_sync::CancellationToken::new().is_cancelled());
    /// ```
    pub fn new() -> Self {
        CancellationToken {
            node: Node::new_root(),
        }
    }

    /// A token cancelled whenever this one is (and, through it, whenever any ancestor is),
    /// but whose own cancellation does not reach this one. A child of a cancelled token
    /// starts cancelled.
    ///
    /// ```
    /// let parent = weft_sync::CancellationToken::new();
    /// let child = parent.child_token();
    /// child.cancel();
    /// assert!(!parent.is_cancelled()); // cancelling a child leaves the parent alone
    /// let other = parent.child_token();
    /// parent.cancel();
    /// assert!(other.is_cancelled());
    /// ```
    pub fn child_token(&self) -> CancellationToken {
        CancellationToken {
            node: Node::new_child(&self.node),
        }
    }

    /// Cancels this token, its clones and all its descendants, waking every task waiting
    /// on any of them. Cancelling twice does nothing more.
    ///
    /// ```
    /// let token = weft_sync::CancellationToken::new();
    /// let clone = token.clone();
    /// token.cancel();
    /// assert!(clone.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        Node::cancel(&self.node);
    }

    /// Whether this token has been cancelled (directly or through an ancestor). Takes no
    /// lock.
    ///
    /// ```
    /// let token = weft_sync::CancellationToken::new();
    /// assert!(!token.is_cancelled());
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.is_cancelled()
    }

    /// Waits until the token is cancelled; completes at once if it already is.
    ///
    /// Cancel-safe: dropping the future just stops waiting.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let token = weft_sync::CancellationToken::new();
    /// token.cancel();
    /// block_on(token.cancelled()); // already cancelled: returns at once
    /// ```
    #[track_caller]
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture::new(self, Location::caller())
    }

    /// [`cancelled`](CancellationToken::cancelled), owning the token so the future borrows
    /// nothing (to store it or move it into a spawned task). Cancel-safe likewise.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let token = weft_sync::CancellationToken::new();
    /// let wait = token.clone().cancelled_owned();
    /// token.cancel();
    /// block_on(wait);
    /// ```
    #[track_caller]
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned::new(self, Location::caller())
    }

    /// Runs `fut` until it completes (`Some(output)`) or the token is cancelled (`None`,
    /// and `fut` is dropped). Cancellation is checked first, so a future polled after the
    /// token was cancelled does not run.
    ///
    /// Cancel-safe as far as `fut` is: dropping this drops `fut`.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let token = weft_sync::CancellationToken::new();
    /// block_on(async {
    ///     assert_eq!(token.run_until_cancelled(async { 1 }).await, Some(1));
    ///     token.cancel();
    ///     assert_eq!(token.run_until_cancelled(std::future::pending::<u8>()).await, None);
    /// });
    /// ```
    #[track_caller]
    pub fn run_until_cancelled<F: Future>(
        &self,
        fut: F,
    ) -> impl Future<Output = Option<F::Output>> {
        let cancelled = self.cancelled();
        run_until(cancelled, fut)
    }

    /// [`run_until_cancelled`](CancellationToken::run_until_cancelled), owning the token
    /// so the future borrows nothing.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let token = weft_sync::CancellationToken::new();
    /// let run = token.clone().run_until_cancelled_owned(std::future::pending::<()>());
    /// token.cancel();
    /// assert_eq!(block_on(run), None);
    /// ```
    #[track_caller]
    pub fn run_until_cancelled_owned<F: Future>(
        self,
        fut: F,
    ) -> impl Future<Output = Option<F::Output>> {
        run_until(self.cancelled_owned(), fut)
    }

    /// A guard that cancels this token when dropped; [`DropGuard::disarm`] takes the token
    /// back instead.
    ///
    /// ```
    /// let token = weft_sync::CancellationToken::new();
    /// drop(token.clone().drop_guard());
    /// assert!(token.is_cancelled());
    /// ```
    pub fn drop_guard(self) -> DropGuard {
        DropGuard::new(self)
    }
}

/// Polls `fut` until it completes or `cancelled` does, checking the cancellation first.
async fn run_until<W: Future<Output = ()>, F: Future>(cancelled: W, fut: F) -> Option<F::Output> {
    let mut cancelled = pin!(cancelled);
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}

impl Clone for CancellationToken {
    /// Another handle on the same token: cancelling either cancels both.
    ///
    /// ```
    /// let token = weft_sync::CancellationToken::new();
    /// token.clone().cancel();
    /// assert!(token.is_cancelled());
    /// ```
    fn clone(&self) -> Self {
        self.node.add_handle();
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        Node::drop_handle(&self.node);
    }
}

impl Default for CancellationToken {
    /// A new token, as [`CancellationToken::new`].
    ///
    /// ```
    /// let token: weft_sync::CancellationToken = Default::default();
    /// assert!(!token.is_cancelled());
    /// ```
    fn default() -> Self {
        CancellationToken::new()
    }
}

impl fmt::Debug for CancellationToken {
    /// Shows whether the token is cancelled and how many live children it has.
    ///
    /// ```
    /// let token = weft_sync::CancellationToken::new();
    /// let child = token.child_token();
    /// assert_eq!(
    ///     format!("{token:?}"),
    ///     "CancellationToken { is_cancelled: false, children: 1 }"
    /// );
    /// drop(child); // a dropped child leaves its parent's list
    /// assert!(format!("{token:?}").ends_with("children: 0 }"));
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .field("children", &self.node.child_count())
            .finish()
    }
}
