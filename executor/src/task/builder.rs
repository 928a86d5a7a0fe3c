//! `task::Builder`: spawning with options (a name, for now).

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
            super::Origin::at(std::panic::Location::caller()).named(self.name),
        )
    }
}
