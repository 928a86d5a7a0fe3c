//! Where a task waits: what weft's leaf futures record when they return `Pending`, so that a
//! task dump can say `waiting on sleep(1.5s) at src/server.rs:42` (asyncio's `ps`).
//!
//! A leaf (a timer, a lock, a socket read, a `Task` join...) captures its user's
//! `#[track_caller]` location when it is created, and on `Pending` calls [`record`] with that
//! location and what it waits on ([`WaitKind`]). The record goes to a thread-local — one
//! store, and nothing else: leaves pay for nothing more whether or not anyone ever looks.
//!
//! The executor wraps each task poll in [`recording`], which clears the thread-local before
//! the poll and hands back what the poll recorded; after a `Pending` poll it publishes that in
//! the task's [`WaitCell`]. When one poll records several waits (a `select` over two leaves, a
//! `join` of many), the last one wins. A poll that records nothing (the task waits on a
//! future from another library) publishes "unknown".
//!
//! A [`WaitCell`] is written only by the thread polling its task and read by dumps on any
//! thread, so it is a small seqlock: the writer bumps a generation around a change and the
//! reader retries until it reads one generation on both sides. In the steady state (a task
//! that waits at the same point poll after poll) publishing stores nothing but the stamp of
//! when the task last ran, and that only when the coarse clock moved.
//!
//! # The coarse clock
//!
//! "Since when" comes from a process-wide millisecond clock that the reactor refreshes
//! ([`refresh_clock`]) after each turn — busy workers give it a turn every few dozen polls,
//! idle ones on waking — so stamping costs one load, never a clock read. It lags real time by
//! at most one turn: fine for a wait that matters, which lasts far longer.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{self, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What a task is waiting on.
///
/// Its [`Display`](fmt::Display) is the text task dumps show: `sleep(1.5s)`, `Lock`,
/// `TcpStream::read`, `Task-7 (join)`.
///
/// ```
/// use weft_coop::{IoOp, IoResource, WaitKind};
/// use std::time::Duration;
/// assert_eq!(WaitKind::Sleep(Duration::from_millis(1500)).to_string(), "sleep(1.5s)");
/// assert_eq!(WaitKind::Io(IoResource::TcpStream, IoOp::Read).to_string(), "TcpStream::read");
/// assert_eq!(WaitKind::Join(7).to_string(), "Task-7 (join)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitKind {
    /// A `sleep` (or `sleep_until`) of this long, as asked for.
    Sleep(Duration),
    /// An `Interval::tick` with this period.
    Interval(Duration),
    /// `Lock::lock`.
    Lock,
    /// `Condition::wait` (or `wait_for`).
    Condition,
    /// `Semaphore::acquire`.
    Semaphore,
    /// `Event::wait`.
    Event,
    /// `Barrier::wait`.
    Barrier,
    /// A queue's `get`.
    QueueGet,
    /// A queue's `put` (the queue is full).
    QueuePut,
    /// A queue's `join` (items not yet marked done).
    QueueJoin,
    /// Awaiting a `Promise`.
    Promise,
    /// Awaiting another task's handle; the number is that task's id.
    Join(u64),
    /// `gather`: waiting for several tasks at once.
    Gather,
    /// `wait`: waiting for some or all of several tasks.
    Wait,
    /// `as_completed`: waiting for the next of several tasks to finish.
    AsCompleted,
    /// A task group's `join`: waiting for its children.
    TaskGroup,
    /// A job on the blocking pool (`spawn_blocking`, `to_thread`, a file operation).
    Blocking,
    /// Awaiting a `ConcurrentFuture` (a result another thread or runtime delivers).
    ConcurrentFuture,
    /// A readiness wait or operation on an I/O object.
    Io(IoResource, IoOp),
    /// A signal listener (the raw signal number).
    Signal(i32),
    /// A child process's exit.
    ChildExit,
    /// `mpsc::Receiver::recv` (or the unbounded one's).
    MpscRecv,
    /// `mpsc::Sender::send` or `reserve` (the channel is full).
    MpscSend,
    /// Awaiting a `oneshot::Receiver`.
    OneshotRecv,
    /// `oneshot::Sender::closed`.
    OneshotClosed,
    /// `broadcast::Receiver::recv`.
    BroadcastRecv,
    /// `watch::Receiver::changed` (or `wait_for`).
    WatchChanged,
    /// `Notify::notified`.
    Notify,
    /// `RwLock::read`.
    RwLockRead,
    /// `RwLock::write`.
    RwLockWrite,
    /// `OnceCell::get_or_init` waiting for another initialiser.
    OnceCell,
    /// `CancellationToken::cancelled`.
    Cancelled,
    /// `JoinSet::join_next`.
    JoinSet,
}

