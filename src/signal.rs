//! Unix signals as async events (asyncio's `loop.add_signal_handler`, and `ctrl_c`).
//!
//! # Design
//!
//! The OS side is the platform layer's signal hub ([`weft_reactor::sys::signal`]): one
//! handler that only bumps a per-signal delivery counter and writes a byte to a non-blocking
//! self-pipe. A [`Signal`] remembers the count it saw last, so deliveries that arrive while
//! nobody is polling are not lost — several deliveries in a row may coalesce into one
//! wake-up, as with any signal API.
//!
//! Waiting goes through the reactor of the runtime the listener's task runs on, with no
//! thread of its own. The signal registry is process-wide while reactors belong to runtimes,
//! so each listener that has to wait registers its own duplicate of the pipe's read end with
//! the reactor current at that moment (and registers again if it is later polled under
//! another runtime). When the pipe turns readable, the woken listener drains it and wakes
//! every waiting listener — they may sit in other runtimes, and once the pipe is drained their
//! own reactors may never see the readiness. For that, each waiting listener keeps exactly one
//! waker in the hub's table keyed by its id, and every drain wakes them all. Whoever wakes
//! checks its own counter, so a listener of another signal just waits again.
//!
//! A waiting listener is a task-dump wait point: `signal SIGINT at src/main.rs:9`.
//!
//! A listener can be created anywhere, before any runtime exists; deliveries count from then
//! on. Waiting needs a weft runtime on the polling thread (its reactor does the waiting).
//!
//! Installing a listener replaces the signal's default action (for SIGINT: killing the
//! process) for the rest of the process, as in asyncio; a handler installed earlier by other
//! code is not chained.
//!
//! ```no_run
//! # weft::run(async {
//! weft::signal::ctrl_c().await?;
//! println!("bye");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

use std::future::{Future, poll_fn};
use std::io::{self, PipeReader};
use std::panic::Location;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use weft_reactor::Async;
use weft_reactor::Reactor;
use weft_reactor::sys::signal as hub;

pub use weft_reactor::sys::signal::SignalKind;

/// The message for a listener that has to wait outside a runtime.
const NO_RUNTIME: &str = "waiting for a signal needs a running weft runtime on this thread \
    (its reactor watches the signal pipe): await it inside weft::run, Runtime::block_on or a \
    spawned task";

/// A stream of deliveries of one signal; see [`signal`].
///
/// ```no_run
/// # weft::run(async {
/// let mut hup = weft::signal::signal(weft::signal::SignalKind::hangup())?;
/// while hup.recv().await.is_some() {
///     println!("reloading configuration");
/// }
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Signal {
    signum: i32,
    /// The delivery count this listener has seen.
    seen: usize,
    /// This listener's key in the waker table.
    id: u64,
    /// The signal pipe, registered with the reactor this listener last waited in.
    watch: Option<PipeWatch>,
    /// Where the listener was made: the wait point when it is polled as a stream.
    made_at: &'static Location<'static>,
}

/// A duplicate of the signal pipe's read end registered with one reactor.
#[derive(Debug)]
struct PipeWatch {
    pipe: Async<PipeReader>,
    /// Which reactor: compared with the current one before each wait. Weak, because `pipe`
    /// already keeps that reactor alive.
    reactor: Weak<Reactor>,
}

/// Listens for `kind` from now on (asyncio's `add_signal_handler`). Each listener sees every
/// delivery that happens after it was created (bursts may coalesce). Works outside a runtime
/// too; only waiting needs one.
///
/// # Errors
///
/// `InvalidInput` for SIGKILL, SIGSTOP, the synchronous fault signals (SIGSEGV, SIGBUS,
/// SIGILL, SIGFPE) and numbers that are not signals; the OS error if the handler cannot be
/// installed.
///
/// ```
/// # weft::run(async {
/// let mut usr1 = weft::signal::signal(weft::signal::SignalKind::user_defined1())?;
/// // Raising a signal that has a listener is harmless.
/// unsafe { libc::raise(libc::SIGUSR1) };
/// assert!(usr1.recv().await.is_some());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    hub::listen(kind)?;
    let signum = kind.as_raw();
    Ok(Signal {
        signum,
        seen: hub::deliveries(signum),
        id: hub::listener_id(),
        watch: None,
        made_at: Location::caller(),
    })
}

