//! `Task<T>`: the handle to a spawned task (asyncio's `Task`).

use super::done_callbacks::{DoneCallback, DoneCallbacks, run_callback, status_of};
use super::error::JoinError;
use super::header::{Header, TaskId};
use super::state::Cancel;
use crate::DoneStatus;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker, ready};
use weft_coop::WaitKind;

/// A handle to a spawned task: await it for the task's output.
///
/// Awaiting gives `Ok(value)`, or a [`JoinError`] when the task was cancelled or panicked.
/// `Task` is `Unpin`, so `&mut task` can be awaited, abandoned (say, by a timeout) and awaited
/// again later — that is asyncio's `shield`: the task runs on regardless of who waits.
///
/// Dropping a `Task` *detaches* it: the task keeps running (as in asyncio) and its output is
/// dropped when it finishes. Call [`cancel`](Task::cancel) to stop it. Callbacks added with
/// [`add_done_callback`](Task::add_done_callback) belong to the task, not the handle: they
/// still run when it finishes.
///
/// ```
/// let rt = weft_executor::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = weft_executor::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Task<T> {
    raw: NonNull<Header>,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output (a `T: Send`) out of the task and touches the
// header through atomics and the join-waker protocol, so it may move between threads.
unsafe impl<T: Send> Send for Task<T> {}
// SAFETY: `&Task` only exposes `cancel`, `is_finished`, `id` and `name`, which are atomic or
// immutable; the output is only reached through `&mut` (poll).
unsafe impl<T: Send> Sync for Task<T> {}

impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    /// # Safety
    /// `raw` must be a task whose output type is `T`, and the caller gives this handle the
    /// task's join-handle reference.
    pub(crate) unsafe fn from_raw(raw: NonNull<Header>) -> Task<T> {
        Task {
            raw,
            _output: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle owns a reference, which keeps the task allocated.
        unsafe { self.raw.as_ref() }
    }

    /// Requests cancellation: the task's future is dropped at its next scheduling point (right
    /// away when it is idle), and awaiting the task then gives a cancelled [`JoinError`].
    ///
    /// Returns `false` when the task had already finished (its output stays retrievable),
    /// `true` otherwise; calling it again is harmless. When it returns `true` the task's
    /// outcome is guaranteed to be "cancelled", even if the future was finishing just then.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let task = weft_executor::spawn(std::future::pending::<()>());
    ///     assert!(task.cancel());
    ///     assert!(task.await.unwrap_err().is_cancelled());
    ///
    ///     let done = weft_executor::spawn(async { 1 });
    ///     while !done.is_finished() {
    ///         weft_executor::yield_now().await;
    ///     }
    ///     assert!(!done.cancel());
    ///     assert_eq!(done.await.unwrap(), 1);
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        cancel(self.raw)
    }

    /// True once the task has finished (with a value, a panic, or by cancellation).
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// let task_ref = &task;
    /// rt.block_on(async move {
    ///     while !task_ref.is_finished() {
    ///         weft_executor::yield_now().await;
    ///     }
    /// });
    /// assert!(task.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header().state.load().is_complete()
    }

    /// The task's id, unique in this process.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(async {});
    /// println!("spawned {}", task.id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.header().id
    }

    /// The task's name: the one given through [`Builder::name`](super::Builder::name), or
    /// `Task-<id>` as asyncio names tasks.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = weft_executor::task::Builder::new().name("fetcher").spawn_on(&rt.handle(), async {});
    /// assert_eq!(task.name(), "fetcher");
    /// let other = rt.spawn(async {});
    /// assert_eq!(other.name(), format!("Task-{}", other.id()));
    /// ```
    pub fn name(&self) -> std::borrow::Cow<'_, str> {
        self.header().name()
    }

    /// True when the task has finished by cancellation ([`cancel`](Task::cancel), its group
    /// or set cancelling it, or runtime shutdown) — asyncio's `Task.cancelled()`. False while
    /// it runs, and when it finished with a value or a panic (a panic in the future's `Drop`
    /// during the cancellation counts as a panic while the output is still in the task).
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let task = weft_executor::spawn(std::future::pending::<()>());
    ///     assert!(!task.is_cancelled());
    ///     task.cancel();
    ///     while !task.is_finished() {
    ///         weft_executor::yield_now().await;
    ///     }
    ///     assert!(task.is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        let snapshot = self.header().state.load();
        snapshot.is_complete() && snapshot.is_cancelled() && !self.is_panicked()
    }

    /// The task's outcome if it has finished, without waiting (asyncio's `Task.result()` on
    /// a done task); `None` while it runs. The outcome is moved out: call it once, and do not
    /// await the task after it returned `Some` (that panics, as a second await does).
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut task = weft_executor::spawn(async { 6 * 7 });
    ///     let out = loop {
    ///         if let Some(out) = task.try_output() {
    ///             break out;
    ///         }
    ///         weft_executor::yield_now().await;
    ///     };
    ///     assert_eq!(out.unwrap(), 42);
    /// });
    /// ```
    pub fn try_output(&mut self) -> Option<Result<T, JoinError>> {
        self.take_output()
    }

    /// True when the task has finished by panicking (its output is still retrievable).
    pub(crate) fn is_panicked(&self) -> bool {
        let header = self.header();
        // SAFETY: complete, and the handle owns the output (taking it needs `&mut self`).
        header.state.load().is_complete() && unsafe { (header.vtable.output_is_panic)(self.raw) }
    }

    /// A handle that can cancel the task but not await it; it can be cloned freely.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// let abort = task.abort_handle();
    /// std::thread::spawn(move || abort.cancel()).join().unwrap();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    pub fn abort_handle(&self) -> super::AbortHandle {
        self.header().state.ref_inc();
        // SAFETY: we just took a reference for the new handle.
        unsafe { super::AbortHandle::from_raw(self.raw) }
    }

    /// Runs `callback` once the task has finished — with its value, a panic, or by
    /// cancellation — passing how it ended (asyncio's `Task.add_done_callback`). It runs on
    /// the thread that completes the task, or right here if the task has already finished
    /// (asyncio would schedule it with `call_soon` instead: here it has run by the time this
    /// returns). Callbacks run once each, in the order they were added, before the task's
    /// awaiter is woken; a panicking callback is reported to the runtime's panic handler
    /// ([`Builder::on_task_panic`](crate::Builder::on_task_panic)) and the others still run.
    ///
    /// The callbacks belong to the task: dropping this handle does not remove them (the task
    /// runs on, detached, and they run when it finishes). Awaiting, [`cancel`](Task::cancel),
    /// [`try_output`](Task::try_output) and [`is_finished`](Task::is_finished) work as
    /// without callbacks. If you add a callback after taking the output out, the status can
    /// no longer tell a panic from a value: it says `Completed` (or `Cancelled`).
    ///
    /// Tasks that never get a callback pay nothing for this; the first one allocates a small
    /// list, which becomes the task's join waker.
    ///
    /// ```
    /// use weft_executor::DoneStatus;
    ///
    /// weft_executor::run(async {
    ///     let (tx, rx) = std::sync::mpsc::channel();
    ///     let mut task = weft_executor::spawn(async { 6 * 7 });
    ///     task.add_done_callback(move |status| tx.send(status).unwrap());
    ///     assert_eq!(task.await.unwrap(), 42);
    ///     // The callback ran before the awaiter was woken.
    ///     assert_eq!(rx.try_recv().unwrap(), DoneStatus::Completed);
    ///     println!("the task completed");
    /// });
    /// ```
    pub fn add_done_callback(&mut self, callback: impl FnOnce(DoneStatus) + Send + 'static) {
        let mut pending: Option<DoneCallback> = Some(Box::new(callback));
        // A list is in place: it queues the callback, or hands it back if it has fired.
        let handed_back =
            self.with_done_callbacks(|list| pending.take().and_then(|c| list.push(c)));
        let callback = match (pending, handed_back.flatten()) {
            (Some(callback), _) => callback,
            (None, Some((callback, status))) => return run_callback(callback, status),
            (None, None) => return,
        };
        let header = self.header();
        let snapshot = header.state.load();
        if snapshot.is_complete() {
            // SAFETY: complete, and nothing moves the output while we hold `&mut`.
            return run_callback(callback, unsafe { status_of(self.raw) });
        }
        // Take the slot over; the awaiter's waker in it, if any, moves into the list.
        if snapshot.has_join_waker() && header.state.unset_join_waker().is_err() {
            // Completed meanwhile: the runner wakes the old waker, and the output is ours.
            // SAFETY: as above.
            return run_callback(callback, unsafe { status_of(self.raw) });
        }
        // SAFETY: `JOIN_WAKER` is clear, so the runner will not read the slot: it is ours.
        let awaiter = header.join_waker.with_mut(|slot| unsafe { (*slot).take() });
        let list = DoneCallbacks::new(self.raw, callback, awaiter);
        let waker = list.waker();
        // SAFETY: as above; the bit is still clear.
        header
            .join_waker
            .with_mut(|slot| unsafe { *slot = Some(waker) });
        if header.state.set_join_waker().is_err() {
            // The task completed before the list was in place, so the runner woke nobody:
            // fire it here (its callback, and the awaiter that was registered). The list stays
            // in the slot, now the handle's, for later callbacks and the status.
            list.fire();
        }
    }

    /// The done-callback list in the task's join-waker slot, if a callback was ever added.
    /// A load and a pointer compare for tasks without one.
    fn with_done_callbacks<R>(&self, f: impl FnOnce(&DoneCallbacks) -> R) -> Option<R> {
        self.header().join_waker.with(|slot| {
            // SAFETY: the handle may always read the slot: only it writes there (under the
            // join-waker rules), and the runner only reads it while the handle exists.
            unsafe { &*slot }
                .as_ref()
                .and_then(DoneCallbacks::of)
                .map(f)
        })
    }

    /// The output, if the task has completed and it was not taken yet; no budget spent.
    pub(crate) fn take_output(&mut self) -> Option<Result<T, JoinError>> {
        if !self.header().state.load().is_complete() {
            return None;
        }
        // With done-callbacks, the runner may be reading the status from the output right
        // now: make it known before the output leaves.
        // SAFETY: we are the handle, the task is complete, and we hold `&mut`.
        self.with_done_callbacks(|list| unsafe { list.settle_status() });
        let mut output: Option<Result<T, JoinError>> = None;
        // SAFETY: the task is complete and we are its join handle, so its output is ours; the
        // destination has the task's output type, as `from_raw`'s contract guarantees.
        unsafe { (self.header().vtable.read_output)(self.raw, (&raw mut output).cast()) };
        output
    }

    /// Registers `waker` to be woken on completion; true when the task is already complete.
    pub(crate) fn poll_complete(&self, waker: &Waker) -> bool {
        let header = self.header();
        let snapshot = header.state.load();
        if snapshot.is_complete() {
            if !snapshot.has_join_waker() {
                // The runner has handed the slot back: drop our old waker now rather than
                // with the handle, so it holds nothing alive while the handle lingers. A
                // fired done-callback list stays: it holds nothing but the status, which
                // later callbacks need.
                // SAFETY: complete with `JOIN_WAKER` clear: the slot is the handle's.
                let old = header.join_waker.with_mut(|slot| unsafe {
                    let slot = &mut *slot;
                    match slot {
                        Some(w) if DoneCallbacks::of(w).is_some() => None,
                        _ => slot.take(),
                    }
                });
                drop(old);
            }
            return true;
        }
        if snapshot.has_join_waker() {
            let found = header.join_waker.with(|slot| {
                // SAFETY: with `JOIN_WAKER` set the slot is written and only read by anyone;
                // reading it alongside the completing runner's read is fine.
                match unsafe { &*slot } {
                    Some(w) if w.will_wake(waker) => Some(false),
                    // A task with done-callbacks: the awaiter waits in their list, which the
                    // runner fires (callbacks first) on completion.
                    Some(w) => DoneCallbacks::of(w).map(|list| list.register(waker)),
                    None => None,
                }
            });
            if let Some(complete) = found {
                return complete;
            }
            if header.state.unset_join_waker().is_err() {
                return true;
            }
        }
        // SAFETY: `JOIN_WAKER` is clear, so the runner will not read the slot: it is ours.
        let old = header
            .join_waker
            .with_mut(|slot| unsafe { (*slot).replace(waker.clone()) });
        drop(old);
        header.state.set_join_waker().is_err()
    }
}

