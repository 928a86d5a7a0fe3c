//! The connection a `StreamReader`/`StreamWriter` pair shares: the socket, the write buffer
//! and the task that flushes it (asyncio's transport, minus the protocol callbacks).
//!
//! **Two kinds of sink.** A TCP or Unix socket does I/O through `&self`, so `write` can try
//! the kernel directly from the caller's thread, and the reader (which shares this
//! transport) reads the same socket without any lock: that is the fast path, and the only
//! one `open_connection` and `start_server` take. Any other `AsyncWrite` (a TLS stream, a
//! child's stdin, a duplex pipe) needs `&mut` and has no "try now" call, so it sits behind its
//! own lock, taken only by the flusher (always after the state lock, so the order is fixed),
//! and every write goes through the flusher task. A generic sink may buffer inside itself
//! (TLS records, `BufWriter`), so its flusher also `poll_flush`es it once the buffer is
//! empty, and `write_eof`/`close` become `poll_close` on it, run by the flusher too.
//!
//! **Writing.** `write` is synchronous, as in asyncio: when nothing is buffered it tries the
//! socket at once (one `send`, no task, no wake-up: the common case for request/response
//! traffic); whatever the kernel did not take is appended to the buffer and a *flusher* task
//! is spawned to write it out as the socket drains. So data handed to `write` always reaches
//! the peer, whether or not anyone awaits `drain`. Above the high-water mark the writer is
//! *paused*: `drain` waits until the flusher brings the buffer down to the low-water mark.
//!
//! **Waiting.** Every wait (`drain`, `flush`, `wait_closed`) parks its waker in one list under
//! the state lock, and every change of state (resumed, flushed, closed, failed) wakes the
//! whole list; waiters re-check their own condition. So any number of tasks can drain at
//! once and all resume, and a failure wakes everyone with the error instead of leaving
//! anyone parked.
//!
//! **Closing.** `close` waits (in the background) for the buffer to flush, then shuts the
//! socket down in both directions: the peer reads end of stream and a local task blocked in
//! the reader wakes at once with end of stream. The fd itself closes when the reader, the
//! writer and the flusher have all let go of the transport.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_io::AsyncWrite;
use weft_executor::Handle;

use super::StreamSocket;
use super::error::SavedError;

/// asyncio's default high-water mark for a transport's write buffer (64 KiB).
pub(crate) const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// The write side's state, behind the transport's lock.
#[derive(Debug)]
struct WriteState {
    /// Buffered bytes are `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    high: usize,
    low: usize,
    /// Above the high-water mark: `drain` waits.
    paused: bool,
    /// A flusher task owns the writing of `buf`.
    flushing: bool,
    /// `write_eof` was called; `eof_sent` once the write direction is shut down.
    eof_requested: bool,
    eof_sent: bool,
    /// `close` was called; `closed` once the socket is shut down (or failed).
    closing: bool,
    closed: bool,
    /// A generic sink took bytes and was not flushed since (always false for a socket).
    unflushed: bool,
    /// The connection's failure, reported to every later operation.
    error: Option<SavedError>,
    /// Tasks waiting for any change of state.
    waiters: Vec<Waker>,
}

impl WriteState {
    fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Parks `waker` unless it is already parked.
    fn park(&mut self, waker: &Waker) {
        if !self.waiters.iter().any(|w| w.will_wake(waker)) {
            self.waiters.push(waker.clone());
        }
    }
}

/// Any `AsyncWrite` a `StreamWriter` can own.
pub(crate) type BoxedWrite = Box<dyn AsyncWrite + Send + Unpin>;

/// Where the written bytes go (see the module head).
pub(crate) enum Sink {
    /// A TCP or Unix socket, shared with the reader: the fast path.
    Socket(StreamSocket),
    /// Any other writer; its lock is taken only by the flusher, after the state lock.
    Generic(Mutex<BoxedWrite>),
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sink::Socket(socket) => socket.fmt(f),
            Sink::Generic(_) => f.write_str("AsyncWrite"),
        }
    }
}

/// A connection shared by one reader, one writer and (while data is buffered) one flusher.
#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) sink: Sink,
    handle: Handle,
    write: Mutex<WriteState>,
}

