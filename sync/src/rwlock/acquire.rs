//! The one future behind `read`, `write`, `read_owned`, `write_owned` and the blocking
//! variants: a queued request for read or write access.
//!
//! It is generic over how it reaches the lock (`&RwLock<T>` or `Arc<RwLock<T>>`) and over
//! the guard it wraps that handle in once access is granted, so there is one `poll` and one
//! `Drop` (the cancel hand-off) for all four ways in. The public methods return it as an
//! `impl Future`, as tokio's `async fn`s do.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::RwLock;
use super::raw::{Access, RawRwLock};
use crate::waitlist::WaiterKey;
use weft_coop::WaitKind;

/// A handle on an [`RwLock`]: what an [`Acquisition`] holds and hands back.
pub(super) trait LockRef: Unpin {
    fn raw(&self) -> &RawRwLock;
}

impl<T> LockRef for &RwLock<T> {
    fn raw(&self) -> &RawRwLock {
        &self.raw
    }
}

impl<T> LockRef for Arc<RwLock<T>> {
    fn raw(&self) -> &RawRwLock {
        &self.raw
    }
}

/// Waits for `access` to the lock behind `L`, then wraps `L` in a guard `G`.
pub(super) struct Acquisition<L: LockRef, G> {
    /// Handed back on completion; `None` only after that.
    lock: Option<L>,
    access: Access,
    waiter: Option<WaiterKey>,
    /// The caller of the public method: the wait point while queued.
    site: &'static Location<'static>,
    /// Makes the guard: a plain constructor, so the future stays small and `Unpin`.
    guard: fn(L) -> G,
}

impl<L: LockRef, G> Acquisition<L, G> {
    pub(super) fn new(
        lock: L,
        access: Access,
        site: &'static Location<'static>,
        guard: fn(L) -> G,
    ) -> Self {
        Acquisition {
            lock: Some(lock),
            access,
            waiter: None,
            site,
            guard,
        }
    }
}

impl<L: LockRef, G> Future for Acquisition<L, G> {
    type Output = G;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G> {
        let this = self.get_mut();
        let Some(lock) = &this.lock else {
            panic!("RwLock acquisition polled after it completed");
        };
        let polled = lock.raw().poll_acquire(this.access, &mut this.waiter, cx);
        let kind = match this.access {
            Access::Read => WaitKind::RwLockRead,
            Access::Write => WaitKind::RwLockWrite,
        };
        match weft_coop::note_pending(kind, this.site, polled) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => match this.lock.take() {
                Some(lock) => Poll::Ready((this.guard)(lock)),
                // `lock` was matched as `Some` at the top of this poll.
                None => unreachable!("RwLock acquisition lost its lock"),
            },
        }
    }
}

impl<L: LockRef, G> Drop for Acquisition<L, G> {
    fn drop(&mut self) {
        if let (Some(lock), Some(key)) = (&self.lock, self.waiter.take()) {
            lock.raw().cancel(key);
        }
    }
}

impl<L: LockRef, G> fmt::Debug for Acquisition<L, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquisition")
            .field("access", &self.access)
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}
