//! [`Event`]: asyncio's `Event`, a flag that tasks and threads can wait for.
//!
//! The flag is an atomic so that `is_set`, a `wait` on a set event and a `set` on a set
//! event take no lock. `set` flips the flag *under* the wait list's mutex and notifies every
//! Waiting node in the same critical section; `wait` checks the flag under that mutex before
//! enqueueing, so a waiter either sees the flag or is in the list when `set` walks it.
//! Because each waiter's notification is recorded in its own node, `set(); clear(); set()`
//! before a waiter runs still completes that waiter exactly once (asyncio's guarantee), even
//! though the flag it finally observes may be clear.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::loom::{AtomicBool, Mutex, Ordering};
use crate::waitlist::{WaitList, WaiterKey};
use crate::wake_batch::WakeBatch;
use weft_coop::WaitKind;

/// A flag that tasks can wait on until another task or thread sets it (asyncio's `Event`).
///
/// ```
#[doc = doc_block_on!()]
/// use std::sync::Arc;
/// use weft_sync::Event;
///
/// let ready = Arc::new(Event::new());
/// let setter = {
///     let ready = ready.clone();
///     std::thread::spawn(move || ready.set())
/// };
/// block_on(ready.wait()); // returns once the other thread has set it
/// assert!(ready.is_set());
/// setter.join().unwrap();
/// ```
pub struct Event {
    flag: AtomicBool,
    waiters: Mutex<WaitList<()>>,
}

impl Event {
    /// Creates a clear event.
    ///
    /// ```
    /// assert!(!weft_sync::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Event {
            flag: AtomicBool::new(false),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Sets the flag and wakes every current waiter. Later waits complete immediately
    /// until [`clear`](Event::clear).
    ///
    /// ```
    /// let event = weft_sync::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn set(&self) {
        if self.flag.load(Ordering::Acquire) {
            return;
        }
        let mut wakers = WakeBatch::new();
        {
            let mut list = self.waiters.lock();
            if self.flag.swap(true, Ordering::AcqRel) {
                return;
            }
            list.notify_all(&mut wakers, |()| {});
        }
        wakers.wake_all();
    }

    /// Clears the flag: later waits block until the next [`set`](Event::set). Waiters that
    /// an earlier `set` already released still complete.
    ///
    /// ```
    /// let event = weft_sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.flag.store(false, Ordering::Release);
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// let event = weft_sync::Event::new();
    /// assert!(!event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// Waits until the flag is set; completes at once if it already is.
    ///
    /// Cancel-safe: dropping the future just leaves the list.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    ///
    /// let event = weft_sync::Event::new();
    /// let mut wait = Box::pin(event.wait());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(wait.as_mut().poll(&mut cx).is_pending());
    /// event.set();
    /// assert!(wait.as_mut().poll(&mut cx).is_ready());
    /// ```
    #[track_caller]
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            waiter: None,
            site: Location::caller(),
        }
    }
}

impl Default for Event {
    /// A clear event.
    ///
    /// ```
    /// let event: weft_sync::Event = Default::default();
    /// assert!(!event.is_set());
    /// ```
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish()
    }
}

/// The future returned by [`Event::wait`].
///
/// ```
#[doc = doc_block_on!()]
/// let event = weft_sync::Event::new();
/// event.set();
/// let wait: weft_sync::EventWait<'_> = event.wait();
/// block_on(wait);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait<'a> {
    event: &'a Event,
    waiter: Option<WaiterKey>,
    /// The caller of `wait`: the wait point while pending.
    site: &'static Location<'static>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let polled = this.poll_unrecorded(cx);
        weft_coop::note_pending(WaitKind::Event, this.site, polled)
    }
}

impl EventWait<'_> {
    /// The poll itself; `poll` adds the wait point.
    fn poll_unrecorded(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let this = self;
        let event = this.event;
        let progress = ready!(weft_coop::poll_proceed(cx));
        match &this.waiter {
            None => {
                if event.flag.load(Ordering::Acquire) {
                    progress.made_progress();
                    return Poll::Ready(());
                }
                let mut list = event.waiters.lock();
                if event.flag.load(Ordering::Acquire) {
                    drop(list);
                    progress.made_progress();
                    return Poll::Ready(());
                }
                this.waiter = Some(list.push_back((), cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                let mut list = event.waiters.lock();
                if !list.is_notified(key) {
                    list.register_waker(key, cx.waker());
                    return Poll::Pending;
                }
                if let Some(key) = this.waiter.take() {
                    list.remove(key);
                }
                drop(list);
                progress.made_progress();
                Poll::Ready(())
            }
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.waiter.take() {
            // Nothing to hand on: a `set` releases every waiter anyway.
            self.event.waiters.lock().remove(key);
        }
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("queued", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}
