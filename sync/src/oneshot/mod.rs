//! A channel for one value, with tokio's API: [`channel`] makes a [`Sender`] that sends at
//! most once and a [`Receiver`] that is itself the future of that value.
//!
//! Code written for `tokio::sync::oneshot` ports line by line. The receiver resolves to
//! `Ok(value)`, or to `Err(RecvError)` if the sender is dropped without sending. The sender
//! can ask whether anyone still waits ([`Sender::is_closed`], [`Sender::closed`]) and stop
//! work nobody wants.
//!
//! # Design
//!
//! Both halves share one `Arc` holding a small mutex over the value slot, two flags and one
//! waker per side; the `Arc` is the only allocation. A lock-free state word with two waker
//! cells (tokio's design) saves at most a CAS per operation, and a oneshot does three or
//! four operations in its life; the mutex keeps the crate free of `unsafe` and makes every
//! race — send against receiver drop, sender drop against a poll, `closed` against receiver
//! drop — a choice of which critical section runs first, which the loom models check. The
//! rules:
//!
//! * The value is written only while the receiver is open, and taken either by the receiver
//!   (a poll or `try_recv`) or by the receiver's `Drop`; both under the lock, so it is
//!   dropped exactly once, and outside the lock, since its `Drop` is the user's code.
//! * Each side parks at most one waker (both halves are unique and take `&mut self` to
//!   wait), so no wait list is needed; wakers are woken after unlocking.
//!
//! ```
#![doc = doc_block_on!()]
//! use weft_sync::oneshot;
//!
//! let (tx, rx) = oneshot::channel();
//! std::thread::spawn(move || {
//!     let answer = 6 * 7; // some work
//!     let _ = tx.send(answer); // Err only if nobody waits any more
//! });
//! let answer = block_on(rx).unwrap();
//! println!("answer = {answer}");
//! assert_eq!(answer, 42);
//! ```

pub mod error;
mod receiver;
mod sender;

#[cfg(all(test, loom))]
mod loom_model;

pub use receiver::Receiver;
pub use sender::{Closed, Sender};

use std::fmt;
use std::panic::Location;
use std::task::{Context, Poll, Waker, ready};

use crate::loom::{Arc, Mutex};
use error::{RecvError, TryRecvError};

/// Creates a oneshot channel. `T` needs no bound: the value is moved, never cloned.
///
/// ```
#[doc = doc_block_on!()]
/// struct NotClone(String);
///
/// let (tx, rx) = weft_sync::oneshot::channel();
/// tx.send(NotClone("moved".into())).ok().unwrap();
/// assert_eq!(block_on(rx).ok().unwrap().0, "moved");
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            value: None,
            tx_done: false,
            rx_closed: false,
            rx_waker: None,
            tx_waker: None,
        }),
    });
    let site = Location::caller();
    (Sender::new(inner.clone(), site), Receiver::new(inner, site))
}

/// The state both halves share.
pub(super) struct Inner<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    /// The sent value, until the receiver takes it (or drops it).
    value: Option<T>,
    /// The sender sent or was dropped: nothing more will arrive.
    tx_done: bool,
    /// The receiver was dropped or closed: a send would fail.
    rx_closed: bool,
    /// The receiver waiting for the value.
    rx_waker: Option<Waker>,
    /// The sender waiting in `closed`.
    tx_waker: Option<Waker>,
}

fn store(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(stored) if stored.will_wake(cx.waker()) => {}
        slot => *slot = Some(cx.waker().clone()),
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        crate::wake_batch::wake(waker);
    }
}

impl<T> Inner<T> {
    /// Stores `value` for the receiver, or hands it back if the receiver is closed.
    fn send(&self, value: T) -> Result<(), T> {
        let mut state = self.state.lock();
        if state.rx_closed {
            return Err(value);
        }
        state.value = Some(value);
        state.tx_done = true;
        let waker = state.rx_waker.take();
        drop(state);
        wake(waker);
        Ok(())
    }

    /// The sender is gone without sending: the receiver resolves to `RecvError`.
    fn drop_sender(&self) {
        let waker = {
            let mut state = self.state.lock();
            state.tx_done = true;
            state.tx_waker = None;
            state.rx_waker.take()
        };
        wake(waker);
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        let outcome = match state.value.take() {
            Some(value) => Ok(value),
            None if state.tx_done || state.rx_closed => Err(RecvError),
            None => {
                store(&mut state.rx_waker, cx);
                return Poll::Pending;
            }
        };
        drop(state);
        progress.made_progress();
        Poll::Ready(outcome)
    }

    fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = self.state.lock();
        match state.value.take() {
            Some(value) => Ok(value),
            None if state.tx_done || state.rx_closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// The receiver refuses the value from now on (a value already sent stays receivable).
    fn close(&self) {
        let waker = {
            let mut state = self.state.lock();
            state.rx_closed = true;
            state.tx_waker.take()
        };
        wake(waker);
    }

    /// The receiver is gone: closes the channel and drops an unreceived value.
    fn drop_receiver(&self) {
        let (value, waker) = {
            let mut state = self.state.lock();
            state.rx_closed = true;
            state.rx_waker = None;
            (state.value.take(), state.tx_waker.take())
        };
        wake(waker);
        drop(value);
    }

    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<()> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = self.state.lock();
        if !state.rx_closed {
            store(&mut state.tx_waker, cx);
            return Poll::Pending;
        }
        drop(state);
        progress.made_progress();
        Poll::Ready(())
    }

    fn is_closed(&self) -> bool {
        self.state.lock().rx_closed
    }
}

impl<T> fmt::Debug for Inner<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("oneshot")
            .field("has_value", &state.value.is_some())
            .field("tx_done", &state.tx_done)
            .field("rx_closed", &state.rx_closed)
            .finish()
    }
}
