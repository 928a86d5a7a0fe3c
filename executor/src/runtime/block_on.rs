//! Driving one future to completion on the calling thread.
//!
//! The thread polls the future, and when it is pending, sleeps until its waker fires. The
//! waker is a flag plus `Thread::unpark`; the flag makes spurious unparks (from other code
//! using `thread::park`) harmless. One waker is cached per thread, so repeated `block_on`
//! calls allocate nothing.
//!
//! With a paused test clock (feature `test-util`) a root future must count as busy not only
//! while its thread polls it but from the moment it is *woken*: a worker that parks between
//! the wake and the root thread's first instruction would otherwise find the runtime idle
//! and jump the clock while the root is runnable. So `block_on_counted` gives the root a
//! waker of its own that adds to the runtime's busy-root count *before* it raises its flag;
//! the thread takes that unit over when it wakes, and gives one back when it goes to sleep or
//! consumes a wake while it was still counted as running (see `RootCount`). A root that
//! *starts* counts itself in, then waits out an idle look already under way
//! (`DriverSlot::wait_out_advance` in `scheduler/park.rs`), so no jump lands between its
//! first reading of the clock and its first wait.

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

/// What the driving loop needs from a waker: take a pending wake, and hear when the thread
/// falls asleep or consumes a wake while awake.
trait WakeFlag {
    /// Consumes a pending wake; true if there was one.
    fn take(&self) -> bool;
    /// The thread is about to sleep (it was counted as running until now).
    fn sleeping(&self) {}
    /// The thread consumed a wake without having slept.
    fn woke_awake(&self) {}
}

impl WakeFlag for ThreadWaker {
    fn take(&self) -> bool {
        self.notified.swap(false, Ordering::Acquire)
    }
}

/// Polls `future` on this thread until it completes, sleeping while it is pending.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    block_on_until(future, None).expect("no deadline")
}

/// Like [`block_on`], but gives up at `deadline` (returning `None`; the future is dropped).
pub(crate) fn block_on_until<F: Future>(future: F, deadline: Option<Instant>) -> Option<F::Output> {
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
        drive(future, deadline, &**inner, waker)
    })
}

fn drive<F: Future>(
    future: F,
    deadline: Option<Instant>,
    flag: &impl WakeFlag,
    waker: &Waker,
) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(out) = weft_coop::with_budget(|| future.as_mut().poll(&mut cx)) {
            return Some(out);
        }
        let mut spins = 0u32;
        let mut asleep = false;
        while !flag.take() {
            if spins < SPINS {
                spins += 1;
                std::hint::spin_loop();
                continue;
            }
            if !asleep {
                flag.sleeping();
                asleep = true;
            }
            match deadline {
                None => std::thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
        }
        if !asleep {
            flag.woke_awake();
        }
    }
}

/// A root's share of a paused runtime's busy-root count (module docs), apart from the
/// thread it wakes so that loom can check it (`block_on_loom_model.rs`).
///
/// The count holds one unit per root that is running *or* has a wake pending. The state
/// word has `NOTIFIED` (a wake is pending) and `DONE` (the `block_on` returned: later wakes
/// count nothing). A wake adds its unit before it raises `NOTIFIED`, and takes it back if
/// the flag was already up or the root is done, so by the time `wake` returns the root is
/// counted: the count may run high for a moment, never low.
#[cfg(feature = "test-util")]
pub(crate) struct RootCount {
    state: crate::loom::AtomicUsize,
    busy: std::sync::Arc<crate::loom::AtomicUsize>,
}

#[cfg(feature = "test-util")]
const NOTIFIED: usize = 1;
#[cfg(feature = "test-util")]
const DONE: usize = 2;

#[cfg(feature = "test-util")]
impl RootCount {
    /// A root counting in `busy` (where its caller has already counted it as running).
    pub(crate) fn new(busy: std::sync::Arc<crate::loom::AtomicUsize>) -> RootCount {
        RootCount {
            state: crate::loom::AtomicUsize::new(0),
            busy,
        }
    }

    /// A wake: true when it is the one that raised the flag (so the thread must be unparked).
    pub(crate) fn wake(&self) -> bool {
        if self.state.load(Ordering::Acquire) != 0 {
            return false; // already pending, or done
        }
        self.busy.fetch_add(1, Ordering::SeqCst);
        if self.state.fetch_or(NOTIFIED, Ordering::SeqCst) != 0 {
            // Another wake's unit (or none, once done) stands for this one.
            self.busy.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Consumes a pending wake; true if there was one.
    pub(crate) fn take(&self) -> bool {
        self.state.fetch_and(!NOTIFIED, Ordering::SeqCst) & NOTIFIED != 0
    }

    /// The root thread goes to sleep: its running unit goes.
    pub(crate) fn sleeping(&self) {
        self.busy.fetch_sub(1, Ordering::SeqCst);
    }

    /// The root consumed a wake while it was still counted as running: the wake's unit and
    /// the running unit are both counted, so one goes.
    pub(crate) fn woke_awake(&self) {
        self.busy.fetch_sub(1, Ordering::SeqCst);
    }

    /// The `block_on` is over: a pending wake's unit is given back, and later wakes count
    /// nothing.
    pub(crate) fn finish(&self) {
        if self.state.fetch_or(DONE, Ordering::SeqCst) & NOTIFIED != 0 {
            self.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A root future's waker: a [`RootCount`] plus the thread to unpark.
#[cfg(feature = "test-util")]
pub(crate) struct CountedWaker {
    count: RootCount,
    thread: Thread,
    /// Tells a paused driver to look again whether the runtime went idle.
    nudge: Box<dyn Fn() + Send + Sync>,
}

#[cfg(feature = "test-util")]
impl CountedWaker {
    /// A waker for a root on this thread, counting in `busy` (where the caller has already
    /// counted the root as running).
    pub(crate) fn new(
        busy: Arc<crate::loom::AtomicUsize>,
        nudge: Box<dyn Fn() + Send + Sync>,
    ) -> Arc<CountedWaker> {
        Arc::new(CountedWaker {
            count: RootCount::new(busy),
            thread: std::thread::current(),
            nudge,
        })
    }
}

#[cfg(feature = "test-util")]
impl Wake for CountedWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.count.wake() {
            self.thread.unpark();
        }
    }
}

#[cfg(feature = "test-util")]
impl WakeFlag for CountedWaker {
    fn take(&self) -> bool {
        self.count.take()
    }

    fn sleeping(&self) {
        self.count.sleeping();
        (self.nudge)();
    }

    fn woke_awake(&self) {
        self.count.woke_awake();
    }
}

/// [`block_on`] for a root future of a runtime whose clock may be paused: the root counts
/// in `waker`'s busy count while it runs or has a wake pending (module docs). The caller
/// counted it as running before the call and takes that unit back after it.
#[cfg(feature = "test-util")]
pub(crate) fn block_on_counted<F: Future>(future: F, waker: Arc<CountedWaker>) -> F::Output {
    struct Finish<'a>(&'a CountedWaker);
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            self.0.count.finish();
        }
    }
    let _finish = Finish(&waker);
    let std_waker = Waker::from(waker.clone());
    drive(future, None, &*waker, &std_waker).expect("no deadline")
}

#[cfg(all(test, loom, feature = "test-util"))]
#[path = "block_on_loom_model.rs"]
mod loom_model;
