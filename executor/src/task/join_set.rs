//! `JoinSet<T>`: a dynamic set of tasks, joined in the order they finish.
//!
//! The set keeps its tasks in a slab (a `Vec` of slots and a free list), so a finished task's
//! slot is reused by the next spawn and a long-lived set that spawns and joins forever keeps
//! a capacity bounded by the most tasks it ever held at once. Finding the next finished task
//! costs O(1), not a scan: each task's join waker is an [`EntryWaker`] naming its slot, which
//! the task's runner wakes once, on completion; the wake pushes `(slot, key)` onto the set's
//! [`ReadyList`] and wakes whoever waits in `join_next`. The key is unique per spawn, so a
//! stale entry (a wake racing `detach_all`, whose slot was reused since) is recognized and
//! skipped.
//!
//! Nothing here touches the task hot paths: the join waker is the existing slot every task
//! has, so tasks outside a `JoinSet` pay nothing, and tasks inside pay one small allocation
//! (the waker) per spawn. The ready list's protocol — a completion on another thread racing
//! `join_next` between its check and its waker registration — is one mutex-guarded check and
//! register step, model-checked in `task/loom_model.rs` (`loom_join_set_*`).

use super::{AbortHandle, JoinError, Task};
use crate::loom::Mutex;
use crate::runtime::Handle;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A set of spawned tasks whose outputs are collected as they finish (tokio's `JoinSet`;
/// asyncio's `as_completed` over a growing set).
///
/// Every task in the set is owned by it: dropping the set cancels them all (use
/// [`detach_all`](JoinSet::detach_all) first to let them run on).
///
/// ```
/// use weft_executor::task::JoinSet;
///
/// let mut sum = weft_executor::run(async {
///     let mut set = JoinSet::new();
///     for i in 1..=10u64 {
///         set.spawn(async move { i * i });
///     }
///     let mut sum = 0;
///     while let Some(outcome) = set.join_next().await {
///         sum += outcome.unwrap();
///     }
///     sum
/// });
/// println!("sum of squares: {sum}");
/// assert_eq!(sum, 385);
/// # sum += 0;
/// ```
pub struct JoinSet<T> {
    slots: Vec<Option<Entry<T>>>,
    /// Vacant slots, reused before the slab grows.
    free: Vec<usize>,
    len: usize,
    next_key: u64,
    ready: Arc<ReadyList>,
}

struct Entry<T> {
    task: Task<T>,
    key: u64,
}

/// The finished tasks a set has not joined yet, and the waker of whoever waits for one.
pub(crate) struct ReadyList {
    state: Mutex<ReadyState>,
}

struct ReadyState {
    ready: VecDeque<(usize, u64)>,
    waker: Option<Waker>,
}

impl ReadyList {
    pub(crate) fn new() -> ReadyList {
        ReadyList {
            state: Mutex::new(ReadyState {
                ready: VecDeque::new(),
                waker: None,
            }),
        }
    }

    /// A task finished: queue its slot and wake the set's waiter (outside the lock, and a
    /// panicking waker is reported, not propagated into the task runner that called us).
    pub(crate) fn push(&self, slot: usize, key: u64) {
        let waker = {
            let mut state = self.state.lock();
            state.ready.push_back((slot, key));
            state.waker.take()
        };
        if let Some(waker) = waker {
            weft_coop::catch("JoinSet waker", || waker.wake());
        }
    }

    /// The next finished slot, or `None` after registering `waker` for the next push. One
    /// critical section, so a push cannot fall between the check and the registration.
    pub(crate) fn pop_or_register(&self, waker: &Waker) -> Option<(usize, u64)> {
        let mut state = self.state.lock();
        let next = state.ready.pop_front();
        if next.is_none() {
            match &mut state.waker {
                Some(old) if old.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
        }
        next
    }

    pub(crate) fn pop(&self) -> Option<(usize, u64)> {
        self.state.lock().ready.pop_front()
    }

    fn clear(&self) {
        let mut state = self.state.lock();
        state.ready.clear();
        state.ready.shrink_to(0);
    }

    fn capacity(&self) -> usize {
        self.state.lock().ready.capacity()
    }
}

/// The join waker of one task in a set: its wake means "this slot's task has finished".
pub(crate) struct EntryWaker {
    pub(crate) list: Arc<ReadyList>,
    pub(crate) slot: usize,
    pub(crate) key: u64,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.list.push(self.slot, self.key);
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = weft_executor::task::JoinSet::<u32>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        JoinSet {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            next_key: 0,
            ready: Arc::new(ReadyList::new()),
        }
    }

    /// How many tasks the set holds: running, or finished and not joined yet.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the set holds no task.
    ///
    /// ```
    /// assert!(weft_executor::task::JoinSet::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a task the caller already spawned; the set takes over its handle.
    fn insert(&mut self, task: Task<T>) -> AbortHandle {
        let abort = task.abort_handle();
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        let key = self.next_key;
        self.next_key += 1;
        let waker = Waker::from(Arc::new(EntryWaker {
            list: self.ready.clone(),
            slot,
            key,
        }));
        // Registered as the task's join waker; a task that already finished will never wake
        // it, so it is queued here instead.
        if task.poll_complete(&waker) {
            self.ready.push(slot, key);
        }
        self.slots[slot] = Some(Entry { task, key });
        self.len += 1;
        abort
    }

    /// Spawns a task on the current runtime and adds it to the set; the returned handle
    /// cancels just that task.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime (use [`spawn_on`](JoinSet::spawn_on) with a [`Handle`]).
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     let abort = set.spawn(std::future::pending::<()>());
    ///     abort.cancel();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let task = crate::spawn_at(future, Location::caller());
        self.insert(task)
    }

    /// Spawns a task on the runtime behind `handle` (from any thread) and adds it to the set.
    ///
    /// ```
    /// let rt = weft_executor::Runtime::new().unwrap();
    /// let mut set = weft_executor::task::JoinSet::new();
    /// set.spawn_on(async { "from a plain thread" }, rt.handle());
    /// let out = rt.block_on(set.join_next()).unwrap().unwrap();
    /// assert_eq!(out, "from a plain thread");
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let task = handle.spawn(future);
        self.insert(task)
    }

    /// Spawns a `!Send` task on the current thread's `block_on` (see
    /// [`spawn_local`](crate::spawn_local)) and adds it to the set.
    ///
    /// # Panics
    ///
    /// Where [`spawn_local`](crate::spawn_local) would: outside `run`/`block_on`.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     let shared = Rc::new(5);
    ///     let mine = shared.clone();
    ///     set.spawn_local(async move { *mine * 2 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 10);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        let task = crate::spawn_local(future);
        self.insert(task)
    }

    /// Runs a blocking closure on the runtime's blocking pool and adds its job to the set.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     set.spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    ///     assert!(set.join_next().await.unwrap().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let task = crate::spawn_blocking(f);
        self.insert(task)
    }

    /// Waits for the next task to finish and returns its outcome, in order of completion;
    /// `None` when the set is empty. Cancel-safe: dropping the future loses no outcome.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     set.spawn(async {
    ///         weft_reactor::sleep(Duration::from_millis(20)).await;
    ///         "slow"
    ///     });
    ///     set.spawn(async { "fast" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "fast");
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "slow");
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    #[track_caller]
    pub fn join_next(&mut self) -> impl Future<Output = Option<Result<T, JoinError>>> + '_ {
        let site = Location::caller();
        weft_coop::waiting_as(
            weft_coop::WaitKind::JoinSet,
            site,
            std::future::poll_fn(move |cx| self.poll_join_next(cx)),
        )
    }

    /// The poll behind [`join_next`](JoinSet::join_next), for hand-written futures.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     let out = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
    ///     assert_eq!(out.unwrap().unwrap(), 1);
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        let progress = std::task::ready!(weft_coop::poll_proceed(cx));
        while let Some((slot, key)) = self.ready.pop_or_register(cx.waker()) {
            if let Some(outcome) = self.take_finished(slot, key) {
                progress.made_progress();
                return Poll::Ready(Some(outcome));
            }
        }
        Poll::Pending
    }

    /// The outcome of a task that already finished, without waiting; `None` when none has
    /// (or the set is empty).
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     assert!(set.try_join_next().is_none());
    ///     set.spawn(async { 7 });
    ///     let out = loop {
    ///         if let Some(out) = set.try_join_next() {
    ///             break out;
    ///         }
    ///         weft_executor::yield_now().await;
    ///     };
    ///     assert_eq!(out.unwrap(), 7);
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        while let Some((slot, key)) = self.ready.pop() {
            if let Some(outcome) = self.take_finished(slot, key) {
                return Some(outcome);
            }
        }
        None
    }

    /// Takes the outcome out of `slot` if it still holds the task spawned with `key`.
    fn take_finished(&mut self, slot: usize, key: u64) -> Option<Result<T, JoinError>> {
        let entry = self.slots.get_mut(slot)?;
        if entry.as_ref().is_none_or(|entry| entry.key != key) {
            // A stale notice: its task was detached and the slot reused or emptied.
            return None;
        }
        let mut entry = entry.take()?;
        // The join waker fires only on completion, so the output is there.
        let outcome = entry.task.take_output();
        debug_assert!(
            outcome.is_some(),
            "a JoinSet task woke its set before finishing"
        );
        self.free.push(slot);
        self.len -= 1;
        outcome
    }

    /// Requests cancellation of every task in the set. They stay in the set: `join_next`
    /// returns each one's outcome (cancelled, or its value if it had already finished).
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.abort_all();
    ///     let mut cancelled = 0;
    ///     while let Some(outcome) = set.join_next().await {
    ///         cancelled += outcome.unwrap_err().is_cancelled() as usize;
    ///     }
    ///     assert_eq!(cancelled, 3);
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for entry in self.slots.iter().flatten() {
            entry.task.cancel();
        }
    }

    /// Cancels every task and waits until all of them have ended; the set is then empty.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// weft_executor::run(async {
    ///     struct Count(Arc<AtomicUsize>);
    ///     impl Drop for Count {
    ///         fn drop(&mut self) {
    ///             self.0.fetch_add(1, Ordering::SeqCst);
    ///         }
    ///     }
    ///     let dropped = Arc::new(AtomicUsize::new(0));
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     for _ in 0..4 {
    ///         let guard = Count(dropped.clone());
    ///         set.spawn(async move {
    ///             let _guard = guard;
    ///             std::future::pending::<()>().await
    ///         });
    ///     }
    ///     set.shutdown().await;
    ///     assert_eq!(dropped.load(Ordering::SeqCst), 4); // every future is gone
    ///     assert!(set.is_empty());
    /// });
    /// ```
    #[track_caller]
    pub fn shutdown(&mut self) -> impl Future<Output = ()> + '_ {
        let site = Location::caller();
        self.abort_all();
        weft_coop::waiting_as(weft_coop::WaitKind::JoinSet, site, async move {
            while std::future::poll_fn(|cx| self.poll_join_next(cx))
                .await
                .is_some()
            {}
        })
    }

    /// Removes every task from the set without cancelling it: they run on, detached, and
    /// their outcomes are dropped when they finish.
    ///
    /// ```
    /// weft_executor::run(async {
    ///     let (tx, rx) = std::sync::mpsc::channel();
    ///     let mut set = weft_executor::task::JoinSet::new();
    ///     set.spawn(async move { tx.send("still ran").unwrap() });
    ///     set.detach_all();
    ///     drop(set);
    ///     let got = weft_executor::spawn_blocking(move || rx.recv().unwrap()).await.unwrap();
    ///     assert_eq!(got, "still ran");
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        self.slots = Vec::new();
        self.free = Vec::new();
        self.len = 0;
        self.ready.clear();
    }

    /// The slab's capacity plus the ready list's: what a long-lived set keeps allocated.
    /// For tests that check a set does not grow; not part of the API.
    #[doc(hidden)]
    pub fn allocated_capacity(&self) -> usize {
        self.slots.capacity() + self.free.capacity() + self.ready.capacity()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        // Each idle task's future is dropped right here, inside `cancel` (a panicking `Drop`
        // becomes that task's outcome, which nobody reads: it is reported).
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}

#[cfg(all(test, loom))]
#[path = "join_set_loom_model.rs"]
mod loom_model;
