//! [`Promise`]: asyncio's `Future`, a write-once slot that any number of tasks can await.
//!
//! One mutex guards the outcome (pending, a value, or cancelled), the wait list of tasks
//! awaiting it and the queue of done-callbacks. Completing it (`set_result` or `cancel`)
//! records the outcome, notifies every waiter and then runs the callbacks, all *after* the
//! mutex is released. Each awaiting task gets its own clone of the value (`T: Clone`), so
//! awaiting from many tasks and threads at once just works.
//!
//! asyncio schedules every done-callback on the loop with `call_soon`; weft has no loop to
//! borrow here, so callbacks run on the thread that completes the promise, or immediately in
//! `add_done_callback` if it is already done. Registration order is kept across threads: one
//! thread at a time drains the callback queue, and a callback added while it drains queues
//! behind the others instead of overtaking them. Each callback runs exactly once; one that
//! panics is reported to the runtime's panic handler (or stderr off a runtime) and the rest
//! still run.

use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::loom::{Arc, Mutex};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;
use weft_coop::WaitKind;

type Callback<T> = Box<dyn FnOnce(&Promise<T>) + Send>;

/// A value that will be set once and can be awaited by any number of tasks (asyncio's
/// `Future`, as returned by `loop.create_future()`).
///
/// `Promise` is a cloneable handle: clones refer to the same slot. Awaiting yields
/// `Ok(value)` (a clone of it) or `Err(Cancelled)`.
///
/// ```
#[doc = doc_block_on!()]
/// use weft_sync::Promise;
///
/// let answer = Promise::new();
/// let setter = {
///     let answer = answer.clone();
///     std::thread::spawn(move || answer.set_result(42).unwrap())
/// };
/// assert_eq!(block_on(answer.wait()), Ok(42));
/// assert_eq!(answer.result(), Ok(42));
/// setter.join().unwrap();
/// ```
pub struct Promise<T> {
    shared: Arc<Mutex<State<T>>>,
}

struct State<T> {
    outcome: Outcome<T>,
    waiters: WaitList<()>,
    callbacks: VecDeque<(CallbackId, Callback<T>)>,
    /// Some thread is draining `callbacks`; new ones queue behind.
    dispatching: bool,
    next_callback: u64,
}

enum Outcome<T> {
    Pending,
    Done(T),
    Cancelled,
}

impl<T> Promise<T> {
    /// Creates a pending promise.
    ///
    /// ```
    /// let p = weft_sync::Promise::<u8>::new();
    /// assert!(!p.done());
    /// ```
    pub fn new() -> Self {
        Promise {
            shared: Arc::new(Mutex::new(State {
                outcome: Outcome::Pending,
                waiters: WaitList::new(),
                callbacks: VecDeque::new(),
                dispatching: false,
                next_callback: 0,
            })),
        }
    }

    /// Completes the promise with `value`, waking every waiter and running the callbacks.
    ///
    /// Refused with [`InvalidStateError`] if it is already done (set or cancelled).
    ///
    /// ```
    /// let p = weft_sync::Promise::new();
    /// assert!(p.set_result(1).is_ok());
    /// assert!(p.set_result(2).is_err()); // a second set is refused
    /// assert_eq!(p.result(), Ok(1));
    /// ```
    pub fn set_result(&self, value: T) -> Result<(), InvalidStateError> {
        self.complete(Outcome::Done(value))
            .map_err(|_| InvalidStateError::already_done())
    }

    /// Cancels the promise: waiters get [`Cancelled`] and the callbacks run. Returns `false`
    /// (and does nothing) if it was already done.
    ///
    /// ```
    /// let p = weft_sync::Promise::<()>::new();
    /// assert!(p.cancel());
    /// assert!(p.cancelled());
    /// assert!(!p.cancel());
    /// ```
    pub fn cancel(&self) -> bool {
        self.complete(Outcome::Cancelled).is_ok()
    }