/// The cancellation shared by `Task` and `AbortHandle`; the caller holds a reference.
pub(crate) fn cancel(raw: NonNull<Header>) -> bool {
    // SAFETY: the caller's reference keeps the task alive.
    let header = unsafe { raw.as_ref() };
    match header.state.transition_to_cancelled() {
        Cancel::Complete => false,
        Cancel::AlreadyRequested | Cancel::Flagged => true,
        Cancel::Claimed => {
            // SAFETY: `Claimed` gave us `RUNNING` and a reference for the cancellation.
            unsafe { (header.vtable.cancel_claimed)(raw) };
            true
        }
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        if !self.poll_complete(cx.waker()) {
            // `.await` has no caller location to record: the spawn site stands in for it.
            let header = self.header();
            let kind = if header.vtable.kind == super::TaskKind::Blocking {
                WaitKind::Blocking
            } else {
                WaitKind::Join(header.id.as_u64())
            };
            weft_coop::record(kind, header.spawned_at);
            return Poll::Pending;
        }
        let output = self.take_output();
        progress.made_progress();
        Poll::Ready(output.expect("a weft Task was polled again after it returned its output"))
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        if self.header().state.drop_join_handle_fast() {
            return;
        }
        // With done-callbacks that have not run yet, the handle stays with them (they need
        // the output kept for their status, and the runner's wake): they drop it later.
        let raw = self.raw;
        match self.with_done_callbacks(|list| list.keep_handle(DetachedHandle(raw))) {
            Some(Ok(())) => {}
            // Fired already: drop the handle as if there were no list.
            Some(Err(handle)) => drop(handle),
            None => drop(DetachedHandle(raw)),
        }
    }
}

