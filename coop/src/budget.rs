//! The cooperative budget: how many operations a task may complete in one poll.
//!
//! The executor grants each task poll [`BUDGET`] units ([`with_budget`]); every leaf future
//! spends one when it completes ([`poll_proceed`] and [`Progress::made_progress`]) and yields
//! once the budget is spent. The count is a thread-local, so it costs no synchronisation.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may complete in one poll before its leaf futures start yielding.
///
/// ```
/// weft_coop::with_budget(|| assert_eq!(weft_coop::remaining(), Some(weft_coop::BUDGET)));
/// ```
pub const BUDGET: u8 = 128;

/// This thread's budget and poll count, in one thread-local so a task poll pays one lookup.
#[derive(Clone, Copy)]
struct State {
    /// `None`: unconstrained (not inside a budgeted poll). `Some(n)`: `n` units left.
    remaining: Option<u8>,
    /// Budgeted polls this thread has finished (wrapping): what [`poll_stamp`] reads.
    polls_done: u32,
}

crate::local! {
    static STATE: Cell<State> = Cell::new(State { remaining: None, polls_done: 0 });
}

/// The budget left, `None` when unconstrained.
#[inline]
fn remaining_now() -> Option<u8> {
    STATE.with(|s| s.get().remaining)
}

/// Replaces the budget left, returning the one it replaces.
#[inline]
fn replace_remaining(remaining: Option<u8>) -> Option<u8> {
    STATE.with(|s| {
        let state = s.get();
        s.set(State { remaining, ..state });
        state.remaining
    })
}

/// Runs `f` with a fresh budget of [`BUDGET`] units and restores the previous budget after.
///
/// The executor wraps every task poll in this. Nested calls (a `block_on` inside a blocking
/// callback, say) get their own budget and give the outer one back untouched.
///
/// ```
/// weft_coop::with_budget(|| assert_eq!(weft_coop::remaining(), Some(weft_coop::BUDGET)));
/// assert_eq!(weft_coop::remaining(), None);
/// ```
#[inline]
pub fn with_budget<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u8>);
    impl Drop for Restore {
        fn drop(&mut self) {
            STATE.with(|s| {
                let polls_done = s.get().polls_done.wrapping_add(1);
                s.set(State {
                    remaining: self.0,
                    polls_done,
                });
            });
        }
    }
    let _restore = Restore(replace_remaining(Some(BUDGET)));
    f()
}

/// A number naming the budgeted poll ([`with_budget`]) running on this thread: it changes
/// whenever a budgeted poll on this thread ends (until the count wraps, after 2³² polls).
/// `0` outside a budgeted poll, and inside [`unconstrained`].
///
/// A leaf future made and first polled under the same nonzero stamp knows that no poll ended
/// on this thread between the two: both happened inside one poll's own code, however long
/// that took. `weft::sleep` uses that to skip a clock read.
///
/// ```
/// assert_eq!(weft_coop::poll_stamp(), 0);
/// let first = weft_coop::with_budget(weft_coop::poll_stamp);
/// let second = weft_coop::with_budget(weft_coop::poll_stamp);
/// assert!(first != 0 && second != 0 && first != second);
/// weft_coop::with_budget(|| {
///     let outer = weft_coop::poll_stamp();
///     weft_coop::with_budget(|| {});
///     assert_ne!(weft_coop::poll_stamp(), outer, "a poll ended in between");
/// });
/// ```
#[inline]
pub fn poll_stamp() -> u32 {
    let state = STATE.with(Cell::get);
    match state.remaining {
        Some(_) => state.polls_done.wrapping_add(1),
        None => 0,
    }
}

/// Runs `f` with no budget: leaf futures inside never yield on the budget's account.
///
/// Useful for code that must finish a burst of work in one poll (a shutdown drain).
///
/// ```
/// weft_coop::with_budget(|| {
///     weft_coop::unconstrained(|| assert_eq!(weft_coop::remaining(), None));
/// });
/// ```
#[inline]
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u8>);
    impl Drop for Restore {
        fn drop(&mut self) {
            replace_remaining(self.0);
        }
    }
    let _restore = Restore(replace_remaining(None));
    f()
}

