//! The typed task allocation and the code that runs it (the "harness").
//!
//! `Cell<F, S>` is the one heap allocation of a task: the [`Header`], the scheduler handle
//! `S`, and the stage, which holds the future while it runs and its output afterwards (the
//! output reuses the future's slot). The functions here are instantiated per `(F, S)` and
//! reached through the header's `&'static Vtable`, so queues and wakers stay untyped.
//!
//! Panics never escape a task: polls and drops of the future and its output run under
//! `catch_unwind`, and a panic becomes the task's `JoinError`.

use super::error::JoinError;
use super::header::{Header, TaskId, UNREGISTERED, Vtable};
use super::state::{State, ToIdle, ToRunning};
use super::waker::borrowed_waker;
use super::{Notified, Schedule};
use crate::loom::UnsafeCell;
use std::future::Future;
use std::marker::PhantomData;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};

/// What the task's slot holds over its life.
enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

// The trailing pad keeps tasks allocated one after another from sharing a cache line:
// without it, polling one task on one worker (writing its future) invalidated its
// neighbour's state word on the other (`yield_many` on 2 workers: 20.7 ms, with the pad
// 11.5 ms). Aligning the cell to 128 bytes fixed that too but pushed every spawn onto the
// allocator's slow aligned path (`chained_spawn` 0.33 -> 0.59 us), so it is padding, not
// alignment.
#[repr(C)]
struct Cell<F: Future, S> {
    // First field of a `repr(C)` struct: a pointer to the cell is a pointer to the header.
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
    /// Keeps the next allocation's header off the cache line this task writes.
    _pad: [u8; 64],
}

struct VtableFor<F, S>(PhantomData<(F, S)>);

impl<F: Future + Send + 'static, S: Schedule> VtableFor<F, S>
where
    F::Output: Send + 'static,
{
    const VTABLE: Vtable = Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        read_output: read_output::<F, S>,
        drop_output: drop_output::<F, S>,
        cancel_claimed: cancel_claimed::<F, S>,
        output_is_panic: output_is_panic::<F, S>,
    };
}

/// Allocates a task holding `future`, queued once, with a join handle and `refs` references
/// in all (the handle's, the returned entry's, and the registry's when there is one).
pub(crate) fn allocate<F, S>(
    future: F,
    scheduler: S,
    origin: super::Origin,
    refs: usize,
) -> NonNull<Header>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(refs),
            vtable: &VtableFor::<F, S>::VTABLE,
            id: TaskId::next(),
            name: origin.name,
            spawned_at: origin.spawned_at,
            parent: origin.parent,
            registry_key: AtomicUsize::new(UNREGISTERED),
            join_waker: UnsafeCell::new(None),
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
        _pad: [0; 64],
    });
    NonNull::from(Box::leak(cell)).cast()
}

/// # Safety
/// `ptr` must point to a live `Cell<F, S>` (the caller holds a reference to it).
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the header is the first field of the `repr(C)` cell the pointer came from, and
    // the caller's reference keeps the allocation alive for the borrow.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the caller hands us a queue entry's reference, which keeps the cell alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_running() == ToRunning::Cancel {
        cancel_and_complete(cell);
        return;
    }
    // SAFETY: the waker is only lent to the future for this poll, during which our queue
    // reference keeps the task alive; it is never dropped (no reference to give back).
    let waker = unsafe { borrowed_waker(ptr) };
    let mut cx = Context::from_waker(&waker);
    let mut self_woken = false;
    let started = cell
        .scheduler
        .slow_poll_threshold()
        .map(|threshold| (threshold, std::time::Instant::now()));
    let polled = catch_unwind(AssertUnwindSafe(|| {
        weft_coop::with_budget(|| {
            let (poll, woke) = super::current::enter(&cell.header, || {
                cell.stage.with_mut(|stage| {
                    // SAFETY: we hold `RUNNING`, which grants exclusive access to the stage.
                    let Stage::Running(future) = (unsafe { &mut *stage }) else {
                        unreachable!("a running task's stage holds its future")
                    };
                    // SAFETY: the future lives inside the heap cell and is never moved out
                    // until it is dropped in place, so it stays pinned.
                    unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
                })
            });
            self_woken = woke;
            poll
        })
    }));
    if let Some((threshold, started)) = started {
        let took = started.elapsed();
        if took >= threshold {
            cell.scheduler.slow_poll(&cell.header, took);
        }
    }
    match polled {
        Ok(Poll::Pending) if !self_woken && !register(cell) => cancel_and_complete(cell),
        Ok(Poll::Pending) => match cell.header.state.transition_to_idle(self_woken) {
            ToIdle::Idle => {}
            // SAFETY: `Yield` means the state kept our reference for the new queue entry.
            ToIdle::Yield => cell.scheduler.yield_now(unsafe { Notified::from_raw(ptr) }),
            ToIdle::Cancel => cancel_and_complete(cell),
        },
        Ok(Poll::Ready(output)) => {
            // The future is done with; drop it before publishing the output.
            let dropped = drop_future(cell);
            complete(cell, dropped.map(|()| output));
        }
        Err(payload) => {
            let _ = drop_future(cell);
            let err = JoinError::panic(cell.header.id, cell.header.name.clone(), payload);
            complete(cell, Err(err));
        }
    }
}

/// Before a task may go idle the scheduler must know it, or shutdown could not find it. The
/// caller holds `RUNNING`. False: the scheduler is shutting down and the task must be
/// cancelled.
fn register<F: Future, S: Schedule>(cell: &Cell<F, S>) -> bool {
    let header = &cell.header;
    header.registry_key.load(Relaxed) != UNREGISTERED || cell.scheduler.register(header)
}