/// A task's join-handle reference without its output type: what a [`Task`] becomes when it
/// is dropped while its done-callbacks wait (see `done_callbacks.rs`). Dropping it does
/// what dropping the `Task` would have (the output is dropped through the vtable).
pub(crate) struct DetachedHandle(NonNull<Header>);

// SAFETY: it touches the task through atomics and the join-waker protocol, and drops the
// output where it is dropped: on the thread that completes the task (inside the done-callback
// list's firing). A runtime task's output is `Send`; a local task completes on its owner
// thread, where its output may be dropped.
unsafe impl Send for DetachedHandle {}

impl Drop for DetachedHandle {
    fn drop(&mut self) {
        /// Releases the handle's reference even if dropping the output panics.
        struct Release(NonNull<Header>);
        impl Drop for Release {
            fn drop(&mut self) {
                // SAFETY: the handle's reference is still held until this decrement.
                let header = unsafe { self.0.as_ref() };
                let dealloc = header.vtable.dealloc;
                if header.state.ref_dec(1) {
                    // SAFETY: that was the last reference.
                    unsafe { dealloc(self.0) };
                }
            }
        }
        let _release = Release(self.0);
        // SAFETY: we hold the handle's reference until `_release` goes.
        let header = unsafe { self.0.as_ref() };
        let (prev, owns_slot) = header.state.drop_join_interest();
        if owns_slot {
            // Dropped with the handle, so that the waker (and whatever it keeps alive: the
            // awaiting task, which may hold this task's handle in turn) is not kept by the
            // task. The runner never reads the slot without `JOIN_WAKER`.
            // SAFETY: `JOIN_WAKER` is clear and we still own the handle: the slot is ours.
            let waker = header.join_waker.with_mut(|slot| unsafe { (*slot).take() });
            weft_coop::catch("join waker", move || drop(waker));
        }
        if prev.is_complete() {
            // A done-callback list, if the task has one, has fired by now (`Task::drop`
            // hands the handle to a list that has not), so it no longer reads the output.
            // SAFETY: the task completed while we still had join interest, so the runner left
            // the output for us to drop.
            unsafe { (header.vtable.drop_output)(self.0) };
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}