/// The I/O object a [`WaitKind::Io`] waits on.
///
/// ```
/// assert_eq!(weft_coop::IoResource::UdpSocket.to_string(), "UdpSocket");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum IoResource {
    /// A generic `Async<T>`.
    Async = 1,
    /// A TCP stream.
    TcpStream,
    /// A TCP listener.
    TcpListener,
    /// A UDP socket.
    UdpSocket,
    /// A Unix stream.
    UnixStream,
    /// A Unix listener.
    UnixListener,
    /// A Unix datagram socket.
    UnixDatagram,
    /// A child process's standard input.
    ChildStdin,
    /// A child process's standard output.
    ChildStdout,
    /// A child process's standard error.
    ChildStderr,
}

/// The operation a [`WaitKind::Io`] is blocked in.
///
/// ```
/// assert_eq!(weft_coop::IoOp::Accept.to_string(), "accept");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum IoOp {
    /// `read` (and poll-style reads).
    Read = 1,
    /// `read_exact`.
    ReadExact,
    /// `write` (and poll-style writes).
    Write,
    /// `write_all`.
    WriteAll,
    /// Waiting to become readable.
    Readable,
    /// Waiting to become writable.
    Writable,
    /// `accept`.
    Accept,
    /// `connect`.
    Connect,
    /// `send`.
    Send,
    /// `send_to`.
    SendTo,
    /// `recv`.
    Recv,
    /// `recv_from`.
    RecvFrom,
}

const IO_RESOURCES: [IoResource; 10] = [
    IoResource::Async,
    IoResource::TcpStream,
    IoResource::TcpListener,
    IoResource::UdpSocket,
    IoResource::UnixStream,
    IoResource::UnixListener,
    IoResource::UnixDatagram,
    IoResource::ChildStdin,
    IoResource::ChildStdout,
    IoResource::ChildStderr,
];

const IO_OPS: [IoOp; 12] = [
    IoOp::Read,
    IoOp::ReadExact,
    IoOp::Write,
    IoOp::WriteAll,
    IoOp::Readable,
    IoOp::Writable,
    IoOp::Accept,
    IoOp::Connect,
    IoOp::Send,
    IoOp::SendTo,
    IoOp::Recv,
    IoOp::RecvFrom,
];

impl fmt::Display for IoResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl fmt::Display for IoOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoOp::Read => "read",
            IoOp::ReadExact => "read_exact",
            IoOp::Write => "write",
            IoOp::WriteAll => "write_all",
            IoOp::Readable => "readable",
            IoOp::Writable => "writable",
            IoOp::Accept => "accept",
            IoOp::Connect => "connect",
            IoOp::Send => "send",
            IoOp::SendTo => "send_to",
            IoOp::Recv => "recv",
            IoOp::RecvFrom => "recv_from",
        })
    }
}

