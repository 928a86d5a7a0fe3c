//! The pool's thread counts, packed in one atomic word so that every decision about waking or
//! starting a thread is made on a consistent snapshot and claimed with one compare-exchange.
//!
//! Every live pool thread is in exactly one of three places:
//!
//! - **awake**: running pool code, not user code — just started, looking for a job, spinning
//!   before it sleeps, in the task harness around a job, or claimed from its sleep by a
//!   waker and on its way back. An awake thread is guaranteed to look at the queue again
//!   before it does anything else that could take long.
//! - **sleeping**: waiting on the pool's condvar for a wake token, not yet claimed by anyone.
//! - **busy**: inside a job's closure (the rest: `threads - awake - sleeping`).
//!
//! The invariant the pool keeps: *while a job is queued, some thread is awake, or none can be
//! had* (every thread is busy and the cap is reached). Whoever makes `awake` drop to zero
//! with a job queued repairs it: a submitter after its push, a thread entering a closure, a
//! thread going to sleep. They repair it by claiming a sleeper (`sleeping - 1, awake + 1`,
//! then a wake token) or starting a thread (`threads + 1, awake + 1`), in that order. Both
//! sides of each race check the other's write after their own, with a `SeqCst` fence between
//! (the queue push or pop on one side, the count change on the other), so at least one sees
//! it. Nothing else needs the word: a thread leaving a closure only adds itself to `awake`.
//!
//! Each field is 21 bits (two million threads), the top bit says the pool is shut down.

use crate::loom::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;

const BITS: u32 = 21;
const MASK: usize = (1 << BITS) - 1;
const THREAD: usize = 1;
const AWAKE: usize = 1 << BITS;
const SLEEPING: usize = 1 << (2 * BITS);
const SHUTDOWN: usize = 1 << (usize::BITS - 1);

/// The most threads the word can count (the pool's cap is clamped to it).
pub(super) const MAX_THREADS: usize = MASK;

// The three fields and the flag fit without overlapping.
const _: () = assert!(3 * BITS < usize::BITS);

/// A snapshot of the counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Counts(usize);

impl Counts {
    pub(super) fn threads(self) -> usize {
        self.0 & MASK
    }

    pub(super) fn awake(self) -> usize {
        (self.0 / AWAKE) & MASK
    }

    pub(super) fn sleeping(self) -> usize {
        (self.0 / SLEEPING) & MASK
    }

    pub(super) fn is_shutdown(self) -> bool {
        self.0 & SHUTDOWN != 0
    }
}

/// The atomic word.
#[derive(Debug)]
pub(super) struct State(AtomicUsize);

impl State {
    pub(super) fn new() -> State {
        State(AtomicUsize::new(0))
    }

    pub(super) fn load(&self) -> Counts {
        Counts(self.0.load(SeqCst))
    }

    /// A thread (awake) enters a job's closure; returns the counts after.
    pub(super) fn enter_job(&self) -> Counts {
        Counts(self.0.fetch_sub(AWAKE, SeqCst) - AWAKE)
    }

    /// A thread leaves a job's closure (returned or panicked) and is awake again.
    pub(super) fn leave_job(&self) {
        self.0.fetch_add(AWAKE, SeqCst);
    }

    /// An awake thread found nothing to do and goes to sleep; returns the counts after.
    pub(super) fn to_sleep(&self) -> Counts {
        // One add moves the thread between the fields: `awake >= 1` here (the caller is
        // awake), so subtracting its bit borrows from no other field.
        Counts(
            self.0
                .fetch_add(SLEEPING.wrapping_sub(AWAKE), SeqCst)
                .wrapping_add(SLEEPING.wrapping_sub(AWAKE)),
        )
    }

    /// Claims a sleeper seen in `seen` (it becomes awake; the caller owes it a wake token).
    /// On failure, the counts now.
    pub(super) fn claim_sleeper(&self, seen: Counts) -> Result<(), Counts> {
        debug_assert!(seen.sleeping() > 0);
        self.cas(seen, Counts(seen.0 - SLEEPING + AWAKE))
    }

    /// Counts a thread about to be started (born awake), if `seen` is still current.
    pub(super) fn add_thread(&self, seen: Counts) -> Result<(), Counts> {
        debug_assert!(seen.threads() < MAX_THREADS);
        self.cas(seen, Counts(seen.0 + THREAD + AWAKE))
    }

    /// Takes back [`add_thread`](Self::add_thread) when the thread could not be started;
    /// returns the counts after.
    pub(super) fn thread_not_started(&self) -> Counts {
        Counts(self.0.fetch_sub(THREAD + AWAKE, SeqCst) - THREAD - AWAKE)
    }

    /// An awake thread exits.
    pub(super) fn exit_awake(&self) {
        self.0.fetch_sub(THREAD + AWAKE, SeqCst);
    }

    /// A sleeper whose keep-alive ran out (or that saw the shutdown) exits, unless a waker
    /// claimed a sleeper meanwhile and none is left unclaimed: then a token is on its way
    /// and this sleeper must take it (false).
    pub(super) fn exit_sleeping(&self) -> bool {
        let mut seen = self.load();
        while seen.sleeping() > 0 {
            match self.cas(seen, Counts(seen.0 - SLEEPING - THREAD)) {
                Ok(()) => return true,
                Err(now) => seen = now,
            }
        }
        false
    }

    /// Marks the pool shut down: nothing is woken or started from now on.
    pub(super) fn shut_down(&self) {
        self.0.fetch_or(SHUTDOWN, SeqCst);
    }

    fn cas(&self, seen: Counts, new: Counts) -> Result<(), Counts> {
        self.0
            .compare_exchange(seen.0, new.0, SeqCst, SeqCst)
            .map(drop)
            .map_err(Counts)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_fields_move_without_disturbing_each_other() {
        let state = State::new();
        state.add_thread(state.load()).unwrap();
        state.add_thread(state.load()).unwrap();
        let after = state.to_sleep();
        assert_eq!(
            (after.threads(), after.awake(), after.sleeping()),
            (2, 1, 1)
        );
        assert_eq!(state.enter_job().awake(), 0);
        state.claim_sleeper(state.load()).unwrap();
        let now = state.load();
        assert_eq!((now.threads(), now.awake(), now.sleeping()), (2, 1, 0));
        // A sleeper that times out after its slot was claimed must wait for the token.
        assert!(!state.exit_sleeping());
        state.leave_job();
        state.shut_down();
        state.exit_awake();
        let last = state.load();
        assert_eq!((last.threads(), last.awake(), last.sleeping()), (1, 1, 0));
        assert!(last.is_shutdown());
    }
}
