//! Looking inside a running runtime: the live task list and tree (asyncio's `all_tasks`,
//! `python -m asyncio ps/pstree`), slow-poll reports (debug mode's "Executing ... took"),
//! and a few cheap metrics.
//!
//! Every task records where it was spawned and which task spawned it, at the cost of two
//! words in its header. The list comes from the runtime's registry, which holds every task
//! that has gone idle at least once — and, in debug mode ([`Builder::debug`]), every task
//! from the moment it is spawned.
//!
//! [`Builder::debug`]: super::Builder::debug

use super::Handle;
use crate::task::{Header, TaskId};
use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};
use std::panic::Location;
use std::time::Duration;

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
            parent: header.parent,
            spawned_at: header.spawned_at,
            state,
        }
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
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{:?}] spawned at {}",
            self.name, self.state, self.spawned_at
        )
    }
}

/// A poll that took at least the configured threshold ([`Builder::slow_poll_threshold`]):
/// something in that task blocked its worker.
///
/// [`Builder::slow_poll_threshold`]: super::Builder::slow_poll_threshold
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
            self.task.name,
            self.task.spawned_at,
            self.took.as_secs_f64()
        )
    }
}

/// A snapshot of a runtime's load.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let m = rt.handle().metrics();
/// assert!(m.workers() >= 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeMetrics {
    workers: usize,
    blocking_threads: usize,
    queued: usize,
    registered_tasks: usize,
}

impl RuntimeMetrics {
    /// Worker threads.
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.handle().metrics().workers(), 3);
    /// ```
    pub fn workers(&self) -> usize {
        self.workers
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

    /// Tasks waiting in run queues (global and every worker's) at the moment of the snapshot.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let _ = rt.handle().metrics().queued();
    /// ```
    pub fn queued(&self) -> usize {
        self.queued
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
}

impl Handle {
    /// The runtime's live tasks (asyncio's `all_tasks()`): every one in debug mode, and
    /// otherwise every task that is waiting for something (has gone idle at least once).
    ///
    /// ```
    /// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
    /// let a = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.handle().tasks().len(), 1);
    /// a.cancel();
    /// ```
    pub fn tasks(&self) -> Vec<TaskInfo> {
        let mut out = Vec::new();
        self.inner
            .shared
            .registry
            .for_each(|task| out.push(TaskInfo::of(task)));
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

    /// A snapshot of the runtime's load.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// println!("{:?}", rt.handle().metrics());
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        let shared = &self.inner.shared;
        let mut registered_tasks = 0;
        shared.registry.for_each(|_| registered_tasks += 1);
        RuntimeMetrics {
            workers: shared.num_workers(),
            blocking_threads: shared.blocking.num_threads(),
            queued: shared.injector.len() + shared.stealers.iter().map(|s| s.len()).sum::<usize>(),
            registered_tasks,
        }
    }
}
