//! The FIFO callback queue behind `call_soon` / `call_soon_threadsafe` (and the due timers of
//! `call_later` / `call_at`).
//!
//! Callbacks go into one queue under a mutex. When the queue goes from empty to non-empty a
//! *runner* task is spawned; it takes the callbacks that are queued when it starts and runs
//! them in order, so a callback queued by a callback runs in the next round (asyncio runs
//! only the `ntodo` handles present at the start of an iteration), then yields and repeats
//! until the queue is empty. Timers that came due are kept in a min-heap and appended to a
//! round in deadline order, as asyncio's `_run_once` moves expired timers into its ready
//! queue. A panicking callback goes to the runtime's panic handler and the next one runs; a
//! panicking panic handler is reported on stderr. Should the runner still end abnormally
//! (cancelled, or a bug), a guard clears `runner_scheduled` and starts a new runner for what
//! is queued, so a later `call_soon` can never be accepted and then silently never run.

use crate::runtime::Handle;
use parking_lot::Mutex;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use weft_reactor::time::Instant;

/// A queued callback and the context it runs in: the one current where it was scheduled
/// (asyncio's `call_soon(..., context=None)`), `None` (free) when no variable was set.
pub(crate) struct Callback {
    f: Box<dyn FnOnce() + Send + 'static>,
    context: crate::context::ContextSlot,
}

impl Callback {
    #[inline]
    pub(crate) fn new(
        context: crate::context::ContextSlot,
        f: impl FnOnce() + Send + 'static,
    ) -> Callback {
        Callback {
            f: Box::new(f),
            context,
        }
    }
}

pub(crate) struct CallbackQueue {
    state: Mutex<QueueState>,
}

struct QueueState {
    queue: VecDeque<(Callback, Arc<AtomicBool>)>,
    /// Timers that came due, ordered by deadline (then by arrival).
    due: BinaryHeap<Reverse<DueTimer>>,
    next_seq: u64,
    runner_scheduled: bool,
    closed: bool,
}

struct DueTimer {
    when: Instant,
    seq: u64,
    callback: Callback,
    cancelled: Arc<AtomicBool>,
}

impl PartialEq for DueTimer {
    fn eq(&self, other: &Self) -> bool {
        (self.when, self.seq) == (other.when, other.seq)
    }
}
impl Eq for DueTimer {}
impl PartialOrd for DueTimer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for DueTimer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.when, self.seq).cmp(&(other.when, other.seq))
    }
}

/// A scheduled callback (asyncio's `Handle`): cancel it before it runs.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let handle = rt.handle().call_soon(|| unreachable!("cancelled first")).unwrap();
/// handle.cancel();
/// assert!(handle.cancelled());
/// ```
#[derive(Clone)]
pub struct CallbackHandle {
    pub(crate) cancelled: Arc<AtomicBool>,
}

impl fmt::Debug for CallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandle")
            .field("cancelled", &self.cancelled())
            .finish()
    }
}

impl CallbackHandle {
    /// Prevents the callback from running, if it has not run yet.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// rt.handle().call_soon(|| {}).unwrap().cancel();
    /// ```
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }

    /// True once [`cancel`](Self::cancel) was called.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// assert!(!rt.handle().call_soon(|| {}).unwrap().cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
}

/// The runtime has shut down, so the callback was not scheduled; it is handed back.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// drop(rt);
/// let (tx, rx) = std::sync::mpsc::channel();
/// let refused = handle.call_soon_threadsafe(move || tx.send(5).unwrap()).unwrap_err();
/// assert!(refused.to_string().contains("shut down"));
/// (refused.into_inner())(); // nothing was lost: run it here instead
/// assert_eq!(rx.recv().unwrap(), 5);
/// ```
pub struct CallbackRefused<F>(pub(crate) F);

