//! The task's state word: every flag and the reference count in one `AtomicUsize`.
//!
//! Packing the flags and the count into one word means every transition (wake, run, finish,
//! cancel, drop a handle) is a single compare-and-swap that sees and changes everything at
//! once, so no two parties can each believe they own the task. The rules:
//!
//! - `NOTIFIED` set ⇒ exactly one queue entry (a [`Notified`](super::Notified)) exists and owns
//!   one reference. A wake that finds it set does nothing more: wake-by-ref of a queued task
//!   never queues it twice.
//! - `RUNNING` set ⇒ one thread has exclusive access to the future (it is polling or dropping
//!   it). A wake while running only sets `NOTIFIED`; the runner requeues the task when its poll
//!   returns, at the back of the queue (that is how `yield_now` is fair).
//! - `COMPLETE` set ⇒ the future is gone and the stage holds the output (or it was dropped
//!   because nobody wants it). The output then belongs to the `Task` handle if `JOIN_INTEREST`
//!   was set when `COMPLETE` was, otherwise to the runner, which drops it at once.
//! - `JOIN_WAKER` set ⇒ the join-waker slot is written and the handle may not touch it; the
//!   runner may read it once it has set `COMPLETE`. Clearing it (to swap wakers) fails once
//!   `COMPLETE` is set, which is what makes the slot safe to read without a lock. After its
//!   read the runner clears the bit itself, handing the slot back: to the handle if it still
//!   has join interest (it drops the waker with itself, or when it reads the output), to the
//!   runner otherwise (it drops the waker at once). A handle dropped before completion clears
//!   both bits in one step and drops the waker. So a join waker never outlives the handle's
//!   interest: two tasks that awaited each other's handles cannot keep each other allocated.
//! - A wake by value that queues the task, and a runner that requeues a task woken during its
//!   poll, keep one reference *beyond* the queue entry's until the scheduler call returns: the
//!   entry may be run, completed and freed by another worker before that call returns, and the
//!   scheduler handle it is called on lives inside the task.
//! - `CANCELLED` set ⇒ the future will be dropped by whoever next holds `RUNNING`, and the
//!   task's outcome is a cancelled `JoinError` even if the future finished in that last poll.

use crate::loom::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

const NOTIFIED: usize = 1 << 0;
const RUNNING: usize = 1 << 1;
const COMPLETE: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const REF_SHIFT: u32 = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
const REF_MASK: usize = !(REF_ONE - 1);

/// The atomic state word of one task.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word at one moment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn has_join_interest(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn has_join_waker(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        (self.0 & REF_MASK) >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("notified", &self.is_notified())
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.has_join_interest())
            .field("join_waker", &self.has_join_waker())
            .field("refs", &self.ref_count())
            .finish()
    }
}

/// What the runner must do after taking a notified task off a queue.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Poll,
    /// Cancellation was requested: drop the future instead of polling it.
    Cancel,
}

/// What the runner must do after a poll returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Nothing: a waker will bring the task back. The runner's reference was released.
    Idle,
    /// The task was woken during its poll: requeue it. The runner's reference became the
    /// queue entry's and the runner holds a new one, to release once the task is queued.
    Yield,
    /// Cancellation was requested during the poll: the runner still holds `RUNNING` and must
    /// drop the future now.
    Cancel,
}

/// What a wake must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Nothing more (already queued, running, or complete).
    Nothing,
    /// Queue the task with the new reference taken for its entry. (A wake by value keeps
    /// its own reference across the scheduling and releases it afterwards.)
    Submit,
    /// Nothing more, and the caller dropped the last reference: deallocate.
    Dealloc,
}

/// What `cancel` found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cancel {
    /// Already complete: nothing changes, the output stays retrievable.
    Complete,
    /// Cancellation was already requested before.
    AlreadyRequested,
    /// Flagged: the runner or queue owner will drop the future at the next scheduling point.
    Flagged,
    /// The task was idle: the caller now holds `RUNNING` and one extra reference, and must
    /// drop the future and complete the task itself.
    Claimed,
}

