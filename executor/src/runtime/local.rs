//! Local tasks: `spawn_local` futures that need not be `Send`, run on the thread inside
//! `run`/`block_on`, interleaved with its root future (asyncio's tasks are all like this).
//!
//! `block_on` makes a [`LocalSet`] current on its thread for as long as it runs. The set is
//! only a marker until the first `spawn_local` makes its [`LocalQueue`] (most `block_on`
//! calls spawn no local task, and building and closing a queue in each was a third of a
//! short `block_on`'s cost). A local task
//! is an ordinary raw task whose scheduler is the set's [`LocalQueue`]: its wakers may fire on
//! any thread (a timer on a worker, say), so they push the queue entry under a mutex and wake
//! the root future's waker, which brings the `block_on` thread round; the thread then runs
//! what is queued before it polls the root again. Nothing but that thread ever polls a local
//! task or drops its future: a cancellation claimed on another thread (through an
//! `AbortHandle`) is queued too, and carried out here.
//!
//! When `block_on` returns (or unwinds), the set closes: every local task still alive is
//! cancelled and its future dropped on this thread, and whatever that wakes or spawns is
//! dropped as well, until nothing is left — asyncio's `run()` epilogue, for local tasks.
//!
//! "Until nothing is left" is counted, not guessed: the queue counts its live tasks (spawned
//! and not yet completed). A wake on another thread marks its task `NOTIFIED` *before* it
//! pushes the entry, so at the moment the set closes an entry may be in flight: neither in
//! the registry (the task is not idle) nor in the queue yet. The close therefore drains the
//! queue and, while tasks are still live, waits on a condvar that every push signals once
//! the set is closing, then drains again. Each live task is idle (taken from the registry
//! and cancelled here), queued, or about to be queued by a thread already inside `push`; so
//! the wait ends, and every future is dropped on this thread. An `AbortHandle`'s deferred
//! cancel travels the same way.