impl<F> CallbackRefused<F> {
    /// The callback that was not scheduled.
    ///
    /// ```
    /// # let rt = weft_executor::Runtime::new().unwrap();
    /// # let h = rt.handle().clone();
    /// # drop(rt);
    /// let f = h.call_soon(|| println!("ran later")).unwrap_err().into_inner();
    /// f();
    /// ```
    pub fn into_inner(self) -> F {
        self.0
    }
}

impl<F> fmt::Debug for CallbackRefused<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackRefused(..)")
    }
}

impl<F> fmt::Display for CallbackRefused<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the weft runtime has shut down: the callback was not scheduled (it is returned inside this error)")
    }
}

impl<F> std::error::Error for CallbackRefused<F> {}

impl CallbackQueue {
    pub(crate) fn new() -> CallbackQueue {
        CallbackQueue {
            state: Mutex::new(QueueState {
                queue: VecDeque::new(),
                due: BinaryHeap::new(),
                next_seq: 0,
                runner_scheduled: false,
                closed: false,
            }),
        }
    }

    /// Refuses further callbacks and drops the queued ones (the runtime is shutting down),
    /// outside the lock and each on its own: a callback's captures are user code, and one
    /// whose `Drop` panics is reported without keeping the others from being dropped.
    pub(crate) fn close(&self) {
        let (queue, due) = {
            let mut state = self.state.lock();
            state.closed = true;
            (
                std::mem::take(&mut state.queue),
                std::mem::take(&mut state.due),
            )
        };
        let unrun = queue
            .into_iter()
            .map(|(callback, _)| callback)
            .chain(due.into_iter().map(|Reverse(timer)| timer.callback));
        for callback in unrun {
            weft_coop::catch("loop callback (dropped unrun at shutdown)", move || {
                drop(callback)
            });
        }
    }
}

impl Handle {
    /// Schedules `f` to run on the runtime soon, after the callbacks already scheduled
    /// (asyncio's `call_soon`). Callbacks run one at a time, in FIFO order. Unlike asyncio's,
    /// this may be called from any thread; it is the same as
    /// [`call_soon_threadsafe`](Self::call_soon_threadsafe).
    ///
    /// # Errors
    ///
    /// [`CallbackRefused`] (holding `f`) once the runtime has shut down.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// for i in 0..3 {
    ///     let tx = tx.clone();
    ///     rt.handle().call_soon(move || tx.send(i).unwrap()).unwrap();
    /// }
    /// let got: Vec<i32> = (0..3).map(|_| rx.recv().unwrap()).collect();
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    pub fn call_soon<F: FnOnce() + Send + 'static>(
        &self,
        f: F,
    ) -> Result<CallbackHandle, CallbackRefused<F>> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let mut f = Some(f);
        let context = crate::context::capture();
        let accepted = self.enqueue_callback(
            || Callback::new(context, f.take().expect("taken once")),
            cancelled.clone(),
        );
        match accepted {
            true => Ok(CallbackHandle { cancelled }),
            false => Err(CallbackRefused(f.take().expect("not taken when refused"))),
        }
    }

    /// Queues a callback (built by `make` only when it is accepted); false once closed.
    pub(crate) fn enqueue_callback(
        &self,
        make: impl FnOnce() -> Callback,
        cancelled: Arc<AtomicBool>,
    ) -> bool {
        self.enqueue(|state| state.queue.push_back((make(), cancelled)))
    }

    /// Hands a timer that came due to the runner, which orders due timers by deadline. The
    /// callback is built by `make` only when it is accepted; false once closed.
    pub(crate) fn enqueue_due_timer(
        &self,
        when: Instant,
        make: impl FnOnce() -> Callback,
        cancelled: Arc<AtomicBool>,
    ) -> bool {
        self.enqueue(|state| {
            let seq = state.next_seq;
            state.next_seq += 1;
            state.due.push(Reverse(DueTimer {
                when,
                seq,
                callback: make(),
                cancelled,
            }));
        })
    }

    fn enqueue(&self, push: impl FnOnce(&mut QueueState)) -> bool {
        let callbacks = &self.inner.callbacks;
        let mut state = callbacks.state.lock();
        if state.closed || self.inner.shared.is_shutdown() {
            return false;
        }
        push(&mut state);
        if !state.runner_scheduled {
            state.runner_scheduled = true;
            drop(state);
            drop(self.spawn_runner());
        }
        true
    }

    /// Schedules `f` from any thread and wakes the runtime (asyncio's
    /// `call_soon_threadsafe`): FIFO with every other `call_soon`.
    ///
    /// # Errors
    ///
    /// [`CallbackRefused`] (holding `f`) once the runtime has shut down: the callback is
    /// never lost silently.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// std::thread::spawn(move || handle.call_soon_threadsafe(move || tx.send("hi").unwrap()).unwrap())
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(rx.recv().unwrap(), "hi");
    /// ```
    pub fn call_soon_threadsafe<F: FnOnce() + Send + 'static>(
        &self,
        f: F,
    ) -> Result<CallbackHandle, CallbackRefused<F>> {
        self.call_soon(f)
    }
}

