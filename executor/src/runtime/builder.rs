//! `Builder`: configure and start a runtime (asyncio's `Runner` with options).

use super::{Inner, Runtime};
use crate::blocking_pool::BlockingPool;
use crate::scheduler::park::{Driver, DriverSlot};
use crate::scheduler::{Shared, worker};
use crossbeam_deque::Worker;
use parking_lot::{Condvar, Mutex};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft_reactor::{IoBackend, Reactor};

type NameFn = Arc<dyn Fn() -> String + Send + Sync>;

/// Configures a [`Runtime`]: worker count, thread names, blocking pool size.
///
/// ```
/// let rt = weft_executor::Builder::new()
///     .worker_threads(2)
///     .thread_name("my-app")
///     .max_blocking_threads(16)
///     .blocking_keep_alive(std::time::Duration::from_secs(1))
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    worker_threads: Option<usize>,
    thread_name: NameFn,
    blocking_thread_name: Option<NameFn>,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
    panic_handler: Option<crate::scheduler::PanicHandler>,
    diagnostics: crate::scheduler::Diagnostics,
    slow_poll_handler: Option<crate::scheduler::SlowPollHandler>,
    slow_poll_threshold: Option<Duration>,
    io_backend: Option<IoBackend>,
    thread_options: super::thread_options::ThreadOptions,
    eager_tasks: bool,
    #[cfg(feature = "test-util")]
    start_paused: bool,
    #[cfg(unix)]
    dump_on_signal: Option<super::SignalKind>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("blocking_keep_alive", &self.blocking_keep_alive)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// Defaults: one worker per core, threads named `weft-worker-N` / `weft-blocking-N`, at
    /// most 512 blocking threads that exit after 10 s idle.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> Builder {
        Builder {
            worker_threads: None,
            thread_name: numbered("weft-worker"),
            blocking_thread_name: None,
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
            panic_handler: None,
            diagnostics: Default::default(),
            slow_poll_handler: None,
            slow_poll_threshold: None,
            io_backend: None,
            thread_options: Default::default(),
            eager_tasks: false,
            #[cfg(feature = "test-util")]
            start_paused: false,
            #[cfg(unix)]
            dump_on_signal: None,
        }
    }

    /// How many worker threads run tasks (default: the number of cores). Zero is refused by
    /// [`build`](Self::build).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
    /// # drop(rt);
    /// assert!(weft_executor::Builder::new().worker_threads(0).build().is_err());
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Builder {
        self.worker_threads = Some(n);
        self
    }

    /// Names the runtime's threads `{name}-worker-N` and `{name}-blocking-N`.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).thread_name("svc").build().unwrap();
    /// let name = rt.block_on(rt.spawn(async { std::thread::current().name().unwrap().to_owned() }));
    /// assert_eq!(name.unwrap(), "svc-worker-0");
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        let name = name.into();
        self.thread_name = numbered(&format!("{name}-worker"));
        self.blocking_thread_name = Some(numbered(&format!("{name}-blocking")));
        self
    }

    /// Names the runtime's threads with `f`, called once per thread (workers, blocking-pool
    /// threads and `block_in_place` stand-ins alike), as tokio's `thread_name_fn`.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static N: AtomicUsize = AtomicUsize::new(0);
    /// let rt = weft_executor::Builder::new()
    ///     .worker_threads(1)
    ///     .thread_name_fn(|| format!("app-{}", N.fetch_add(1, Ordering::Relaxed)))
    ///     .build()
    ///     .unwrap();
    /// let name = rt.block_on(rt.spawn(async { std::thread::current().name().unwrap().to_owned() }));
    /// assert!(name.unwrap().starts_with("app-"));
    /// ```
    pub fn thread_name_fn(mut self, f: impl Fn() -> String + Send + Sync + 'static) -> Builder {
        let f: NameFn = Arc::new(f);
        self.thread_name = f.clone();
        self.blocking_thread_name = Some(f);
        self
    }

    /// The stack size of the runtime's threads, in bytes (default: std's, 2 MiB unless
    /// `RUST_MIN_STACK` says otherwise).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new()
    ///     .thread_stack_size(4 * 1024 * 1024)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    /// ```
    pub fn thread_stack_size(mut self, bytes: usize) -> Builder {
        self.thread_options.stack_size = Some(bytes);
        self
    }

    /// Runs `f` on every thread the runtime starts (workers, blocking-pool threads), on that
    /// thread, before it runs any task or job, with the runtime current. A panic in `f` goes
    /// to the panic handler ([`on_task_panic`](Self::on_task_panic)); the thread still starts.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let s = started.clone();
    /// let rt = weft_executor::Builder::new()
    ///     .worker_threads(2)
    ///     .on_thread_start(move || { s.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// drop(rt); // joins the workers, which started before that
    /// assert_eq!(started.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_start(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.thread_options.on_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on every thread the runtime started, on that thread, after its last task or
    /// job, just before it exits. A panic in `f` goes to the panic handler.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let s = stopped.clone();
    /// let rt = weft_executor::Builder::new()
    ///     .worker_threads(2)
    ///     .on_thread_stop(move || { s.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// drop(rt);
    /// assert_eq!(stopped.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_stop(mut self, f: impl Fn() + Send + Sync + 'static) -> Builder {
        self.thread_options.on_stop = Some(Arc::new(f));
        self
    }

    /// Makes every spawn on this runtime eager (asyncio 3.12's `eager_task_factory`), as
    /// [`task::Builder::eager`](crate::task::Builder::eager) does for one task: a task spawned
    /// from inside the runtime is polled at once, on the spawning thread, until it first
    /// waits, and one that finishes then is never queued. The runtime's own helper tasks (the
    /// loop-callback runner, timers) are not eager.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().eager_tasks(true).build().unwrap();
    /// rt.block_on(async {
    ///     let task = weft_executor::spawn(async { 5 });
    ///     assert!(task.is_finished()); // ran to completion inside `spawn`
    ///     assert_eq!(task.await.unwrap(), 5);
    /// });
    /// ```
    pub fn eager_tasks(mut self, eager: bool) -> Builder {
        self.eager_tasks = eager;
        self
    }

    /// Which OS readiness API the runtime's reactor drives (default: direct epoll on Linux,
    /// the portable `polling` crate elsewhere, unless the environment variable
    /// `WEFT_IO_BACKEND` names one). A choice made here wins over the variable; one the
    /// platform lacks makes [`build`](Self::build) fail with `Unsupported`.
    ///
    /// ```
    /// use weft_reactor::IoBackend;
    /// let rt = weft_executor::Builder::new()
    ///     .worker_threads(1)
    ///     .io_backend(IoBackend::Polling)
    ///     .build()
    ///     .unwrap();
    /// let backend = rt.block_on(async { weft_reactor::try_current().unwrap().io_backend() });
    /// assert_eq!(backend, IoBackend::Polling);
    /// ```
    pub fn io_backend(mut self, backend: IoBackend) -> Builder {
        self.io_backend = Some(backend);
        self
    }

    /// The most threads the blocking pool may run at once (default 512); more jobs queue.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().max_blocking_threads(1).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn max_blocking_threads(mut self, n: usize) -> Builder {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new()
    ///     .blocking_keep_alive(std::time::Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.blocking_keep_alive = keep_alive;
        self
    }

    /// Sets the handler for panics nobody will see otherwise: detached tasks (their `Task` was
    /// dropped) and loop callbacks (`call_soon` and friends). It receives the [`JoinError`],
    /// which names the task. The default prints one line to stderr, like asyncio's "Task
    /// exception was never retrieved".
    ///
    /// [`JoinError`]: crate::JoinError
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let s = seen.clone();
    /// let rt = weft_executor::Builder::new()
    ///     .on_task_panic(move |err| s.lock().unwrap().push(err.task_name().into_owned()))
    ///     .build()
    ///     .unwrap();
    /// let task = weft_executor::task::Builder::new().name("lost").spawn_on(rt.handle(), async { panic!("oops") });
    /// let watch = task.abort_handle();
    /// drop(task); // detached: nobody will see its panic but the handler
    /// while !watch.is_finished() {
    ///     std::thread::yield_now();
    /// }
    /// drop(rt);
    /// assert_eq!(*seen.lock().unwrap(), ["lost"]);
    /// ```
    pub fn on_task_panic(
        mut self,
        handler: impl Fn(&crate::JoinError) + Send + Sync + 'static,
    ) -> Builder {
        self.panic_handler = Some(Arc::new(handler));
        self
    }

    /// asyncio's debug mode: every task is listed by [`Handle::tasks`] and
    /// [`Handle::dump_tasks`] from the moment it is spawned (otherwise only once it first
    /// waits), and polls that take 100 ms or more are reported (see
    /// [`slow_poll_threshold`](Self::slow_poll_threshold)). Costs one registry insert per
    /// spawn and two clock reads per poll.
    ///
    /// [`Handle::tasks`]: crate::Handle::tasks
    /// [`Handle::dump_tasks`]: crate::Handle::dump_tasks
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// let _t = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().tasks().len(), 1);
    /// ```
    pub fn debug(mut self, debug: bool) -> Builder {
        self.diagnostics.debug = debug;
        self
    }

    /// Times every poll and counts the times in a histogram with logarithmic buckets
    /// ([`RuntimeMetrics::poll_time_histogram`]). Costs two clock reads per poll, so it is
    /// off by default; debug mode and a slow-poll threshold time polls anyway and turn it on.
    ///
    /// [`RuntimeMetrics::poll_time_histogram`]: crate::runtime::RuntimeMetrics::poll_time_histogram
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().poll_time_histogram(true).build().unwrap();
    /// rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
    /// let histogram = rt.handle().metrics().poll_time_histogram().cloned().unwrap();
    /// assert_eq!(histogram.total(), 1);
    /// ```
    pub fn poll_time_histogram(mut self, enabled: bool) -> Builder {
        self.diagnostics.poll_time_histogram = enabled;
        self
    }

    /// Prints the task tree (with what each task waits on) and the metrics to stderr each time
    /// the process receives `signal` — asyncio's `python -m asyncio ps` for a live process
    /// that nothing is attached to. `kill -USR1 <pid>` then shows where every task is stuck.
    ///
    /// The dump is made by a thread of its own, so it works even when every worker is
    /// blocked. Listening replaces the signal's default action for the rest of the process
    /// (as any weft signal listener does).
    ///
    /// # Errors
    ///
    /// [`build`](Self::build) fails with `InvalidInput` for a signal that cannot be caught
    /// (SIGKILL, SIGSTOP) or safely handled (SIGSEGV, SIGBUS, SIGILL, SIGFPE).
    ///
    /// ```
    /// use weft_executor::runtime::SignalKind;
    /// let rt = weft_executor::Builder::new()
    ///     .dump_on_signal(SignalKind::user_defined1())
    ///     .build()
    ///     .unwrap();
    /// // `kill -USR1 <pid>` now prints the dump on stderr.
    /// # drop(rt);
    /// let refused = weft_executor::Builder::new()
    ///     .dump_on_signal(SignalKind::from_raw(9)) // SIGKILL
    ///     .build();
    /// assert_eq!(refused.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn dump_on_signal(mut self, signal: super::SignalKind) -> Builder {
        self.dump_on_signal = Some(signal);
        self
    }

    /// Reports every poll that takes at least `threshold` — a task blocking its worker —
    /// with the task's name and spawn location (asyncio's `slow_callback_duration`). The
    /// report goes to [`on_slow_poll`](Self::on_slow_poll), by default one line on stderr.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new()
    ///     .slow_poll_threshold(std::time::Duration::from_millis(50))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.slow_poll_threshold = Some(threshold);
        self
    }

    /// Where slow-poll reports go (see [`slow_poll_threshold`](Self::slow_poll_threshold)).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new()
    ///     .slow_poll_threshold(std::time::Duration::from_millis(50))
    ///     .on_slow_poll(|slow| eprintln!("{slow}"))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_slow_poll(
        mut self,
        handler: impl Fn(&crate::runtime::SlowPoll) + Send + Sync + 'static,
    ) -> Builder {
        self.slow_poll_handler = Some(Arc::new(handler));
        self
    }

    /// Starts the runtime with its clock paused (feature `test-util`; see
    /// [`weft_reactor::time::pause`]): time moves only when a test advances it, or by itself
    /// to the next timer whenever the whole runtime is idle, so an hour of sleeps takes no
    /// time at all. Works with any number of workers.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weft_executor::Builder::new().start_paused(true).build().unwrap();
    /// let real = std::time::Instant::now();
    /// rt.block_on(weft_reactor::sleep(Duration::from_secs(3600)));
    /// assert!(real.elapsed() < Duration::from_secs(60));
    /// ```
    #[cfg(feature = "test-util")]
    pub fn start_paused(mut self, paused: bool) -> Builder {
        self.start_paused = paused;
        self
    }

    /// Starts the runtime's worker threads.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for `worker_threads(0)` or `max_blocking_threads(0)`; the OS error when
    /// the poller or a thread cannot be created.
    ///
    /// ```
    /// let err = weft_executor::Builder::new().worker_threads(0).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// assert!(err.to_string().contains("worker_threads"));
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let workers = match self.worker_threads {
            Some(0) => {
                return Err(invalid(
                    "worker_threads must be at least 1 (got 0): a runtime needs a thread to run its tasks",
                ));
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if workers >= 1 << 15 {
            return Err(invalid("worker_threads must be below 32768"));
        }
        if self.max_blocking_threads == 0 {
            return Err(invalid(
                "max_blocking_threads must be at least 1 (got 0): spawn_blocking needs a thread",
            ));
        }
        let blocking_name = self
            .blocking_thread_name
            .unwrap_or_else(|| numbered("weft-blocking"));
        let panic_handler = self
            .panic_handler
            .unwrap_or_else(|| Arc::new(default_panic_handler));
        let mut diagnostics = self.diagnostics;
        let threshold = self
            .slow_poll_threshold
            .or(diagnostics.debug.then_some(Duration::from_millis(100)));
        if let Some(threshold) = threshold {
            let handler = self
                .slow_poll_handler
                .unwrap_or_else(|| Arc::new(|slow| eprintln!("weft: {slow}")));
            diagnostics.slow_poll = Some((threshold, handler));
        }
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.blocking_keep_alive,
            blocking_name,
            panic_handler.clone(),
            self.thread_options.clone(),
        );
        // The reactor is the driver idle workers block in, and every runtime thread makes it
        // current so timers and I/O sources find it.
        // A timer wheel per worker, plus one for every other thread.
        let backend = match self.io_backend {
            Some(backend) => backend,
            None => weft_reactor::IoBackend::from_env()?,
        };
        let reactor = Arc::new(Reactor::with_options(backend, workers + 1)?);
        #[cfg(feature = "test-util")]
        if self.start_paused {
            reactor.pause_clock();
        }
        let driver: Arc<dyn Driver> = reactor.clone();
        let locals: Vec<Worker<_>> = (0..workers).map(|_| Worker::new_fifo()).collect();
        let stealers = locals.iter().map(Worker::stealer).collect();
        let shared = Arc::new(Shared::new(
            stealers,
            Arc::new(DriverSlot::new(Some(driver))),
            blocking,
            panic_handler,
            diagnostics,
        ));
        let reporter = user_code_reporter(shared.panic_handler.clone());
        let offload = blocking_offload(shared.clone());
        let inner = Arc::new(Inner {
            shared,
            callbacks: crate::callbacks::queue::CallbackQueue::new(),
            reactor,
            reporter,
            offload,
            eager_tasks: self.eager_tasks,
            thread_options: self.thread_options,
            worker_name: self.thread_name,
            stop: Mutex::new(false),
            stop_signal: Condvar::new(),
        });
        let handle = super::Handle { inner };

        // Weak: the pool lives inside the runtime it enters.
        handle
            .inner
            .shared
            .blocking
            .set_runtime(Arc::downgrade(&handle.inner));

        let mut rt = Runtime {
            handle,
            threads: Vec::with_capacity(workers),
            #[cfg(unix)]
            dump: None,
        };
        #[cfg(unix)]
        if let Some(signal) = self.dump_on_signal {
            let runtime = Arc::downgrade(&rt.handle.inner);
            rt.dump = Some(super::introspect::dump_signal::DumpThread::start(
                signal, runtime,
            )?);
        }
        if let Some((threshold, handler)) = &rt.handle.inner.shared.slow_poll {
            super::introspect::start_watchdog(
                Arc::downgrade(&rt.handle.inner.shared),
                *threshold,
                handler.clone(),
            )?;
        }
        for (index, local) in locals.into_iter().enumerate() {
            let handle = rt.handle.clone();
            let inner = &rt.handle.inner;
            let spawned = inner.thread_options.spawn((inner.worker_name)(), move || {
                let _enter = handle.enter();
                let inner = &handle.inner;
                inner.thread_options.run(|| {
                    worker::run(inner.shared.clone(), index, local);
                });
            });
            match spawned {
                Ok(thread) => rt.threads.push(thread),
                // Dropping `rt` shuts down the workers already started.
                Err(err) => return Err(err),
            }
        }
        Ok(rt)
    }
}

