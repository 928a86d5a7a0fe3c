//! The paused clock for tests (feature `test-util`): [`pause`], [`resume`], [`advance`].
//!
//! A paused runtime clock stands still: timers whose deadline has not come never fire, however
//! long the test really runs. It moves when the test says so ([`advance`]), or by itself
//! when the runtime has nothing else to do: the executor then jumps it to the next timer's
//! deadline (auto-advance), so a test that sleeps an hour finishes at once, and a timeout
//! fires exactly at its deadline on the clock it is measured with. Each runtime has its own
//! clock; these functions act on the current one.

use std::time::Duration;

use super::current_reactor;

/// Stops the current runtime's clock (tokio's `time::pause`). While it stands still,
/// [`Instant::now`](super::Instant::now) does not move, timers fire only when the clock is
/// [`advance`]d, and, whenever every worker is idle, no blocking job runs and no I/O is ready,
/// the clock jumps to the next timer's deadline by itself. Pausing a paused clock does
/// nothing.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// weft_reactor::doc_support::block_on(async {
///     weft_reactor::time::pause();
///     let start = weft_reactor::time::Instant::now();
///     weft_reactor::time::advance(Duration::from_secs(90)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(90));
/// });
/// ```
#[track_caller]
pub fn pause() {
    current_reactor().pause_clock();
}

/// Lets the current runtime's clock run again, on from where it stands, at the OS clock's
/// pace. Resuming a running clock does nothing.
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// weft_reactor::doc_support::block_on(async {
///     weft_reactor::time::pause();
///     let paused_at = weft_reactor::time::Instant::now();
///     weft_reactor::time::resume();
///     assert!(weft_reactor::time::Instant::now() >= paused_at);
/// });
/// ```
#[track_caller]
pub fn resume() {
    let reactor = current_reactor();
    reactor.clock().resume();
    reactor.notify();
}

/// Moves the paused clock forward by `by`, fires every timer that came due, and yields once
/// so the tasks they woke get to run.
///
/// # Panics
///
/// Outside a weft runtime, or when the clock is not paused.
///
/// ```
/// use std::time::Duration;
/// weft_reactor::doc_support::block_on(async {
///     weft_reactor::time::pause();
///     let mut sleep = Box::pin(weft_reactor::sleep(Duration::from_secs(5)));
///     weft_reactor::time::advance(Duration::from_secs(5)).await;
///     assert!(sleep.is_elapsed());
///     sleep.await;
/// });
/// ```
#[track_caller]
pub fn advance(by: Duration) -> impl Future<Output = ()> {
    let reactor = current_reactor();
    assert!(
        reactor.clock().advance(by),
        "weft::time::advance needs a paused clock: call weft::time::pause() first, or build \
         the runtime with Builder::start_paused(true)"
    );
    reactor.fire_due_timers();
    yield_once()
}

/// Pending once (having woken its task), then ready.
fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
}
