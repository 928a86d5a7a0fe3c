//! [`Notify`]: tokio's `Notify`, a wake-up signal with at most one stored permit.
//!
//! Everything lives under one mutex: the stored permit, and the wait list of [`Notified`]
//! futures. [`notify_one`](Notify::notify_one) grants the oldest Waiting node (`Grant::One`)
//! or, with nobody waiting, stores the permit, which the next `notified()` takes instead of
//! queueing; so a permit is only ever stored while the list has no Waiting node, and a
//! newcomer never barges past a queued waiter. [`notify_waiters`](Notify::notify_waiters)
//! grants every Waiting node (`Grant::All`) and stores nothing.
//!
//! A `Notified` that has not registered yet must still see a `notify_waiters` issued after it
//! was *created* (tokio's guarantee, which makes "create, check the condition, await" free of
//! lost wake-ups). So the notify keeps a count of `notify_waiters` calls, bumped under the
//! mutex, and each `Notified` snapshots it at creation: when it first locks the mutex to
//! register, a count that moved means it was notified.
//!
//! Cancel safety is the crate's rule for grants: a dropped future that holds a `Grant::One`
//! (granted while queued, or the permit taken by [`Notified::enable`]) hands it to the next
//! Waiting node or back to the permit, under the same mutex. A `Grant::All` is dropped with
//! it: every other waiter of that call got its own.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::{self, WakeBatch};
use weft_coop::WaitKind;

#[cfg(all(test, loom))]
mod loom_model;

/// Wakes one task or all tasks waiting for an event, storing a single permit when nobody
/// waits (tokio's `Notify`).
///
/// Unlike an [`Event`](crate::Event) it carries no state beyond that one permit: it is the
/// building block for "something changed, go and look" between a producer and its consumers.
///
/// ```
#[doc = doc_block_on!()]
/// use std::sync::Arc;
/// use weft_sync::Notify;
///
/// let notify = Arc::new(Notify::new());
/// let waker = {
///     let notify = notify.clone();
///     std::thread::spawn(move || notify.notify_one())
/// };
/// // Completes whether the thread notified before or after we started waiting:
/// // with nobody waiting, `notify_one` stores a permit.
/// block_on(notify.notified());
/// waker.join().unwrap();
/// println!("notified");
/// ```
pub struct Notify {
    /// How many `notify_waiters` calls happened; bumped under `state`'s mutex.
    waiters_calls: AtomicUsize,
    state: Mutex<State>,
}

struct State {
    /// A `notify_one` that found nobody waiting; never set while a node is Waiting.
    permit: bool,
    waiters: WaitList<Grant>,
}

/// What a waiter was granted; written into its node by the notifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    /// Not yet notified.
    Pending,
    /// A `notify_one` (or the stored permit): handed on if its holder is dropped.
    One,
    /// A `notify_waiters`: shared with every waiter of that call, so never handed on.
    All,
}