use crate::scheduler::PanicHandler;
use crate::scheduler::registry::Registry;
use crate::task::{self, Notified, Origin, Schedule, Task, TaskRef};
// loom-switchable: `local_loom_model.rs` checks a remote wake racing the close.
use crate::loom::{AtomicUsize, Condvar, Mutex};
use std::cell::{OnceCell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Waker;
use std::thread::ThreadId;

/// Local tasks run per visit of the `block_on` thread before the root future is polled
/// again, so a busy set cannot starve the root.
const RUN_PER_VISIT: usize = 61;

/// The local set of the `block_on` running on this thread: `None` outside one.
type Frame = Option<LocalFrame>;

/// One `block_on`'s local set, as the thread-local holds it.
struct LocalFrame {
    /// Made by the first local task.
    queue: Option<Arc<LocalQueue>>,
    /// The panic handler of the `block_on`'s runtime, for the queue: not of whatever runtime
    /// is current when the first local task is spawned (the root may have entered another).
    /// A pointer, so entering clones nothing.
    panic_handler: std::ptr::NonNull<PanicHandler>,
}

crate::loom::local! {
    /// The local set of the `block_on` running on this thread, if any.
    static CURRENT: RefCell<Frame> = RefCell::new(None);
}

/// What a local queue holds.
enum Entry {
    /// A local task to poll.
    Run(Notified),
    /// A cancellation claimed on another thread: the task holds `RUNNING` and a reference,
    /// and its future must be dropped here.
    Cancel(TaskRef),
}

// SAFETY: entries only travel into the queue; both kinds are run on the owner thread only
// (see `LocalQueue::run_ready`), so a local future is never touched elsewhere.
unsafe impl Send for Entry {}

/// The scheduler of one `block_on`'s local tasks.
pub(crate) struct LocalQueue {
    owner: ThreadId,
    entries: Mutex<Entries>,
    /// Signalled by every push once the set is closing (see the module docs).
    pushed: Condvar,
    /// Local tasks spawned and not yet completed.
    live: AtomicUsize,
    /// Wakes the `block_on` thread: the root future's current waker.
    root_waker: Mutex<Option<Waker>>,
    /// Idle local tasks, so closing can cancel the ones nothing will wake.
    registry: Registry,
    panic_handler: PanicHandler,
}

/// The queue proper, and whether the set is closing.
#[derive(Default)]
struct Entries {
    queue: VecDeque<Entry>,
    closing: bool,
}

impl LocalQueue {
    pub(crate) fn new(panic_handler: PanicHandler) -> LocalQueue {
        LocalQueue {
            owner: std::thread::current().id(),
            entries: Mutex::new(Entries::default()),
            pushed: Condvar::new(),
            live: AtomicUsize::new(0),
            root_waker: Mutex::new(None),
            registry: Registry::new(1),
            panic_handler,
        }
    }

    fn push(&self, entry: Entry) {
        let mut entries = self.entries.lock();
        entries.queue.push_back(entry);
        if entries.closing {
            // The owner is draining and may be waiting for exactly this entry.
            drop(entries);
            self.pushed.notify_one();
            return;
        }
        drop(entries);
        let waker = self.root_waker.lock().clone();
        if let Some(waker) = waker {
            weft_coop::catch("waker", || waker.wake());
        }
    }

    /// Closes the set on the owner thread: cancels the idle tasks, then runs (cancelled)
    /// every entry queued or still on its way, until no local task is live.
    fn close(&self) {
        debug_assert_eq!(std::thread::current().id(), self.owner);
        self.entries.lock().closing = true;
        // A local task that goes idle or is spawned from now on is cancelled at once (its
        // registration is refused).
        for idle in self.registry.close_and_take() {
            idle.cancel_and_release();
        }
        loop {
            while let Some(entry) = self.pop() {
                match entry {
                    Entry::Run(task) => task.cancel_and_run(),
                    cancel @ Entry::Cancel(_) => run(cancel),
                }
            }
            let mut entries = self.entries.lock();
            // Under the lock: a push between the drain and here is seen, and one after it
            // signals the condvar, which this wait is already on.
            while entries.queue.is_empty() && self.live.load(Ordering::Acquire) > 0 {
                self.pushed.wait(&mut entries);
            }
            if entries.queue.is_empty() {
                break;
            }
        }
        *self.root_waker.lock() = None;
    }

    /// Makes local wakes wake `root_waker` (the root future's current waker).
    fn set_root_waker(&self, root_waker: &Waker) {
        let mut current = self.root_waker.lock();
        if !current.as_ref().is_some_and(|w| w.will_wake(root_waker)) {
            *current = Some(root_waker.clone());
        }
    }

    fn pop(&self) -> Option<Entry> {
        self.entries.lock().queue.pop_front()
    }

    /// Runs up to `max` queued entries on the owner thread; true when more are queued.
    fn run_ready(&self, max: usize) -> bool {
        debug_assert_eq!(std::thread::current().id(), self.owner);
        for _ in 0..max {
            match self.pop() {
                Some(entry) => run(entry),
                None => return false,
            }
        }
        !self.entries.lock().queue.is_empty()
    }
}

fn run(entry: Entry) {
    match entry {
        Entry::Run(task) => task.run(),
        Entry::Cancel(task) => {
            // SAFETY: the entry carries the claimed cancellation's reference and `RUNNING`;
            // on the owner thread the scheduler does not defer it again.
            unsafe { (task.header().vtable.cancel_claimed)(task.0) }
        }
    }
}

/// A local task's scheduler handle.
#[derive(Clone)]
struct LocalScheduler(Arc<LocalQueue>);

impl Schedule for LocalScheduler {
    const KIND: crate::task::TaskKind = crate::task::TaskKind::Local;

    fn schedule(&self, task: Notified) {
        self.0.push(Entry::Run(task));
    }

    fn register(&self, task: TaskRef) -> bool {
        self.0.registry.register(task)
    }

    fn release(&self, task: TaskRef) -> bool {
        // Completions happen on the owner thread only (it alone polls and drops local
        // futures), so a closing owner that reads zero has dropped every future itself.
        self.0.live.fetch_sub(1, Ordering::Release);
        self.0.registry.release(task)
    }

    fn report_panic(&self, err: crate::JoinError) {
        crate::scheduler::report(&self.0.panic_handler, err);
    }

    fn defer_claimed_cancel(&self, task: TaskRef) -> bool {
        if std::thread::current().id() == self.0.owner {
            return false;
        }
        self.0.push(Entry::Cancel(task));
        true
    }
}

/// The local set of one `block_on` call, current on its thread until dropped; dropping it
/// closes the set (see the module docs).
pub(crate) struct LocalSet {
    previous: Frame,
    /// The queue, once the root has seen it: from then on no thread-local is read for it.
    queue: OnceCell<Arc<LocalQueue>>,
}

impl LocalSet {
    /// Makes a new (empty, queue-less) local set current on this thread, for a `block_on` of
    /// the runtime whose panic handler this is.
    ///
    /// # Safety
    ///
    /// `panic_handler` must outlive the returned set (`block_on` borrows the runtime's handle,
    /// which owns it, for longer than the set lives).
    pub(crate) unsafe fn enter(panic_handler: &PanicHandler) -> LocalSet {
        let frame = LocalFrame {
            queue: None,
            panic_handler: std::ptr::NonNull::from(panic_handler),
        };
        let previous = CURRENT.with(|c| c.replace(Some(frame)));
        LocalSet {
            previous,
            queue: OnceCell::new(),
        }
    }

    /// The set's queue once a local task was spawned, and whether this is the first time
    /// the root sees it.
    fn queue(&self) -> Option<(&Arc<LocalQueue>, bool)> {
        if let Some(queue) = self.queue.get() {
            return Some((queue, false));
        }
        let queue = made_queue()?;
        Some((self.queue.get_or_init(|| queue), true))
    }

    /// Before each poll of the root future: remembers its waker (local wakes go there) and
    /// runs the local tasks that are ready. True when more are ready than one visit runs.
    pub(crate) fn run_ready(&self, root_waker: &Waker) -> bool {
        let Some((queue, _)) = self.queue() else {
            return false;
        };
        queue.set_root_waker(root_waker);
        queue.run_ready(RUN_PER_VISIT)
    }

    /// After a pending poll of the root future: if that poll spawned the set's first local
    /// task (so no root waker was known to wake), hands the queue the waker and says whether
    /// work is queued, for the root to wake itself.
    pub(crate) fn adopt_new_queue(&self, root_waker: &Waker) -> bool {
        let Some((queue, true)) = self.queue() else {
            return false;
        };
        queue.set_root_waker(root_waker);
        // After publishing the waker: a push that missed it queued its entry before.
        !queue.entries.lock().queue.is_empty()
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // The set stays current while it closes: a local task spawned meanwhile lands in
        // the closed queue and is cancelled at once. The thread-local is asked again, for a
        // queue the root never saw (made by its last poll, or by its drop).
        if let Some(queue) = made_queue() {
            queue.close();
        }
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| c.replace(previous));
    }
}

