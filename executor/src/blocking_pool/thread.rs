//! A pool thread's life — started awake, taking jobs, spinning briefly on an empty queue,
//! sleeping until a waker hands it a token or its keep-alive runs out — and
//! [`find_thread`](BlockingPool::find_thread), which wakes or starts one for queued work.

use super::{BlockingPool, Inner, POOL_THREAD};
use crate::task::Notified;
use std::sync::Weak;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Instant;

impl BlockingPool {
    /// A job is queued and no thread may be awake: claims a sleeper (it gets a wake token) or,
    /// with `may_start`, starts a thread if the cap allows. Does nothing when a thread is
    /// awake after all, or the pool is shut down.
    pub(super) fn find_thread(&self, may_start: bool) {
        let inner = &*self.inner;
        let mut counts = inner.state.load();
        loop {
            if counts.awake() > 0 || counts.is_shutdown() {
                return;
            }
            let claimed = if counts.sleeping() > 0 {
                inner.state.claim_sleeper(counts).map(|()| {
                    inner.sleep.lock().tokens += 1;
                    inner.wake.notify_one();
                })
            } else if may_start && counts.threads() < inner.max_threads {
                inner.state.add_thread(counts).map(|()| self.start_thread())
            } else {
                // Every thread is busy and the cap is reached: the first to finish takes it.
                return;
            };
            match claimed {
                Ok(()) => return,
                Err(now) => counts = now,
            }
        }
    }

    /// Starts a thread already counted (awake) by `add_thread`.
    fn start_thread(&self) {
        let pool = self.clone();
        let name = (self.inner.thread_name)();
        let stack_size = self.inner.thread_options.stack_size;
        match crate::loom::thread::spawn(name, stack_size, move || pool.thread_main()) {
            Ok(handle) => {
                let mut sleep = self.inner.sleep.lock();
                sleep.handles.retain(|h| !h.is_finished());
                sleep.handles.push(handle);
            }
            Err(err) => {
                eprintln!("weft: could not start a blocking-pool thread: {err}");
                let inner = &*self.inner;
                let counts = inner.state.thread_not_started();
                // The count of this thread may have let another go to sleep on the queued
                // work; with the thread gone, the work needs someone else.
                crate::loom::fence(SeqCst);
                if counts.threads() == 0 {
                    // Nobody is left to run the queued jobs: refuse them (their handles
                    // read cancelled) rather than strand them.
                    inner.cancel_queued();
                } else if !inner.queue.is_empty() {
                    self.find_thread(false);
                }
            }
        }
    }

    fn thread_main(&self) {
        let runtime = self.inner.runtime.lock().as_ref().and_then(Weak::upgrade);
        let _context = runtime.map(|inner| crate::runtime::Handle { inner }.enter());
        POOL_THREAD.with(|pool| *pool.borrow_mut() = Some(self.inner.clone()));
        let inner = &*self.inner;
        inner.thread_options.run(|| self.take_jobs());
        POOL_THREAD.with(|pool| pool.borrow_mut().take());
        // Under the lock, so a shutdown between its look at the count and its wait hears it.
        let _sleep = inner.sleep.lock();
        inner.exited.notify_all();
    }

    /// The thread's work: jobs until the keep-alive runs out or the pool shuts down.
    fn take_jobs(&self) {
        let inner = &*self.inner;
        loop {
            if let Some(job) = inner.queue.pop() {
                job.run();
                continue;
            }
            if let Some(job) = inner.spin() {
                job.run();
                continue;
            }
            if inner.state.load().is_shutdown() {
                inner.state.exit_awake();
                break;
            }
            if !inner.sleep(self) {
                break; // the keep-alive ran out, or the pool shut down
            }
        }
    }
}

impl Inner {
    /// Keeps looking at the empty queue for a while, when that is likely to pay (`spin.rs`).
    #[cfg(not(loom))]
    fn spin(&self) -> Option<Notified> {
        self.spinner.spin(&self.queue)
    }

    /// loom models do not spin (see `mod.rs`).
    #[cfg(loom)]
    fn spin(&self) -> Option<Notified> {
        None
    }

    /// Sleeps until a waker hands this thread a token (true: it is awake again), or until the
    /// keep-alive runs out or the pool shuts down (false: it has been counted out).
    fn sleep(&self, pool: &BlockingPool) -> bool {
        let counts = self.state.to_sleep();
        // Orders our decrement before the look at the queue; pairs with `submit`. A job pushed
        // before it may have seen us awake and left itself to us.
        crate::loom::fence(SeqCst);
        if counts.awake() == 0 && !self.queue.is_empty() {
            pool.find_thread(true);
        }
        // With a paused clock, the runtime may be idle as a whole now.
        #[cfg(feature = "test-util")]
        if let Some(runtime) = self.runtime.lock().as_ref().and_then(Weak::upgrade) {
            runtime.shared.nudge_paused_driver();
        }
        let deadline = Instant::now().checked_add(self.keep_alive);
        let mut sleep = self.sleep.lock();
        let mut timed_out = false;
        loop {
            if sleep.tokens > 0 {
                sleep.tokens -= 1;
                return true;
            }
            if (timed_out || self.state.load().is_shutdown()) && self.state.exit_sleeping() {
                return false;
            }
            // Otherwise every sleeper is claimed and a token is on its way: wait for it.
            timed_out = match deadline {
                Some(deadline) if !timed_out => {
                    self.wake.wait_until(&mut sleep, deadline).timed_out()
                }
                _ => {
                    self.wake.wait(&mut sleep);
                    timed_out
                }
            };
        }
    }
}
