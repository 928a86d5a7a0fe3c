//! `block_in_place`: blocking code on a worker without losing the worker (tokio's).
//!
//! The worker's queues go with its core to a stand-in thread for as long as the blocking code
//! runs (`scheduler/worker.rs`, "Lending the core"), so the tasks queued behind the blocking
//! one keep running and the runtime keeps its full complement of workers.

/// Runs `f`, which may block (a synchronous library call, a lock, `Handle::block_on`), from
/// inside a task without stalling the tasks queued on this worker: the worker's queues and
/// role are first handed to a new thread, which runs them until `f` returns; then this
/// thread takes them back and the task carries on where it was. Cheaper to call than
/// [`spawn_blocking`](crate::spawn_blocking) when `f` borrows from the task, costlier (a
/// thread start) when it is short.
///
/// While `f` runs the thread is not a worker, so blocking calls that refuse to run on
/// workers (`Handle::block_on`) work there. Outside a task on a worker (a `block_on` thread,
/// a plain thread, a blocking job) it just runs `f`.
///
/// The task calling it does not move: other tasks awaited *by* it (a `join!` in the same
/// poll) wait for `f` too. When `f` returns, this thread waits for the stand-in to finish
/// the poll it is in before it resumes.
///
/// ```
/// let rt = weft_executor::Builder::new().worker_threads(1).build().unwrap();
/// rt.block_on(async {
///     let (tx, rx) = std::sync::mpsc::channel();
///     // On the only worker: `block_in_place` lets the helper task run meanwhile.
///     let helper = weft_executor::spawn(async move { tx.send("from the other task").unwrap() });
///     let blocker = weft_executor::spawn(async move {
///         weft_executor::task::block_in_place(|| rx.recv().unwrap())
///     });
///     assert_eq!(blocker.await.unwrap(), "from the other task");
///     helper.await.unwrap();
/// });
/// ```
pub fn block_in_place<R>(f: impl FnOnce() -> R) -> R {
    crate::scheduler::worker::block_in_place(f)
}