/// The queue of this thread's local set, if its first local task made it (`None` also while
/// the thread's locals are being destroyed).
fn made_queue() -> Option<Arc<LocalQueue>> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().and_then(|f| f.queue.clone()))
        .ok()
        .flatten()
}

/// True inside `run`/`block_on` on this thread.
pub(crate) fn in_block_on() -> bool {
    CURRENT.try_with(|c| c.borrow().is_some()).unwrap_or(false)
}

/// The queue of this thread's local set, made on first use; `None` outside `run`/`block_on`.
fn current_queue() -> Option<Arc<LocalQueue>> {
    CURRENT.with(|c| {
        let mut frame = c.borrow_mut();
        let frame = frame.as_mut()?;
        let handler = frame.panic_handler;
        Some(
            frame
                .queue
                .get_or_insert_with(|| {
                    // SAFETY: the frame is current only while its `LocalSet` lives, which
                    // `LocalSet::enter`'s caller guarantees the handler outlives.
                    let handler = unsafe { handler.as_ref() }.clone();
                    Arc::new(LocalQueue::new(handler))
                })
                .clone(),
        )
    })
}

/// Spawns a task whose future need not be `Send`, on the thread running `weft::run` or
/// `block_on`; it runs there, interleaved with the root future (asyncio's tasks are all
/// like this). Local tasks still alive when `run`/`block_on` returns are cancelled and
/// dropped on that thread.
///
/// # Panics
///
/// Outside `run`/`block_on` (on a worker thread, in a blocking job, on a plain thread).
///
/// ```
/// use std::rc::Rc;
/// let total = weft_executor::run(async {
///     let shared = Rc::new(std::cell::Cell::new(0)); // not Send
///     let tasks: Vec<_> = (1..=3)
///         .map(|i| {
///             let shared = shared.clone();
///             weft_executor::spawn_local(async move { shared.set(shared.get() + i) })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     shared.get()
/// });
/// assert_eq!(total, 6);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let location = Location::caller();
    let queue = current_queue().unwrap_or_else(|| {
        panic!(
            "weft::spawn_local must be called inside weft::run / Runtime::block_on, on the \
             thread running it (from the root future or a local task): local tasks run on \
             that thread. Use weft::spawn for a Send future"
        )
    });
    // SAFETY: `LocalScheduler` polls the task and drops its future only on `queue.owner`,
    // this thread, which is the one the future was created on.
    let (task, entry) = unsafe {
        task::new_unsend_task(future, LocalScheduler(queue.clone()), Origin::at(location))
    };
    queue.live.fetch_add(1, Ordering::Relaxed);
    queue.push(Entry::Run(entry));
    task
}

#[cfg(all(test, loom))]
#[path = "local_loom_model.rs"]
mod loom_model;