impl Handle {
    /// Starts a runner task: never eager (a `call_soon` must not run its callback before it
    /// returns) and with no context of its own (each callback brings the one it was
    /// scheduled in).
    #[track_caller]
    fn spawn_runner(&self) -> crate::Task<()> {
        let origin = crate::task::Origin::internal(std::panic::Location::caller());
        self.spawn_with(run_callbacks(self.clone()), origin)
    }
}

/// The runner: one round per batch of callbacks that were queued when the round began.
async fn run_callbacks(handle: Handle) {
    let runner = Runner(&handle);
    let callbacks = &handle.inner.callbacks;
    loop {
        let batch = {
            let mut state = callbacks.state.lock();
            if state.queue.is_empty() && state.due.is_empty() {
                state.runner_scheduled = false;
                std::mem::forget(runner);
                return;
            }
            let mut batch = std::mem::take(&mut state.queue);
            while let Some(Reverse(timer)) = state.due.pop() {
                batch.push_back((timer.callback, timer.cancelled));
            }
            batch
        };
        for (Callback { f, context }, cancelled) in batch {
            if cancelled.load(Ordering::Acquire) {
                continue;
            }
            // Each callback in the context it was scheduled in. The runner is a task
            // without one, so the thread's is empty here and a callback scheduled where no
            // variable was set runs as it is.
            let (ran, left) = match context {
                None => (
                    catch_unwind(AssertUnwindSafe(f)),
                    crate::context::take_left(),
                ),
                Some(_) => crate::context::scope(context, || catch_unwind(AssertUnwindSafe(f))),
            };
            // What it set is dropped here, not seen by the next; a value's `Drop` is user code
            // too, and a panic in it is reported like the callback's own.
            let ran = ran.and(catch_unwind(AssertUnwindSafe(move || drop(left))));
            if let Err(payload) = ran {
                let me = crate::task::current().expect("callbacks run inside the runner task");
                let err =
                    crate::JoinError::panic(me.id(), Some(Arc::new("callback".into())), payload);
                handle.inner.shared.report_panic(err);
            }
        }
        crate::yield_now().await;
    }
}

/// Dropped only when the runner ends abnormally (its normal exit forgets it): frees the
/// runner slot, and starts a successor for whatever is still queued.
struct Runner<'a>(&'a Handle);

impl Drop for Runner<'_> {
    fn drop(&mut self) {
        let handle = self.0;
        let mut state = handle.inner.callbacks.state.lock();
        state.runner_scheduled = false;
        let queued = !state.queue.is_empty() || !state.due.is_empty();
        if queued && !state.closed && !handle.inner.shared.is_shutdown() {
            state.runner_scheduled = true;
            drop(state);
            drop(handle.spawn_runner());
        }
    }
}
