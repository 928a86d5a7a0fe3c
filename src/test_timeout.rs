//! `#[weft::test(timeout = "10s")]`: a test that overruns fails with the task dump instead
//! of libtest's "has been running for over 60 seconds".
//!
//! The test's body runs as the root future of `block_on`, as any `#[weft::test]` does, inside
//! a [`Watched`] future. A watchdog thread waits (in real time, whatever the test's clock) for
//! the body to finish; at the deadline it takes the runtime's task dump — every task, what
//! it waits on and where, and any poll still running — and wakes the root, whose next poll
//! panics with the dump: the test fails like any failed assertion. A root that cannot be
//! polled any more (its thread is blocked in plain sync code) cannot fail that way: after a
//! grace period the watchdog prints the dump and ends the process, which beats a test binary
//! that never returns.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// How long the watchdog waits for a woken root to fail the test before ending the process.
const GRACE: Duration = Duration::from_secs(5);

/// What the test body and its watchdog share.
#[derive(Default)]
struct Watch {
    state: Mutex<WatchState>,
    finished: Condvar,
}

#[derive(Default)]
struct WatchState {
    finished: bool,
    /// Set at the deadline: the message the root panics with.
    expired: Option<String>,
    root: Option<Waker>,
}

/// The test body, failing with the dump once the watchdog says time is up.
struct Watched<F> {
    body: Pin<Box<F>>,
    watch: Arc<Watch>,
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        {
            let mut state = this.watch.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(message) = state.expired.take() {
                drop(state);
                panic!("{message}");
            }
            if !state.root.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                state.root = Some(cx.waker().clone());
            }
        }
        this.body.as_mut().poll(cx)
    }
}

/// Runs a `#[weft::test(timeout = ..)]` body on a runtime from `builder`; used by the macro.
#[doc(hidden)]
pub fn run_with_timeout<F: Future>(
    builder: crate::Builder,
    body: F,
    timeout: Duration,
    test: &'static str,
) -> F::Output {
    let rt = builder
        .build()
        .unwrap_or_else(|err| panic!("#[weft::test]: could not start the weft runtime: {err}"));
    let watch = Arc::new(Watch::default());
    let watchdog = {
        let (watch, handle) = (watch.clone(), rt.handle().clone());
        std::thread::Builder::new()
            .name("weft-test-watchdog".into())
            .spawn(move || watchdog(&watch, &handle, timeout, test))
            .expect("#[weft::test]: could not start the timeout watchdog thread")
    };
    struct Finish<'a>(&'a Watch);
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            self.0
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .finished = true;
            self.0.finished.notify_all();
        }
    }
    let out = {
        let _finish = Finish(&watch);
        rt.block_on(Watched {
            body: Box::pin(body),
            watch: watch.clone(),
        })
    };
    let _ = watchdog.join();
    out
}

fn watchdog(watch: &Watch, handle: &crate::Handle, timeout: Duration, test: &str) {
    let state = watch.state.lock().unwrap_or_else(|e| e.into_inner());
    let (mut state, waited) = watch
        .finished
        .wait_timeout_while(state, timeout, |s| !s.finished)
        .unwrap_or_else(|e| e.into_inner());
    if !waited.timed_out() {
        return;
    }
    let message = format!(
        "test {test} timed out after {timeout:?} (#[weft::test(timeout)]); what its tasks \
         were doing:\n{}",
        handle.dump_tasks()
    );
    state.expired = Some(message.clone());
    let root = state.root.clone();
    drop(state);
    if let Some(root) = root {
        root.wake();
    }
    let state = watch.state.lock().unwrap_or_else(|e| e.into_inner());
    let (state, waited) = watch
        .finished
        .wait_timeout_while(state, GRACE, |s| !s.finished)
        .unwrap_or_else(|e| e.into_inner());
    if waited.timed_out() && !state.finished {
        eprintln!("{message}\nthe test's own thread is blocked, so the test process ends here");
        std::process::exit(101);
    }
}
