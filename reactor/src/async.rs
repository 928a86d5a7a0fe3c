//! `Async<T>`: any file descriptor made awaitable (asyncio's `add_reader`/`add_writer`).
//!
//! `Async::new` switches the fd to non-blocking mode and registers it with the current
//! reactor. Operations are tried first and waited for only when they report `WouldBlock`
//! ([`Async::read_with`]); the wait is served by the source's readiness cache (see
//! `source.rs`), so with edge-triggered polling a read that would block costs no re-arm
//! syscall. `Async` owns the I/O object and deregisters it from the poller before it can be
//! closed: on drop, in [`Async::into_inner`], and by making [`Async::get_mut`] unsafe (swapping
//! or closing the object through it would break that order). It only accepts objects that
//! own their descriptor and cannot lose it through `&T` (`AsFd` plus [`IoSafe`]): a bare
//! `RawFd` is refused at compile time.
//!
//! On Windows the same type takes sockets instead: `T: AsSocket + IoSafe` (the platform
//! layer's `AsSource` names `AsFd` or `AsSocket`, whichever the target has), because IOCP
//! through `polling` reports readiness for sockets only. The methods are the same.
//!
//! Every wait is a task-dump wait point (`Async::read` at the caller's line, see
//! [`weft_coop::record`]); the typed sockets built on `Async` re-record their own name
//! (`TcpStream::read`) over it with [`weft_coop::waiting_as`].

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use weft_coop::{IoOp, IoResource, WaitKind};

use crate::IoSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::io_wait::{io_wait, record_pending};
use crate::source::{Direction, Source, WaitSlot};
use crate::sys::AsSource;
use crate::{Reactor, sys};

/// The error message for I/O registration outside a runtime.
const NO_RUNTIME: &str = "weft I/O needs a running weft runtime: create `Async` inside \
    weft::run / Runtime::block_on or a spawned task, or pass a reactor to `Async::with_reactor`";

/// An I/O object (socket, pipe, terminal, ...) registered with the reactor, with async
/// readiness waits and operations.
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use weft_reactor::Async;
///
/// weft_reactor::doc_support::block_on(async {
///     let (a, b) = UnixStream::pair()?;
///     let (a, b) = (Async::new(a)?, Async::new(b)?);
///     a.write_with(|s| (&*s).write(b"ping")).await?;
///     let mut buf = [0u8; 4];
///     let n = b.read_with(|s| (&*s).read(&mut buf)).await?;
///     assert_eq!(&buf[..n], b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Async<T: AsSource> {
    source: Arc<Source>,
    reactor: Arc<Reactor>,
    /// `Some` until `into_inner` takes it.
    io: Option<T>,
}

impl<T: AsSource> Async<T> {
    /// Sets `io` non-blocking and registers it with the current reactor.
    ///
    /// Fails with an error that says so when called outside a weft runtime (no current
    /// reactor), or when the fd cannot be made non-blocking or registered.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// let (a, _b) = UnixStream::pair()?;
    /// // Outside a runtime there is no reactor to register with.
    /// let err = weft_reactor::Async::new(a).unwrap_err();
    /// assert!(err.to_string().contains("needs a running weft runtime"));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(io: T) -> io::Result<Async<T>>
    where
        T: IoSafe,
    {
        let reactor = crate::try_current().ok_or_else(|| io::Error::other(NO_RUNTIME))?;
        Async::with_reactor(io, &reactor)
    }

    /// Sets `io` non-blocking and registers it with `reactor`.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// let reactor = Arc::new(weft_reactor::Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::with_reactor(a, &reactor)?;
    /// assert_eq!(reactor.source_count(), 1);
    /// drop(a);
    /// assert_eq!(reactor.source_count(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_reactor(io: T, reactor: &Arc<Reactor>) -> io::Result<Async<T>>
    where
        T: IoSafe,
    {
        let fd = sys::raw_source(&io);
        sys::set_nonblocking(fd)?;
        // SAFETY: `register` requires `deregister` before the fd closes. The returned
        // `Async` owns `io`, which keeps the fd open and unchanged while it lives (`IoSafe`:
        // nothing reachable through the `&T` we hand out can close or swap it), and
        // deregisters in `Drop` and `into_inner` before `io` is dropped or returned;
        // `get_mut` is unsafe so that safe code cannot replace or close `io` through `&mut`.
        let source = unsafe { reactor.register(fd)? };
        Ok(Async {
            source,
            reactor: reactor.clone(),
            io: Some(io),
        })
    }

