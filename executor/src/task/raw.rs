//! The typed task allocation and the code that runs it (the "harness").
//!
//! `Cell<F, S>` is the one heap allocation of a task: the [`Header`], the scheduler handle
//! `S`, and the stage, which holds the future while it runs and its output afterwards (the
//! output reuses the future's slot). The functions here are instantiated per `(F, S)` and
//! reached through the header's `&'static Vtable`, so queues and wakers stay untyped.
//!
//! Nothing here requires `F: Send`: which threads may poll and drop a future is the
//! scheduler's business. Runtime tasks are `Send` (checked where they are spawned); local
//! tasks (`spawn_local`) are not, and their scheduler runs them, and any cancellation that
//! would drop their future, on their owner thread only.
//!
//! Panics never escape a task: polls and drops of the future and its output run under
//! `catch_unwind`, and a panic becomes the task's `JoinError` (or, where nobody will read
//! that — a detached task, a cancelled task's discarded value — goes to the scheduler's
//! panic report). A panicking join waker is reported the same way.
//!
//! The block comes from `cell_cache`, a per-thread cache in front of the global allocator
//! (tasks are often freed on another worker than the one that spawned them).
//!
//! **Pointers and borrows.** Every function here receives the pointer `allocate` derived from
//! the block's, which carries provenance over the whole cell; nothing rebuilds a task pointer
//! from a `&Header`. A `&Cell` is only ever a local of a block that ends before the code
//! that may free the cell runs, never a parameter of a function that frees it: a parameter
//! reference must stay valid for the whole call (Stacked and Tree Borrows protect it), and
//! the last reference may be released on another thread the moment ours is given up.

use super::cell_cache;
use super::error::JoinError;
use super::header::{Header, TaskId, UNREGISTERED, Vtable};
use super::lineage::Lineage;
use super::stage::{Stage, StageTag};
use super::state::{State, ToIdle, ToRunning};
use super::waker::borrowed_waker;
use super::{Notified, Schedule, TaskRef};
use crate::loom::UnsafeCell;
use std::alloc::Layout;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};

// Neighbouring cells must not share a cache line that both their workers touch (`yield_many`
// on 2 workers ran at two-thirds speed when they did). The header's cold tail, last in the
// cell, does that job (see `header.rs`); earlier cures were a 64-byte trailing pad (64 bytes a
// task) and 128-byte alignment (every spawn on the allocator's slow aligned path).
#[repr(C)]
struct Cell<F: Future, S> {
    // The future first: its writes sit right after the previous cell's cold tail.
    stage: UnsafeCell<Stage<F>>,
    scheduler: S,
    // Last, so that its cold tail ends the cell. Task pointers point here.
    header: Header,
}

impl<F: Future, S> Cell<F, S> {
    /// Where the header sits in the cell.
    const HEADER: usize = std::mem::offset_of!(Cell<F, S>, header);

    /// Which form the stage holds.
    ///
    /// # Safety
    /// The caller owns the stage: it holds `RUNNING`, or the task is complete and it owns
    /// the output (see `stage.rs`).
    unsafe fn stage_tag(&self) -> StageTag {
        // SAFETY: per the caller, nobody else writes the tag meanwhile.
        self.header.stage.with(|tag| unsafe { *tag })
    }

    /// Drops the future in place if the stage still holds it, leaving the stage `Consumed`
    /// even if the future's `Drop` panics (so nothing drops it twice).
    ///
    /// # Safety
    /// As for [`stage_tag`](Self::stage_tag).
    unsafe fn drop_future_in_place(&self) {
        // SAFETY: the caller owns the stage and its tag.
        let was = self
            .header
            .stage
            .with_mut(|tag| unsafe { std::mem::replace(&mut *tag, StageTag::Consumed) });
        if was == StageTag::Running {
            // SAFETY: the tag said `Running`, so `future` is the live field; it is dropped
            // once, here, since the tag now says `Consumed`. The caller owns the stage.
            self.stage
                .with_mut(|stage| unsafe { ManuallyDrop::drop(&mut (*stage).future) });
        }
    }