impl fmt::Display for WaitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitKind::Sleep(d) => write!(f, "sleep({d:?})"),
            WaitKind::Interval(d) => write!(f, "Interval::tick({d:?})"),
            WaitKind::Lock => f.write_str("Lock"),
            WaitKind::Condition => f.write_str("Condition"),
            WaitKind::Semaphore => f.write_str("Semaphore"),
            WaitKind::Event => f.write_str("Event"),
            WaitKind::Barrier => f.write_str("Barrier"),
            WaitKind::QueueGet => f.write_str("Queue::get"),
            WaitKind::QueuePut => f.write_str("Queue::put"),
            WaitKind::QueueJoin => f.write_str("Queue::join"),
            WaitKind::Promise => f.write_str("Promise"),
            WaitKind::Join(id) => write!(f, "Task-{id} (join)"),
            WaitKind::Gather => f.write_str("gather"),
            WaitKind::Wait => f.write_str("wait"),
            WaitKind::AsCompleted => f.write_str("as_completed"),
            WaitKind::TaskGroup => f.write_str("TaskGroup::join"),
            WaitKind::Blocking => f.write_str("blocking job"),
            WaitKind::ConcurrentFuture => f.write_str("ConcurrentFuture"),
            WaitKind::Io(resource, op) => write!(f, "{resource}::{op}"),
            WaitKind::Signal(signum) => match signal_name(*signum) {
                Some(name) => write!(f, "signal {name}"),
                None => write!(f, "signal {signum}"),
            },
            WaitKind::ChildExit => f.write_str("Child::wait"),
            WaitKind::MpscRecv => f.write_str("mpsc::recv"),
            WaitKind::MpscSend => f.write_str("mpsc::send"),
            WaitKind::OneshotRecv => f.write_str("oneshot::recv"),
            WaitKind::OneshotClosed => f.write_str("oneshot::closed"),
            WaitKind::BroadcastRecv => f.write_str("broadcast::recv"),
            WaitKind::WatchChanged => f.write_str("watch::changed"),
            WaitKind::Notify => f.write_str("Notify"),
            WaitKind::RwLockRead => f.write_str("RwLock::read"),
            WaitKind::RwLockWrite => f.write_str("RwLock::write"),
            WaitKind::OnceCell => f.write_str("OnceCell::get_or_init"),
            WaitKind::Cancelled => f.write_str("CancellationToken::cancelled"),
            WaitKind::JoinSet => f.write_str("JoinSet::join_next"),
        }
    }
}

/// The name of signal `signum` on this platform (`SIGINT`, `SIGUSR1`), for the signals a
/// program commonly listens to; `None` for the others.
///
/// ```
/// # #[cfg(unix)]
/// assert_eq!(weft_coop::signal_name(libc::SIGTERM), Some("SIGTERM"));
/// assert_eq!(weft_coop::signal_name(-1), None);
/// ```
pub fn signal_name(signum: i32) -> Option<&'static str> {
    #[cfg(unix)]
    {
        let names = [
            (libc::SIGHUP, "SIGHUP"),
            (libc::SIGINT, "SIGINT"),
            (libc::SIGQUIT, "SIGQUIT"),
            (libc::SIGPIPE, "SIGPIPE"),
            (libc::SIGALRM, "SIGALRM"),
            (libc::SIGTERM, "SIGTERM"),
            (libc::SIGUSR1, "SIGUSR1"),
            (libc::SIGUSR2, "SIGUSR2"),
            (libc::SIGCHLD, "SIGCHLD"),
            (libc::SIGWINCH, "SIGWINCH"),
        ];
        names
            .iter()
            .find(|(n, _)| *n == signum)
            .map(|(_, name)| *name)
    }
    #[cfg(not(unix))]
    {
        let _ = signum;
        None
    }
}

/// Bits of the encoded word that hold a variant's payload; the top byte holds its tag.
const PAYLOAD_BITS: u32 = 56;
const PAYLOAD_MASK: u64 = (1 << PAYLOAD_BITS) - 1;