/// Units left in the current poll's budget; `None` when unconstrained.
///
/// ```
/// assert_eq!(weft_coop::remaining(), None);
/// ```
#[inline]
pub fn remaining() -> Option<u8> {
    remaining_now()
}

/// Takes one unit of budget for a leaf operation that is about to try to complete.
///
/// Returns `Pending` (after waking the task, so it is polled again soon) when the budget is
/// spent. Otherwise returns a [`Progress`] token: call [`Progress::made_progress`] when the
/// operation completes; dropping the token without that gives the unit back.
///
/// ```
/// use std::task::{Context, Poll};
/// let waker = std::task::Waker::noop();
/// let mut cx = Context::from_waker(&waker);
/// // Unconstrained outside a budgeted poll: always proceeds.
/// assert!(matches!(weft_coop::poll_proceed(&mut cx), Poll::Ready(_)));
/// ```
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<Progress> {
    STATE.with(|s| {
        let state = s.get();
        match state.remaining {
            None => Poll::Ready(Progress { taken: false }),
            Some(0) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(n) => {
                s.set(State {
                    remaining: Some(n - 1),
                    ..state
                });
                Poll::Ready(Progress { taken: true })
            }
        }
    })
}

/// Consumes one unit without a token, for leaves that complete in the same breath.
///
/// Equivalent to `poll_proceed(cx).map(Progress::made_progress)`.
///
/// ```
/// let waker = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(&waker);
/// assert!(weft_coop::poll_consume(&mut cx).is_ready());
/// ```
#[inline]
pub fn poll_consume(cx: &mut Context<'_>) -> Poll<()> {
    poll_proceed(cx).map(Progress::made_progress)
}

/// A unit of budget taken by [`poll_proceed`]; given back on drop unless the leaf completed.
///
/// ```
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// weft_coop::with_budget(|| {
///     let token = weft_coop::poll_proceed(&mut cx); // one unit taken...
///     drop(token); // ...and given back: the operation did not complete
///     assert_eq!(weft_coop::remaining(), Some(weft_coop::BUDGET));
/// });
/// ```
#[derive(Debug)]
#[must_use = "call `made_progress` when the operation completes, or the unit is given back"]
pub struct Progress {
    taken: bool,
}

impl Progress {
    /// Marks the operation as completed: the unit stays spent.
    ///
    /// ```
    /// let waker = std::task::Waker::noop();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// weft_coop::with_budget(|| {
    ///     if let std::task::Poll::Ready(p) = weft_coop::poll_proceed(&mut cx) {
    ///         p.made_progress();
    ///     }
    ///     assert_eq!(weft_coop::remaining(), Some(weft_coop::BUDGET - 1));
    /// });
    /// ```
    #[inline]
    pub fn made_progress(mut self) {
        self.taken = false;
    }
}

impl Drop for Progress {
    #[inline]
    fn drop(&mut self) {
        if self.taken
            && let Some(n) = remaining_now()
        {
            replace_remaining(Some(n.saturating_add(1).min(BUDGET)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_leaf_gives_unit_back() {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        with_budget(|| {
            let p = poll_proceed(&mut cx);
            assert_eq!(remaining(), Some(BUDGET - 1));
            drop(p);
            assert_eq!(remaining(), Some(BUDGET));
        });
    }

    #[test]
    fn exhausted_budget_wakes_and_yields() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Count(AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        with_budget(|| {
            for _ in 0..BUDGET {
                assert!(poll_consume(&mut cx).is_ready());
            }
            assert!(poll_consume(&mut cx).is_pending());
        });
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        // The outer, unconstrained state is restored.
        assert!(poll_consume(&mut cx).is_ready());
    }
}