/// Drops the future in place (catching a panicking `Drop`). Requires `RUNNING`.
fn drop_future<F: Future, S>(cell: &Cell<F, S>) -> Result<(), JoinError> {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller holds `RUNNING`: exclusive access to the stage.
        cell.stage
            .with_mut(|stage| unsafe { *stage = Stage::Consumed });
    }))
    .map_err(|payload| JoinError::panic(cell.header.id, cell.header.name.clone(), payload))
}

/// Requires `RUNNING`: drops the future and completes the task as cancelled.
fn cancel_and_complete<F: Future, S: Schedule>(cell: &Cell<F, S>) {
    let outcome = drop_future(cell).and_then(|()| {
        Err(JoinError::cancelled(
            cell.header.id,
            cell.header.name.clone(),
        ))
    });
    complete(cell, outcome);
}

/// Requires `RUNNING` and the future already dropped: publishes `outcome`, hands it to the
/// join handle (or drops it when nobody wants it), leaves the registry and releases the
/// runner's reference.
fn complete<F: Future, S: Schedule>(cell: &Cell<F, S>, outcome: Result<F::Output, JoinError>) {
    let header = &cell.header;
    // Leave the registry before anyone can see the task complete, so shutdown never finds a
    // finished task.
    let released = cell.scheduler.release(header);
    let mut pending = Some(outcome);
    let prev = header.state.transition_to_complete(|cancelled| {
        cell.stage.with_mut(|stage| {
            // SAFETY: we still hold `RUNNING` (the transition has not succeeded yet), which
            // grants exclusive access to the stage.
            let stage = unsafe { &mut *stage };
            let outcome = match pending.take() {
                Some(outcome) => outcome,
                None => match mem::replace(stage, Stage::Consumed) {
                    Stage::Finished(outcome) => outcome,
                    _ => unreachable!("the outcome was stored by the previous attempt"),
                },
            };
            *stage = Stage::Finished(match outcome {
                // A cancel that lands before the task is marked complete wins: `cancel()`
                // returning true always means the task ends cancelled (asyncio semantics).
                Ok(value) if cancelled => {
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
                    Err(JoinError::cancelled(header.id, header.name.clone()))
                }
                other => other,
            });
        })
    });
    if !prev.has_join_interest() {
        // Detached: nobody will read the output, and nobody else may touch it now.
        // SAFETY: `COMPLETE` is set and there is no join handle, so the output is ours.
        discard_output(cell);
    } else if prev.has_join_waker() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            header.join_waker.with(|waker| {
                // SAFETY: `JOIN_WAKER` was set when we set `COMPLETE`, so the slot is written
                // and the handle can no longer change it (unset fails once complete).
                if let Some(waker) = unsafe { &*waker } {
                    waker.wake_by_ref();
                }
            })
        }));
    }
    if header.state.ref_dec(1 + usize::from(released)) {
        // SAFETY: those were the last references; the pointer came from this cell.
        unsafe { dealloc::<F, S>(NonNull::from(header)) };
    }
}

unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller transfers one reference (the new queue entry's), keeping it alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: that reference now belongs to the entry we create.
    cell.scheduler.schedule(unsafe { Notified::from_raw(ptr) });
}

unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: called once, when the last reference is gone, on the pointer `allocate` leaked
    // from a `Box<Cell<F, S>>`; nobody can observe the cell any more.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
}

unsafe fn read_output<F: Future, S>(ptr: NonNull<Header>, dst: *mut ()) {
    // SAFETY: the join handle holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    cell.stage.with_mut(|stage| {
        // SAFETY: the task is complete and the caller is the join handle, which owns the
        // output; `dst` is the handle's `Option<Result<F::Output, JoinError>>`.
        unsafe {
            if let Stage::Finished(outcome) = mem::replace(&mut *stage, Stage::Consumed) {
                *dst.cast::<Option<Result<F::Output, JoinError>>>() = Some(outcome);
            }
        }
    });
}

unsafe fn drop_output<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the join handle holds a reference; the task is complete and the handle (the
    // caller) owned the output.
    discard_output(unsafe { cell::<F, S>(ptr) });
}

/// Drops an output nobody will read; a panic nobody will see goes to the runtime's
/// unhandled-panic handler ("Task exception was never retrieved"). The caller must own the
/// output (the task is complete and either detached or its handle is being dropped).
fn discard_output<F: Future, S: Schedule>(cell: &Cell<F, S>) {
    // SAFETY: the caller owns the output, per this function's contract.
    let stage = cell
        .stage
        .with_mut(|stage| unsafe { mem::replace(&mut *stage, Stage::Consumed) });
    if let Stage::Finished(Err(err)) = &stage
        && err.is_panic()
    {
        let _ = catch_unwind(AssertUnwindSafe(|| cell.scheduler.unhandled_panic(err)));
    }
    let _ = catch_unwind(AssertUnwindSafe(move || drop(stage)));
}

unsafe fn cancel_claimed<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: `Cancel::Claimed` gave the caller a reference and `RUNNING`.
    cancel_and_complete(unsafe { cell::<F, S>(ptr) });
}

unsafe fn output_is_panic<F: Future, S>(ptr: NonNull<Header>) -> bool {
    // SAFETY: the join handle (the caller) holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    cell.stage.with(|stage| {
        // SAFETY: the task is complete and the handle owns the output; this is a read, and
        // the only writer (`read_output`) needs `&mut Task`, which excludes this `&Task` call.
        matches!(unsafe { &*stage }, Stage::Finished(Err(err)) if err.is_panic())
    })
}