impl WaitKind {
    /// Packs the kind into one word: tag in the top byte, payload below. Never zero (zero
    /// is "nothing recorded"). Durations saturate at 2^56 ns (about 2.3 years).
    fn encode(self) -> u64 {
        let nanos =
            |d: Duration| u64::try_from(d.as_nanos()).map_or(PAYLOAD_MASK, |n| n.min(PAYLOAD_MASK));
        let (tag, payload): (u64, u64) = match self {
            WaitKind::Sleep(d) => (1, nanos(d)),
            WaitKind::Interval(d) => (2, nanos(d)),
            WaitKind::Lock => (3, 0),
            WaitKind::Condition => (4, 0),
            WaitKind::Semaphore => (5, 0),
            WaitKind::Event => (6, 0),
            WaitKind::Barrier => (7, 0),
            WaitKind::QueueGet => (8, 0),
            WaitKind::QueuePut => (9, 0),
            WaitKind::QueueJoin => (10, 0),
            WaitKind::Promise => (11, 0),
            WaitKind::Join(id) => (12, id & PAYLOAD_MASK),
            WaitKind::Gather => (13, 0),
            WaitKind::Wait => (14, 0),
            WaitKind::AsCompleted => (15, 0),
            WaitKind::TaskGroup => (16, 0),
            WaitKind::Blocking => (17, 0),
            WaitKind::ConcurrentFuture => (18, 0),
            WaitKind::Io(resource, op) => (19, (resource as u64) << 8 | op as u64),
            WaitKind::Signal(signum) => (20, u64::from(signum as u32)),
            WaitKind::ChildExit => (21, 0),
            WaitKind::MpscRecv => (22, 0),
            WaitKind::MpscSend => (23, 0),
            WaitKind::OneshotRecv => (24, 0),
            WaitKind::OneshotClosed => (25, 0),
            WaitKind::BroadcastRecv => (26, 0),
            WaitKind::WatchChanged => (27, 0),
            WaitKind::Notify => (28, 0),
            WaitKind::RwLockRead => (29, 0),
            WaitKind::RwLockWrite => (30, 0),
            WaitKind::OnceCell => (31, 0),
            WaitKind::Cancelled => (32, 0),
            WaitKind::JoinSet => (33, 0),
        };
        tag << PAYLOAD_BITS | payload
    }

    fn decode(word: u64) -> Option<WaitKind> {
        let payload = word & PAYLOAD_MASK;
        let duration = Duration::from_nanos(payload);
        Some(match word >> PAYLOAD_BITS {
            1 => WaitKind::Sleep(duration),
            2 => WaitKind::Interval(duration),
            3 => WaitKind::Lock,
            4 => WaitKind::Condition,
            5 => WaitKind::Semaphore,
            6 => WaitKind::Event,
            7 => WaitKind::Barrier,
            8 => WaitKind::QueueGet,
            9 => WaitKind::QueuePut,
            10 => WaitKind::QueueJoin,
            11 => WaitKind::Promise,
            12 => WaitKind::Join(payload),
            13 => WaitKind::Gather,
            14 => WaitKind::Wait,
            15 => WaitKind::AsCompleted,
            16 => WaitKind::TaskGroup,
            17 => WaitKind::Blocking,
            18 => WaitKind::ConcurrentFuture,
            19 => WaitKind::Io(
                *IO_RESOURCES.get(((payload >> 8) as usize).checked_sub(1)?)?,
                *IO_OPS.get(((payload & 0xff) as usize).checked_sub(1)?)?,
            ),
            20 => WaitKind::Signal(payload as u32 as i32),
            21 => WaitKind::ChildExit,
            22 => WaitKind::MpscRecv,
            23 => WaitKind::MpscSend,
            24 => WaitKind::OneshotRecv,
            25 => WaitKind::OneshotClosed,
            26 => WaitKind::BroadcastRecv,
            27 => WaitKind::WatchChanged,
            28 => WaitKind::Notify,
            29 => WaitKind::RwLockRead,
            30 => WaitKind::RwLockWrite,
            31 => WaitKind::OnceCell,
            32 => WaitKind::Cancelled,
            33 => WaitKind::JoinSet,
            _ => return None,
        })
    }
}

/// One recorded wait: what, and where the leaf was created.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Recorded {
    site: &'static Location<'static>,
    what: u64,
}

crate::local! {
    /// The last wait recorded by the poll running on this thread.
    static LAST: Cell<Option<Recorded>> = Cell::new(None);
}

