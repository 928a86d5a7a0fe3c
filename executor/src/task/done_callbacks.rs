//! Done-callbacks of a [`Task`](super::Task) (asyncio's `Task.add_done_callback`), carried
//! by the task's join waker.
//!
//! A task has one join-waker slot, read once by the runner when it completes the task (see
//! the join-waker rules in `state.rs`). The first `add_done_callback` puts a waker made from
//! an `Arc<DoneCallbacks>` into that slot, moving any awaiter's waker inside it; from then
//! on the handle keeps its awaiter there too. The runner's one wake on completion *fires*
//! the list: it runs the callbacks in the order they were added, then wakes the awaiter.
//! So the race between adding and completing is the one the join-waker protocol already
//! settles (`unset_join_waker`/`set_join_waker` fail once `COMPLETE` is set), and what is
//! new is a mutex, taken only by tasks that have callbacks:
//!
//! - `fired` is set under the lock, once. A callback added before it is run by the firing;
//!   one added after runs at once on the adding thread, so order is kept either way.
//! - The status the callbacks get (finished, panicked, cancelled) is read from the output in
//!   the task without taking it. The handle takes the output out only after making sure the
//!   status is known (under the lock), so the runner never reads an output being moved.
//! - Dropping the handle before the list fired does not detach the task's callbacks: the
//!   handle's reference moves into the list (`detached`), keeping the join interest (so
//!   the runner keeps the output and wakes the list), and the firing drops it afterwards —
//!   which also reports a panic nobody retrieved, as for any detached task. The reference
//!   cycle this makes (task → slot → list → handle → task) is broken by the completion that
//!   every task reaches: its own end, a cancellation, or runtime shutdown.
//!
//! Cost for tasks without callbacks: nothing on spawn, poll or completion. Their handle's
//! `take_output`, a re-registration with a different waker, and the slow path of `Drop`
//! compare the stored waker's vtable pointer with this one (a load and a compare; no atomic,
//! no allocation).

use super::header::Header;
use super::join::DetachedHandle;
use crate::DoneStatus;
use crate::loom::Mutex;
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// A callback waiting for its task to finish.
pub(crate) type DoneCallback = Box<dyn FnOnce(DoneStatus) + Send + 'static>;

/// The done-callbacks of one task and the waker of whoever awaits it: the task's join waker
/// once a callback was added.
pub(crate) struct DoneCallbacks {
    /// The task, for reading its status; owns no reference (whoever calls in holds one).
    raw: NonNull<Header>,
    state: Mutex<ListState>,
}

struct ListState {
    callbacks: Vec<DoneCallback>,
    /// Known once the list fired or the handle took the output (whichever came first).
    status: Option<DoneStatus>,
    /// The runner's wake (or the adder, for a task that completed while it installed the
    /// list) has run the callbacks: later ones run at once.
    fired: bool,
    /// The awaiter's waker, woken after the callbacks.
    awaiter: Option<Waker>,
    /// The task's handle, dropped by its owner before the list fired.
    detached: Option<DetachedHandle>,
}

// SAFETY: `raw` is only dereferenced by callers that hold a reference to the task (the handle
// or the runner completing it), from any thread, which the task's header allows (atomics and
// the output read, which the lock serializes against the handle's take); everything else is
// behind the mutex and `Send` (the detached handle is a task reference, `Send` as a `Task` is).
unsafe impl Send for DoneCallbacks {}
// SAFETY: as above: shared access goes through the mutex.
unsafe impl Sync for DoneCallbacks {}

/// The join waker made from an `Arc<DoneCallbacks>`. A `static`, so its address identifies
/// such a waker (a `const` could be duplicated per use).
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: `data` came from `Arc::into_raw` in `waker` and the waker being cloned keeps
    // that count alive.
    unsafe { Arc::increment_strong_count(data.cast::<DoneCallbacks>()) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake_raw(data: *const ()) {
    // SAFETY: a waker consumed by value gives its count back here.
    let list = unsafe { Arc::from_raw(data.cast::<DoneCallbacks>()) };
    list.fire();
}

unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: the waker this is called through keeps the list alive.
    unsafe { &*data.cast::<DoneCallbacks>() }.fire();
}

unsafe fn drop_raw(data: *const ()) {
    // SAFETY: the dropped waker owned one count.
    drop(unsafe { Arc::from_raw(data.cast::<DoneCallbacks>()) });
}

impl DoneCallbacks {
    /// A list holding `first`, which takes over `awaiter` (the waker the task's slot held).
    pub(crate) fn new(
        raw: NonNull<Header>,
        first: DoneCallback,
        awaiter: Option<Waker>,
    ) -> Arc<DoneCallbacks> {
        Arc::new(DoneCallbacks {
            raw,
            state: Mutex::new(ListState {
                callbacks: vec![first],
                status: None,
                fired: false,
                awaiter,
                detached: None,
            }),
        })
    }

    /// The join waker that fires this list.
    pub(crate) fn waker(self: &Arc<Self>) -> Waker {
        let data = Arc::into_raw(self.clone()).cast::<()>();
        // SAFETY: the vtable's functions treat `data` as the `Arc` count we just leaked, and
        // `DoneCallbacks` is `Send + Sync`, as a waker's data must be.
        unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
    }

