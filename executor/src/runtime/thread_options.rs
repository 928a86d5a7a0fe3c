//! How a runtime starts its threads: stack size and the start/stop hooks
//! (`Builder::thread_stack_size`, `on_thread_start`, `on_thread_stop`), shared by workers,
//! blocking-pool threads and the stand-in workers of `block_in_place`.
//!
//! Hooks run on the new thread inside the runtime's context (so `Handle::current()` works in
//! them), the start hook before the thread takes any work and the stop hook after its last.
//! They are user code the runtime calls: a panic in one is caught and goes to the runtime's
//! panic handler, and the thread carries on (a failed start hook does not lose the worker).

use std::fmt;
use std::io;
use std::sync::Arc;

/// A start or stop hook.
pub(crate) type ThreadHook = Arc<dyn Fn() + Send + Sync>;

/// The thread options of one runtime.
#[derive(Clone, Default)]
pub(crate) struct ThreadOptions {
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<ThreadHook>,
    pub(crate) on_stop: Option<ThreadHook>,
}

impl fmt::Debug for ThreadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadOptions")
            .field("stack_size", &self.stack_size)
            .field("on_start", &self.on_start.is_some())
            .field("on_stop", &self.on_stop.is_some())
            .finish()
    }
}

impl ThreadOptions {
    /// Starts a thread named `name` running `body` between the hooks. The caller enters the
    /// runtime's context inside `body` before calling [`run`](Self::run).
    pub(crate) fn spawn(
        &self,
        name: String,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<std::thread::JoinHandle<()>> {
        let mut builder = std::thread::Builder::new().name(name);
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        builder.spawn(body)
    }

    /// Runs `body` (a thread's work) between the start and stop hooks. The stop hook runs
    /// even when `body` unwinds.
    pub(crate) fn run<R>(&self, body: impl FnOnce() -> R) -> R {
        struct Stop<'a>(&'a Option<ThreadHook>);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                if let Some(hook) = self.0 {
                    weft_coop::catch("on_thread_stop hook", || hook());
                }
            }
        }
        if let Some(hook) = &self.on_start {
            weft_coop::catch("on_thread_start hook", || hook());
        }
        let _stop = Stop(&self.on_stop);
        body()
    }
}