    /// Takes the outcome out of the stage, if it holds one, leaving it `Consumed`.
    ///
    /// # Safety
    /// As for [`stage_tag`](Self::stage_tag).
    unsafe fn take_output(&self) -> Option<Result<F::Output, JoinError>> {
        // SAFETY: the caller owns the stage and its tag.
        let finished = self.header.stage.with_mut(|tag| unsafe {
            (*tag == StageTag::Finished).then(|| *tag = StageTag::Consumed)
        });
        finished.map(|()| {
            // SAFETY: the tag said `Finished`, so `output` is the live field; it is moved
            // out once, here, since the tag now says `Consumed`.
            self.stage
                .with_mut(|stage| unsafe { ManuallyDrop::take(&mut (*stage).output) })
        })
    }

    /// Stores the outcome in a stage whose future is gone.
    ///
    /// # Safety
    /// As for [`stage_tag`](Self::stage_tag), and the stage is `Consumed`.
    unsafe fn put_output(&self, outcome: Result<F::Output, JoinError>) {
        // SAFETY: the caller owns the stage, which holds nothing to drop (`Consumed`).
        self.stage.with_mut(|stage| unsafe {
            (*stage).output = ManuallyDrop::new(outcome);
        });
        // SAFETY: as above.
        self.header
            .stage
            .with_mut(|tag| unsafe { *tag = StageTag::Finished });
    }
}

impl<F: Future, S> Drop for Cell<F, S> {
    fn drop(&mut self) {
        // SAFETY: the cell is being freed (`dealloc`, after the last reference): nobody else
        // can reach its stage.
        unsafe {
            self.drop_future_in_place();
            drop(self.take_output());
        }
    }
}

struct VtableFor<F, S>(PhantomData<(F, S)>);

impl<F: Future + 'static, S: Schedule> VtableFor<F, S>
where
    F::Output: 'static,
{
    const VTABLE: Vtable = Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        read_output: read_output::<F, S>,
        drop_output: drop_output::<F, S>,
        cancel_claimed: cancel_claimed::<F, S>,
        output_is_panic: output_is_panic::<F, S>,
        kind: S::KIND,
    };
}

/// Allocates a task holding `future`, queued once and with a join handle: two references
/// (the handle's and the returned entry's).
pub(crate) fn allocate<F, S>(future: F, scheduler: S, origin: super::Origin) -> NonNull<Header>
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let id = TaskId::next();
    #[cfg(feature = "tracing")]
    let span = super::instrument::task_span(
        id,
        origin.name.as_deref().map(String::as_str),
        origin.parent,
        origin.spawned_at,
        S::KIND,
    );
    let layout = Layout::new::<Cell<F, S>>();
    let cell = cell_cache::allocate(layout).cast::<Cell<F, S>>();
    let value = Cell {
        header: Header {
            state: State::new(),
            vtable: &VtableFor::<F, S>::VTABLE,
            id,
            lineage: Lineage::new(origin.name, origin.parent),
            spawned_at: origin.spawned_at,
            registry_key: AtomicU32::new(UNREGISTERED),
            stage: UnsafeCell::new(StageTag::Running),
            join_waker: UnsafeCell::new(None),
            wait: weft_coop::WaitCell::new(),
            #[cfg(feature = "tracing")]
            span,
        },
        scheduler,
        stage: UnsafeCell::new(Stage {
            future: ManuallyDrop::new(future),
        }),
    };
    // SAFETY: a fresh block, ours alone, at least as large and as aligned as `Cell<F, S>`.
    unsafe { cell.write(value) };
    // After the write: a call between building the cell and writing it would make the
    // compiler build it on the stack and copy it (a `memcpy` per spawn).
    if let Some(context) = origin.context {
        crate::context::task_contexts::put(id.as_u64(), context);
    }
    // SAFETY: the header is a field of the cell, `HEADER` bytes in; the pointer is derived
    // from the whole allocation's, so it keeps provenance over all of it (`cell` and
    // `dealloc` step back by the same offset).
    unsafe { cell.byte_add(Cell::<F, S>::HEADER) }.cast()
}