    /// The I/O object.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// assert!(a.get_ref().peer_addr().is_ok());
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_ref(&self) -> &T {
        // `io` is only `None` inside `into_inner`, which consumes `self`.
        self.io
            .as_ref()
            .expect("Async holds its I/O object until into_inner")
    }

    /// The I/O object, mutably.
    ///
    /// # Safety
    ///
    /// The object must not be replaced, dropped or closed through this reference (for
    /// example with `mem::swap` or `mem::replace`): the reactor must delete the fd from its
    /// poller before the fd closes, and it does so only when the `Async` is dropped or
    /// [`into_inner`](Async::into_inner) is called.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = UnixStream::pair()?;
    /// let mut a = weft_reactor::Async::new(a)?;
    /// // SAFETY: the stream is only configured, not replaced or closed.
    /// unsafe { a.get_mut() }.set_read_timeout(None)?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub unsafe fn get_mut(&mut self) -> &mut T {
        // `io` is only `None` inside `into_inner`, which consumes `self`.
        self.io
            .as_mut()
            .expect("Async holds its I/O object until into_inner")
    }

    /// Deregisters the I/O object and gives it back (still in non-blocking mode).
    ///
    /// Fails if the poller refuses the deregistration; the object is then closed.
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// let reactor = weft_reactor::try_current().unwrap();
    /// let stream: UnixStream = a.into_inner()?;
    /// assert_eq!(reactor.source_count(), 0);
    /// # drop(stream);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        // SAFETY: `io` is still owned by `self`, so its fd is open.
        let result = unsafe { self.reactor.deregister(&self.source) };
        // `io` is `Some` until here; taking it makes `Drop` skip the deregistration.
        let io = self
            .io
            .take()
            .expect("Async holds its I/O object until into_inner");
        result.map(|()| io)
    }

    /// Waits until the I/O object is readable: a read would not block (or would report an
    /// error or end of stream).
    ///
    /// Readiness is cached; a readiness this method has already reported once is checked
    /// again with the OS before it is reported a second time, so loops of
    /// `readable().await` followed by your own non-blocking reads never spin. Several tasks
    /// may wait on the same direction at once; all are woken. Consumes one unit of the
    /// cooperative budget when it completes.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// b.write_all(b"x")?;
    /// a.readable().await?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn readable(&self) -> Readable<'_, T> {
        Readiness::new(self, Direction::Read, Location::caller())
    }

    /// Waits until the I/O object is writable. Same rules as [`readable`](Async::readable).
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// a.writable().await?; // an empty socket buffer has room
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn writable(&self) -> Writable<'_, T> {
        Readiness::new(self, Direction::Write, Location::caller())
    }

    /// Poll-style [`readable`](Async::readable): `Ready` when readable, else stores the
    /// waker. Only the waker of the most recent call is woken (the `futures_io` contract);
    /// use `readable()` for several concurrent waiters.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// b.write_all(b"x")?;
    /// std::future::poll_fn(|cx| a.poll_readable(cx)).await?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled =
            self.source
                .poll_ready(self.reactor.poller(), Direction::Read, cx, WaitSlot::Shared);
        record_pending(IoResource::Async, IoOp::Readable, polled)
    }

    /// Poll-style [`writable`](Async::writable); see [`poll_readable`](Async::poll_readable).
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// std::future::poll_fn(|cx| a.poll_writable(cx)).await?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = self.source.poll_ready(
            self.reactor.poller(),
            Direction::Write,
            cx,
            WaitSlot::Shared,
        );
        record_pending(IoResource::Async, IoOp::Writable, polled)
    }

    /// Runs the non-blocking read operation `op` until it does not report `WouldBlock`,
    /// waiting for readability in between.
    ///
    /// A `WouldBlock` from `op` clears the cached readiness, so `op` runs again only after the
    /// poller reports new readiness. Make sure `op` returns `WouldBlock` only when the I/O
    /// object really would block. Consumes one unit of the cooperative budget when `op`
    /// completes.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// b.write_all(b"hello")?;
    /// let mut buf = [0u8; 16];
    /// let n = a.read_with(|s| (&*s).read(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn read_with<R>(
        &self,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> impl Future<Output = io::Result<R>> {
        io_wait(
            IoResource::Async,
            IoOp::Read,
            self.op_with(Direction::Read, op, |_| false),
        )
    }

    /// Runs `op` until it does not report `WouldBlock`, waiting in an own slot of `dir`;
    /// `short` as in `Source::poll_io`.
    async fn op_with<R>(
        &self,
        dir: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
        short: impl Fn(&R) -> bool,
    ) -> io::Result<R> {
        let mut waiter = OwnWaiter::new(&self.source, dir);
        std::future::poll_fn(|cx| {
            let slot = WaitSlot::Own(&mut waiter.id);
            let poller = self.reactor.poller();
            self.source
                .poll_io(poller, dir, cx, slot, || op(self.get_ref()), &short)
        })
        .await
    }

    /// Runs the non-blocking write operation `op` until it does not report `WouldBlock`,
    /// waiting for writability in between. Same rules as [`read_with`](Async::read_with).
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// let n = a.write_with(|s| (&*s).write(b"hi")).await?;
    /// let mut buf = [0u8; 2];
    /// b.read_exact(&mut buf[..n])?;
    /// assert_eq!(&buf, b"hi");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn write_with<R>(
        &self,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> impl Future<Output = io::Result<R>> {
        io_wait(
            IoResource::Async,
            IoOp::Write,
            self.op_with(Direction::Write, op, |_| false),
        )
    }

    /// Poll-style [`read_with`](Async::read_with), for `AsyncRead` implementations: only the
    /// most recent waker is kept.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// b.write_all(b"abc")?;
    /// let mut buf = [0u8; 8];
    /// let n = std::future::poll_fn(|cx| a.poll_read_with(cx, |s| (&*s).read(&mut buf))).await?;
    /// assert_eq!(n, 3);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let polled = self.poll_with(Direction::Read, cx, op, |_| false);
        record_pending(IoResource::Async, IoOp::Read, polled)
    }

    /// Poll-style [`write_with`](Async::write_with), for `AsyncWrite` implementations.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = weft_reactor::Async::new(a)?;
    /// let n = std::future::poll_fn(|cx| a.poll_write_with(cx, |s| (&*s).write(b"abc"))).await?;
    /// assert_eq!(n, 3);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let polled = self.poll_with(Direction::Write, cx, op, |_| false);
        record_pending(IoResource::Async, IoOp::Write, polled)
    }

    /// A byte-stream read of at most `len` bytes, poll-style, without recording a wait point
    /// (the stream type records its own). A short read may save the next read's `EAGAIN`
    /// (see [`trust_short_reads`](Async::trust_short_reads)).
    pub(crate) fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_with(Direction::Read, cx, op, |&n| n > 0 && n < len)
    }

    /// A byte-stream read of at most `len` bytes in an own waiter slot, without recording a
    /// wait point.
    pub(crate) async fn read_stream(
        &self,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> io::Result<usize> {
        self.op_with(Direction::Read, op, |&n| n > 0 && n < len)
            .await
    }

    /// Lets a byte-stream read that comes back short clear the read readiness, saving the
    /// read that would answer `EAGAIN`: only for a socket whose reads stop short of the
    /// queued bytes nowhere but where the poller says so (a plain TCP stream: `readiness.rs`),
    /// and only on a backend that reports those stops. The caller vouches for the socket.
    pub(crate) fn trust_short_reads(&self) {
        self.source.trust_short_reads(self.reactor.poller());
    }

    /// Shuts the socket down with `shutdown` (the std type's own call), then wakes the tasks
    /// waiting on the directions it closed, whom IOCP would never wake (see
    /// `Source::shut_down_locally`): a reader then sees end of stream, a writer the error.
    pub(crate) fn shutdown_with(
        &self,
        how: std::net::Shutdown,
        shutdown: impl FnOnce(&T, std::net::Shutdown) -> io::Result<()>,
    ) -> io::Result<()> {
        use std::net::Shutdown;
        shutdown(self.get_ref(), how)?;
        let shut = match how {
            Shutdown::Read => [true, false],
            Shutdown::Write => [false, true],
            Shutdown::Both => [true, true],
        };
        let mut wakers = Vec::new();
        self.source.shut_down_locally(shut, &mut wakers);
        // A waker is the waiting executor's code: one that panics is reported, and the
        // others are still woken.
        for waker in wakers {
            weft_coop::catch("waker", || waker.wake());
        }
        Ok(())
    }

    /// Tries `op`, and on `WouldBlock` waits in the shared poll-style slot of `dir`; `short`
    /// as in `Source::poll_io`.
    fn poll_with<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
        short: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let poller = self.reactor.poller();
        let slot = WaitSlot::Shared;
        self.source
            .poll_io(poller, dir, cx, slot, || op(self.get_ref()), short)
    }
}

