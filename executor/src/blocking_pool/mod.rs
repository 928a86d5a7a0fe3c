//! The blocking pool: threads for work that would stall a worker (file I/O, CPU-heavy calls,
//! blocking libraries) — asyncio's `to_thread` / `run_in_executor(None, f)`.
//!
//! A blocking job is an ordinary raw task whose future runs the closure on its first poll, so
//! it gets a [`Task`] handle, cancellation before it starts, and panic capture for free. Its
//! scheduler is this pool: a lock-free FIFO (`queue.rs`) served by threads that are started on
//! demand up to `max_threads` and exit after `keep_alive` asleep.
//!
//! **Who runs a queued job.** The pool counts its threads as *awake* (in pool code, bound to
//! look at the queue again soon), *sleeping*, or *busy* in a job's closure, in one atomic word
//! (`counts.rs`, where the invariant and its races are argued). A submission only pushes when
//! some thread is awake; it wakes a sleeper or starts a thread only when none is. A thread
//! counts as busy only while the user's closure runs, and one that enters a closure while
//! jobs wait and no other thread is awake first hands them to a sleeper or a new thread, so a
//! job that blocks forever strands nothing behind it. This is what makes a burst cheap: the
//! old design woke or started a thread per queued job (one futex wake per job, hundreds of
//! threads for a burst of 5,000 trivial jobs); now a burst is served by the threads already
//! awake, and threads are added only when every awake one is inside user code.
//!
//! **Spinning.** A thread that finds the queue empty keeps looking for a while before it
//! sleeps, one such thread at a time, as long as such spins have been finding jobs
//! (`spin.rs`): the next job of a burst or of a `to_thread` chain then finds it awake, which
//! saves the submitter a futex wake and the job a trip through the kernel's scheduler.
//!
//! **A chain stays on one thread.** A job's thread is awake again the moment its closure
//! returns, before the job completes and wakes its awaiter, so a `to_thread` chain (or a file
//! read loop) always finds its thread awake and never starts a second.

mod counts;
mod queue;
// loom has no clock, and spinning only delays a sleep the models already cover.
#[cfg(not(loom))]
mod spin;
mod thread;

#[cfg(all(test, loom))]
mod loom_model;

use crate::loom::{Condvar, Mutex};
use crate::task::{self, Notified, Schedule, Task, TaskRef};
use counts::{MAX_THREADS, State};
use queue::JobQueue;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The pool of one runtime. Cloning shares it.
#[derive(Clone)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: State,
    queue: JobQueue,
    /// Wake tokens and join handles; the slow paths (sleeping, waking, exiting) lock it.
    sleep: Mutex<Sleep>,
    /// Signalled when a wake token is posted, and at shutdown.
    wake: Condvar,
    /// Signalled when a thread exits (for shutdown).
    exited: Condvar,
    /// Decides whether a thread that found the queue empty spins before it sleeps.
    #[cfg(not(loom))]
    spinner: spin::Spinner,
    max_threads: usize,
    keep_alive: Duration,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    /// Stack size and start/stop hooks (`Builder::on_thread_start` and friends).
    thread_options: crate::runtime::thread_options::ThreadOptions,
    panic_handler: crate::scheduler::PanicHandler,
    /// The runtime whose context each pool thread enters before it takes jobs (weak: the
    /// runtime owns the pool).
    runtime: Mutex<Option<Weak<crate::runtime::Inner>>>,
}

#[derive(Default)]
struct Sleep {
    /// Sleepers claimed by a waker (`counts.rs`) and not yet back awake: each takes one.
    tokens: usize,
    handles: Vec<crate::loom::thread::JoinHandle>,
}

/// A snapshot of the pool's threads and queue ([`BlockingPool::load`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PoolLoad {
    pub(crate) threads: usize,
    pub(crate) idle: usize,
    pub(crate) queued: usize,
}

/// The future of a blocking job: runs the closure once, unbudgeted.
struct BlockingJob<F>(Option<F>);

// Never pinned structurally: the closure is moved out by value before it runs.
impl<F> Unpin for BlockingJob<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingJob<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking job runs once");
        let busy = Busy::enter();
        let output = weft_coop::unconstrained(f);
        // Awake again before completion wakes the awaiter: its next job finds this thread.
        drop(busy);
        Poll::Ready(output)
    }
}

crate::loom::local! {
    /// The pool this thread serves (set for pool threads only).
    static POOL_THREAD: std::cell::RefCell<Option<Arc<Inner>>> = std::cell::RefCell::new(None);
}

/// This pool thread is inside a job's closure (busy, not awake) until dropped, which also
/// happens when the closure panics.
struct Busy(bool);

impl Busy {
    fn enter() -> Busy {
        Busy(POOL_THREAD.with(|pool| match &*pool.borrow() {
            Some(inner) => {
                inner.enter_job();
                true
            }
            None => false,
        }))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0 {
            let _ = POOL_THREAD.try_with(|pool| {
                if let Some(inner) = &*pool.borrow() {
                    inner.state.leave_job();
                }
            });
        }
    }
}