/// Notes that the leaf future being polled on this thread returns `Pending`, waiting on
/// `kind`, created at `site` (its user's `#[track_caller]` location).
///
/// Outside a task poll this stores into a thread-local nobody reads; it never fails.
///
/// ```
/// use std::panic::Location;
/// let (_, waited) = weft_coop::recording(|| {
///     weft_coop::record(weft_coop::WaitKind::Lock, Location::caller());
/// });
/// assert_eq!(waited.unwrap().kind(), weft_coop::WaitKind::Lock);
/// ```
#[inline]
pub fn record(kind: WaitKind, site: &'static Location<'static>) {
    let what = kind.encode();
    // `try_with`: a leaf polled while this thread's locals are torn down records nothing.
    let _ = LAST.try_with(|last| last.set(Some(Recorded { site, what })));
}

/// Records `kind` at `site` when `polled` is `Pending`, and passes `polled` on: the last
/// line of a leaf future's `poll`.
///
/// ```
/// use std::task::Poll;
/// let here = std::panic::Location::caller();
/// let (polled, waited) = weft_coop::recording(|| {
///     weft_coop::note_pending(weft_coop::WaitKind::Event, here, Poll::<()>::Pending)
/// });
/// assert!(polled.is_pending());
/// assert_eq!(waited.unwrap().kind(), weft_coop::WaitKind::Event);
/// ```
#[inline]
pub fn note_pending<T>(
    kind: WaitKind,
    site: &'static Location<'static>,
    polled: Poll<T>,
) -> Poll<T> {
    if polled.is_pending() {
        record(kind, site);
    }
    polled
}

/// Wraps `future` so that each time it returns `Pending` the wait is recorded as `kind` at
/// `site`, whatever the leaves inside recorded: for an operation built from other leaves
/// (`TcpStream::read_exact` from reads, a queue `get` from a wait list) that knows better
/// what its task waits on. Call it from a `#[track_caller]` function with
/// `Location::caller()` so the site is the user's line.
///
/// ```
/// use std::panic::Location;
/// let mut fut = std::pin::pin!(weft_coop::waiting_as(
///     weft_coop::WaitKind::QueueGet,
///     Location::caller(),
///     std::future::pending::<()>(),
/// ));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let (_, waited) = weft_coop::recording(|| fut.as_mut().poll(&mut cx));
/// assert_eq!(waited.unwrap().kind(), weft_coop::WaitKind::QueueGet);
/// ```
pub fn waiting_as<F: Future>(
    kind: WaitKind,
    site: &'static Location<'static>,
    future: F,
) -> WaitingAs<F> {
    WaitingAs {
        future,
        kind: Some(kind),
        site,
    }
}

/// Wraps `future` so that each time it returns `Pending` the wait its leaves recorded is kept
/// but moved to `site`: for an operation built on other operations (a buffered stream's
/// `readline` on a socket's `read`) that does not change what the task waits on, only where
/// its user asked for it.
///
/// ```
/// use std::panic::Location;
/// let site = Location::caller();
/// let leaf = std::future::poll_fn(|_| {
///     weft_coop::record(weft_coop::WaitKind::Event, Location::caller()); // the leaf's own line
///     std::task::Poll::<()>::Pending
/// });
/// let mut fut = std::pin::pin!(weft_coop::waiting_at(site, leaf));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let (_, waited) = weft_coop::recording(|| fut.as_mut().poll(&mut cx));
/// let waited = waited.unwrap();
/// assert_eq!((waited.kind(), waited.location()), (weft_coop::WaitKind::Event, site));
/// ```
pub fn waiting_at<F: Future>(site: &'static Location<'static>, future: F) -> WaitingAs<F> {
    WaitingAs {
        future,
        kind: None,
        site,
    }
}

/// The future of [`waiting_as`] and [`waiting_at`].
///
/// ```
/// let f: weft_coop::WaitingAs<std::future::Ready<u8>> = weft_coop::waiting_as(
///     weft_coop::WaitKind::Lock,
///     std::panic::Location::caller(),
///     std::future::ready(1),
/// );
/// # drop(f);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct WaitingAs<F> {
    future: F,
    /// `None`: keep the kind the leaves recorded.
    kind: Option<WaitKind>,
    site: &'static Location<'static>,
}