impl<T: AsSource> Drop for Async<T> {
    fn drop(&mut self) {
        if self.io.is_some() {
            // SAFETY: `io` is still owned by `self` (it drops after this function returns),
            // so its fd is open.
            let _ = unsafe { self.reactor.deregister(&self.source) };
        }
    }
}

#[cfg(unix)]
impl<T: AsSource> std::os::fd::AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.source.fd()
    }
}

#[cfg(unix)]
impl<T: AsSource> std::os::fd::AsFd for Async<T> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

#[cfg(windows)]
impl<T: AsSource> std::os::windows::io::AsRawSocket for Async<T> {
    fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
        self.source.fd()
    }
}

#[cfg(windows)]
impl<T: AsSource> std::os::windows::io::AsSocket for Async<T> {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        self.get_ref().as_socket()
    }
}

impl<T: AsSource + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("io", &self.io).finish()
    }
}

/// An own waiter slot of one direction, freed when dropped.
struct OwnWaiter<'a> {
    source: &'a Source,
    dir: Direction,
    id: Option<usize>,
}

impl<'a> OwnWaiter<'a> {
    fn new(source: &'a Source, dir: Direction) -> OwnWaiter<'a> {
        OwnWaiter {
            source,
            dir,
            id: None,
        }
    }
}

impl Drop for OwnWaiter<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.source.remove_waiter(self.dir, id);
        }
    }
}