/// # Safety
/// `ptr` must be the pointer `allocate` returned for a `Cell<F, S>`, and the caller must hold
/// a reference to the task for as long as it uses the borrow (and must not keep the borrow
/// past code that may release that reference).
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: `ptr` is `allocate`'s header pointer: `HEADER` bytes into the cell it leaked,
    // with the whole allocation's provenance, so stepping back regains the cell; the
    // caller's reference keeps it alive for the borrow.
    unsafe { cell_ptr::<F, S>(ptr).as_ref() }
}

/// The cell a header pointer belongs to.
///
/// # Safety
/// `ptr` comes from [`allocate`] for a `Cell<F, S>`.
unsafe fn cell_ptr<F: Future, S>(ptr: NonNull<Header>) -> NonNull<Cell<F, S>> {
    // SAFETY: per the caller, `ptr` is `allocate`'s, `HEADER` bytes into its cell with the
    // whole allocation's provenance; subtracting stays within that allocation.
    unsafe { ptr.byte_sub(Cell::<F, S>::HEADER) }.cast()
}

/// Releases `n` references; frees the cell if they were the last.
///
/// # Safety
/// The caller owns those references and holds no borrow of the cell.
unsafe fn release<F: Future, S>(ptr: NonNull<Header>, n: usize) {
    // SAFETY: our references keep the header alive for the decrement. The state word is an
    // atomic (interior mutability): the `&State` it is reached through is no promise that the
    // memory outlives the call, so another thread freeing the cell right after the
    // decrement is no conflict (std's `Arc::drop` relies on the same rule).
    if unsafe { ptr.as_ref() }.state.ref_dec(n) {
        // SAFETY: those were the last references, and this is the allocation's pointer.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// What one poll of the future came to.
enum Polled<T> {
    Pending { self_woken: bool },
    Ready(Result<T, JoinError>),
}

unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    // SAFETY: the caller hands us a queue entry's reference, which keeps the task alive.
    let to_running = unsafe { ptr.as_ref() }.state.transition_to_running();
    let polled = match to_running {
        // SAFETY: we hold the entry's reference and now `RUNNING`.
        ToRunning::Poll => unsafe { poll_future::<F, S>(ptr) },
        // SAFETY: as above.
        ToRunning::Cancel => Polled::Ready(Err(unsafe { cancelled_outcome::<F, S>(ptr) })),
    };
    match polled {
        // SAFETY: `RUNNING` and the runner's reference, given to `complete`.
        Polled::Ready(outcome) => unsafe { complete::<F, S>(ptr, outcome) },
        // SAFETY: as above, given to `after_pending`.
        Polled::Pending { self_woken } => unsafe { after_pending::<F, S>(ptr, self_woken) },
    }
}

/// Polls the future once, catching a panic; drops the future if it finished.
///
/// # Safety
/// The caller holds `RUNNING` and a reference to the task.
unsafe fn poll_future<F, S>(ptr: NonNull<Header>) -> Polled<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    // SAFETY: the caller's reference keeps the cell alive for this whole function, and
    // nothing here releases it.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the waker is only lent to the future for this poll, during which the caller's
    // reference keeps the task alive; it is never dropped (no reference to give back).
    let waker = unsafe { borrowed_waker(ptr) };
    let mut cx = Context::from_waker(&waker);
    let mut self_woken = false;
    let started = cell.scheduler.times_polls().then(std::time::Instant::now);
    #[cfg(feature = "tracing")]
    let _entered = cell.header.span.enter();
    let polled = catch_unwind(AssertUnwindSafe(|| {
        weft_coop::with_budget(|| {
            let ((poll, woke), waited) = weft_coop::recording(|| {
                // SAFETY: we hold `RUNNING`, so we own the stage.
                debug_assert_eq!(unsafe { cell.stage_tag() }, StageTag::Running);
                cell.stage.with_mut(|stage| {
                    // SAFETY: we hold `RUNNING`, which grants exclusive access to the stage,
                    // on a task that is not complete: its future is the live field (only a
                    // `RUNNING` holder drops it, and completes the task before letting go).
                    let future: &mut F = unsafe { &mut (*stage).future };
                    // The task's context is current for the poll, and keeps what it sets.
                    super::current::enter(ptr, || {
                        // SAFETY: the future lives inside the heap cell and is never moved
                        // out until it is dropped in place, so it stays pinned.
                        unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
                    })
                })
            });
            if poll.is_pending() {
                // We hold `RUNNING`: the only writer of the cell.
                cell.header.wait.publish(waited);
            }
            self_woken = woke;
            poll
        })
    }));
    if let Some(started) = started {
        cell.scheduler.poll_took(&cell.header, started.elapsed());
    }
    match polled {
        Ok(Poll::Pending) => Polled::Pending { self_woken },
        Ok(Poll::Ready(output)) => {
            // The future is done with; drop it before publishing the output.
            Polled::Ready(drop_future(cell).map(|()| output))
        }
        Err(payload) => {
            let _ = drop_future(cell);
            let header = &cell.header;
            Polled::Ready(Err(JoinError::panic(
                header.id,
                header.given_name(),
                payload,
            )))
        }
    }
}