/// Reports a panic from user code the runtime called outside a task's harness (a waker, a
/// done-callback) as a [`JoinError`](crate::JoinError) named for what panicked, blamed on the
/// task being polled at the time if there is one.
fn user_code_reporter(handler: crate::scheduler::PanicHandler) -> weft_coop::Reporter {
    Arc::new(move |what, payload| {
        let (id, name) = match crate::task::current() {
            Some(task) => (
                task.id(),
                format!("{} (in a {what} it called)", task.name()),
            ),
            None => (crate::task::TaskId::next(), format!("a {what}")),
        };
        let err = crate::JoinError::panic(id, Some(name.into()), payload);
        crate::scheduler::report(&handler, err);
    })
}

/// Runs the reactor's blocking jobs on the blocking pool. The pool's `Task` is dropped
/// (detached): the job reports through its own channel, and a job the pool refuses (the
/// runtime is shutting down) is dropped unrun, which that channel reports too.
fn blocking_offload(shared: Arc<crate::scheduler::Shared>) -> weft_coop::Offload {
    Arc::new(move |job| {
        let origin = crate::task::Origin::at(std::panic::Location::caller());
        drop(shared.blocking.spawn(job, origin));
    })
}

fn default_panic_handler(err: &crate::JoinError) {
    eprintln!("weft: exception was never retrieved: {err}");
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_owned())
}

fn numbered(prefix: &str) -> NameFn {
    let prefix = prefix.to_owned();
    let next = AtomicUsize::new(0);
    Arc::new(move || format!("{prefix}-{}", next.fetch_add(1, Ordering::Relaxed)))
}