impl<F: Future> Future for WaitingAs<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let (kind, site) = (self.kind, self.site);
        // SAFETY: `future` is pinned structurally: it is never moved out of `self`, no
        // `&mut F` is handed out except pinned, `WaitingAs` has no `Drop` impl and is `Unpin`
        // only when `F` is (the auto impl).
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        let polled = future.poll(cx);
        if polled.is_pending() {
            match kind {
                Some(kind) => record(kind, site),
                None => {
                    let _ = LAST.try_with(|last| {
                        if let Some(leaf) = last.get() {
                            last.set(Some(Recorded { site, ..leaf }));
                        }
                    });
                }
            }
        }
        polled
    }
}

impl<F> fmt::Debug for WaitingAs<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Some(kind) => write!(f, "WaitingAs({kind} at {})", self.site),
            None => write!(f, "WaitingAs(_ at {})", self.site),
        }
    }
}

/// What a poll recorded last; see [`recording`].
///
/// ```
/// let (_, waited) = weft_coop::recording(|| {});
/// assert!(waited.is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Waited(Recorded);

impl Waited {
    /// What was waited on.
    ///
    /// ```
    /// let (_, w) = weft_coop::recording(|| weft_coop::record(weft_coop::WaitKind::Event, std::panic::Location::caller()));
    /// assert_eq!(w.unwrap().kind(), weft_coop::WaitKind::Event);
    /// ```
    pub fn kind(&self) -> WaitKind {
        WaitKind::decode(self.0.what).expect("a recorded wait decodes")
    }

    /// Where the waiting leaf was created.
    ///
    /// ```
    /// let here = std::panic::Location::caller();
    /// let (_, w) = weft_coop::recording(|| weft_coop::record(weft_coop::WaitKind::Event, here));
    /// assert_eq!(w.unwrap().location(), here);
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.0.site
    }
}

impl fmt::Debug for Waited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.kind(), self.location())
    }
}

/// Runs `f` (a task poll) with a clean record and returns the last wait it recorded.
///
/// Not reentrant: a poll nested inside `f` would start its own clean record and take it, so
/// the outer poll would lose what it recorded before. The executor never nests task polls
/// (a `block_on` inside a task is refused), and the price of supporting it was a restore on
/// every poll of every task.
///
/// ```
/// let (out, waited) = weft_coop::recording(|| {
///     weft_coop::record(weft_coop::WaitKind::Barrier, std::panic::Location::caller());
///     7
/// });
/// assert_eq!(out, 7);
/// assert_eq!(waited.unwrap().kind(), weft_coop::WaitKind::Barrier);
/// ```
#[inline]
pub fn recording<R>(f: impl FnOnce() -> R) -> (R, Option<Waited>) {
    // `try_with`: a poll while this thread's locals are torn down records nothing.
    let _ = LAST.try_with(|last| last.set(None));
    let out = f();
    let waited = LAST.try_with(Cell::take).ok().flatten().map(Waited);
    (out, waited)
}

/// The start of the coarse clock.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds since [`epoch`] as of the last [`refresh_clock`] (wrapping).
static COARSE_MS: AtomicU32 = AtomicU32::new(0);

/// Brings the coarse clock up to date; the reactor calls it after each turn.
///
/// ```
/// weft_coop::refresh_clock();
/// ```
pub fn refresh_clock() {
    let ms = epoch().elapsed().as_millis() as u32;
    // Skip the store when the millisecond has not moved: the line stays shared in every
    // reader's cache.
    if COARSE_MS.load(Ordering::Relaxed) != ms {
        COARSE_MS.store(ms, Ordering::Relaxed);
    }
}

/// The coarse clock now: milliseconds since a process-wide epoch as of the last
/// [`refresh_clock`] (wrapping every 49 days). One relaxed load: for stamping hot paths.
///
/// ```
/// let stamp = weft_coop::coarse_now_ms();
/// assert!(weft_coop::coarse_elapsed(stamp) < std::time::Duration::from_secs(60));
/// ```
#[inline]
pub fn coarse_now_ms() -> u32 {
    COARSE_MS.load(Ordering::Relaxed)
}

