//! Unix signals as async events (asyncio's `loop.add_signal_handler`, and `ctrl_c`).
//!
//! On Windows only [`ctrl_c`] exists (asyncio's `add_signal_handler` is Unix-only too): a
//! console control handler (`weft_reactor::sys::signal` there) counts Ctrl-C events and wakes
//! the waiting tasks itself from the thread Windows runs it on, so no pipe and no reactor
//! registration is involved. [`signal`], [`Signal`] and [`SignalKind`] are Unix-only.
//!
//! # Design (Unix)
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
use std::io;
#[cfg(unix)]
use std::io::PipeReader;
use std::panic::Location;
#[cfg(unix)]
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
#[cfg(unix)]
use weft_reactor::Async;
#[cfg(unix)]
use weft_reactor::Reactor;
use weft_reactor::sys::signal as hub;

#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use weft_reactor::sys::signal::SignalKind;

/// The message for a listener that has to wait outside a runtime.
#[cfg(unix)]
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
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
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
#[cfg(unix)]
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
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
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

#[cfg(unix)]
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
#[cfg(unix)]
impl futures_core::Stream for Signal {
    type Item = ();

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let this = self.get_mut();
        let site = this.made_at;
        this.poll_wait_at(cx, site).map(|waited| waited.ok())
    }
}

#[cfg(unix)]
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
#[cfg(unix)]
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
#[cfg(unix)]
#[track_caller]
pub fn ctrl_c() -> impl Future<Output = io::Result<()>> {
    let site = Location::caller();
    async move { signal(SignalKind::interrupt())?.wait(site).await }
}

/// Waits for Ctrl-C. The first call registers weft's console control handler, which stops
/// Ctrl-C from ending the process from then on (Ctrl-Break and closing the console still
/// do).
///
/// Unlike on Unix, waiting needs no runtime: the handler wakes the waiting task directly.
///
/// # Errors
///
/// The OS error when the console control handler cannot be registered.
///
/// ```no_run
/// # weft::run(async {
/// weft::signal::ctrl_c().await?;
/// println!("interrupted: shutting down");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[cfg(windows)]
#[track_caller]
pub fn ctrl_c() -> impl Future<Output = io::Result<()>> {
    let site = Location::caller();
    async move {
        hub::listen_ctrl_c()?;
        let mut wait = CtrlC {
            seen: hub::ctrl_c_deliveries(),
            id: hub::listener_id(),
        };
        // Windows's C runtime numbers Ctrl-C's signal SIGINT (2), as Unix does.
        let kind = weft_coop::WaitKind::Signal(2);
        poll_fn(|cx| weft_coop::note_pending(kind, site, wait.poll(cx))).await;
        Ok(())
    }
}

/// A task waiting for the next Ctrl-C on Windows: the count it saw, and its key in the
/// handler's waker table (removed when the wait is dropped).
#[cfg(windows)]
#[derive(Debug)]
struct CtrlC {
    seen: usize,
    id: u64,
}

#[cfg(windows)]
impl CtrlC {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if hub::ctrl_c_deliveries() != self.seen {
            return Poll::Ready(());
        }
        hub::wait_with(self.id, cx.waker());
        // Re-check after parking the waker: the handler may have run between the first check
        // and the insert, and then it found no waker of ours to wake.
        if hub::ctrl_c_deliveries() != self.seen {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[cfg(windows)]
impl Drop for CtrlC {
    fn drop(&mut self) {
        hub::stop_waiting(self.id);
    }
}

/// Hands a Ctrl-C to weft's console control routine as the console would (Wine gives a test
/// process no console to press it in); returns whether the routine handled it. For tests.
///
/// ```
/// let handled = weft::signal::deliver_ctrl_c();
/// let _ = handled; // `true` once `ctrl_c` has registered the routine
/// ```
#[cfg(windows)]
#[doc(hidden)]
pub fn deliver_ctrl_c() -> bool {
    // CTRL_C_EVENT.
    hub::deliver(0)
}

/// The number of tasks parked waiting for Ctrl-C. For tests.
///
/// ```
/// assert_eq!(weft::signal::registered_wakers(), 0);
/// ```
#[cfg(windows)]
#[doc(hidden)]
pub fn registered_wakers() -> usize {
    hub::waiting()
}
