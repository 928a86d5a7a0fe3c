//! Who is searching for work and who is asleep: the rule that avoids both lost wake-ups and
//! thundering herds.
//!
//! One atomic word counts the workers that are awake (`unparked`) and those of them that are
//! *searching* (out of local work, stealing). A newly queued task wakes a sleeper only when
//! nobody is searching — a searcher will find it — and at most about half the workers may
//! search at once, so idle workers do not all hammer the same queues. A worker woken for new
//! work starts out searching; when the *last* searcher finds a task it wakes a successor, so
//! a burst of work fans out one worker at a time. Every worker that goes to sleep checks the
//! queues once more after publishing that it sleeps; a pusher fences before it reads who is
//! asleep. Both sides are `SeqCst`, so either the pusher sees the sleeper or the sleeper sees
//! the task — even when the pusher is about to run a long poll and cannot serve its own
//! queue (a lost wake-up there strands work; a stress test once caught exactly that).

use crate::loom::{AtomicUsize, Mutex, fence};
use std::sync::atomic::Ordering::SeqCst;

const SEARCHING_MASK: usize = (1 << 16) - 1;
const UNPARKED_ONE: usize = 1 << 16;

pub(crate) struct Idle {
    state: AtomicUsize,
    /// Indices of sleeping workers; the lock also serialises sleep/wake decisions.
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> 16
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCHING_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(num_workers * UNPARKED_ONE),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// Picks a sleeper to wake for new work, or `None` when a searcher will find it anyway.
    /// The chosen worker is counted as awake and searching. `prefer` ranks candidates so a
    /// worker asleep on its condvar is woken before the one blocked in the I/O driver.
    pub(crate) fn worker_to_notify(&self, prefer: impl Fn(usize) -> bool) -> Option<usize> {
        // Pairs with the `SeqCst` update in `transition_worker_to_parked`: the task this call
        // announces was pushed before the fence, so either this load sees the sleeper, or the
        // sleeper's re-check after that update sees the task.
        fence(SeqCst);
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.should_notify() || sleepers.is_empty() {
            return None;
        }
        self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
        let pos = sleepers
            .iter()
            .rposition(|&w| prefer(w))
            .unwrap_or(sleepers.len() - 1);
        Some(sleepers.swap_remove(pos))
    }

    fn should_notify(&self) -> bool {
        let state = self.state.load(SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// A worker out of local work asks to search; refused when half are already searching.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work; true when it was the last searcher (it must wake a successor).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        searching(self.state.fetch_sub(1, SeqCst)) == 1
    }

    /// A worker goes to sleep. It must look at the queues once more afterwards (see
    /// `Core::park`).
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) {
        let mut sleepers = self.sleepers.lock();
        self.state
            .fetch_sub(UNPARKED_ONE + usize::from(is_searching), SeqCst);
        sleepers.push(worker);
        drop(sleepers);
        // The other half of the pusher's fence in `worker_to_notify`: the caller's re-check
        // of the queues cannot be ordered before this publication.
        fence(SeqCst);
    }

    /// A worker woke up by itself (driver events, spurious wake-up, shutdown). True when it
    /// was still listed as asleep — it now counts as awake, not searching. False means a
    /// notifier already took it off the list and counted it as a searcher.
    pub(crate) fn transition_worker_from_parked(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(pos) => {
                sleepers.swap_remove(pos);
                self.state.fetch_add(UNPARKED_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// True when every worker is asleep (or on its way to sleep).
    #[cfg(feature = "test-util")]
    pub(crate) fn all_parked(&self) -> bool {
        unparked(self.state.load(SeqCst)) == 0
    }

    /// Whether any worker is searching or awake-but-idle (for tests and metrics).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn counts(&self) -> (usize, usize) {
        let s = self.state.load(SeqCst);
        (unparked(s), searching(s))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn push_wakes_nobody_while_someone_searches() {
        let idle = Idle::new(4);
        idle.transition_worker_to_parked(3, false);
        assert!(idle.transition_worker_to_searching());
        assert_eq!(idle.worker_to_notify(|_| true), None);
        assert!(idle.transition_worker_from_searching());
        assert_eq!(idle.worker_to_notify(|_| true), Some(3));
        assert_eq!(idle.counts(), (4, 1));
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.transition_worker_to_searching());
        assert!(idle.transition_worker_to_searching());
        assert!(!idle.transition_worker_to_searching());
    }

    #[test]
    fn a_parked_searcher_stops_counting_as_searching() {
        let idle = Idle::new(2);
        assert!(idle.transition_worker_to_searching());
        idle.transition_worker_to_parked(0, true);
        assert_eq!(idle.counts(), (1, 0));
        assert!(idle.transition_worker_from_parked(0));
        assert!(!idle.transition_worker_from_parked(0));
    }

    #[test]
    fn condvar_sleepers_are_preferred() {
        let idle = Idle::new(3);
        idle.transition_worker_to_parked(0, false);
        idle.transition_worker_to_parked(1, false);
        idle.transition_worker_to_parked(2, false);
        // Worker 2 is "in the driver": 1 is chosen even though 2 slept last.
        assert_eq!(idle.worker_to_notify(|w| w != 2), Some(1));
    }
}
