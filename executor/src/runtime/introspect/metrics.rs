//! Runtime metrics: a snapshot of the queues, the blocking pool and each worker's counters.
//!
//! The counters are the workers' own, written without contention (see `scheduler::stats`);
//! [`Handle::metrics`] reads them all at once into plain numbers, so a snapshot can be kept,
//! compared with a later one, printed or shipped elsewhere.

use super::super::Handle;
use crate::scheduler::stats::{BUCKETS, WorkerStats};
use std::fmt;
use std::ops::Range;
use std::time::Duration;

/// A snapshot of a runtime's load ([`Handle::metrics`]).
///
/// ```
/// let rt = weft_executor::Builder::new().worker_threads(2).build().unwrap();
/// rt.block_on(async {});
/// let m = rt.handle().metrics();
/// assert_eq!(m.workers(), 2);
/// assert_eq!(m.per_worker().len(), 2);
/// println!("{m}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeMetrics {
    workers: Vec<WorkerMetrics>,
    global_queue_depth: usize,
    blocking_threads: usize,
    blocking_idle_threads: usize,
    blocking_queue_depth: usize,
    registered_tasks: usize,
    poll_time_histogram: Option<PollTimeHistogram>,
}

impl RuntimeMetrics {
    /// Worker threads.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.handle().metrics().workers(), 3);
    /// ```
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Each worker's counters, indexed by worker.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(2).build().unwrap();
    /// rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
    /// let polls: u64 = rt.handle().metrics().per_worker().iter().map(|w| w.polls()).sum();
    /// assert!(polls >= 1);
    /// ```
    pub fn per_worker(&self) -> &[WorkerMetrics] {
        &self.workers
    }

    /// Tasks in the global queue (spawned or woken from outside the workers) at the moment
    /// of the snapshot.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let _ = rt.handle().metrics().global_queue_depth();
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        self.global_queue_depth
    }

    /// Tasks waiting in run queues (the global one and every worker's).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let m = rt.handle().metrics();
    /// assert!(m.queued() >= m.global_queue_depth());
    /// ```
    pub fn queued(&self) -> usize {
        self.global_queue_depth + self.workers.iter().map(|w| w.queue_depth).sum::<usize>()
    }

    /// Blocking-pool threads alive now.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().blocking_threads(), 0);
    /// ```
    pub fn blocking_threads(&self) -> usize {
        self.blocking_threads
    }

    /// Blocking-pool threads alive but waiting for a job.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// let m = rt.handle().metrics();
    /// assert!(m.blocking_idle_threads() <= m.blocking_threads());
    /// ```
    pub fn blocking_idle_threads(&self) -> usize {
        self.blocking_idle_threads
    }

    /// Blocking jobs waiting for a thread.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().metrics().blocking_queue_depth(), 0);
    /// ```
    pub fn blocking_queue_depth(&self) -> usize {
        self.blocking_queue_depth
    }

    /// Tasks the registry holds: every live task in debug mode, otherwise those that have
    /// gone idle at least once.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// let _t = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().metrics().registered_tasks(), 1);
    /// ```
    pub fn registered_tasks(&self) -> usize {
        self.registered_tasks
    }

    /// How long the workers' polls took, summed over workers; `None` unless polls are
    /// timed ([`Builder::poll_time_histogram`](crate::Builder::poll_time_histogram), debug
    /// mode or a slow-poll threshold).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().poll_time_histogram(true).build().unwrap();
    /// rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
    /// assert!(rt.handle().metrics().poll_time_histogram().unwrap().total() >= 1);
    /// ```
    pub fn poll_time_histogram(&self) -> Option<&PollTimeHistogram> {
        self.poll_time_histogram.as_ref()
    }
}

impl fmt::Display for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} worker{}, {} queued ({} global); blocking pool: {} thread{} ({} idle), {} queued; {} registered task{}",
            self.workers(),
            plural(self.workers()),
            self.queued(),
            self.global_queue_depth,
            self.blocking_threads,
            plural(self.blocking_threads),
            self.blocking_idle_threads,
            self.blocking_queue_depth,
            self.registered_tasks,
            plural(self.registered_tasks),
        )?;
        for (i, w) in self.workers.iter().enumerate() {
            writeln!(f, "  worker {i}: {w}")?;
        }
        if let Some(histogram) = &self.poll_time_histogram {
            write!(f, "poll times:\n{histogram}")?;
        }
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One worker's counters since the runtime started ([`RuntimeMetrics::per_worker`]).
///
/// ```
/// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
/// rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
/// let metrics = rt.handle().metrics();
/// let w = &metrics.per_worker()[0];
/// assert!(w.polls() >= 1);
/// println!("{w}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerMetrics {
    polls: u64,
    steals: u64,
    parks: u64,
    busy: Duration,
    queue_depth: usize,
    poll_time_histogram: Option<PollTimeHistogram>,
}

impl WorkerMetrics {
    /// Task polls this worker ran.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
    /// let before = rt.handle().metrics().per_worker()[0].polls();
    /// rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.handle().metrics().per_worker()[0].polls(), before + 1);
    /// ```
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// Times this worker stole a batch of tasks from another worker's queue.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.handle().metrics().per_worker()[0].steals(), 0); // nobody to steal from
    /// ```
    pub fn steals(&self) -> u64 {
        self.steals
    }

    /// Times this worker went to sleep for want of work.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
    /// rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
    /// let _ = rt.handle().metrics().per_worker()[0].parks();
    /// ```
    pub fn parks(&self) -> u64 {
        self.parks
    }