    /// Records `outcome` if still pending; hands it back otherwise (dropped by the caller
    /// after the mutex is released).
    fn complete(&self, outcome: Outcome<T>) -> Result<(), Outcome<T>> {
        let mut wakers = WakeBatch::new();
        let dispatch = {
            let mut state = self.shared.lock();
            if !matches!(state.outcome, Outcome::Pending) {
                return Err(outcome);
            }
            state.outcome = outcome;
            state.waiters.notify_all(&mut wakers, |()| {});
            let dispatch = !state.callbacks.is_empty() && !state.dispatching;
            state.dispatching |= dispatch;
            dispatch
        };
        wakers.wake_all();
        if dispatch {
            self.run_callbacks();
        }
        Ok(())
    }

    /// Drains the callback queue in order. The caller has set `dispatching`. A callback is
    /// user code: one that panics is reported (`weft_coop::report`) and the rest still run,
    /// so a panic can neither escape into whoever completed the promise nor leave the queue
    /// stuck half-drained.
    fn run_callbacks(&self) {
        loop {
            let callback = {
                let mut state = self.shared.lock();
                match state.callbacks.pop_front() {
                    Some((_, callback)) => callback,
                    None => {
                        state.dispatching = false;
                        break;
                    }
                }
            };
            weft_coop::catch("done-callback", || callback(self));
        }
    }

    /// Whether the promise is done: it has a result or was cancelled.
    ///
    /// ```
    /// let p = weft_sync::Promise::new();
    /// p.set_result("x").unwrap();
    /// assert!(p.done());
    /// ```
    pub fn done(&self) -> bool {
        !matches!(self.shared.lock().outcome, Outcome::Pending)
    }

    /// Whether the promise was cancelled.
    ///
    /// ```
    /// let p = weft_sync::Promise::<()>::new();
    /// assert!(!p.cancelled());
    /// p.cancel();
    /// assert!(p.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(self.shared.lock().outcome, Outcome::Cancelled)
    }

    /// Registers `callback` to run once when the promise is done; it receives the promise.
    ///
    /// Callbacks run in registration order, exactly once each: on the thread that completes
    /// the promise, or right here if it is already done. Returns an id for
    /// [`remove_done_callback`](Promise::remove_done_callback).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let p = weft_sync::Promise::new();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// for tag in ["a", "b"] {
    ///     let seen = seen.clone();
    ///     p.add_done_callback(move |p| seen.lock().unwrap().push((tag, p.result().unwrap())));
    /// }
    /// p.set_result(7).unwrap();
    /// assert_eq!(*seen.lock().unwrap(), [("a", 7), ("b", 7)]);
    /// ```
    pub fn add_done_callback<F>(&self, callback: F) -> CallbackId
    where
        F: FnOnce(&Promise<T>) + Send + 'static,
    {
        let (id, dispatch) = {
            let mut state = self.shared.lock();
            let id = CallbackId(state.next_callback);
            state.next_callback += 1;
            state.callbacks.push_back((id, Box::new(callback)));
            let dispatch = !matches!(state.outcome, Outcome::Pending) && !state.dispatching;
            state.dispatching |= dispatch;
            (id, dispatch)
        };
        if dispatch {
            self.run_callbacks();
        }
        id
    }

    /// Unregisters a callback that has not run yet; returns whether it was found.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let p = weft_sync::Promise::new();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let flag = ran.clone();
    /// let id = p.add_done_callback(move |_| flag.store(true, Ordering::SeqCst));
    /// assert!(p.remove_done_callback(id));
    /// assert!(!p.remove_done_callback(id)); // already gone
    /// p.set_result(()).unwrap();
    /// assert!(!ran.load(Ordering::SeqCst));
    /// ```
    pub fn remove_done_callback(&self, id: CallbackId) -> bool {
        let removed = {
            let mut state = self.shared.lock();
            let position = state.callbacks.iter().position(|(other, _)| *other == id);
            position.and_then(|at| state.callbacks.remove(at))
        };
        // The closure (and whatever it captured) is dropped here, outside the lock.
        removed.is_some()
    }

    /// A future that waits for the promise and resolves to its outcome.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let p = weft_sync::Promise::new();
    /// p.set_result(String::from("hi")).unwrap();
    /// assert_eq!(block_on(p.wait()).as_deref(), Ok("hi"));
    /// assert_eq!(block_on(async { p.clone().await }).as_deref(), Ok("hi")); // a Promise is awaitable itself
    /// ```
    #[track_caller]
    pub fn wait(&self) -> PromiseWait<T> {
        PromiseWait {
            promise: self.clone(),
            waiter: None,
            site: Location::caller(),
        }
    }
}

