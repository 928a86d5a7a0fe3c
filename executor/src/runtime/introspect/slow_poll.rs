//! Slow-poll reports: a poll that took longer than the configured threshold blocked its
//! worker (asyncio debug mode's "Executing <Task ...> took 0.123 seconds").

use super::TaskInfo;
use std::fmt;
use std::time::Duration;

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
}

impl fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "executing {} (spawned at {}) took {:.3} seconds: something in it blocks the worker",
            self.task.name(),
            self.task.spawned_at(),
            self.took.as_secs_f64()
        )
    }
}
