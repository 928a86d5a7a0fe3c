//! Helpers shared by weft's test suites (unpublished; a dev-dependency of every crate).
//!
//! What every suite needs and nothing weft-specific: guards that turn a hang into a failure
//! ([`within`], [`HangGuard`]), counters that prove a value was dropped exactly once
//! ([`DropCounter`]), and the smallest ways to drive a future without a runtime
//! ([`poll_once`], [`poll_with`], [`block_on`], [`yield_now`], [`CountingWaker`], [`Gate`]),
//! the line a marker comment sits on, for tests of reported source locations
//! ([`marked_line`]), and on Unix, descriptor counts and a lowered open-file limit
//! ([`fds`]). Suites keep their own harnesses (a reactor-driving `block_on`, a local
//! executor) next to their tests.
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(unix)]
pub mod fds;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

/// Runs `f` on a thread and fails the test if it has not finished within `limit`: a hang
/// guard only, correct code finishes far sooner. A panic in `f` is the test's panic.
///
/// ```
/// let four = weft_test_support::within(std::time::Duration::from_secs(10), || 2 + 2);
/// assert_eq!(four, 4);
/// ```
pub fn within<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(r) => {
            worker.join().unwrap();
            r
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test hung for more than {limit:?} (deadlock or lost wake-up)")
        }
    }
}

/// Aborts the whole test binary with a message unless dropped within `secs` seconds, for
/// tests that must run on the calling thread: a hang becomes a failure, never a stuck CI run.
///
/// ```
/// let guard = weft_test_support::HangGuard::new("quick work", 60);
/// // ... the test body ...
/// drop(guard);
/// ```
#[derive(Debug)]
pub struct HangGuard {
    done: Option<mpsc::Sender<()>>,
}

impl HangGuard {
    /// Arms the guard.
    ///
    /// ```
    /// let _guard = weft_test_support::HangGuard::new("a test", 60);
    /// ```
    pub fn new(what: &'static str, secs: u64) -> HangGuard {
        let (tx, rx) = mpsc::channel::<()>();
        thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(Duration::from_secs(secs))
            {
                eprintln!("hang guard: {what} made no progress in {secs} s");
                std::process::abort();
            }
        });
        HangGuard { done: Some(tx) }
    }
}

impl Drop for HangGuard {
    fn drop(&mut self) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(());
        }
    }
}

/// Counts drops of the [`Tracked`] values it hands out.
///
/// ```
/// let drops = weft_test_support::DropCounter::new();
/// let tracked = drops.track();
/// assert_eq!(drops.get(), 0);
/// drop(tracked);
/// assert_eq!(drops.get(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

/// Increments its [`DropCounter`] once when dropped.
///
/// ```
/// let drops = weft_test_support::DropCounter::new();
/// drop(drops.track());
/// assert_eq!(drops.get(), 1);
/// ```
#[derive(Debug)]
pub struct Tracked(Arc<AtomicUsize>);

impl DropCounter {
    /// A counter at zero.
    ///
    /// ```
    /// assert_eq!(weft_test_support::DropCounter::new().get(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A value that counts its own drop here.
    ///
    /// ```
    /// let drops = weft_test_support::DropCounter::new();
    /// let _t = drops.track();
    /// ```
    pub fn track(&self) -> Tracked {
        Tracked(self.0.clone())
    }

    /// How many tracked values were dropped so far.
    ///
    /// ```
    /// let drops = weft_test_support::DropCounter::new();
    /// drop((drops.track(), drops.track()));
    /// assert_eq!(drops.get(), 2);
    /// ```
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `future` once with a waker that does nothing.
///
/// ```
/// let mut ready = std::future::ready(3);
/// assert_eq!(weft_test_support::poll_once(&mut ready), std::task::Poll::Ready(3));
/// ```
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll_with(future, Waker::noop())
}

