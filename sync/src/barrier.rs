//! [`Barrier`]: asyncio's `Barrier`, releasing a group once `parties` callers have arrived.
//!
//! Each arrival takes its index (`0..parties`) under the barrier's mutex and, unless it is
//! the last, enqueues with that index in its wait-list node. The last arrival notifies every
//! node in one pass and starts the next cycle at once (count back to zero), so a released
//! caller that immediately waits again simply joins the next cycle. asyncio needs "draining"
//! and "resetting" states to keep its count straight while released tasks wake; recording
//! each waiter's outcome in its own node makes them unnecessary here, and the observable
//! behaviour (indices, errors, `n_waiting`, `broken`) stays asyncio's.
//!
//! [`abort`](Barrier::abort) breaks the barrier: every waiter, and every later `wait`, gets
//! [`BrokenBarrierError`] until [`reset`](Barrier::reset). `reset` fails the current waiters
//! with the same error but leaves the barrier usable. A waiter that is dropped before the
//! barrier trips gives back its arrival (asyncio decrements the count the same way).

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::loom::Mutex;
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;
use weft_coop::WaitKind;

/// A rendezvous point for a fixed number of tasks (asyncio's `Barrier`).
///
/// ```
#[doc = doc_block_on!()]
/// use std::sync::Arc;
/// use weft_sync::Barrier;
///
/// let barrier = Arc::new(Barrier::new(3).unwrap());
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         std::thread::spawn(move || block_on(barrier.wait()).unwrap())
///     })
///     .collect();
/// let mut indices: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]); // every party got a distinct arrival index
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<BarrierState>,
}

struct BarrierState {
    /// Parties waiting in the current cycle.
    count: usize,
    broken: bool,
    waiters: WaitList<Arrival>,
}

/// A waiter's arrival index, and whether it was released by a break rather than a trip.
struct Arrival {
    index: usize,
    broken: bool,
}

impl Barrier {
    /// Creates a barrier that trips when `parties` callers are waiting.
    ///
    /// ```
    /// use weft_sync::Barrier;
    /// assert_eq!(Barrier::new(2).unwrap().parties(), 2);
    /// assert!(Barrier::new(0).is_err()); // asyncio raises ValueError
    /// ```
    pub fn new(parties: usize) -> Result<Self, ZeroPartiesError> {
        if parties == 0 {
            return Err(ZeroPartiesError);
        }
        Ok(Barrier {
            parties,
            state: Mutex::new(BarrierState {
                count: 0,
                broken: false,
                waiters: WaitList::new(),
            }),
        })
    }

    /// Waits until `parties` callers are waiting, then releases them all; each gets its
    /// arrival index `0..parties`.
    ///
    /// Fails with [`BrokenBarrierError`] if the barrier is broken, or is aborted or reset
    /// while this caller waits.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let barrier = weft_sync::Barrier::new(1).unwrap();
    /// assert_eq!(block_on(barrier.wait()), Ok(0)); // one party: trips at once
    /// ```
    #[track_caller]
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            waiter: None,
            site: Location::caller(),
        }
    }

    /// Breaks the barrier: current waiters and every later `wait` fail with
    /// [`BrokenBarrierError`] until [`reset`](Barrier::reset).
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let barrier = weft_sync::Barrier::new(2).unwrap();
    /// barrier.abort();
    /// assert!(barrier.broken());
    /// assert!(block_on(barrier.wait()).is_err());
    /// ```
    pub fn abort(&self) {
        self.release_all(true);
    }

    /// Returns the barrier to its initial, unbroken state; current waiters fail with
    /// [`BrokenBarrierError`].
    ///
    /// ```
    /// let barrier = weft_sync::Barrier::new(2).unwrap();
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(!barrier.broken());
    /// ```
    pub fn reset(&self) {
        self.release_all(false);
    }

    fn release_all(&self, broken: bool) {
        let mut wakers = WakeBatch::new();
        {
            let mut state = self.state.lock();
            state.broken = broken;
            state.count = 0;
            state
                .waiters
                .notify_all(&mut wakers, |arrival| arrival.broken = true);
        }
        wakers.wake_all();
    }

    /// Number of parties needed to trip the barrier.
    ///
    /// ```
    /// assert_eq!(weft_sync::Barrier::new(5).unwrap().parties(), 5);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Number of callers currently waiting for the barrier to trip.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    ///
    /// let barrier = weft_sync::Barrier::new(2).unwrap();
    /// let mut first = Box::pin(barrier.wait());
    /// assert!(first.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// assert_eq!(barrier.n_waiting(), 1);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let state = self.state.lock();
        if state.broken { 0 } else { state.count }
    }

    /// Whether the barrier is broken (aborted and not yet reset).
    ///
    /// ```
    /// let barrier = weft_sync::Barrier::new(2).unwrap();
    /// assert!(!barrier.broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.state.lock().broken
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &state.count)
            .field("broken", &state.broken)
            .finish()
    }
}