/// After a `Pending` poll: registers the task if it is about to go idle for the first time,
/// then lets it go idle, requeues it (it woke itself) or cancels it.
///
/// # Safety
/// The caller holds `RUNNING` and a reference to the task, which it gives up.
unsafe fn after_pending<F, S>(ptr: NonNull<Header>, self_woken: bool)
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let to_idle = {
        // SAFETY: our reference keeps the cell alive through this block; nothing in it gives
        // the reference up (the idle transition does, and it is the block's last act).
        let cell = unsafe { cell::<F, S>(ptr) };
        // Before a task may go idle the scheduler must know it, or shutdown could not find
        // it. A refusal means shutdown: cancel instead.
        let registered = self_woken
            || cell.header.registry_key.load(Relaxed) != UNREGISTERED
            || cell.scheduler.register(TaskRef(ptr));
        if registered {
            cell.header.state.transition_to_idle(self_woken)
        } else {
            ToIdle::Cancel
        }
    };
    match to_idle {
        ToIdle::Idle => {}
        ToIdle::Yield => {
            {
                // SAFETY: `Yield` left us a reference of our own beside the new entry's, so
                // the cell (and the scheduler inside it) outlives the call even if the entry
                // is run and completed on another worker before it returns.
                let cell = unsafe { cell::<F, S>(ptr) };
                // SAFETY: the entry's reference was taken by the transition for it.
                cell.scheduler.yield_now(unsafe { Notified::from_raw(ptr) });
            }
            // SAFETY: the reference `Yield` left us; the borrow above has ended.
            unsafe { release::<F, S>(ptr, 1) };
        }
        ToIdle::Cancel => {
            // Flag it as any other cancellation does, so the state word says how it ended
            // (`Task::is_cancelled`, done-callbacks' status); we hold `RUNNING`, so this only
            // sets the flag.
            // SAFETY: our reference keeps the header alive for the call.
            let _ = unsafe { ptr.as_ref() }.state.transition_to_cancelled();
            // SAFETY: `Cancel` leaves us `RUNNING` and our reference.
            let outcome = Err(unsafe { cancelled_outcome::<F, S>(ptr) });
            // SAFETY: we still hold `RUNNING` and our reference.
            unsafe { complete::<F, S>(ptr, outcome) };
        }
    }
}

/// Drops the future in place (catching a panicking `Drop`), then the task's context
/// variables if it has any. Requires `RUNNING`.
fn drop_future<F: Future, S>(cell: &Cell<F, S>) -> Result<(), JoinError> {
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller holds `RUNNING`: it owns the stage.
        unsafe { cell.drop_future_in_place() }
    }))
    .map_err(|payload| JoinError::panic(cell.header.id, cell.header.given_name(), payload));
    // Its last poll stored it; a task cancelled before it ran was given it at spawn. The
    // values' `Drop`s are user code, and the task's outcome is already decided.
    if let Some(context) = crate::context::task_contexts::take(cell.header.id.as_u64()) {
        weft_coop::catch("context variable's drop", || drop(context));
    }
    dropped
}

