//! Driving one future to completion on the calling thread.
//!
//! The thread polls the future, and when it is pending, sleeps until its waker fires. The
//! waker is a flag plus `Thread::unpark`; the flag makes spurious unparks (from other code
//! using `thread::park`) harmless. One waker is cached per thread, so repeated `block_on`
//! calls allocate nothing.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Instant;

/// Spins this many times before sleeping. A round trip to an awake worker can finish within
/// it, saving the futex wait/wake pair: on the 2-core bench machine `sync_bridge` measured
/// 22-27 ms with it against 26-36 ms without (two A/B rounds, quiet machine).
const SPINS: u32 = 64;

struct ThreadWaker {
    notified: AtomicBool,
    thread: Thread,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.notified.swap(true, Ordering::Release) {
            self.thread.unpark();
        }
    }
}

thread_local! {
    static WAKER: (Arc<ThreadWaker>, Waker) = {
        let inner = Arc::new(ThreadWaker { notified: AtomicBool::new(false), thread: std::thread::current() });
        let waker = Waker::from(inner.clone());
        (inner, waker)
    };
}

/// Polls `future` on this thread until it completes, sleeping while it is pending.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    block_on_until(future, None).expect("no deadline")
}

/// Like [`block_on`], but gives up at `deadline` (returning `None`; the future is dropped).
pub(crate) fn block_on_until<F: Future>(future: F, deadline: Option<Instant>) -> Option<F::Output> {
    drive(future, deadline, |_| {})
}

/// [`block_on`], telling `sleeping` when the thread goes to sleep (`true`) and when it wakes
/// (`false`): a runtime with a paused clock counts a sleeping root future as idle.
#[cfg_attr(not(feature = "test-util"), allow(dead_code))]
pub(crate) fn block_on_observed<F: Future>(future: F, sleeping: impl FnMut(bool)) -> F::Output {
    drive(future, None, sleeping).expect("no deadline")
}

fn drive<F: Future>(
    future: F,
    deadline: Option<Instant>,
    mut sleeping: impl FnMut(bool),
) -> Option<F::Output> {
    let mut future = pin!(future);
    WAKER.with(|(inner, waker)| {
        // A nested `block_on` (inside the outer future's poll) shares this thread's waker and
        // may consume a wake meant for the outer one; re-arm it so the outer future re-polls.
        struct Rearm<'a>(&'a ThreadWaker);
        impl Drop for Rearm<'_> {
            fn drop(&mut self) {
                self.0.notified.store(true, Ordering::Release);
            }
        }
        let _rearm = Rearm(inner);
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = weft_coop::with_budget(|| future.as_mut().poll(&mut cx)) {
                return Some(out);
            }
            let mut spins = 0u32;
            while !inner.notified.swap(false, Ordering::Acquire) {
                if spins < SPINS {
                    spins += 1;
                    std::hint::spin_loop();
                    continue;
                }
                sleeping(true);
                match deadline {
                    None => std::thread::park(),
                    Some(deadline) => {
                        let now = Instant::now();
                        if now >= deadline {
                            sleeping(false);
                            return None;
                        }
                        std::thread::park_timeout(deadline - now);
                    }
                }
                sleeping(false);
            }
        }
    })
}