/// The future of [`Async::readable`] and [`Async::writable`]: waits in its own slot until
/// the I/O object is ready in one direction. `Readable` and `Writable` name it for each.
///
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// # weft_reactor::doc_support::block_on(async {
/// let (a, mut b) = UnixStream::pair()?;
/// let a = weft_reactor::Async::new(a)?;
/// let readable: weft_reactor::Readiness<'_, UnixStream> = a.readable();
/// b.write_all(b"x")?;
/// readable.await?;
/// a.writable().await?;
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Readiness<'a, T: AsSource> {
    io: &'a Async<T>,
    waiter: OwnWaiter<'a>,
    /// The caller of `readable`/`writable`: the wait point while pending.
    site: &'static Location<'static>,
}

/// [`Async::readable`]'s future (a [`Readiness`] for the read direction).
///
/// ```
/// use std::os::unix::net::UnixStream;
/// # weft_reactor::doc_support::block_on(async {
/// let (a, _b) = UnixStream::pair()?;
/// let a = weft_reactor::Async::new(a)?;
/// let _readable: weft_reactor::Readable<'_, UnixStream> = a.readable();
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub type Readable<'a, T> = Readiness<'a, T>;

/// [`Async::writable`]'s future (a [`Readiness`] for the write direction).
///
/// ```
/// use std::os::unix::net::UnixStream;
/// # weft_reactor::doc_support::block_on(async {
/// let (a, _b) = UnixStream::pair()?;
/// let a = weft_reactor::Async::new(a)?;
/// let writable: weft_reactor::Writable<'_, UnixStream> = a.writable();
/// writable.await?;
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub type Writable<'a, T> = Readiness<'a, T>;

impl<'a, T: AsSource> Readiness<'a, T> {
    fn new(io: &'a Async<T>, dir: Direction, site: &'static Location<'static>) -> Readiness<'a, T> {
        Readiness {
            io,
            waiter: OwnWaiter::new(&io.source, dir),
            site,
        }
    }
}

impl<T: AsSource> Future for Readiness<'_, T> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let io = this.io;
        let dir = this.waiter.dir;
        let polled = io.source.poll_ready(
            io.reactor.poller(),
            dir,
            cx,
            WaitSlot::Own(&mut this.waiter.id),
        );
        if polled.is_pending() {
            let op = match dir {
                Direction::Read => IoOp::Readable,
                Direction::Write => IoOp::Writable,
            };
            weft_coop::record(WaitKind::Io(IoResource::Async, op), this.site);
        }
        polled
    }
}

impl<T: AsSource> fmt::Debug for Readiness<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readiness")
            .field("fd", &self.io.source.fd())
            .field("direction", &self.waiter.dir)
            .finish()
    }
}
