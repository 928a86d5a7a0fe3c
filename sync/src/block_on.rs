//! Driving this crate's futures from plain threads: park until woken, with an optional
//! deadline.
//!
//! The blocking queue operations (`put_blocking`, `get_blocking` and their timeouts) are the
//! async ones run to completion here, so a blocked thread sits in the *same* FIFO wait list as
//! the tasks: fairness and cancel safety come for free. The thread's waker unparks it; it is
//! built once per thread and cached, so a blocking call allocates nothing.
//!
//! On a deadline the caller gets the still-pending future back, and resolves it with the
//! future's own "abandon" step, which either withdraws it from the wait list or, if it was
//! granted in the meantime, completes it: a grant is never thrown away by a timeout.
//!
//! The future is polled unconstrained: a blocking caller is not a task and has no
//! cooperative budget to spend, even when it is called from inside one (which it should not
//! be). On a runtime's worker thread the call panics instead of parking the worker, which
//! would stall every task queued behind it — possibly the one that would unblock it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Instant;

/// Wakes a parked thread.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static THREAD_WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
}

/// Polls `future` on this thread, parking between polls, until it completes (`Some`) or
/// `deadline` passes (`None`; the future is left as it is, still registered). `op` names
/// the public call, for the panic message.
///
/// # Panics
///
/// On a runtime worker thread.
#[track_caller]
pub(crate) fn block_until<F: Future + Unpin>(
    op: &str,
    future: &mut F,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    assert!(
        !weft_coop::is_worker_thread(),
        "{op} was called on a weft worker thread, which it would block, stalling every task \
         queued behind it (possibly the one that would unblock it): .await the async \
         operation instead, or call {op} from spawn_blocking or a plain thread"
    );
    THREAD_WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            let polled = weft_coop::unconstrained(|| Pin::new(&mut *future).poll(&mut cx));
            if let Poll::Ready(output) = polled {
                return Some(output);
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    thread::park_timeout(deadline - now);
                }
            }
        }
    })
}

/// [`block_until`] without a deadline.
#[track_caller]
pub(crate) fn block_on<F: Future + Unpin>(op: &str, mut future: F) -> F::Output {
    loop {
        if let Some(output) = block_until(op, &mut future, None) {
            return output;
        }
    }
}