/// Real time since a [`coarse_now_ms`] stamp, read from the real clock (so it keeps growing
/// while nobody refreshes the coarse one, as when every worker is blocked).
///
/// ```
/// assert!(weft_coop::coarse_elapsed(weft_coop::coarse_now_ms()) < std::time::Duration::from_secs(60));
/// ```
pub fn coarse_elapsed(stamp: u32) -> Duration {
    let now_ms = epoch().elapsed().as_millis() as u32;
    Duration::from_millis(u64::from(now_ms.wrapping_sub(stamp)))
}

/// Where one task waits, as last published by its poller ([`WaitCell::publish`]) and read by
/// dumps on any thread ([`WaitCell::load`]).
///
/// ```
/// let cell = weft_coop::WaitCell::new();
/// let (_, waited) = weft_coop::recording(|| {
///     weft_coop::record(weft_coop::WaitKind::Semaphore, std::panic::Location::caller());
/// });
/// cell.publish(waited);
/// let (waited, since) = cell.load().unwrap();
/// assert_eq!(waited.kind(), weft_coop::WaitKind::Semaphore);
/// assert!(since <= std::time::Instant::now());
/// ```
pub struct WaitCell {
    site: AtomicPtr<Location<'static>>,
    what: AtomicU64,
    /// Even when stable; odd while the writer changes `site` and `what`.
    generation: AtomicU32,
    /// The coarse clock (ms) when the task last returned `Pending`.
    stamp: AtomicU32,
}

impl WaitCell {
    /// A cell that says "nothing known".
    ///
    /// ```
    /// assert!(weft_coop::WaitCell::new().load().is_none());
    /// ```
    pub const fn new() -> WaitCell {
        WaitCell {
            site: AtomicPtr::new(ptr::null_mut()),
            what: AtomicU64::new(0),
            generation: AtomicU32::new(0),
            stamp: AtomicU32::new(0),
        }
    }

    /// Publishes what a `Pending` poll recorded (`None`: nothing known). Only the thread
    /// polling the task may call this.
    ///
    /// ```
    /// let cell = weft_coop::WaitCell::new();
    /// cell.publish(None);
    /// assert!(cell.load().is_none());
    /// ```
    #[inline]
    pub fn publish(&self, waited: Option<Waited>) {
        let (site, what) = match waited {
            Some(Waited(r)) => (ptr::from_ref(r.site).cast_mut(), r.what),
            None => (ptr::null_mut(), 0),
        };
        // Relaxed reads of our own writes: only this thread writes the cell.
        if self.what.load(Ordering::Relaxed) != what || self.site.load(Ordering::Relaxed) != site {
            let generation = self.generation.load(Ordering::Relaxed);
            self.generation
                .store(generation.wrapping_add(1), Ordering::Relaxed);
            // Orders the odd generation before the data: a reader that sees new data also
            // sees the odd (or a later) generation on its second look.
            atomic::fence(Ordering::Release);
            self.site.store(site, Ordering::Relaxed);
            self.what.store(what, Ordering::Relaxed);
            self.generation
                .store(generation.wrapping_add(2), Ordering::Release);
        }
        if what != 0 {
            let now = COARSE_MS.load(Ordering::Relaxed);
            if self.stamp.load(Ordering::Relaxed) != now {
                self.stamp.store(now, Ordering::Relaxed);
            }
        }
    }

    /// The published wait and when its task last returned `Pending` (to the coarse clock's
    /// resolution); `None` when nothing is known.
    ///
    /// ```
    /// assert!(weft_coop::WaitCell::new().load().is_none());
    /// ```
    pub fn load(&self) -> Option<(Waited, Instant)> {
        loop {
            let before = self.generation.load(Ordering::Acquire);
            let site = self.site.load(Ordering::Relaxed);
            let what = self.what.load(Ordering::Relaxed);
            let stamp = self.stamp.load(Ordering::Relaxed);
            // Orders the data reads before the second generation read (the seqlock's
            // reader side).
            atomic::fence(Ordering::Acquire);
            if before % 2 == 1 || self.generation.load(Ordering::Relaxed) != before {
                std::hint::spin_loop();
                continue;
            }
            if site.is_null() || WaitKind::decode(what).is_none() {
                return None;
            }
            // SAFETY: a non-null `site` was stored by `publish` from a
            // `&'static Location<'static>`, so it points to a location that lives forever.
            let site: &'static Location<'static> = unsafe { &*site };
            // The stamp wraps every 49 days; the age is right for any shorter wait.
            let now_ms = COARSE_MS.load(Ordering::Relaxed);
            let age = Duration::from_millis(u64::from(now_ms.wrapping_sub(stamp)));
            let now = epoch() + Duration::from_millis(u64::from(now_ms));
            let since = now.checked_sub(age).unwrap_or(now);
            return Some((Waited(Recorded { site, what }), since));
        }
    }
}

