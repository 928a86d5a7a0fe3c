//! `yield_now`: give the worker to other tasks for one turn (asyncio's `sleep(0)`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once: the task goes to the back of its worker's queue and resumes after the tasks
/// already queued there (asyncio's `await asyncio.sleep(0)`).
///
/// ```
/// weft_executor::run(async {
///     for _ in 0..3 {
///         weft_executor::yield_now().await;
///     }
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// ```
/// weft_executor::run(async {
///     let yielding: weft_executor::YieldNow = weft_executor::yield_now();
///     yielding.await;
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Waking while running marks the task to be requeued behind others after this poll.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