impl Schedule for BlockingPool {
    const KIND: task::TaskKind = task::TaskKind::Blocking;

    fn schedule(&self, task: Notified) {
        self.submit(task);
    }

    fn release(&self, _task: TaskRef) -> bool {
        false
    }

    fn report_panic(&self, err: crate::JoinError) {
        crate::scheduler::report(&self.inner.panic_handler, err);
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        keep_alive: Duration,
        thread_name: Arc<dyn Fn() -> String + Send + Sync>,
        panic_handler: crate::scheduler::PanicHandler,
        thread_options: crate::runtime::thread_options::ThreadOptions,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: State::new(),
                queue: JobQueue::new(),
                sleep: Mutex::new(Sleep::default()),
                wake: Condvar::new(),
                exited: Condvar::new(),
                #[cfg(not(loom))]
                spinner: spin::Spinner::new(),
                // More threads than the count word holds would be millions: clamp, not fail.
                max_threads: max_threads.min(MAX_THREADS),
                keep_alive,
                thread_name,
                thread_options,
                panic_handler,
                runtime: Mutex::new(None),
            }),
        }
    }

    /// Sets the runtime whose context pool threads enter, so that `Handle::current()`, timers
    /// and I/O work inside blocking jobs.
    pub(crate) fn set_runtime(&self, runtime: Weak<crate::runtime::Inner>) {
        *self.inner.runtime.lock() = Some(runtime);
    }

    pub(crate) fn spawn<F, R>(&self, f: F, origin: task::Origin) -> Task<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (handle, job) = task::new_task(BlockingJob(Some(f)), self.clone(), origin);
        self.submit(job);
        handle
    }

    /// Queues `job`; wakes or starts a thread only when no thread is awake to take it.
    fn submit(&self, job: Notified) {
        let inner = &*self.inner;
        inner.queue.push(job);
        // Orders the push before reading the counts; pairs with the fences after every
        // decrement of `awake` (see `counts.rs`).
        crate::loom::fence(SeqCst);
        let counts = inner.state.load();
        if counts.is_shutdown() {
            // Shutdown may have drained the queue already: whatever is in it now (at least
            // this job) is refused here, its closure dropped and its handle cancelled.
            inner.cancel_queued();
        } else if counts.awake() == 0 {
            self.find_thread(true);
        }
    }

    /// Refuses new jobs, cancels queued ones and waits up to `timeout` for running ones.
    /// Returns true when every pool thread has exited. Called from one of this pool's own
    /// threads (a job dropping its runtime), it waits for the others: that thread exits when
    /// its job returns.
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let own_thread = POOL_THREAD
            .try_with(|pool| {
                pool.borrow()
                    .as_ref()
                    .is_some_and(|inner| Arc::ptr_eq(inner, &self.inner))
            })
            .unwrap_or(false);
        let inner = &*self.inner;
        inner.state.shut_down();
        inner.cancel_queued();
        let mut sleep = inner.sleep.lock();
        inner.wake.notify_all();
        while inner.state.load().threads() > usize::from(own_thread) {
            match deadline {
                Some(deadline) => {
                    if inner.exited.wait_until(&mut sleep, deadline).timed_out() {
                        return false;
                    }
                }
                None => inner.exited.wait(&mut sleep),
            }
        }
        let handles = std::mem::take(&mut sleep.handles);
        drop(sleep);
        for handle in handles {
            // A thread cannot join itself; ours ends on its own once this job returns.
            if !handle.is_current() {
                handle.join();
            }
        }
        !own_thread
    }

    /// Threads running a job or about to look for one (all but the sleeping ones).
    #[cfg(feature = "test-util")]
    pub(crate) fn busy_threads(&self) -> usize {
        let counts = self.inner.state.load();
        counts.threads() - counts.sleeping()
    }

    /// Live pool threads, how many of them are idle (asleep), and jobs waiting for a thread.
    pub(crate) fn load(&self) -> PoolLoad {
        let counts = self.inner.state.load();
        PoolLoad {
            threads: counts.threads(),
            idle: counts.sleeping(),
            queued: self.inner.queue.len(),
        }
    }
}

impl Inner {
    /// A pool thread enters a job's closure: if that leaves no thread awake while jobs wait,
    /// it finds them one first (the job may block for as long as it likes).
    fn enter_job(self: &Arc<Self>) {
        if self.state.enter_job().awake() == 0 {
            // Orders our decrement before the look at the queue; pairs with `submit`.
            crate::loom::fence(SeqCst);
            if !self.queue.is_empty() {
                BlockingPool {
                    inner: self.clone(),
                }
                .find_thread(true);
            }
        }
    }

    /// Cancels every queued job (the pool is shut down, or has no thread and cannot start one).
    fn cancel_queued(&self) {
        while let Some(job) = self.queue.pop() {
            job.cancel_and_run();
        }
    }
}
