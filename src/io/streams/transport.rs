//! The connection a `StreamReader`/`StreamWriter` pair shares: the socket, the write buffer
//! and the task that flushes it (asyncio's transport, minus the protocol callbacks).
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

use std::io;
use std::net::Shutdown;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

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

/// A connection shared by one reader, one writer and (while data is buffered) one flusher.
#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) socket: StreamSocket,
    handle: Handle,
    write: Mutex<WriteState>,
}

impl Transport {
    /// Wraps `socket`; the flusher will be spawned on `handle`'s runtime.
    pub(crate) fn new(socket: StreamSocket, handle: Handle) -> Arc<Transport> {
        Arc::new(Transport {
            socket,
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
                error: None,
                waiters: Vec::new(),
            }),
        })
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
        if st.buffered() == 0 && !st.flushing {
            loop {
                match self.socket.try_write(rest) {
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
            st.flushing = true;
            let transport = self.clone();
            drop(self.handle.spawn(async move {
                std::future::poll_fn(|cx| transport.poll_flush_buffer(cx)).await
            }));
        }
        Ok(())
    }

    /// The flusher's body: writes the buffer out as the socket accepts it.
    fn poll_flush_buffer(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.lock();
        let mut wakers = Vec::new();
        let outcome = loop {
            if st.error.is_some() || st.closed {
                st.flushing = false;
                break Poll::Ready(());
            }
            if st.buffered() == 0 {
                st.buf.clear();
                st.start = 0;
                st.flushing = false;
                self.finish_pending_locked(&mut st);
                wakers.append(&mut st.waiters);
                break Poll::Ready(());
            }
            match self.socket.poll_write(cx, &st.buf[st.start..]) {
                Poll::Ready(Ok(0)) => {
                    let err = io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the socket accepted no more bytes",
                    );
                    wakers = self.fail_locked(&mut st, &err);
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
                    wakers = self.fail_locked(&mut st, &err);
                    break Poll::Ready(());
                }
                Poll::Pending => break Poll::Pending,
            }
        };
        drop(st);
        wake_all(wakers);
        outcome
    }

    /// With the buffer empty: sends a requested end of stream, completes a requested close.
    fn finish_pending_locked(&self, st: &mut WriteState) {
        if st.eof_requested && !st.eof_sent {
            st.eof_sent = true;
            // Already shut down or reset: the peer has its end of stream either way.
            let _ = self.socket.shutdown(Shutdown::Write);
        }
        if st.closing && !st.closed {
            st.closed = true;
            // Wakes a local reader (end of stream) and tells the peer; errors mean the
            // connection is already gone, which is what closing wants.
            let _ = self.socket.shutdown(Shutdown::Both);
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
    pub(crate) fn close(&self) {
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
    pub(crate) fn write_eof(&self) {
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
        if st.buffered() == 0 {
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

/// Wakes the tasks waiting on a stream; a panicking waker is reported, and the others are
/// still woken.
fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        weft_coop::catch("waker", || waker.wake());
    }
}
