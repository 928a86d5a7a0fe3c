//! `Task<T>`: the handle to a spawned task (asyncio's `Task`).

use super::error::JoinError;
use super::header::{Header, TaskId};
use super::state::Cancel;
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
/// dropped when it finishes. Call [`cancel`](Task::cancel) to stop it.
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

    /// The output, if the task has completed and it was not taken yet; no budget spent.
    pub(crate) fn take_output(&mut self) -> Option<Result<T, JoinError>> {
        if !self.header().state.load().is_complete() {
            return None;
        }
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
                // with the handle, so it holds nothing alive while the handle lingers.
                // SAFETY: complete with `JOIN_WAKER` clear: the slot is the handle's.
                let old = header.join_waker.with_mut(|slot| unsafe { (*slot).take() });
                drop(old);
            }
            return true;
        }
        if snapshot.has_join_waker() {
            let same = header.join_waker.with(|slot| {
                // SAFETY: with `JOIN_WAKER` set the slot is written and only read by anyone;
                // reading it alongside the completing runner's read is fine.
                unsafe { &*slot }
                    .as_ref()
                    .is_some_and(|w| w.will_wake(waker))
            });
            if same {
                return false;
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
        let _release = Release(self.raw);
        let (prev, owns_slot) = self.header().state.drop_join_interest();
        if owns_slot {
            // Dropped with the handle, so that the waker (and whatever it keeps alive: the
            // awaiting task, which may hold this task's handle in turn) is not kept by the
            // task. The runner never reads the slot without `JOIN_WAKER`.
            // SAFETY: `JOIN_WAKER` is clear and we still own the handle: the slot is ours.
            let waker = self
                .header()
                .join_waker
                .with_mut(|slot| unsafe { (*slot).take() });
            weft_coop::catch("join waker", move || drop(waker));
        }
        if prev.is_complete() {
            // SAFETY: the task completed while we still had join interest, so the runner left
            // the output for us to drop.
            unsafe { (self.header().vtable.drop_output)(self.raw) };
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
