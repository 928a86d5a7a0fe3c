//! Looking inside a running runtime: the live task list and tree with what each task waits
//! on (asyncio's `all_tasks`, `python -m asyncio ps/pstree`), slow-poll reports (debug
//! mode's "Executing ... took"), per-worker metrics, and dumps of all of it on a signal.
//!
//! Every task records where it was spawned and which task spawned it, at the cost of two
//! words in its header, and where it waits ([`wait_point`]), at the cost of one store per
//! `Pending`. The list comes from the runtime's registry, which holds every task that has
//! gone idle at least once — and, in debug mode ([`Builder::debug`]), every task from the
//! moment it is spawned — plus the task each worker is polling right now
//! (`scheduler/running.rs`), so a task that blocks its worker in its first poll is listed
//! too, with how long that poll has run. With a slow-poll threshold, a watchdog thread
//! (`slow_poll.rs`) reports a poll that passes the threshold while it is still running.
//!
//! [`Builder::debug`]: super::Builder::debug

#[cfg(unix)]
pub(crate) mod dump_signal;
mod metrics;
mod slow_poll;
mod wait_point;

pub use metrics::{PollTimeHistogram, RuntimeMetrics, WorkerMetrics};
pub use slow_poll::SlowPoll;
pub(crate) use slow_poll::start_watchdog;
pub use wait_point::{IoOp, IoResource, WaitKind, WaitPoint};

use super::Handle;
use crate::task::{Header, TaskId};
use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};
use std::panic::Location;

/// What a task was doing when it was listed.
///
/// ```
/// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
/// let _t = rt.spawn(std::future::pending::<()>());
/// while rt.handle().tasks()[0].state() != weft_executor::runtime::TaskState::Idle {
///     std::thread::yield_now();
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting for a wake-up (the usual state of a live task).
    Idle,
    /// Queued to run.
    Scheduled,
    /// Being polled right now on some worker.
    Running,
    /// Finished, but not yet removed (a transient state).
    Finished,
}

/// One live task, as listed by [`Handle::tasks`].
///
/// ```
/// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
/// let t = weft_executor::task::Builder::new().name("sleeper").spawn_on(rt.handle(), std::future::pending::<()>());
/// let info = rt.handle().tasks().into_iter().find(|i| i.id() == t.id()).unwrap();
/// assert_eq!(info.name(), "sleeper");
/// assert!(info.spawned_at().file().ends_with(".rs"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    id: TaskId,
    name: String,
    parent: Option<TaskId>,
    spawned_at: &'static Location<'static>,
    state: TaskState,
    waiting_on: Option<WaitPoint>,
    running_for: Option<std::time::Duration>,
}

impl TaskInfo {
    pub(crate) fn of(header: &Header) -> TaskInfo {
        let s = header.state.load();
        let state = if s.is_complete() {
            TaskState::Finished
        } else if s.is_running() {
            TaskState::Running
        } else if s.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        TaskInfo {
            id: header.id,
            name: header.name().into_owned(),
            parent: header.parent(),
            spawned_at: header.spawned_at,
            // Only an idle task waits; a queued or running one's record is stale.
            waiting_on: (state == TaskState::Idle)
                .then(|| WaitPoint::of(&header.wait))
                .flatten(),
            state,
            running_for: None,
        }
    }

    /// A task known only from a worker's running cell: it never went idle, so it is not in
    /// the registry, and its header may not be read from here.
    pub(crate) fn running(running: &crate::scheduler::running::Running) -> TaskInfo {
        let id = TaskId::from_u64(running.task);
        TaskInfo {
            id,
            name: format!("Task-{}", running.task),
            parent: None,
            spawned_at: running.spawned_at,
            state: TaskState::Running,
            waiting_on: None,
            running_for: Some(running.elapsed()),
        }
    }

    /// For a task being polled right now: how long the current poll has run (to the coarse
    /// clock's millisecond). `None` when it is not running. The poll's start is stamped from
    /// the coarse clock, which moves only when a reactor turns: a poll that starts right
    /// after a long stretch with every worker busy can read as older than it is, by up to
    /// that stretch (the slow-poll watchdog does not rely on it, see
    /// [`SlowPoll::is_still_running`](crate::runtime::SlowPoll::is_still_running)).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// let hog = rt.spawn(async move { rx.recv().unwrap() }); // blocks its worker
    /// let listed = loop {
    ///     let tasks = rt.handle().tasks();
    ///     if let Some(t) = tasks.into_iter().find(|t| t.id() == hog.id()) {
    ///         break t;
    ///     }
    ///     std::thread::yield_now();
    /// };
    /// assert!(listed.running_for().is_some());
    /// tx.send(()).unwrap();
    /// ```
    pub fn running_for(&self) -> Option<std::time::Duration> {
        self.running_for
    }

    /// The task's id.
    ///
    /// ```
    /// # let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// # let t = rt.spawn(std::future::pending::<()>());
    /// assert!(rt.handle().tasks().iter().any(|i| i.id() == t.id()));
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name (`Task-<id>` unless named).
    ///
    /// ```
    /// # let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// # let t = rt.spawn(std::future::pending::<()>());
    /// assert!(rt.handle().tasks()[0].name().starts_with("Task-"));
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The task that spawned this one, if it was spawned from inside a task.
    ///
    /// ```
    /// # let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// # let t = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().tasks()[0].parent(), None); // spawned from plain code
    /// ```
    pub fn parent(&self) -> Option<TaskId> {
        self.parent
    }

