//! `task::Builder`: spawning with options (a name; eager start).

use super::Task;
use crate::runtime::Handle;
use std::future::Future;
use std::sync::Arc;

/// Spawns a task with options, such as a name for debugging (asyncio's `create_task(name=)`).
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let task = weft_executor::task::Builder::new().name("poller").spawn(async { 1 });
///     assert_eq!(task.name(), "poller");
///     assert_eq!(task.await.unwrap(), 1);
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<super::header::TaskName>,
    /// `None`: the runtime's default (`Builder::eager_tasks`).
    eager: Option<bool>,
}

impl Builder {
    /// A builder with no options set.
    ///
    /// ```
    /// let _ = weft_executor::task::Builder::new();
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task; the name shows in [`Task::name`], `task::current()` and `JoinError`s.
    ///
    /// ```
    /// let b = weft_executor::task::Builder::new().name("reader");
    /// # let _ = b;
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(Arc::new(name.into()));
        self
    }

    /// Starts the task eagerly (asyncio 3.12's eager tasks): `spawn` polls it at once, on the
    /// calling thread, until it first waits. A task that finishes in that poll is done when
    /// `spawn` returns and never touches a queue; one that waits carries on as any task.
    /// Inside the eager poll, [`current()`](fn@super::current) is the new task (its spawner is
    /// its parent) and the task runs in a copy of the spawner's context, as it would on a
    /// worker. `eager(false)` queues the task even on a runtime built with
    /// [`eager_tasks(true)`](crate::Builder::eager_tasks).
    ///
    /// Eagerness needs the runtime to be current on the calling thread (inside a task, a
    /// `block_on`, a blocking job): spawned from elsewhere (`spawn_on` from a plain thread) the
    /// task is queued as usual.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let task = weft_executor::task::Builder::new().eager(true).spawn(async { 2 + 2 });
    ///     assert!(task.is_finished()); // it completed inside `spawn`
    ///     assert_eq!(task.await.unwrap(), 4);
    /// });
    /// ```
    pub fn eager(mut self, eager: bool) -> Builder {
        self.eager = Some(eager);
        self
    }

    /// Spawns on the current runtime, like [`spawn`](crate::spawn).
    ///
    /// # Panics
    ///
    /// Outside a weft runtime; see [`Handle::current`].
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let n = rt.block_on(async { weft_executor::task::Builder::new().spawn(async { 3 }).await });
    /// assert_eq!(n.unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_on(&Handle::current(), future)
    }

    /// Spawns on the runtime behind `handle`, from any thread.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = weft_executor::task::Builder::new().name("x").spawn_on(&rt.handle(), async { 5 });
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, handle: &Handle, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_with(
            future,
            super::Origin::at(std::panic::Location::caller())
                .named(self.name)
                .eager(self.eager),
        )
    }
}