/// The future returned by [`Barrier::wait`]; resolves to the caller's arrival index.
///
/// Dropping it before the barrier trips withdraws the arrival.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let barrier = weft_sync::Barrier::new(2).unwrap();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut first = Box::pin(barrier.wait());
/// assert!(first.as_mut().poll(&mut cx).is_pending());
/// let mut second = Box::pin(barrier.wait());
/// assert_eq!(second.as_mut().poll(&mut cx), Poll::Ready(Ok(1))); // the last arrival trips it
/// assert_eq!(first.as_mut().poll(&mut cx), Poll::Ready(Ok(0)));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    waiter: Option<WaiterKey>,
    /// The caller of `wait`: the wait point while pending.
    site: &'static Location<'static>,
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BrokenBarrierError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let polled = this.poll_unrecorded(cx);
        weft_coop::note_pending(WaitKind::Barrier, this.site, polled)
    }
}

impl BarrierWait<'_> {
    /// The poll itself; `poll` adds the wait point.
    fn poll_unrecorded(&mut self, cx: &mut Context<'_>) -> Poll<Result<usize, BrokenBarrierError>> {
        let this = self;
        let barrier = this.barrier;
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut state = barrier.state.lock();
        let outcome = match this.waiter.take() {
            None => {
                if state.broken {
                    Err(BrokenBarrierError)
                } else {
                    let index = state.count;
                    state.count += 1;
                    if state.count < barrier.parties {
                        let arrival = Arrival {
                            index,
                            broken: false,
                        };
                        this.waiter = Some(state.waiters.push_back(arrival, cx.waker()));
                        return Poll::Pending;
                    }
                    // The last party: release the whole cycle and start the next one.
                    state.count = 0;
                    let mut wakers = WakeBatch::new();
                    state.waiters.notify_all(&mut wakers, |_| {});
                    drop(state);
                    wakers.wake_all();
                    progress.made_progress();
                    return Poll::Ready(Ok(index));
                }
            }
            Some(key) => {
                if !state.waiters.is_notified(&key) {
                    state.waiters.register_waker(&key, cx.waker());
                    this.waiter = Some(key);
                    return Poll::Pending;
                }
                let arrival = state.waiters.remove(key).payload;
                if arrival.broken {
                    Err(BrokenBarrierError)
                } else {
                    Ok(arrival.index)
                }
            }
        };
        drop(state);
        progress.made_progress();
        Poll::Ready(outcome)
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            let mut state = self.barrier.state.lock();
            if !state.waiters.remove(key).notified {
                // Still waiting in the current cycle: withdraw the arrival.
                state.count -= 1;
            }
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The barrier was aborted, or reset while the caller waited (asyncio's
/// `BrokenBarrierError`).
///
/// ```
#[doc = doc_block_on!()]
/// let barrier = weft_sync::Barrier::new(2).unwrap();
/// barrier.abort();
/// let err = block_on(barrier.wait()).unwrap_err();
/// assert_eq!(err, weft_sync::BrokenBarrierError);
/// assert!(err.to_string().contains("broken"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken: it was aborted, or reset while this caller waited")
    }
}

impl Error for BrokenBarrierError {}

/// [`Barrier::new`] was given zero parties (asyncio raises `ValueError`).
///
/// ```
/// let err = weft_sync::Barrier::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "a barrier needs at least one party, but was created with 0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroPartiesError;

impl fmt::Display for ZeroPartiesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a barrier needs at least one party, but was created with 0")
    }
}

impl Error for ZeroPartiesError {}
