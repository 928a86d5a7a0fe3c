//! What each worker is polling right now, readable from any thread: the task dump lists
//! running tasks (even ones never idle, so never in the registry) with how long their poll
//! has run, and the slow-poll watchdog reports a poll that is still running.
//!
//! A worker writes its [`RunningCell`] around every poll, as a seqlock whose generation is
//! the task id itself: `0` when the poll ends; at the next poll's start a release fence, the
//! task's spawn site and the coarse clock's stamp, then the id with `Release`. A reader loads
//! the id with `Acquire`, then the rest, an acquire fence, then the id again: the same
//! non-zero id twice means the fields belong to that task (ids are never reused; a reader that
//! saw the next poll's fields sees, through the fences, the `0` written before them). No
//! pointer to the task itself is kept, so a reader never touches a task that finished
//! meanwhile. Four plain stores per poll (the fence is free on x86); no read-modify-write.

use std::panic::Location;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// One worker's current poll (see the module docs).
#[derive(Debug)]
pub(crate) struct RunningCell {
    task: AtomicU64,
    spawned_at: AtomicPtr<Location<'static>>,
    since_ms: AtomicU32,
}

/// A poll in progress, as a reader saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Running {
    pub(crate) task: u64,
    pub(crate) spawned_at: &'static Location<'static>,
    /// The coarse-clock stamp of the poll's start: with `task`, names one poll.
    pub(crate) since_ms: u32,
}

impl Running {
    /// How long the poll has run so far.
    pub(crate) fn elapsed(&self) -> Duration {
        weft_coop::coarse_elapsed(self.since_ms)
    }
}

impl Default for RunningCell {
    fn default() -> RunningCell {
        RunningCell {
            task: AtomicU64::new(0),
            spawned_at: AtomicPtr::new(ptr::null_mut()),
            since_ms: AtomicU32::new(0),
        }
    }
}

impl RunningCell {
    /// The owning worker starts polling task `id` (never 0), spawned at `spawned_at`.
    #[inline]
    pub(crate) fn enter(&self, id: u64, spawned_at: &'static Location<'static>) {
        // Orders the last poll's `0` before these fields (the seqlock's writer side).
        std::sync::atomic::fence(Ordering::Release);
        self.spawned_at
            .store(ptr::from_ref(spawned_at).cast_mut(), Ordering::Relaxed);
        self.since_ms
            .store(weft_coop::coarse_now_ms(), Ordering::Relaxed);
        self.task.store(id, Ordering::Release);
    }

    /// The owning worker's poll ended (or its task is completing inside it).
    #[inline]
    pub(crate) fn leave(&self) {
        self.task.store(0, Ordering::Relaxed);
    }

    /// The poll in progress, if any.
    pub(crate) fn load(&self) -> Option<Running> {
        let task = self.task.load(Ordering::Acquire);
        if task == 0 {
            return None;
        }
        let spawned_at = self.spawned_at.load(Ordering::Relaxed);
        let since_ms = self.since_ms.load(Ordering::Relaxed);
        // Orders the field reads before the second look at the id.
        std::sync::atomic::fence(Ordering::Acquire);
        if self.task.load(Ordering::Relaxed) != task || spawned_at.is_null() {
            return None; // that poll ended (or the next began) while we read
        }
        // SAFETY: a non-null pointer was stored by `enter` from a `&'static Location`.
        let spawned_at: &'static Location<'static> = unsafe { &*spawned_at };
        Some(Running {
            task,
            spawned_at,
            since_ms,
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_cell_shows_the_poll_between_enter_and_leave() {
        let cell = RunningCell::default();
        assert_eq!(cell.load(), None);
        let here = Location::caller();
        cell.enter(7, here);
        let running = cell.load().unwrap();
        assert_eq!((running.task, running.spawned_at), (7, here));
        assert!(running.elapsed() < Duration::from_secs(60));
        cell.leave();
        assert_eq!(cell.load(), None);
    }
}
