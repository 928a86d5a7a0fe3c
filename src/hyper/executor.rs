//! [`WeftExecutor`]: where hyper spawns its background tasks.

use std::future::Future;

/// hyper's executor: every future hyper hands over (an HTTP/2 connection's stream tasks, the
/// pooled client's connection tasks) becomes a weft task on the current runtime, detached.
/// A panic in one is caught by the runtime and reported to its panic handler.
///
/// hyper calls it from inside the futures the runtime is polling, so "the current runtime" is
/// the one serving the connection. Calling it on a thread with no weft runtime panics, as
/// [`spawn`](crate::spawn) does.
///
/// ```
/// use hyper::rt::Executor;
/// weft::run(async {
///     let (tx, rx) = std::sync::mpsc::channel();
///     weft::hyper::WeftExecutor::new().execute(async move { tx.send(7).unwrap() });
///     weft::spawn_blocking(move || rx.recv().unwrap()).await.unwrap()
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct WeftExecutor {
    _private: (),
}

impl WeftExecutor {
    /// The executor; it holds no state, so make one wherever hyper asks for one.
    ///
    /// ```
    /// let builder = hyper::server::conn::http2::Builder::new(weft::hyper::WeftExecutor::new());
    /// # drop(builder);
    /// ```
    pub fn new() -> WeftExecutor {
        WeftExecutor { _private: () }
    }
}

impl<F> hyper::rt::Executor<F> for WeftExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // Detached: hyper tracks its tasks' ends itself (through the connection state).
        drop(crate::spawn(future));
    }
}
