//! The blocking pool: threads for work that would stall a worker (file I/O, CPU-heavy calls,
//! blocking libraries) — asyncio's `to_thread` / `run_in_executor(None, f)`.
//!
//! A blocking job is an ordinary raw task whose future runs the closure on its first poll, so
//! it gets a [`Task`] handle, cancellation before it starts, and panic capture for free. Its
//! scheduler is this pool: a FIFO queue under one mutex, served by threads that are started
//! on demand up to `max_threads` and exit after `keep_alive` without work. Jobs are counted
//! against idle threads with `pending_wakeups` so two quick submissions never both wait for
//! the same idle thread while the cap allows another.

use crate::loom::{AtomicUsize, Condvar, Mutex};
use crate::task::{self, Notified, Schedule, Task, TaskRef};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The pool of one runtime. Cloning shares it.
#[derive(Clone)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Signalled when a job is queued (for idle threads) and at shutdown.
    work: Condvar,
    /// Signalled when a thread exits (for shutdown).
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    panic_handler: crate::scheduler::PanicHandler,
    /// Threads whose job's closure has returned but that are not back at the queue yet.
    finishing: AtomicUsize,
    /// The runtime whose context each pool thread enters before it takes jobs (weak: the
    /// runtime owns the pool).
    runtime: Mutex<Option<Weak<crate::runtime::Inner>>>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Notified>,
    threads: usize,
    idle: usize,
    pending_wakeups: usize,
    /// Queued jobs promised to threads that are finishing a job (see the module docs).
    finishing_claims: usize,
    shutdown: bool,
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
        let output = weft_coop::unconstrained(f);
        // Announce this thread as about to be free before completion wakes the awaiter.
        POOL_THREAD.with(|pool| {
            if let Some(inner) = &*pool.borrow() {
                inner.finishing.fetch_add(1, Ordering::SeqCst);
                FINISHING.with(|f| f.set(true));
            }
        });
        Poll::Ready(output)
    }
}

crate::loom::local! {
    /// The pool this thread serves (set for pool threads only).
    static POOL_THREAD: std::cell::RefCell<Option<Arc<Inner>>> = std::cell::RefCell::new(None);
}

crate::loom::local! {
    /// This thread announced itself as finishing during the job it just ran.
    static FINISHING: std::cell::Cell<bool> = std::cell::Cell::new(false);
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
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                exited: Condvar::new(),
                max_threads,
                keep_alive,
                thread_name,
                panic_handler,
                finishing: AtomicUsize::new(0),
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

    fn submit(&self, job: Notified) {
        let mut state = self.inner.state.lock();
        if state.shutdown {
            drop(state);
            // Refused: the closure is dropped here and the handle resolves as cancelled.
            job.cancel_and_run();
            return;
        }
        state.queue.push_back(job);
        if state.idle > state.pending_wakeups {
            state.pending_wakeups += 1;
            drop(state);
            self.inner.work.notify_one();
        } else if self.inner.finishing.load(Ordering::SeqCst) > state.finishing_claims {
            // A thread is on its way back to the queue: it takes this job.
            state.finishing_claims += 1;
        } else if state.threads < self.inner.max_threads {
            state.threads += 1;
            if let Err(err) = self.start_thread(&mut state) {
                state.threads -= 1;
                // The job stays queued: a running thread will take it when it frees up.
                if state.threads == 0 {
                    let job = state.queue.pop_back();
                    drop(state);
                    eprintln!("weft: could not start a blocking-pool thread: {err}");
                    if let Some(job) = job {
                        job.cancel_and_run();
                    }
                }
            }
        }
    }

    fn start_thread(&self, state: &mut State) -> io::Result<()> {
        let pool = self.clone();
        let handle =
            crate::loom::thread::spawn((self.inner.thread_name)(), move || pool.thread_main())?;
        state.handles.retain(|h| !h.is_finished());
        state.handles.push(handle);
        Ok(())
    }

    fn thread_main(&self) {
        let runtime = self.inner.runtime.lock().as_ref().and_then(Weak::upgrade);
        let _context = runtime.map(|inner| crate::runtime::Handle { inner }.enter());
        POOL_THREAD.with(|pool| *pool.borrow_mut() = Some(self.inner.clone()));
        let inner = &*self.inner;
        let mut state = inner.state.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job.run();
                state = inner.state.lock();
                if FINISHING.with(|f| f.replace(false)) {
                    inner.finishing.fetch_sub(1, Ordering::SeqCst);
                    state.finishing_claims = state.finishing_claims.saturating_sub(1);
                }
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            // This thread is idle now: with a paused clock, the runtime may be as a whole.
            #[cfg(feature = "test-util")]
            if let Some(runtime) = inner.runtime.lock().as_ref().and_then(Weak::upgrade) {
                runtime.shared.nudge_paused_driver();
            }
            let timed_out = inner
                .work
                .wait_for(&mut state, inner.keep_alive)
                .timed_out();
            state.idle -= 1;
            if state.pending_wakeups > 0 {
                state.pending_wakeups -= 1;
            } else if timed_out && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
        drop(state);
        POOL_THREAD.with(|pool| pool.borrow_mut().take());
        inner.exited.notify_all();
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
        let mut state = self.inner.state.lock();
        state.shutdown = true;
        let queued: Vec<Notified> = state.queue.drain(..).collect();
        drop(state);
        self.inner.work.notify_all();
        for job in queued {
            job.cancel_and_run();
        }
        let mut state = self.inner.state.lock();
        while state.threads > usize::from(own_thread) {
            match deadline {
                Some(deadline) => {
                    if self
                        .inner
                        .exited
                        .wait_until(&mut state, deadline)
                        .timed_out()
                    {
                        return false;
                    }
                }
                None => self.inner.exited.wait(&mut state),
            }
        }
        let handles = std::mem::take(&mut state.handles);
        drop(state);
        for handle in handles {
            // A thread cannot join itself; ours ends on its own once this job returns.
            if !handle.is_current() {
                handle.join();
            }
        }
        !own_thread
    }

    /// Threads running a job (or finishing one).
    #[cfg(feature = "test-util")]
    pub(crate) fn busy_threads(&self) -> usize {
        let state = self.inner.state.lock();
        state.threads - state.idle
    }

    /// Live pool threads, how many of them are idle, and jobs waiting for a thread.
    pub(crate) fn load(&self) -> PoolLoad {
        let state = self.inner.state.lock();
        PoolLoad {
            threads: state.threads,
            idle: state.idle,
            queued: state.queue.len(),
        }
    }
}