impl<T: Clone> Promise<T> {
    /// The result without waiting: the value, [`InvalidStateError`] while pending, or
    /// [`Cancelled`].
    ///
    /// ```
    /// use weft_sync::{Promise, PromiseError};
    ///
    /// let p = Promise::new();
    /// assert!(matches!(p.result(), Err(PromiseError::InvalidState(_))));
    /// p.set_result(3).unwrap();
    /// assert_eq!(p.result(), Ok(3));
    /// ```
    pub fn result(&self) -> Result<T, PromiseError> {
        match &self.shared.lock().outcome {
            Outcome::Pending => Err(PromiseError::InvalidState(InvalidStateError::not_done())),
            Outcome::Done(value) => Ok(value.clone()),
            Outcome::Cancelled => Err(PromiseError::Cancelled(Cancelled)),
        }
    }
}

impl<T> Clone for Promise<T> {
    /// Another handle to the same promise.
    ///
    /// ```
    /// let p = weft_sync::Promise::new();
    /// let q = p.clone();
    /// q.set_result(1).unwrap();
    /// assert_eq!(p.result(), Ok(1));
    /// ```
    fn clone(&self) -> Self {
        Promise {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Default for Promise<T> {
    /// A pending promise.
    ///
    /// ```
    /// let p: weft_sync::Promise<i32> = Default::default();
    /// assert!(!p.done());
    /// ```
    fn default() -> Self {
        Promise::new()
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.shared.lock().outcome {
            Outcome::Pending => "pending",
            Outcome::Done(_) => "done",
            Outcome::Cancelled => "cancelled",
        };
        f.debug_struct("Promise").field("state", &state).finish()
    }
}

impl<T: Clone> IntoFuture for Promise<T> {
    type Output = Result<T, Cancelled>;
    type IntoFuture = PromiseWait<T>;

    /// Awaiting a `Promise` handle waits for it, like [`Promise::wait`].
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let p = weft_sync::Promise::new();
    /// p.set_result(5).unwrap();
    /// assert_eq!(block_on(async { p.await }), Ok(5));
    /// ```
    #[track_caller]
    fn into_future(self) -> PromiseWait<T> {
        PromiseWait {
            promise: self,
            waiter: None,
            site: Location::caller(),
        }
    }
}

impl<T: Clone> IntoFuture for &Promise<T> {
    type Output = Result<T, Cancelled>;
    type IntoFuture = PromiseWait<T>;

    /// Awaiting `&Promise` waits for it without giving up the handle.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let p = weft_sync::Promise::<u8>::new();
    /// p.cancel();
    /// assert!(block_on(async { (&p).await }).is_err());
    /// ```
    #[track_caller]
    fn into_future(self) -> PromiseWait<T> {
        self.wait()
    }
}

/// The future returned by [`Promise::wait`] (and by awaiting a `Promise`).
///
/// Resolves to a clone of the value, or [`Cancelled`]. Dropping it just stops waiting.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let p = weft_sync::Promise::new();
/// let mut wait = Box::pin(p.wait());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(wait.as_mut().poll(&mut cx).is_pending());
/// p.set_result('x').unwrap();
/// assert_eq!(wait.as_mut().poll(&mut cx), Poll::Ready(Ok('x')));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct PromiseWait<T> {
    promise: Promise<T>,
    waiter: Option<WaiterKey>,
    /// Where the wait was made (`wait()`, or the `.await` of a `Promise`): the wait point.
    site: &'static Location<'static>,
}

impl<T: Clone> Future for PromiseWait<T> {
    type Output = Result<T, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, Cancelled>> {
        let this = self.get_mut();
        let polled = this.poll_unrecorded(cx);
        weft_coop::note_pending(WaitKind::Promise, this.site, polled)
    }
}

impl<T: Clone> PromiseWait<T> {
    /// The poll itself; `poll` adds the wait point.
    fn poll_unrecorded(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Cancelled>> {
        let this = self;
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = this.promise.shared.lock();
        if let Some(key) = this.waiter.take() {
            if !state.waiters.is_notified(&key) {
                state.waiters.register_waker(&key, cx.waker());
                this.waiter = Some(key);
                return Poll::Pending;
            }
            state.waiters.remove(key);
        }
        let outcome = match &state.outcome {
            Outcome::Pending => {
                this.waiter = Some(state.waiters.push_back((), cx.waker()));
                return Poll::Pending;
            }
            Outcome::Done(value) => Ok(value.clone()),
            Outcome::Cancelled => Err(Cancelled),
        };
        drop(state);
        progress.made_progress();
        Poll::Ready(outcome)
    }
}

impl<T> Drop for PromiseWait<T> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            self.promise.shared.lock().waiters.remove(key);
        }
    }
}