/// Polls `future` once with `waker`: a test that watches which waiter gets woken gives each
/// its own [`CountingWaker`].
///
/// ```
/// let (wakes, waker) = weft_test_support::CountingWaker::new();
/// let mut pending = std::future::pending::<()>();
/// assert!(weft_test_support::poll_with(&mut pending, &waker).is_pending());
/// assert_eq!(wakes.count(), 0);
/// ```
pub fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// A waker that counts how often it is woken.
///
/// ```
/// let (count, waker) = weft_test_support::CountingWaker::new();
/// waker.wake_by_ref();
/// assert_eq!(count.count(), 1);
/// ```
#[derive(Debug)]
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    /// The counter and a waker that bumps it.
    ///
    /// ```
    /// let (count, _waker) = weft_test_support::CountingWaker::new();
    /// assert_eq!(count.count(), 0);
    /// ```
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    /// Wakes so far.
    ///
    /// ```
    /// let (count, waker) = weft_test_support::CountingWaker::new();
    /// waker.wake();
    /// assert_eq!(count.count(), 1);
    /// ```
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Unparks a thread, remembering that it did (so a wake before the park is not lost).
struct ThreadUnparker {
    thread: thread::Thread,
    woken: AtomicBool,
}

impl Wake for ThreadUnparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on this thread, parking while it is pending. Each poll gets a
/// cooperative budget, as a weft task's would.
///
/// ```
/// assert_eq!(weft_test_support::block_on(async { 6 * 7 }), 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let unparker = Arc::new(ThreadUnparker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = weft_coop::with_budget(|| future.as_mut().poll(&mut cx)) {
            return output;
        }
        // Spin a little before parking: under contention a hand-off usually arrives within
        // microseconds, and catching it awake saves a futex wait and wake. No `yield_now`
        // rounds: on a machine whose cores are all busy, each yield can hand a whole time
        // slice to another process (`sync_lock`'s eight-thread stress test, at 20,000 rounds,
        // took 49–67 s beside two busy cores with them, 0.5 s alone).
        let mut rounds = 0;
        while !unparker.woken.swap(false, Ordering::Acquire) {
            if rounds < 32 {
                std::hint::spin_loop();
            } else {
                thread::park();
            }
            rounds += 1;
        }
    }
}

/// Returns `Pending` once (waking itself at once), then `Ready`: a yield to whatever drives
/// the future.
///
/// ```
/// weft_test_support::block_on(weft_test_support::yield_now());
/// ```
pub fn yield_now() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// An async one-way gate: tasks wait until someone opens it. Opening twice is fine.
///
/// ```
/// let gate = weft_test_support::Gate::new();
/// gate.open();
/// weft_test_support::block_on(gate.wait());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Gate(Arc<parking_lot::Mutex<(bool, Vec<Waker>)>>);

impl Gate {
    /// A closed gate.
    ///
    /// ```
    /// let _gate = weft_test_support::Gate::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens the gate, waking every waiter.
    ///
    /// ```
    /// weft_test_support::Gate::new().open();
    /// ```
    pub fn open(&self) {
        let wakers = {
            let mut gate = self.0.lock();
            gate.0 = true;
            std::mem::take(&mut gate.1)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Waits until the gate is open.
    ///
    /// ```
    /// let gate = weft_test_support::Gate::new();
    /// let g = gate.clone();
    /// std::thread::spawn(move || g.open());
    /// weft_test_support::block_on(gate.wait());
    /// ```
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut gate = self.0.lock();
            if gate.0 {
                Poll::Ready(())
            } else {
                gate.1.push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// The line number (1-based) of the one line of `source` that ends with the comment
/// `// <marker>`: tests of `#[track_caller]` locations mark the line they expect with a
/// comment instead of counting lines. Panics unless exactly one line carries the marker.
///
/// ```
/// let source = "fn a() {}\nfn b() {} // here\n";
/// assert_eq!(weft_test_support::marked_line(source, "here"), 2);
/// ```
pub fn marked_line(source: &str, marker: &str) -> u32 {
    let comment = format!("// {marker}");
    let lines: Vec<u32> = source
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_end().ends_with(&comment))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    match lines[..] {
        [line] => line,
        _ => panic!("expected exactly one line marked `{comment}`, found {lines:?}"),
    }
}