    /// The list behind `waker`, if it is a done-callbacks waker; borrowed from the waker.
    pub(crate) fn of(waker: &Waker) -> Option<&DoneCallbacks> {
        if !std::ptr::eq(waker.vtable(), &VTABLE) {
            return None;
        }
        // SAFETY: only `waker` builds wakers with `VTABLE`, from an `Arc<DoneCallbacks>`
        // whose count this waker holds for as long as it is borrowed.
        Some(unsafe { &*waker.data().cast::<DoneCallbacks>() })
    }

    /// Adds `callback`, or hands it back with the status when the list has already fired
    /// (the caller then runs it, outside the lock).
    pub(crate) fn push(&self, callback: DoneCallback) -> Option<(DoneCallback, DoneStatus)> {
        let mut state = self.state.lock();
        if state.fired {
            let status = state.status.expect("a fired list knows its status");
            return Some((callback, status));
        }
        state.callbacks.push(callback);
        None
    }

    /// The handle awaits the task: keep `waker` for after the callbacks. True when the list
    /// has already fired (the task is complete: read the output).
    pub(crate) fn register(&self, waker: &Waker) -> bool {
        let mut state = self.state.lock();
        if state.fired {
            return true;
        }
        match &mut state.awaiter {
            Some(old) if old.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        false
    }

    /// The handle is about to take or drop the output of the complete task: record the
    /// status first, under the lock, so the runner's firing never reads a moving output.
    ///
    /// # Safety
    /// The caller is the task's handle, the task is complete, and the handle holds `&mut`.
    pub(crate) unsafe fn settle_status(&self) {
        let mut state = self.state.lock();
        if state.status.is_none() {
            // SAFETY: per the contract the output is the handle's and still in the task (it
            // leaves only after this), and the lock keeps the runner from reading it now.
            state.status = Some(unsafe { status_of(self.raw) });
        }
    }

    /// The handle is being dropped: keep it (its reference and join interest) until the list
    /// fires. False when it already has (drop the handle normally).
    pub(crate) fn keep_handle(&self, handle: DetachedHandle) -> Result<(), DetachedHandle> {
        let mut state = self.state.lock();
        if state.fired {
            return Err(handle);
        }
        state.detached = Some(handle);
        Ok(())
    }

    /// Runs the callbacks in order, then wakes the awaiter and lets go of a detached handle.
    /// Called by the runner's wake after it completed the task, or by the handle for a task
    /// that completed while the list was being installed; a second call does nothing.
    pub(crate) fn fire(&self) {
        let (callbacks, status, awaiter, detached) = {
            let mut state = self.state.lock();
            if state.fired {
                return;
            }
            state.fired = true;
            let status = match state.status {
                Some(status) => status,
                // SAFETY: the task is complete (that is why we were woken) and its output is
                // still in it: the handle (or the detached one here) keeps the join interest
                // and takes or drops the output only after `settle_status`, which found no
                // status; the lock excludes it while we read. Our caller holds a reference.
                None => unsafe { status_of(self.raw) },
            };
            state.status = Some(status);
            (
                std::mem::take(&mut state.callbacks),
                status,
                state.awaiter.take(),
                state.detached.take(),
            )
        };
        // No lock held from here: callbacks are user code and may take their time.
        for callback in callbacks {
            run_callback(callback, status);
        }
        if let Some(awaiter) = awaiter {
            weft_coop::catch("waker", move || awaiter.wake());
        }
        // Dropping the handle drops the output (reporting a panic nobody retrieved).
        drop(detached);
    }
}

/// Runs one callback; a panic in it goes to the runtime's panic handler (through
/// `weft_coop`'s reporter), never into the runner or the adding code.
pub(crate) fn run_callback(callback: DoneCallback, status: DoneStatus) {
    weft_coop::catch("done-callback", move || callback(status));
}

/// How the complete task ended, read from its output without taking it. Once the output was
/// taken, a panic can no longer be told from a value (the answer is then `Completed` or
/// `Cancelled`): the list records the status before that happens.
///
/// # Safety
/// The caller holds a reference, the task is complete, and nothing moves the output out or
/// drops it during the call.
pub(crate) unsafe fn status_of(raw: NonNull<Header>) -> DoneStatus {
    // SAFETY: the caller holds a reference.
    let header = unsafe { raw.as_ref() };
    // SAFETY: complete, with the output still there and not being written, per the contract.
    if unsafe { (header.vtable.output_is_panic)(raw) } {
        DoneStatus::Panicked
    } else if header.state.load().is_cancelled() {
        // A cancellation that landed before completion always makes the outcome cancelled
        // (or a panic of the future's `Drop`, checked above); one after completion is refused
        // without setting the flag.
        DoneStatus::Cancelled
    } else {
        DoneStatus::Completed
    }
}

impl fmt::Debug for DoneCallbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("DoneCallbacks")
            .field("pending", &state.callbacks.len())
            .field("fired", &state.fired)
            .finish()
    }
}

#[cfg(all(test, loom))]
#[path = "done_callbacks_loom_model.rs"]
mod loom_model;