impl<T> fmt::Debug for PromiseWait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromiseWait")
            .field("promise", &self.promise)
            .field("queued", &self.waiter.is_some())
            .finish()
    }
}

/// Identifies a callback registered with [`Promise::add_done_callback`].
///
/// ```
/// let p = weft_sync::Promise::<()>::new();
/// let a = p.add_done_callback(|_| {});
/// let b = p.add_done_callback(|_| {});
/// assert_ne!(a, b);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallbackId(u64);

/// The promise was in the wrong state for the operation (asyncio's `InvalidStateError`):
/// `set_result` on a promise that is already done, or `result` on one that is not done yet.
///
/// ```
/// let p = weft_sync::Promise::new();
/// p.set_result(1).unwrap();
/// let err = p.set_result(2).unwrap_err();
/// assert_eq!(err.to_string(), "invalid state: the promise is already done");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidStateError {
    already_done: bool,
}

impl InvalidStateError {
    fn already_done() -> Self {
        InvalidStateError { already_done: true }
    }

    fn not_done() -> Self {
        InvalidStateError {
            already_done: false,
        }
    }
}

impl fmt::Display for InvalidStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.already_done {
            f.write_str("invalid state: the promise is already done")
        } else {
            f.write_str("invalid state: the promise has no result yet")
        }
    }
}

impl Error for InvalidStateError {}

/// The promise was cancelled (asyncio's `CancelledError`).
///
/// ```
/// let p = weft_sync::Promise::<()>::new();
/// p.cancel();
/// assert_eq!(weft_sync::Cancelled.to_string(), "the promise was cancelled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the promise was cancelled")
    }
}

impl Error for Cancelled {}

/// Why [`Promise::result`] has no value to give.
///
/// ```
/// use weft_sync::{Promise, PromiseError};
///
/// let p = Promise::<u8>::new();
/// assert!(matches!(p.result(), Err(PromiseError::InvalidState(_))));
/// p.cancel();
/// assert_eq!(p.result(), Err(PromiseError::Cancelled(weft_sync::Cancelled)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromiseError {
    /// The promise is not done yet.
    InvalidState(InvalidStateError),
    /// The promise was cancelled.
    Cancelled(Cancelled),
}

impl fmt::Display for PromiseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseError::InvalidState(err) => fmt::Display::fmt(err, f),
            PromiseError::Cancelled(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl Error for PromiseError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PromiseError::InvalidState(err) => Some(err),
            PromiseError::Cancelled(err) => Some(err),
        }
    }
}

impl From<InvalidStateError> for PromiseError {
    /// Wraps the error.
    ///
    /// ```
    /// let p = weft_sync::Promise::new();
    /// p.set_result(()).unwrap();
    /// let err: weft_sync::PromiseError = p.set_result(()).unwrap_err().into();
    /// assert!(matches!(err, weft_sync::PromiseError::InvalidState(_)));
    /// ```
    fn from(err: InvalidStateError) -> Self {
        PromiseError::InvalidState(err)
    }
}

impl From<Cancelled> for PromiseError {
    /// Wraps the error.
    ///
    /// ```
    /// let err: weft_sync::PromiseError = weft_sync::Cancelled.into();
    /// assert_eq!(err.to_string(), "the promise was cancelled");
    /// ```
    fn from(err: Cancelled) -> Self {
        PromiseError::Cancelled(err)
    }
}
