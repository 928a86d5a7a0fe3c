//! A minimal `block_on` for doc examples and tests of this crate, which cannot use the
//! executor (it depends on us, not the other way round).
//!
//! It polls the future on the calling thread and, whenever the future is pending and no
//! wake-up arrived, drives the reactor itself with a blocking turn. The waker sets a flag and
//! calls [`Reactor::notify`], so a wake from another thread interrupts the turn.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};

use crate::{Reactor, enter, try_current};

/// The waker of [`block_on`]: a "woken" flag plus a nudge to the reactor.
struct Signal {
    woken: AtomicBool,
    reactor: Weak<Reactor>,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if let Some(reactor) = self.reactor.upgrade() {
            reactor.notify();
        }
    }
}

/// Runs `future` to completion on this thread, driving the current reactor (or a new one,
/// made current for the duration) whenever the future waits.
///
/// Not a runtime: there is no task spawning. For doc examples and tests.
///
/// ```
/// let answer = weft_reactor::doc_support::block_on(async { 42 });
/// assert_eq!(answer, 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let reactor = match try_current() {
        Some(reactor) => reactor,
        // Test support: failing to create a poller leaves nothing sensible to do.
        None => Arc::new(Reactor::new().expect("doc_support::block_on: cannot create a reactor")),
    };
    let _guard = enter(reactor.clone());
    let signal = Arc::new(Signal {
        woken: AtomicBool::new(true),
        reactor: Arc::downgrade(&reactor),
    });
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if signal.woken.swap(false, Ordering::AcqRel) {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            continue;
        }
        reactor.turn(None);
    }
}