/// Drops the future of a task being cancelled and returns its outcome: cancelled, or the
/// panic of the future's `Drop`.
///
/// # Safety
/// The caller holds `RUNNING` and a reference to the task.
unsafe fn cancelled_outcome<F: Future, S>(ptr: NonNull<Header>) -> JoinError {
    // SAFETY: the caller's reference keeps the cell alive; nothing here releases it.
    let cell = unsafe { cell::<F, S>(ptr) };
    match drop_future(cell) {
        Ok(()) => JoinError::cancelled(cell.header.id, cell.header.given_name()),
        Err(panicked) => panicked,
    }
}

/// Publishes `outcome`, hands it to the join handle (or drops it when nobody wants it),
/// leaves the registry and releases the runner's reference.
///
/// # Safety
/// The caller holds `RUNNING` and a reference (which this gives up); the future is dropped.
unsafe fn complete<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    outcome: Result<F::Output, JoinError>,
) {
    let refs = {
        // SAFETY: the runner's reference keeps the cell alive through this block; it is only
        // released after the block, when no borrow of the cell is left.
        let cell = unsafe { cell::<F, S>(ptr) };
        let header = &cell.header;
        // Leave the registry before anyone can see the task complete, so shutdown never
        // finds a finished task.
        let released = cell.scheduler.release(TaskRef(ptr));
        let mut pending = Some(outcome);
        let prev = header.state.transition_to_complete(|cancelled| {
            // The future is gone: the stage holds nothing, or (on a retry) the outcome the
            // previous attempt stored.
            let outcome = match pending.take() {
                Some(outcome) => outcome,
                // SAFETY: we still hold `RUNNING` (the transition has not succeeded yet),
                // so we own the stage.
                None => unsafe { cell.take_output() }
                    .unwrap_or_else(|| unreachable!("the previous attempt stored the outcome")),
            };
            let outcome = match outcome {
                // A cancel that lands before the task is marked complete wins: `cancel()`
                // returning true always means the task ends cancelled (asyncio semantics).
                Ok(value) if cancelled => {
                    drop_reporting(cell, value);
                    Err(JoinError::cancelled(header.id, header.given_name()))
                }
                other => other,
            };
            // SAFETY: as above; the stage is `Consumed` (the future dropped, or the
            // previous attempt's outcome just taken back).
            unsafe { cell.put_output(outcome) };
        });
        if !prev.has_join_interest() {
            // Detached: nobody will read the output, and nobody else may touch it now. (A
            // handle dropped before completion took its waker back, so none is stored.)
            discard_output(cell);
        } else if prev.has_join_waker() {
            header.join_waker.with(|waker| {
                // SAFETY: `JOIN_WAKER` was set when we set `COMPLETE`, so the slot is written
                // and the handle can no longer change it (unset fails once complete).
                if let Some(waker) = unsafe { &*waker } {
                    weft_coop::catch("join waker", || waker.wake_by_ref());
                }
            });
            if !header
                .state
                .unset_waker_after_complete()
                .has_join_interest()
            {
                // The handle went away meanwhile without touching the slot: it is ours.
                // SAFETY: with `JOIN_WAKER` clear and no handle, nobody else reads the slot.
                let waker = header.join_waker.with_mut(|slot| unsafe { (*slot).take() });
                drop_reporting(cell, waker);
            }
        }
        1 + usize::from(released)
    };
    // SAFETY: the runner's reference (and the registry's, if it gave it back); no borrow of
    // the cell is left.
    unsafe { release::<F, S>(ptr, refs) };
}

/// Drops `value` (an output, a waker: user code), reporting a panic in its `Drop`.
fn drop_reporting<F: Future, S: Schedule, T>(cell: &Cell<F, S>, value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        let name = format!(
            "{} (a value it left behind, being dropped)",
            cell.header.name()
        );
        let err = JoinError::panic(cell.header.id, Some(name.into()), payload);
        cell.scheduler.report_panic(err);
    }
}

unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference besides the one it transfers, so the cell and the
    // scheduler inside it outlive this call even if the entry runs to completion on another
    // worker before `schedule` returns.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the transferred reference now belongs to the entry we create.
    cell.scheduler.schedule(unsafe { Notified::from_raw(ptr) });
}

unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    /// Frees the block even if dropping what it holds unwinds, as a `Box` would.
    struct Free(NonNull<u8>, Layout);
    impl Drop for Free {
        fn drop(&mut self) {
            // SAFETY: `cell_cache::allocate` made the block with this layout, and the cell
            // in it has been dropped.
            unsafe { cell_cache::deallocate(self.0, self.1) };
        }
    }
    // SAFETY: called once, when the last reference is gone, on `allocate`'s header pointer:
    // `cell_ptr` steps back to the cell `allocate` wrote.
    let cell = unsafe { cell_ptr::<F, S>(ptr) };
    let _free = Free(cell.cast(), Layout::new::<Cell<F, S>>());
    // SAFETY: nobody can observe the cell any more; it is dropped once, here.
    unsafe { cell.drop_in_place() };
}

unsafe fn read_output<F: Future, S>(ptr: NonNull<Header>, dst: *mut ()) {
    // SAFETY: the join handle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the task is complete and the caller is the join handle, which owns the output.
    if let Some(outcome) = unsafe { cell.take_output() } {
        // SAFETY: `dst` is the handle's `Option<Result<F::Output, JoinError>>`.
        unsafe { *dst.cast::<Option<Result<F::Output, JoinError>>>() = Some(outcome) };
    }
}

unsafe fn drop_output<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the join handle holds a reference; the task is complete and the handle (the
    // caller) owned the output.
    discard_output(unsafe { cell::<F, S>(ptr) });
}

/// Drops an output nobody will read; a panic nobody will see goes to the runtime's panic
/// report ("Task exception was never retrieved"), and so does a panic in the output's
/// `Drop`. The caller must own the output (the task is complete and either detached or its
/// handle is being dropped).
fn discard_output<F: Future, S: Schedule>(cell: &Cell<F, S>) {
    // SAFETY: the caller owns the output, per this function's contract.
    match unsafe { cell.take_output() } {
        Some(Err(err)) if err.is_panic() => cell.scheduler.report_panic(err),
        Some(other) => drop_reporting(cell, other),
        None => {}
    }
}

unsafe fn cancel_claimed<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    let deferred = {
        // SAFETY: `Cancel::Claimed` gave the caller a reference, which keeps the cell alive
        // through this block.
        let cell = unsafe { cell::<F, S>(ptr) };
        cell.scheduler.defer_claimed_cancel(TaskRef(ptr))
    };
    if deferred {
        // The scheduler runs this again on the thread that may drop the future.
        return;
    }
    // SAFETY: `Cancel::Claimed` gave the caller a reference and `RUNNING`.
    let outcome = Err(unsafe { cancelled_outcome::<F, S>(ptr) });
    // SAFETY: `Cancel::Claimed` gave the caller a reference and `RUNNING`, passed on here.
    unsafe { complete::<F, S>(ptr, outcome) };
}

unsafe fn output_is_panic<F: Future, S>(ptr: NonNull<Header>) -> bool {
    // SAFETY: the join handle (the caller) holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the task is complete and the handle owns the output; these are reads, and the
    // only writer (`read_output`) needs `&mut Task`, which excludes this `&Task` call.
    let finished = unsafe { cell.stage_tag() } == StageTag::Finished;
    finished
        && cell.stage.with(|stage| {
            // SAFETY: as above; the tag says `output` is the live field.
            matches!(unsafe { &*(*stage).output }, Err(err) if err.is_panic())
        })
}

#[cfg(all(test, not(loom), not(feature = "tracing")))]
// With `tracing` the header also carries the task's span.
mod tests {
    use super::*;

