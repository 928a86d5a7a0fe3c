//! The FIFO callback queue behind `call_soon` / `call_soon_threadsafe`.
//!
//! Callbacks go into one queue under a mutex. When the queue goes from empty to non-empty a
//! *runner* task is spawned; it takes the callbacks that are queued when it starts and runs
//! them in order, so a callback queued by a callback runs in the next round (asyncio runs
//! only the `ntodo` handles present at the start of an iteration), then yields and repeats
//! until the queue is empty. A panicking callback goes to the runtime's panic handler and the
//! next callback still runs.

use crate::runtime::Handle;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

type Callback = Box<dyn FnOnce() + Send + 'static>;

pub(crate) struct CallbackQueue {
    state: Mutex<QueueState>,
}

struct QueueState {
    queue: VecDeque<(Callback, Arc<AtomicBool>)>,
    runner_scheduled: bool,
    closed: bool,
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
    cancelled: Arc<AtomicBool>,
}

impl fmt::Debug for CallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandle").field("cancelled", &self.cancelled()).finish()
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
/// let refused = handle.call_soon_threadsafe(|| 5).unwrap_err();
/// assert!(refused.to_string().contains("shut down"));
/// assert_eq!((refused.into_inner())(), 5);
/// ```
pub struct CallbackRefused<F>(F);

impl<F> CallbackRefused<F> {
    /// The callback that was not scheduled.
    ///
    /// ```
    /// # let rt = weft_executor::Runtime::new().unwrap();
    /// # let h = rt.handle().clone();
    /// # drop(rt);
    /// let f = h.call_soon(|| 1).unwrap_err().into_inner();
    /// assert_eq!(f(), 1);
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
        CallbackQueue { state: Mutex::new(QueueState { queue: VecDeque::new(), runner_scheduled: false, closed: false }) }
    }

    /// Refuses further callbacks and drops the queued ones (the runtime is shutting down).
    pub(crate) fn close(&self) {
        let dropped = {
            let mut state = self.state.lock();
            state.closed = true;
            std::mem::take(&mut state.queue)
        };
        drop(dropped);
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
    pub fn call_soon<F: FnOnce() + Send + 'static>(&self, f: F) -> Result<CallbackHandle, CallbackRefused<F>> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let callbacks = &self.inner.callbacks;
        let mut state = callbacks.state.lock();
        if state.closed || self.inner.shared.is_shutdown() {
            return Err(CallbackRefused(f));
        }
        state.queue.push_back((Box::new(f), cancelled.clone()));
        if !state.runner_scheduled {
            state.runner_scheduled = true;
            drop(state);
            drop(self.spawn(run_callbacks(self.clone())));
        }
        Ok(CallbackHandle { cancelled })
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
    pub fn call_soon_threadsafe<F: FnOnce() + Send + 'static>(&self, f: F) -> Result<CallbackHandle, CallbackRefused<F>> {
        self.call_soon(f)
    }
}

/// The runner: one round per batch of callbacks that were queued when the round began.
async fn run_callbacks(handle: Handle) {
    let callbacks = &handle.inner.callbacks;
    loop {
        let batch = {
            let mut state = callbacks.state.lock();
            if state.queue.is_empty() {
                state.runner_scheduled = false;
                return;
            }
            std::mem::take(&mut state.queue)
        };
        for (callback, cancelled) in batch {
            if cancelled.load(Ordering::Acquire) {
                continue;
            }
            if let Err(payload) = catch_unwind(AssertUnwindSafe(callback)) {
                let me = crate::task::current().expect("callbacks run inside the runner task");
                let err = crate::JoinError::panic(me.id(), Some(Arc::from("callback")), payload);
                (handle.inner.shared.panic_handler)(&err);
            }
        }
        crate::yield_now().await;
    }
}