    /// Where in the source the task was spawned.
    ///
    /// ```
    /// # let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// let t = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().tasks()[0].spawned_at().line(), line!() - 1);
    /// ```
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }

    /// What it was doing when listed.
    ///
    /// ```
    /// # let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// # let t = rt.spawn(std::future::pending::<()>());
    /// let _ = rt.handle().tasks()[0].state();
    /// ```
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// What the task waits on, if it is idle and the leaf future it waits in is one of
    /// weft's (a timer, a sync primitive, a socket, another task...); `None` for a task that
    /// is queued or running, or that waits on a future weft does not know.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// let event = std::sync::Arc::new(weft_sync::Event::new());
    /// let e = event.clone();
    /// let waiter = rt.spawn(async move { e.wait().await });
    /// let wait = loop {
    ///     let info = rt.handle().tasks().into_iter().find(|t| t.id() == waiter.id()).unwrap();
    ///     match info.waiting_on() {
    ///         Some(wait) => break wait,
    ///         None => std::thread::yield_now(),
    ///     }
    /// };
    /// assert_eq!(wait.kind(), weft_executor::runtime::WaitKind::Event);
    /// event.set();
    /// rt.block_on(waiter).unwrap();
    /// ```
    pub fn waiting_on(&self) -> Option<WaitPoint> {
        self.waiting_on
    }
}

impl fmt::Display for TaskInfo {
    /// `name [State] spawned at file:line:col`, then for an idle task what it waits on and
    /// for how long: `, waiting on Lock at src/db.rs:12 (3.2s)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{:?}] spawned at {}",
            self.name, self.state, self.spawned_at
        )?;
        if let Some(wait) = &self.waiting_on {
            write!(f, ", {wait} ({:.1}s)", wait.since().elapsed().as_secs_f64())?;
        }
        if let Some(running) = self.running_for {
            write!(f, ", polled for {:.3}s so far", running.as_secs_f64())?;
        }
        Ok(())
    }
}

impl Handle {
    /// The runtime's live tasks (asyncio's `all_tasks()`): every one in debug mode, and
    /// otherwise every task that is waiting for something (has gone idle at least once) or
    /// is being polled right now (with [`TaskInfo::running_for`]).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// let a = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().tasks().len(), 1);
    /// a.cancel();
    /// ```
    pub fn tasks(&self) -> Vec<TaskInfo> {
        let mut out = Vec::new();
        let shared = &self.inner.shared;
        shared
            .registry
            .for_each(|task| out.push(TaskInfo::of(task)));
        for running in shared.stats.iter().filter_map(|s| s.running.load()) {
            let id = TaskId::from_u64(running.task);
            match out.iter_mut().find(|t| t.id == id) {
                Some(listed) => {
                    listed.state = TaskState::Running;
                    listed.waiting_on = None;
                    listed.running_for = Some(running.elapsed());
                }
                None => out.push(TaskInfo::running(&running)),
            }
        }
        out.sort_by_key(|t| t.id);
        out
    }

    /// The live tasks as a tree, children under the task that spawned them (asyncio's
    /// `python -m asyncio pstree`).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// let parent = weft_executor::task::Builder::new().name("parent").spawn_on(rt.handle(), async {
    ///     let child = weft_executor::task::Builder::new().name("child").spawn(std::future::pending::<()>());
    ///     std::future::pending::<()>().await;
    ///     drop(child);
    /// });
    /// while rt.handle().tasks().len() < 2 {
    ///     std::thread::yield_now();
    /// }
    /// let tree = rt.handle().dump_tasks();
    /// assert!(tree.contains("└─ parent"), "{tree}");
    /// assert!(tree.contains("   └─ child"), "{tree}");
    /// # parent.cancel();
    /// ```
    pub fn dump_tasks(&self) -> String {
        let tasks = self.tasks();
        let ids: HashSet<TaskId> = tasks.iter().map(|t| t.id).collect();
        let mut children: BTreeMap<Option<TaskId>, Vec<&TaskInfo>> = BTreeMap::new();
        for task in &tasks {
            // A task whose parent is gone (or was never listed) is shown as a root.
            let parent = task.parent.filter(|p| ids.contains(p));
            children.entry(parent).or_default().push(task);
        }
        let mut out = format!(
            "weft runtime: {} live task{}\n",
            tasks.len(),
            if tasks.len() == 1 { "" } else { "s" }
        );
        fn walk(
            out: &mut String,
            children: &BTreeMap<Option<TaskId>, Vec<&TaskInfo>>,
            of: Option<TaskId>,
            prefix: &str,
        ) {
            let Some(list) = children.get(&of) else {
                return;
            };
            for (i, task) in list.iter().enumerate() {
                let last = i + 1 == list.len();
                let _ = writeln!(out, "{prefix}{}{task}", if last { "└─ " } else { "├─ " });
                let deeper = format!("{prefix}{}", if last { "   " } else { "│  " });
                walk(out, children, Some(task.id), &deeper);
            }
        }
        walk(&mut out, &children, None, "");
        out
    }
}