impl Transport {
    /// Wraps `socket`; the flusher will be spawned on `handle`'s runtime.
    pub(crate) fn new(socket: StreamSocket, handle: Handle) -> Arc<Transport> {
        Transport::with_sink(Sink::Socket(socket), handle)
    }

    /// Wraps any writer (the slower, general path: see the module head).
    pub(crate) fn generic(writer: BoxedWrite, handle: Handle) -> Arc<Transport> {
        Transport::with_sink(Sink::Generic(Mutex::new(writer)), handle)
    }

    fn with_sink(sink: Sink, handle: Handle) -> Arc<Transport> {
        Arc::new(Transport {
            sink,
            handle,
            write: Mutex::new(WriteState {
                buf: Vec::new(),
                start: 0,
                high: DEFAULT_HIGH_WATER,
                low: DEFAULT_HIGH_WATER / 4,
                paused: false,
                flushing: false,
                eof_requested: false,
                eof_sent: false,
                closing: false,
                closed: false,
                unflushed: false,
                error: None,
                waiters: Vec::new(),
            }),
        })
    }

    /// The socket, on the fast path.
    pub(crate) fn socket(&self) -> Option<&StreamSocket> {
        match &self.sink {
            Sink::Socket(socket) => Some(socket),
            Sink::Generic(_) => None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, WriteState> {
        // A panic while holding this lock can only come from an allocation failure; the
        // state is still consistent, so keep going.
        self.write
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Buffers `data` for sending (sending what the socket takes right away).
    pub(crate) fn write(self: &Arc<Self>, data: &[u8]) -> io::Result<()> {
        let mut st = self.lock();
        if let Some(err) = &st.error {
            return Err(err.to_error());
        }
        if st.closing {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "write() after close(): the StreamWriter is closed",
            ));
        }
        if st.eof_requested {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "write() after write_eof()",
            ));
        }
        let mut rest = data;
        if let Sink::Socket(socket) = &self.sink
            && st.buffered() == 0
            && !st.flushing
        {
            loop {
                match socket.try_write(rest) {
                    Ok(n) => rest = &rest[n..],
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => {
                        let wakers = self.fail_locked(&mut st, &err);
                        drop(st);
                        wake_all(wakers);
                        return Err(err);
                    }
                }
                break;
            }
        }
        if rest.is_empty() {
            return Ok(());
        }
        if st.start > 0 && st.start >= st.buf.len() / 2 {
            let start = st.start;
            st.buf.drain(..start);
            st.start = 0;
        }
        st.buf.extend_from_slice(rest);
        if st.buffered() > st.high {
            st.paused = true;
        }
        if !st.flushing {
            self.start_flusher_locked(&mut st);
        }
        Ok(())
    }

    /// Spawns the task that writes the buffer out (and, for a generic sink, flushes and
    /// closes it).
    fn start_flusher_locked(self: &Arc<Self>, st: &mut WriteState) {
        st.flushing = true;
        let transport = self.clone();
        drop(self.handle.spawn(async move {
            std::future::poll_fn(|cx| transport.poll_flush_buffer(cx)).await
        }));
    }

    /// Writes once to the sink: the socket directly, a generic writer under its lock.
    fn poll_write_sink(
        &self,
        cx: &mut Context<'_>,
        st: &mut WriteState,
    ) -> Poll<io::Result<usize>> {
        match &self.sink {
            Sink::Socket(socket) => socket.poll_write(cx, &st.buf[st.start..]),
            Sink::Generic(writer) => {
                let polled =
                    Pin::new(&mut **lock_writer(writer)).poll_write(cx, &st.buf[st.start..]);
                if let Poll::Ready(Ok(n)) = polled
                    && n > 0
                {
                    st.unflushed = true;
                }
                polled
            }
        }
    }

    /// With the buffer empty and a generic sink: flushes what the writer holds, then closes
    /// it if `write_eof` or `close` asked for that. `Ready(Ok)` once nothing is left to do.
    fn poll_settle_generic(
        &self,
        cx: &mut Context<'_>,
        st: &mut WriteState,
    ) -> Poll<io::Result<()>> {
        let Sink::Generic(writer) = &self.sink else {
            return Poll::Ready(Ok(()));
        };
        let mut writer = lock_writer(writer);
        if st.unflushed {
            std::task::ready!(Pin::new(&mut **writer).poll_flush(cx))?;
            st.unflushed = false;
        }
        let close_wanted = (st.eof_requested && !st.eof_sent) || (st.closing && !st.closed);
        if close_wanted {
            if !st.eof_sent {
                std::task::ready!(Pin::new(&mut **writer).poll_close(cx))?;
                st.eof_sent = true;
            }
            if st.closing {
                st.closed = true;
            }
        }
        Poll::Ready(Ok(()))
    }

    /// The flusher's body: writes the buffer out as the sink accepts it.
    fn poll_flush_buffer(self: &Arc<Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        let mut wakers = Vec::new();
        let outcome = loop {
            if st.error.is_some() || st.closed {
                st.flushing = false;
                // A generic close completes here: wake `wait_closed`.
                wakers.append(&mut st.waiters);
                break Poll::Ready(());
            }
            if st.buffered() == 0 {
                match self.poll_settle_generic(cx, st) {
                    Poll::Pending => break Poll::Pending,
                    Poll::Ready(Err(err)) => {
                        wakers = self.fail_locked(st, &err);
                        break Poll::Ready(());
                    }
                    Poll::Ready(Ok(())) => {}
                }
                st.buf.clear();
                st.start = 0;
                st.flushing = false;
                self.finish_pending_locked(st);
                wakers.append(&mut st.waiters);
                break Poll::Ready(());
            }
            match self.poll_write_sink(cx, st) {
                Poll::Ready(Ok(0)) => {
                    let err = io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the socket accepted no more bytes",
                    );
                    wakers = self.fail_locked(st, &err);
                    break Poll::Ready(());
                }
                Poll::Ready(Ok(n)) => {
                    st.start += n;
                    if st.paused && st.buffered() <= st.low {
                        st.paused = false;
                        wakers.append(&mut st.waiters);
                    }
                }
                Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(err)) => {
                    wakers = self.fail_locked(st, &err);
                    break Poll::Ready(());
                }
                Poll::Pending => break Poll::Pending,
            }
        };
        drop(guard);
        wake_all(wakers);
        outcome
    }

    /// With the buffer empty: sends a requested end of stream, completes a requested close.
    /// A socket does this at once; a generic sink has it done by its flusher (see
    /// `poll_settle_generic`), which this starts when needed.
    fn finish_pending_locked(self: &Arc<Self>, st: &mut WriteState) {
        let Sink::Socket(socket) = &self.sink else {
            let close_wanted = (st.eof_requested && !st.eof_sent) || (st.closing && !st.closed);
            if close_wanted && !st.flushing {
                self.start_flusher_locked(st);
            }
            return;
        };
        if st.eof_requested && !st.eof_sent {
            st.eof_sent = true;
            // Already shut down or reset: the peer has its end of stream either way.
            let _ = socket.shutdown(Shutdown::Write);
        }
        if st.closing && !st.closed {
            st.closed = true;
            // Wakes a local reader (end of stream) and tells the peer; errors mean the
            // connection is already gone, which is what closing wants.
            let _ = socket.shutdown(Shutdown::Both);
        }
    }

    /// Records a connection failure; returns the wakers to wake once unlocked.
    fn fail_locked(&self, st: &mut WriteState, err: &io::Error) -> Vec<Waker> {
        if st.error.is_none() {
            st.error = Some(SavedError::new(err));
        }
        st.closed = true;
        st.paused = false;
        st.buf.clear();
        st.start = 0;
        std::mem::take(&mut st.waiters)
    }

    /// Records a failure seen by the reader, so that `drain` and `write` report it too.
    pub(crate) fn fail(&self, err: &io::Error) {
        let wakers = {
            let mut st = self.lock();
            self.fail_locked(&mut st, err)
        };
        wake_all(wakers);
    }

    /// Starts closing: flush what is buffered, then shut the socket down.
    pub(crate) fn close(self: &Arc<Self>) {
        let wakers = {
            let mut st = self.lock();
            if st.closing {
                return;
            }
            st.closing = true;
            if st.buffered() == 0 && !st.flushing {
                self.finish_pending_locked(&mut st);
            }
            std::mem::take(&mut st.waiters)
        };
        wake_all(wakers);
    }

    /// Requests end of stream after the buffered data (asyncio's `write_eof`).
    /// Closes at once, dropping whatever is still buffered (asyncio's `transport.abort()`,
    /// behind `Server::abort_clients`). A socket is shut down in both directions right
    /// away, even while the flusher waits for room that a peer who stopped reading would
    /// never make; the flusher then finds the transport closed and ends. A generic sink is
    /// closed (`poll_close`) by the flusher, as `close` does, with nothing left to flush.
    pub(crate) fn abort(self: &Arc<Self>) {
        let wakers = {
            let mut st = self.lock();
            st.buf.clear();
            st.start = 0;
            st.paused = false;
            st.closing = true;
            // A socket shuts down here and now; a generic sink gets a flusher to close it
            // unless one runs already (it finds the buffer empty and closes next).
            self.finish_pending_locked(&mut st);
            std::mem::take(&mut st.waiters)
        };
        wake_all(wakers);
    }

    /// The error `write` would give now (a failed, closed or half-closed connection), for
    /// writes that bypass the buffer (`sendfile`).
    pub(crate) fn check_writable(&self) -> io::Result<()> {
        let st = self.lock();
        if let Some(err) = &st.error {
            return Err(err.to_error());
        }
        if st.closing {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "sendfile() after close(): the StreamWriter is closed",
            ));
        }
        if st.eof_requested {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "sendfile() after write_eof()",
            ));
        }
        Ok(())
    }

    pub(crate) fn write_eof(self: &Arc<Self>) {
        let mut st = self.lock();
        if st.eof_requested || st.closing {
            return;
        }
        st.eof_requested = true;
        if st.buffered() == 0 && !st.flushing {
            self.finish_pending_locked(&mut st);
        }
    }

    /// `close` was called or the connection failed.
    pub(crate) fn is_closing(&self) -> bool {
        let st = self.lock();
        st.closing || st.closed
    }

    /// Bytes waiting in the write buffer.
    pub(crate) fn buffered(&self) -> usize {
        self.lock().buffered()
    }

    /// Sets the high- and low-water marks (low ≤ high).
    pub(crate) fn set_limits(&self, high: usize, low: usize) {
        let wakers = {
            let mut st = self.lock();
            st.high = high;
            st.low = low.min(high);
            if st.buffered() > st.high {
                st.paused = true;
                Vec::new()
            } else if st.paused && st.buffered() <= st.low {
                st.paused = false;
                std::mem::take(&mut st.waiters)
            } else {
                Vec::new()
            }
        };
        wake_all(wakers);
    }

    /// The high- and low-water marks.
    pub(crate) fn limits(&self) -> (usize, usize) {
        let st = self.lock();
        (st.high, st.low)
    }

    /// `drain`: ready once the writer is not paused; the connection's error if it failed.
    pub(crate) fn poll_drain(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.lock();
        if let Some(err) = &st.error {
            return Poll::Ready(Err(err.to_error()));
        }
        if st.closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "Connection lost",
            )));
        }
        if !st.paused {
            return Poll::Ready(Ok(()));
        }
        st.park(cx.waker());
        Poll::Pending
    }

    /// Ready once nothing is buffered (every byte handed to the kernel).
    pub(crate) fn poll_flushed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.lock();
        if let Some(err) = &st.error {
            return Poll::Ready(Err(err.to_error()));
        }
        if st.buffered() == 0 && !st.unflushed {
            return Poll::Ready(Ok(()));
        }
        st.park(cx.waker());
        Poll::Pending
    }

    /// Ready once the connection is closed: `Ok` after `close`, the error after a failure.
    pub(crate) fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.lock();
        if let Some(err) = &st.error {
            return Poll::Ready(Err(err.to_error()));
        }
        if st.closed {
            return Poll::Ready(Ok(()));
        }
        st.park(cx.waker());
        Poll::Pending
    }

    /// Whether the writer is paused (buffer above the high-water mark).
    pub(crate) fn is_paused(&self) -> bool {
        self.lock().paused
    }
}

/// Locks a generic writer. Nothing panics while holding it except the writer itself, and a
/// writer that panicked mid-write is no worse than one that failed: keep going.
fn lock_writer(writer: &Mutex<BoxedWrite>) -> MutexGuard<'_, BoxedWrite> {
    writer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Wakes the tasks waiting on a stream; a panicking waker is reported, and the others are
/// still woken.
fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        weft_coop::catch("waker", || waker.wake());
    }
}