    /// Time this worker has spent awake (running tasks or looking for them), the current
    /// stretch included: a worker stuck in a blocking call shows its busy time growing.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
    /// println!("{:?}", rt.handle().metrics().per_worker()[0].busy());
    /// ```
    pub fn busy(&self) -> Duration {
        self.busy
    }

    /// Tasks in this worker's own queue at the moment of the snapshot.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
    /// assert_eq!(rt.handle().metrics().per_worker()[0].queue_depth(), 0);
    /// ```
    pub fn queue_depth(&self) -> usize {
        self.queue_depth
    }

    /// How long this worker's polls took; `None` unless polls are timed (see
    /// [`RuntimeMetrics::poll_time_histogram`]).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
    /// assert!(rt.handle().metrics().per_worker()[0].poll_time_histogram().is_none());
    /// ```
    pub fn poll_time_histogram(&self) -> Option<&PollTimeHistogram> {
        self.poll_time_histogram.as_ref()
    }
}

impl fmt::Display for WorkerMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} polls, {} steals, {} parks, busy {:.3}s, {} queued",
            self.polls,
            self.steals,
            self.parks,
            self.busy.as_secs_f64(),
            self.queue_depth
        )
    }
}

/// Poll durations counted in logarithmic buckets: under 1 µs, then one bucket per power of
/// two of microseconds (`[1µs, 2µs)`, `[2µs, 4µs)`, …), the last open-ended from 16.384 ms.
///
/// ```
/// let rt = weft_executor::Builder::new().poll_time_histogram(true).build().unwrap();
/// rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
/// let histogram = rt.handle().metrics().poll_time_histogram().cloned().unwrap();
/// let counted: u64 = histogram.buckets().map(|(_, n)| n).sum();
/// assert_eq!(counted, histogram.total());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollTimeHistogram {
    counts: [u64; BUCKETS],
}

impl PollTimeHistogram {
    fn of(stats: &WorkerStats) -> PollTimeHistogram {
        PollTimeHistogram {
            counts: std::array::from_fn(|i| stats.poll_times[i].get()),
        }
    }

    fn add(&mut self, other: &PollTimeHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }

    /// The range of poll durations bucket `index` counts (the last ends at `Duration::MAX`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft_executor::runtime::PollTimeHistogram;
    /// assert_eq!(PollTimeHistogram::bucket_range(0), Duration::ZERO..Duration::from_micros(1));
    /// assert_eq!(PollTimeHistogram::bucket_range(3), Duration::from_micros(4)..Duration::from_micros(8));
    /// ```
    pub fn bucket_range(index: usize) -> Range<Duration> {
        let edge = |i: usize| match i {
            0 => Duration::ZERO,
            BUCKETS.. => Duration::MAX,
            _ => Duration::from_micros(1 << (i - 1)),
        };
        edge(index)..edge(index + 1)
    }

    /// Every bucket in order: its range and how many polls fell in it.
    ///
    /// ```
    /// # let rt = weft_executor::Builder::new().poll_time_histogram(true).build().unwrap();
    /// # let histogram = rt.handle().metrics().poll_time_histogram().cloned().unwrap();
    /// for (range, polls) in histogram.buckets() {
    ///     println!("{:?}..{:?}: {polls}", range.start, range.end);
    /// }
    /// ```
    pub fn buckets(&self) -> impl Iterator<Item = (Range<Duration>, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, &n)| (Self::bucket_range(i), n))
    }

    /// Polls counted.
    ///
    /// ```
    /// # let rt = weft_executor::Builder::new().poll_time_histogram(true).build().unwrap();
    /// let histogram = rt.handle().metrics().poll_time_histogram().cloned().unwrap();
    /// assert_eq!(histogram.total(), 0); // nothing ran yet
    /// ```
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

impl fmt::Display for PollTimeHistogram {
    /// One line per non-empty bucket: `  [2µs, 4µs): 1234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (range, n) in self.buckets().filter(|&(_, n)| n > 0) {
            if range.end == Duration::MAX {
                writeln!(f, "  [{:?}, ∞): {n}", range.start)?;
            } else {
                writeln!(f, "  [{:?}, {:?}): {n}", range.start, range.end)?;
            }
        }
        Ok(())
    }
}

impl Handle {
    /// A snapshot of the runtime's load: queues, blocking pool and every worker's counters.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// println!("{}", rt.handle().metrics());
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        let shared = &self.inner.shared;
        let mut registered_tasks = 0;
        shared.registry.for_each(|_| registered_tasks += 1);
        let timed = shared.times_polls;
        let now = shared.started.elapsed();
        let workers: Vec<WorkerMetrics> = shared
            .stats
            .iter()
            .zip(shared.stealers.iter())
            .map(|(stats, stealer)| WorkerMetrics {
                polls: stats.polls.get(),
                steals: stats.steals.get(),
                parks: stats.parks.get(),
                busy: stats.busy(now),
                queue_depth: stealer.len(),
                poll_time_histogram: timed.then(|| PollTimeHistogram::of(stats)),
            })
            .collect();
        let poll_time_histogram = timed.then(|| {
            let mut sum = PollTimeHistogram {
                counts: [0; BUCKETS],
            };
            for w in &workers {
                if let Some(h) = &w.poll_time_histogram {
                    sum.add(h);
                }
            }
            sum
        });
        let pool = shared.blocking.load();
        RuntimeMetrics {
            workers,
            global_queue_depth: shared.injector.len(),
            blocking_threads: pool.threads,
            blocking_idle_threads: pool.idle,
            blocking_queue_depth: pool.queued,
            registered_tasks,
            poll_time_histogram,
        }
    }
}