impl Notify {
    /// Creates a `Notify` without a stored permit. `const`, so it can live in a `static`.
    ///
    /// ```
    /// use weft_sync::Notify;
    ///
    /// static SHUTDOWN: Notify = Notify::new();
    /// SHUTDOWN.notify_one();
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Notify {
        Notify {
            waiters_calls: AtomicUsize::new(0),
            state: Mutex::new(State {
                permit: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Creates a `Notify` without a stored permit (loom's mutex cannot be built in a const).
    #[cfg(loom)]
    pub fn new() -> Notify {
        Notify {
            waiters_calls: AtomicUsize::new(0),
            state: Mutex::new(State {
                permit: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// A future that completes when this `Notify` is notified.
    ///
    /// It completes on a [`notify_one`](Notify::notify_one) (taking the stored permit if
    /// there is one), or on a [`notify_waiters`](Notify::notify_waiters) issued any time
    /// after this call, even before the future is first polled. Waiters are served in the
    /// order they registered (their first poll, or [`Notified::enable`]).
    ///
    /// Cancel-safe: dropping the future before it is notified changes nothing; dropping it
    /// after a `notify_one` chose it (or after `enable` took the permit) passes that
    /// notification to the next waiter, or stores it as the permit again.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// let notify = weft_sync::Notify::new();
    /// notify.notify_one(); // nobody waits: stored as the permit
    /// block_on(notify.notified()); // takes it at once
    /// ```
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            phase: Phase::Init {
                waiters_calls: self.waiters_calls.load(Ordering::Acquire),
            },
            site: Location::caller(),
        }
    }

    /// Notifies the oldest waiting task, or stores a permit for the next
    /// [`notified`](Notify::notified) if nobody waits. Permits do not add up: at most one is
    /// stored.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    ///
    /// let notify = weft_sync::Notify::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut first = Box::pin(notify.notified());
    /// let mut second = Box::pin(notify.notified());
    /// assert!(first.as_mut().poll(&mut cx).is_pending());
    /// assert!(second.as_mut().poll(&mut cx).is_pending());
    ///
    /// notify.notify_one(); // the oldest waiter is chosen
    /// assert!(first.as_mut().poll(&mut cx).is_ready());
    /// assert!(second.as_mut().poll(&mut cx).is_pending());
    /// ```
    pub fn notify_one(&self) {
        let waker = self.state.lock().grant_one();
        if let Some(waker) = waker {
            wake_batch::wake(waker);
        }
    }

    /// Notifies every task waiting right now, including futures created by
    /// [`notified`](Notify::notified) before this call but not polled yet. Stores no permit:
    /// a later `notified()` waits for the next notification.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    ///
    /// let notify = weft_sync::Notify::new();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut queued = Box::pin(notify.notified());
    /// assert!(queued.as_mut().poll(&mut cx).is_pending());
    /// let mut created = Box::pin(notify.notified()); // not polled yet
    ///
    /// notify.notify_waiters();
    /// assert!(queued.as_mut().poll(&mut cx).is_ready());
    /// assert!(created.as_mut().poll(&mut cx).is_ready());
    /// // No permit was stored for latecomers.
    /// assert!(Box::pin(notify.notified()).as_mut().poll(&mut cx).is_pending());
    /// ```
    pub fn notify_waiters(&self) {
        let mut wakers = WakeBatch::new();
        {
            let mut state = self.state.lock();
            // Bumped under the mutex: a `Notified` that registers after this critical
            // section sees the new count, one that registered before is in the list below.
            self.waiters_calls.fetch_add(1, Ordering::Release);
            state
                .waiters
                .notify_all(&mut wakers, |grant| *grant = Grant::All);
        }
        wakers.wake_all();
    }
}

impl State {
    /// Gives one notification to the oldest Waiting node, or stores it as the permit.
    /// Returns the waker to wake once the mutex is released.
    fn grant_one(&mut self) -> Option<Waker> {
        let waker = self.waiters.notify_front(|grant| *grant = Grant::One);
        if waker.is_none() {
            self.permit = true;
        }
        waker
    }
}

impl Default for Notify {
    /// A `Notify` without a stored permit.
    ///
    /// ```
    /// let notify: weft_sync::Notify = Default::default();
    /// notify.notify_waiters();
    /// ```
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .field("waiting", &state.waiters.waiting())
            .finish()
    }
}

/// The future returned by [`Notify::notified`].
///
/// ```
#[doc = doc_block_on!()]
/// let notify = weft_sync::Notify::new();
/// let notified: weft_sync::Notified<'_> = notify.notified();
/// notify.notify_waiters(); // reaches `notified`, created before this call
/// block_on(notified);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    phase: Phase,
    /// The caller of `notified`: the wait point while pending.
    site: &'static Location<'static>,
}

#[derive(Debug)]
enum Phase {
    /// Created but not registered: the `notify_waiters` count at creation.
    Init { waiters_calls: usize },
    /// Registered in the wait list.
    Queued(WaiterKey),
    /// Holds a notification not yet returned by `poll` (taken by `enable`).
    Holding(Grant),
    /// Completed.
    Done,
}

impl Notified<'_> {
    /// Registers this future in the wait list without awaiting it, so from now on a
    /// [`notify_one`](Notify::notify_one) can choose it; returns whether it is already
    /// notified (its next poll completes).
    ///
    /// A `notify_waiters` issued after [`notified`](Notify::notified) created the future
    /// reaches it with or without `enable`; what `enable` adds is a place in the
    /// `notify_one` queue (and the stored permit, if there is one). That closes the race in
    /// "check a condition, then wait": enable first, check, then await.
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::sync::Mutex;
    /// use weft_sync::Notify;
    #[doc = doc_block_on!()]
    ///
    /// let inbox = Mutex::new(Vec::new());
    /// let notify = Notify::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         inbox.lock().unwrap().push("hello");
    ///         notify.notify_one();
    ///     });
    ///     let message = block_on(async {
    ///         loop {
    ///             let mut notified = pin!(notify.notified());
    ///             notified.as_mut().enable(); // queued before we look at the inbox
    ///             if let Some(message) = inbox.lock().unwrap().pop() {
    ///                 return message;
    ///             }
    ///             notified.await;
    ///         }
    ///     });
    ///     println!("{message}");
    /// });
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.get_mut().poll_notified(None).is_ready()
    }

    /// Registers or checks the grant; `Ready` means a notification is held (or was
    /// returned). `waker` is `None` for `enable`.
    fn poll_notified(&mut self, waker: Option<&Waker>) -> Poll<()> {
        let notify = self.notify;
        match &self.phase {
            Phase::Holding(_) | Phase::Done => Poll::Ready(()),
            Phase::Init { waiters_calls } => {
                let mut state = notify.state.lock();
                if notify.waiters_calls.load(Ordering::Acquire) != *waiters_calls {
                    self.phase = Phase::Holding(Grant::All);
                    return Poll::Ready(());
                }
                if state.permit {
                    state.permit = false;
                    self.phase = Phase::Holding(Grant::One);
                    return Poll::Ready(());
                }
                let key = state
                    .waiters
                    .push_back(Grant::Pending, waker.unwrap_or(Waker::noop()));
                self.phase = Phase::Queued(key);
                Poll::Pending
            }
            Phase::Queued(key) => {
                let mut state = notify.state.lock();
                if !state.waiters.is_notified(key) {
                    if let Some(waker) = waker {
                        state.waiters.register_waker(key, waker);
                    }
                    return Poll::Pending;
                }
                if let Phase::Queued(key) = std::mem::replace(&mut self.phase, Phase::Done) {
                    let grant = state.waiters.remove(key).payload;
                    self.phase = Phase::Holding(grant);
                }
                Poll::Ready(())
            }
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let polled = match weft_coop::poll_proceed(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(progress) => {
                let polled = this.poll_notified(Some(cx.waker()));
                if polled.is_ready() {
                    this.phase = Phase::Done;
                    progress.made_progress();
                }
                polled
            }
        };
        weft_coop::note_pending(WaitKind::Notify, this.site, polled)
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let waker = match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Queued(key) => {
                let mut state = self.notify.state.lock();
                let removed = state.waiters.remove(key);
                if removed.notified && removed.payload == Grant::One {
                    state.grant_one()
                } else {
                    None
                }
            }
            Phase::Holding(Grant::One) => self.notify.state.lock().grant_one(),
            Phase::Init { .. } | Phase::Holding(_) | Phase::Done => None,
        };
        if let Some(waker) = waker {
            wake_batch::wake(waker);
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match self.phase {
            Phase::Init { .. } => "init",
            Phase::Queued(_) => "queued",
            Phase::Holding(_) => "notified",
            Phase::Done => "done",
        };
        f.debug_struct("Notified")
            .field("phase", &phase)
            .finish_non_exhaustive()
    }
}