impl Signal {
    /// Waits for the next delivery. An `Option` so it reads like other streams in a
    /// `while let`; the stream never ends on its own.
    ///
    /// `None` means waiting is impossible here: the listener was polled outside a weft
    /// runtime, or the OS refused the descriptor it needs to wait (`EMFILE`). [`ctrl_c`]
    /// reports such an error as an error.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut usr2 = weft::signal::signal(weft::signal::SignalKind::user_defined2())?;
    /// unsafe { libc::raise(libc::SIGUSR2) };
    /// usr2.recv().await;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<()>> {
        let site = Location::caller();
        async move { self.wait(site).await.ok() }
    }

    /// [`recv`](Self::recv) with the reason when waiting is impossible; `site` is the wait
    /// point task dumps show.
    pub(crate) async fn wait(&mut self, site: &'static Location<'static>) -> io::Result<()> {
        poll_fn(|cx| self.poll_wait_at(cx, site)).await
    }

    fn poll_wait_at(
        &mut self,
        cx: &mut Context<'_>,
        site: &'static Location<'static>,
    ) -> Poll<io::Result<()>> {
        let kind = weft_coop::WaitKind::Signal(self.signum);
        weft_coop::note_pending(kind, site, self.poll_wait(cx))
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.take_delivery() {
            return Poll::Ready(Ok(()));
        }
        let pipe = match self.pipe_for_current_reactor() {
            Ok(pipe) => pipe,
            Err(err) => return Poll::Ready(Err(err)),
        };
        // Drain until the pipe would block, which leaves this task's waker with the reactor
        // for the next byte. `poll_read_with` spends the cooperative budget, so a storm of
        // signals cannot hold the worker here.
        // Each drain wakes every waiting listener, wherever it waits.
        loop {
            match pipe.poll_read_with(cx, hub::drain) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => break,
            }
        }
        hub::wait_with(self.id, cx.waker());
        // Re-check after registering: a drain by another listener between our first check
        // and the insert above took the table before our waker was in it, but it happened
        // after the handler bumped the counter, so the counter shows the delivery.
        if self.take_delivery() {
            return Poll::Ready(Ok(()));
        }
        Poll::Pending
    }

    /// Whether a delivery arrived since the last one this listener reported.
    fn take_delivery(&mut self) -> bool {
        let count = hub::deliveries(self.signum);
        let moved = count != self.seen;
        self.seen = count;
        moved
    }

    /// The signal pipe registered with the current reactor, registering it on first use and
    /// again when the listener has moved to another runtime.
    fn pipe_for_current_reactor(&mut self) -> io::Result<&Async<PipeReader>> {
        let reactor = weft_reactor::try_current().ok_or_else(|| io::Error::other(NO_RUNTIME))?;
        let watch = match self.watch.take() {
            Some(watch) if std::ptr::eq(watch.reactor.as_ptr(), Arc::as_ptr(&reactor)) => watch,
            stale => {
                // Deregister from the old reactor first: its runtime may be gone.
                drop(stale);
                PipeWatch {
                    pipe: Async::with_reactor(hub::pipe_reader()?, &reactor)?,
                    reactor: Arc::downgrade(&reactor),
                }
            }
        };
        Ok(&self.watch.insert(watch).pipe)
    }
}

/// A listener is a stream of deliveries (`()` each); it ends only when waiting is
/// impossible (see [`Signal::recv`]).
impl futures_core::Stream for Signal {
    type Item = ();

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let this = self.get_mut();
        let site = this.made_at;
        this.poll_wait_at(cx, site).map(|waited| waited.ok())
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        hub::stop_waiting(self.id);
    }
}

/// The number of wakers the signal registry holds: at most one per listener, whatever
/// polled it. For tests of that bound.
///
/// ```
/// let _listener = weft::signal::signal(weft::signal::SignalKind::user_defined2())?;
/// assert_eq!(weft::signal::registered_wakers(), 0); // nobody is waiting yet
/// # std::io::Result::Ok(())
/// ```
#[doc(hidden)]
pub fn registered_wakers() -> usize {
    hub::waiting()
}

/// Waits for Ctrl-C (SIGINT). The first call stops SIGINT from killing the process.
///
/// # Errors
///
/// The OS error when the handler cannot be installed, or when waiting is impossible (outside
/// a weft runtime, or no descriptor left for the signal pipe).
///
/// ```no_run
/// # weft::run(async {
/// weft::signal::ctrl_c().await?;
/// println!("interrupted: shutting down");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[track_caller]
pub fn ctrl_c() -> impl Future<Output = io::Result<()>> {
    let site = Location::caller();
    async move { signal(SignalKind::interrupt())?.wait(site).await }
}