impl Default for WaitCell {
    fn default() -> WaitCell {
        WaitCell::new()
    }
}

impl fmt::Debug for WaitCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.load() {
            Some((waited, _)) => write!(f, "WaitCell({waited:?})"),
            None => f.write_str("WaitCell(unknown)"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn every_kind_survives_its_encoding() {
        let kinds = [
            WaitKind::Sleep(Duration::from_millis(1500)),
            WaitKind::Interval(Duration::from_secs(3)),
            WaitKind::Lock,
            WaitKind::Condition,
            WaitKind::Semaphore,
            WaitKind::Event,
            WaitKind::Barrier,
            WaitKind::QueueGet,
            WaitKind::QueuePut,
            WaitKind::QueueJoin,
            WaitKind::Promise,
            WaitKind::Join(12345),
            WaitKind::Gather,
            WaitKind::Wait,
            WaitKind::AsCompleted,
            WaitKind::TaskGroup,
            WaitKind::Blocking,
            WaitKind::ConcurrentFuture,
            WaitKind::Signal(15),
            WaitKind::ChildExit,
        ];
        for kind in kinds {
            assert_eq!(WaitKind::decode(kind.encode()), Some(kind));
        }
        for resource in IO_RESOURCES {
            for op in IO_OPS {
                let kind = WaitKind::Io(resource, op);
                assert_eq!(WaitKind::decode(kind.encode()), Some(kind));
            }
        }
    }

    #[test]
    fn enormous_durations_saturate_instead_of_wrapping() {
        let kind = WaitKind::Sleep(Duration::from_secs(u64::MAX));
        let Some(WaitKind::Sleep(back)) = WaitKind::decode(kind.encode()) else {
            panic!("not a sleep");
        };
        assert!(back > Duration::from_secs(365 * 24 * 3600 * 2));
    }

    #[test]
    fn each_poll_starts_with_a_clean_record() {
        let here = Location::caller();
        // A leaf polled outside any task leaves a record behind...
        record(WaitKind::Lock, here);
        // ...which the next task poll does not inherit.
        let ((), waited) = recording(|| {});
        assert!(waited.is_none());
    }

    #[test]
    fn the_cell_is_cleared_by_a_poll_that_records_nothing() {
        let cell = WaitCell::new();
        let ((), waited) = recording(|| record(WaitKind::QueueGet, Location::caller()));
        cell.publish(waited);
        assert_eq!(cell.load().unwrap().0.kind(), WaitKind::QueueGet);
        let ((), waited) = recording(|| {});
        cell.publish(waited);
        assert!(cell.load().is_none());
    }

    #[test]
    fn a_reader_never_sees_one_record_s_kind_with_another_s_site() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        let cell = Arc::new(WaitCell::new());
        let stop = Arc::new(AtomicBool::new(false));
        #[track_caller]
        fn site() -> &'static Location<'static> {
            Location::caller()
        }
        let (lock_site, event_site) = (site(), site());
        let writer = {
            let (cell, stop) = (cell.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    for (kind, at) in [(WaitKind::Lock, lock_site), (WaitKind::Event, event_site)] {
                        let ((), w) = recording(|| record(kind, at));
                        cell.publish(w);
                    }
                }
            })
        };
        for _ in 0..200_000 {
            if let Some((w, _)) = cell.load() {
                let expected = if w.kind() == WaitKind::Lock {
                    lock_site
                } else {
                    event_site
                };
                assert_eq!(w.location(), expected);
            }
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
    }
}
