//! Slow-poll reports: a poll that took longer than the configured threshold blocked its
//! worker (asyncio debug mode's "Executing <Task ...> took 0.123 seconds").
//!
//! A poll is reported when it ends, with how long it took; and a watchdog thread, started
//! with the runtime when a threshold is set, looks at every worker's running cell a few times
//! per threshold and reports a poll that has passed it while it is *still running*, once per
//! poll. It times a poll from its own first sighting of it, not from the poll's start stamp:
//! that stamp is the coarse clock's, stale by as long as no reactor has turned, and timing
//! from it reported polls a moment old as slow. Without the watchdog a poll that never ends (a deadlock on a `std::sync::Mutex`, a
//! `thread::sleep` in a loop) would never be reported at all.

use super::TaskInfo;
use std::fmt;
use std::time::{Duration, Instant};

/// A poll that took at least the configured threshold ([`Builder::slow_poll_threshold`]):
/// something in that task blocked its worker.
///
/// [`Builder::slow_poll_threshold`]: crate::Builder::slow_poll_threshold
///
/// ```
/// let rt = weft_executor::Builder::new()
///     .slow_poll_threshold(std::time::Duration::from_millis(100))
///     .on_slow_poll(|slow: &weft_executor::runtime::SlowPoll| eprintln!("{slow}"))
///     .build()
///     .unwrap();
/// # drop(rt);
/// ```
#[derive(Debug, Clone)]
pub struct SlowPoll {
    pub(crate) task: TaskInfo,
    pub(crate) took: Duration,
    pub(crate) still_running: bool,
}

impl SlowPoll {
    /// The task whose poll was slow.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let seen = Arc::new(Mutex::new(None));
    /// let s = seen.clone();
    /// let rt = weft_executor::Builder::new()
    ///     .slow_poll_threshold(std::time::Duration::from_millis(5))
    ///     .on_slow_poll(move |slow| *s.lock().unwrap() = Some(slow.task().name().to_owned()))
    ///     .build()
    ///     .unwrap();
    /// let t = weft_executor::task::Builder::new().name("hog").spawn_on(rt.handle(), async {
    ///     std::thread::sleep(std::time::Duration::from_millis(20)); // blocks its worker
    /// });
    /// rt.block_on(t).unwrap();
    /// assert_eq!(seen.lock().unwrap().as_deref(), Some("hog"));
    /// ```
    pub fn task(&self) -> &TaskInfo {
        &self.task
    }

    /// How long the poll took.
    ///
    /// ```
    /// # let slow = None::<weft_executor::runtime::SlowPoll>;
    /// if let Some(slow) = slow { println!("{:?}", slow.took()); }
    /// ```
    pub fn took(&self) -> Duration {
        self.took
    }

    /// True for the watchdog's report of a poll that has passed the threshold and has not
    /// ended yet ([`took`](Self::took) is then how long it has run at least: since the
    /// watchdog first saw it, at most one look after it began); false for the report made
    /// when a slow poll ends.
    ///
    /// ```
    /// # let slow = None::<weft_executor::runtime::SlowPoll>;
    /// if let Some(slow) = slow {
    ///     if slow.is_still_running() { eprintln!("stuck: {slow}"); }
    /// }
    /// ```
    pub fn is_still_running(&self) -> bool {
        self.still_running
    }
}

/// Starts the watchdog thread of a runtime with a slow-poll threshold (see the module docs).
/// It holds the runtime weakly and ends when the runtime shuts down or is dropped.
pub(crate) fn start_watchdog(
    shared: std::sync::Weak<crate::scheduler::Shared>,
    threshold: Duration,
    handler: crate::scheduler::SlowPollHandler,
) -> std::io::Result<()> {
    // A few looks per threshold, but never busier than every millisecond.
    let period = (threshold / 4).clamp(Duration::from_millis(1), Duration::from_millis(250));
    std::thread::Builder::new()
        .name("weft-slow-poll-watchdog".into())
        .spawn(move || {
            // Per worker, the poll in progress at the last look (task id and start stamp),
            // when this thread first saw it, and whether it was reported.
            let mut seen: Vec<Option<Sighting>> = Vec::new();
            loop {
                std::thread::sleep(period);
                let Some(shared) = shared.upgrade() else {
                    return;
                };
                if shared.is_shutdown() {
                    return;
                }
                seen.resize(shared.stats.len(), None);
                for (stats, last) in shared.stats.iter().zip(seen.iter_mut()) {
                    let Some(running) = stats.running.load() else {
                        *last = None;
                        continue;
                    };
                    let poll = (running.task, running.since_ms);
                    let sighting = match last {
                        Some(s) if s.poll == poll => s,
                        _ => last.insert(Sighting {
                            poll,
                            first_seen: Instant::now(),
                            reported: false,
                        }),
                    };
                    // The poll's start stamp is the coarse clock's, which may be stale by as
                    // long as no reactor turned (every worker busy): measured from it, a
                    // poll that began a moment ago could look slow. Since this thread first
                    // saw it is a bound that never overstates.
                    let took = sighting.first_seen.elapsed();
                    if took < threshold || sighting.reported {
                        continue;
                    }
                    sighting.reported = true;
                    let mut task = running_task(&shared, &running);
                    task.running_for = Some(took);
                    let report = SlowPoll {
                        task,
                        took,
                        still_running: true,
                    };
                    if let Err(payload) =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&report)))
                    {
                        weft_coop::report("slow-poll handler", payload);
                    }
                }
            }
        })
        .map(|_| ())
}

/// The registry's view of the running task when it has one (its name), else what the
/// running cell says.
fn running_task(
    shared: &crate::scheduler::Shared,
    running: &crate::scheduler::running::Running,
) -> TaskInfo {
    let id = crate::task::TaskId::from_u64(running.task);
    let mut found = None;
    shared.registry.for_each(|task| {
        if task.id == id {
            found = Some(TaskInfo::of(task));
        }
    });
    found.unwrap_or_else(|| TaskInfo::running(running))
}

/// The watchdog's view of one worker's poll in progress.
#[derive(Clone, Copy)]
struct Sighting {
    /// The poll: its task id and coarse start stamp.
    poll: (u64, u32),
    /// When the watchdog first saw it running.
    first_seen: Instant,
    /// Whether it was reported (each poll once).
    reported: bool,
}

impl fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.still_running {
            return write!(
                f,
                "{} (spawned at {}) has been in one poll for {:.3} seconds and is still \
                 running: something in it blocks the worker",
                self.task.name(),
                self.task.spawned_at(),
                self.took.as_secs_f64()
            );
        }
        write!(
            f,
            "executing {} (spawned at {}) took {:.3} seconds: something in it blocks the worker",
            self.task.name(),
            self.task.spawned_at(),
            self.took.as_secs_f64()
        )
    }
}