    /// A parked task of a small future (a counter and a state byte, what `benches/mem.rs`
    /// spawns) fits in 112 bytes, the allocator class below two cache lines (it was 120 with
    /// the parent and the name in two words), and the cell ends with the 48 cold bytes the
    /// layout argument in `header.rs` needs.
    #[test]
    fn a_small_task_fits_in_seven_granules() {
        let future = {
            let polled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            async move {
                polled.fetch_add(1, Relaxed);
                std::future::pending::<()>().await
            }
        };
        fn size_of_cell<F: Future>(_: &F) -> usize {
            std::mem::size_of::<Cell<F, crate::scheduler::Scheduler>>()
        }
        assert!(size_of_cell(&future) <= 112, "{}", size_of_cell(&future));
        // The stage adds nothing to the future (an enum of it would add a tag: `stage.rs`).
        fn size_of_stage<F: Future>(_: &F) -> usize {
            std::mem::size_of::<Stage<F>>()
        }
        assert_eq!(size_of_stage(&future), std::mem::size_of_val(&future));
        // The header ends the cell (and its cold tail ends the header: checked at compile
        // time in `header.rs`).
        fn header_end<F: Future>(_: &F) -> usize {
            Cell::<F, crate::scheduler::Scheduler>::HEADER + std::mem::size_of::<Header>()
        }
        assert_eq!(header_end(&future), size_of_cell(&future));
    }

    /// Runs tasks by hand: queue entries go to a `Vec` the test drains.
    #[derive(Clone, Default)]
    struct Queue(std::sync::Arc<std::sync::Mutex<Vec<Notified>>>);

    impl Schedule for Queue {
        fn schedule(&self, task: Notified) {
            self.0.lock().unwrap().push(task);
        }
        fn release(&self, _task: TaskRef) -> bool {
            false
        }
    }

    impl Queue {
        fn run_all(&self) {
            loop {
                let next = self.0.lock().unwrap().pop();
                match next {
                    Some(task) => task.run(),
                    None => return,
                }
            }
        }
    }

    /// Counts its drops (a future's or an output's).
    struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    fn join<T>(task: &mut crate::Task<T>) -> Poll<Result<T, JoinError>> {
        Pin::new(task).poll(&mut Context::from_waker(std::task::Waker::noop()))
    }

    /// Every way out of the stage (output read by the handle, output dropped for a detached
    /// task, future dropped by a cancel, future dropped unpolled with the cell) drops the
    /// future once and the output once: the union and its tag in the header agree. Small
    /// enough for Miri, which checks the slot's reads and drops.
    #[test]
    fn the_stage_gives_up_its_future_and_output_exactly_once() {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = || Counted(drops.clone());
        let origin = || super::super::Origin::at(std::panic::Location::caller());
        let queue = Queue::default();

        // Finishes in its second poll (it wakes itself once); the handle reads the output.
        let (future, counter) = (counted(), drops.clone());
        let mut yielded = false;
        let body = std::future::poll_fn(move |cx| {
            let _keep = &future;
            if std::mem::replace(&mut yielded, true) {
                return Poll::Ready(Counted(counter.clone()));
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        let (mut task, entry) = super::super::new_task(body, queue.clone(), origin());
        entry.run();
        queue.run_all();
        let Poll::Ready(Ok(value)) = join(&mut task) else {
            panic!("the task finished")
        };
        drop((task, value));
        assert_eq!(
            drops.load(Relaxed),
            2,
            "the future's capture and the output"
        );

        // Detached before it runs: the harness drops the output nobody will read.
        let output = counted();
        let (task, entry) = super::super::new_task(async move { output }, queue.clone(), origin());
        drop(task);
        entry.run();
        assert_eq!(drops.load(Relaxed), 3, "the detached task's output");

        // Parked, then cancelled: the future is dropped, the handle sees the cancel.
        let future = counted();
        let body = async move {
            let _keep = future;
            std::future::pending::<()>().await
        };
        let (mut task, entry) = super::super::new_task(body, queue.clone(), origin());
        entry.run();
        assert!(task.cancel());
        queue.run_all();
        assert!(matches!(join(&mut task), Poll::Ready(Err(err)) if err.is_cancelled()));
        drop(task);
        assert_eq!(drops.load(Relaxed), 4, "the cancelled task's future");

        // Never polled: the entry is discarded and the handle dropped; the cell's own drop
        // finds the future still there.
        let future = counted();
        let (task, entry) = super::super::new_task(async move { drop(future) }, queue, origin());
        drop(entry);
        drop(task);
        assert_eq!(
            drops.load(Relaxed),
            5,
            "the unpolled future, dropped with its cell"
        );
    }
}