impl State {
    /// A freshly spawned task: queued once, with a join handle; two references (the
    /// handle's and the queue entry's).
    pub(crate) fn new() -> State {
        State(AtomicUsize::new(NOTIFIED | JOIN_INTEREST | (2 * REF_ONE)))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    fn update<T>(&self, mut f: impl FnMut(Snapshot) -> (Option<usize>, T)) -> T {
        let mut cur = self.0.load(Acquire);
        loop {
            let (next, out) = f(Snapshot(cur));
            let Some(next) = next else { return out };
            match self.0.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return out,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Queue entry → runner. The caller owns the queue entry's reference.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        // A queue entry exists only while NOTIFIED is set and RUNNING is clear, so clearing
        // bit 0 and setting bit 1 is exactly "+1": one `fetch_add` instead of a CAS loop.
        const _: () = assert!(NOTIFIED == 1 && RUNNING == 2);
        let prev = Snapshot(self.0.fetch_add(RUNNING - NOTIFIED, AcqRel));
        debug_assert!(
            prev.is_notified() && !prev.is_running() && !prev.is_complete(),
            "{prev:?}"
        );
        if prev.is_cancelled() {
            ToRunning::Cancel
        } else {
            ToRunning::Poll
        }
    }

    /// Runner after a `Pending` poll. `self_woken`: the task woke itself during the poll on
    /// this thread, which the waker recorded in a thread-local instead of the state word.
    pub(crate) fn transition_to_idle(&self, self_woken: bool) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is_running(), "{s:?}");
            if s.is_cancelled() {
                (None, ToIdle::Cancel)
            } else if s.is_notified() || self_woken {
                (Some(((s.0 & !RUNNING) | NOTIFIED) + REF_ONE), ToIdle::Yield)
            } else {
                (Some((s.0 & !RUNNING) - REF_ONE), ToIdle::Idle)
            }
        })
    }

    /// Runner: marks the task complete. `store` is called with "was cancellation requested"
    /// before every attempt and must (re)write the stage accordingly; it runs while the
    /// runner still has exclusive access, so a cancel racing the finish either lands before
    /// (and the outcome is cancelled) or after (and `cancel` reports `Complete`).
    pub(crate) fn transition_to_complete(&self, mut store: impl FnMut(bool)) -> Snapshot {
        let mut cur = self.0.load(Acquire);
        let mut stored_cancelled = None;
        loop {
            let s = Snapshot(cur);
            debug_assert!(s.is_running() && !s.is_complete(), "{s:?}");
            if stored_cancelled != Some(s.is_cancelled()) {
                store(s.is_cancelled());
                stored_cancelled = Some(s.is_cancelled());
            }
            let next = (cur & !(RUNNING | NOTIFIED)) | COMPLETE;
            match self.0.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return s,
                Err(actual) => cur = actual,
            }
        }
    }

    /// `Task::cancel` and runtime shutdown.
    pub(crate) fn transition_to_cancelled(&self) -> Cancel {
        self.update(|s| {
            if s.is_complete() {
                (None, Cancel::Complete)
            } else if s.is_cancelled() {
                (None, Cancel::AlreadyRequested)
            } else if s.is_running() || s.is_notified() {
                (Some(s.0 | CANCELLED), Cancel::Flagged)
            } else {
                (Some((s.0 | CANCELLED | RUNNING) + REF_ONE), Cancel::Claimed)
            }
        })
    }

    /// A waker consumed by value. On `Submit` a reference was added for the queue entry; the
    /// waker's own must be released once the task is queued (see the module docs).
    pub(crate) fn transition_to_notified_by_val(&self) -> Wake {
        self.update(|s| {
            if s.is_complete() || s.is_notified() {
                let next = s.0 - REF_ONE;
                let action = if next & REF_MASK == 0 {
                    Wake::Dealloc
                } else {
                    Wake::Nothing
                };
                (Some(next), action)
            } else if s.is_running() {
                // The runner holds a reference, so this cannot be the last one.
                (Some((s.0 | NOTIFIED) - REF_ONE), Wake::Nothing)
            } else {
                (Some((s.0 | NOTIFIED) + REF_ONE), Wake::Submit)
            }
        })
    }

    /// A waker used by reference: queueing needs a new reference for the queue entry.
    pub(crate) fn transition_to_notified_by_ref(&self) -> Wake {
        self.update(|s| {
            if s.is_complete() || s.is_notified() {
                (None, Wake::Nothing)
            } else if s.is_running() {
                (Some(s.0 | NOTIFIED), Wake::Nothing)
            } else {
                (Some((s.0 | NOTIFIED) + REF_ONE), Wake::Submit)
            }
        })
    }

    /// The handle stores its waker. `Err` means the task completed first: read the output.
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has_join_interest() && !s.has_join_waker(), "{s:?}");
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.0 | JOIN_WAKER), Ok(()))
            }
        })
    }

    /// The handle takes the waker slot back to replace it. `Err`: the task completed.
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|s| {
            debug_assert!(s.has_join_interest() && s.has_join_waker(), "{s:?}");
            if s.is_complete() {
                (None, Err(s))
            } else {
                (Some(s.0 & !JOIN_WAKER), Ok(()))
            }
        })
    }

    /// The handle is dropped before completion with no waker stored: clears join interest and
    /// drops its reference in one step. `false` sends the caller down the two-step path: when
    /// the task has completed (the output is the handle's to drop), a join waker is stored
    /// (it must be dropped too), or the handle's reference is the last.
    pub(crate) fn drop_join_handle_fast(&self) -> bool {
        self.update(|s| {
            if s.is_complete() || s.has_join_waker() || s.ref_count() < 2 {
                (None, false)
            } else {
                (Some((s.0 & !JOIN_INTEREST) - REF_ONE), true)
            }
        })
    }

    /// The handle is dropped: clears join interest, and the join-waker bit too unless the
    /// task has completed (then the runner may still be reading the slot). Returns the state
    /// before and whether the handle now owns the slot (the bit is clear afterwards), in
    /// which case it must drop the waker stored there.
    pub(crate) fn drop_join_interest(&self) -> (Snapshot, bool) {
        self.update(|s| {
            let next = if s.is_complete() {
                s.0 & !JOIN_INTEREST
            } else {
                s.0 & !(JOIN_INTEREST | JOIN_WAKER)
            };
            (Some(next), (s, next & JOIN_WAKER == 0))
        })
    }

    /// The runner has read the join waker after completing: hands the slot back. Returns the
    /// state before; without join interest the slot is now the runner's, which drops the
    /// waker.
    pub(crate) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.has_join_waker(), "{prev:?}");
        prev
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Relaxed);
        // A count this high means references are leaking in a loop; continuing would wrap.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops `n` references; true when they were the last.
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        let prev = Snapshot(self.0.fetch_sub(n * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= n, "{prev:?} - {n}");
        prev.ref_count() == n
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn wake_by_ref_of_queued_task_does_not_queue_twice() {
        let s = State::new();
        assert_eq!(s.transition_to_notified_by_ref(), Wake::Nothing);
        assert_eq!(s.load().ref_count(), 2);
    }

    #[test]
    fn wake_while_running_requeues_as_yield() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll);
        assert_eq!(s.transition_to_notified_by_ref(), Wake::Nothing);
        assert_eq!(s.transition_to_idle(false), ToIdle::Yield);
        assert!(s.load().is_notified() && !s.load().is_running());
    }

    #[test]
    fn self_wake_recorded_outside_the_word_still_yields() {
        let s = State::new();
        s.transition_to_running();
        assert_eq!(s.transition_to_idle(true), ToIdle::Yield);
        assert!(s.load().is_notified() && !s.load().is_running());
        assert_eq!(
            s.load().ref_count(),
            3,
            "handle, the new entry, and the runner's until the entry is queued"
        );
    }

    #[test]
    fn wake_by_val_keeps_the_wakers_reference_across_scheduling() {
        let s = State::new();
        s.ref_inc(); // a waker
        s.transition_to_running();
        assert_eq!(s.transition_to_idle(false), ToIdle::Idle);
        assert_eq!(s.transition_to_notified_by_val(), Wake::Submit);
        assert_eq!(s.load().ref_count(), 3, "handle, entry, and the waker's");
        assert!(!s.ref_dec(1), "the waker lets go once the entry is queued");
    }

    #[test]
    fn a_handle_dropped_before_completion_takes_its_waker_back() {
        let s = State::new();
        s.set_join_waker().unwrap();
        assert!(
            !s.drop_join_handle_fast(),
            "a stored waker needs the slow path"
        );
        let (prev, owns_slot) = s.drop_join_interest();
        assert!(!prev.is_complete() && owns_slot);
        assert!(!s.load().has_join_waker() && !s.load().has_join_interest());
    }

    #[test]
    fn after_completion_the_runner_hands_the_slot_back() {
        let s = State::new();
        s.set_join_waker().unwrap();
        s.transition_to_running();
        s.transition_to_complete(|_| {});
        // The handle drops while the runner is still reading the slot: not the handle's.
        let (prev, owns_slot) = s.drop_join_interest();
        assert!(prev.is_complete() && !owns_slot);
        // The runner finds no interest left: the waker is its to drop.
        assert!(!s.unset_waker_after_complete().has_join_interest());
    }

    #[test]
    fn cancel_of_idle_task_claims_it() {
        let s = State::new();
        s.transition_to_running();
        assert_eq!(s.transition_to_idle(false), ToIdle::Idle);
        assert_eq!(s.transition_to_cancelled(), Cancel::Claimed);
        assert!(s.load().is_running());
        assert_eq!(s.transition_to_cancelled(), Cancel::AlreadyRequested);
    }

    #[test]
    fn cancel_racing_finish_changes_the_stored_outcome() {
        let s = State::new();
        s.transition_to_running();
        assert_eq!(s.transition_to_cancelled(), Cancel::Flagged);
        let mut saw = Vec::new();
        s.transition_to_complete(|c| saw.push(c));
        assert_eq!(saw, vec![true]);
        assert_eq!(s.transition_to_cancelled(), Cancel::Complete);
    }

    #[test]
    fn join_waker_cannot_be_taken_back_after_completion() {
        let s = State::new();
        s.set_join_waker().unwrap();
        s.transition_to_running();
        s.transition_to_complete(|_| {});
        assert!(s.unset_join_waker().is_err());
    }
}
