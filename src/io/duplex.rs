//! `duplex`: an in-memory, bidirectional byte pipe with a bounded buffer per direction.
//!
//! Two one-way [`Pipe`]s, each behind its own small lock: end A writes into the first and
//! reads from the second, end B the other way round. The lock is held only to copy bytes and
//! swap a waker, never across a wait, so the two ends may live on different tasks and
//! threads. Each pipe keeps one waker per side, which is all it needs: a `DuplexStream` is
//! polled through `&mut`, so at most one task reads and one task writes a given pipe.
//!
//! The bound is the point: a write that finds the pipe full waits until the reader takes
//! bytes, so a test can see backpressure (and a deadlock) exactly as over a socket, without
//! one. Dropping an end is a hang-up: the other end reads what is left and then end of
//! stream, and its writes fail with `BrokenPipe`.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

use futures_io::{AsyncRead, AsyncWrite};
use parking_lot::Mutex;

/// One direction: bytes written by one end, not yet read by the other.
#[derive(Debug)]
struct Pipe {
    buf: VecDeque<u8>,
    max: usize,
    /// The reader waiting for bytes (or end of stream).
    read_waker: Option<Waker>,
    /// The writer waiting for room.
    write_waker: Option<Waker>,
    /// The writing end shut down or was dropped: after the buffer, end of stream.
    write_closed: bool,
    /// The reading end was dropped: writes fail.
    read_closed: bool,
}

impl Pipe {
    fn new(max: usize) -> Arc<Mutex<Pipe>> {
        Arc::new(Mutex::new(Pipe {
            buf: VecDeque::new(),
            max,
            read_waker: None,
            write_waker: None,
            write_closed: false,
            read_closed: false,
        }))
    }
}

/// Stores `cx`'s waker in `slot` unless the same task is already there.
fn park(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

/// One end of an in-memory pipe made by [`duplex`]: `AsyncRead` + `AsyncWrite`.
///
/// [`poll_close`](AsyncWrite::poll_close) (`close().await`) shuts the write direction down:
/// the other end reads end of stream, while this end can still read. Dropping the end closes
/// both directions.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut a, mut b) = weft::io::duplex(1024);
///     a.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    /// What the other end writes.
    read: Arc<Mutex<Pipe>>,
    /// What the other end reads.
    write: Arc<Mutex<Pipe>>,
}

/// An in-memory bidirectional pipe: two connected [`DuplexStream`]s, each holding at most
/// `max_buf_size` unread bytes per direction (tokio's `io::duplex`).
///
/// A write to a full direction waits until the other end reads; a read of an empty one
/// waits until the other end writes. Dropping one end gives the other end's reads end of
/// stream (after what was already written) and its writes `BrokenPipe`. Needs no runtime
/// and no reactor: it works under any executor, and in tests it stands in for a socket.
///
/// # Panics
///
/// When `max_buf_size` is zero (no write could ever complete).
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     let (mut client, mut server) = weft::io::duplex(8);
///     // 100 bytes through an 8-byte pipe: the writer waits for the reader each time.
///     let writer = weft::spawn(async move {
///         client.write_all(&[7u8; 100]).await?;
///         drop(client); // hang up: the server reads end of stream
///         std::io::Result::Ok(())
///     });
///     let mut got = Vec::new();
///     server.read_to_end(&mut got).await?;
///     writer.await.unwrap()?;
///     assert_eq!(got, [7u8; 100]);
///     // The peer is gone: writing fails.
///     let err = server.write_all(b"anyone?").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
///     println!("100 bytes through an 8-byte pipe, then {err}");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    assert!(
        max_buf_size > 0,
        "weft::io::duplex: max_buf_size must be at least 1"
    );
    let one = Pipe::new(max_buf_size);
    let two = Pipe::new(max_buf_size);
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // A pipe that is always ready would never yield: spend the task's budget.
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut pipe = self.read.lock();
        if pipe.buf.is_empty() {
            if pipe.write_closed {
                progress.made_progress();
                return Poll::Ready(Ok(0));
            }
            park(&mut pipe.read_waker, cx);
            return Poll::Pending;
        }
        // `Read for VecDeque` copies from the front and cannot fail.
        let n = pipe.buf.read(out)?;
        let writer = pipe.write_waker.take();
        drop(pipe);
        progress.made_progress();
        if let Some(waker) = writer {
            waker.wake();
        }
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let progress = ready!(weft_coop::poll_proceed(cx));
        let mut pipe = self.write.lock();
        if pipe.read_closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the other end of the duplex pipe was dropped",
            )));
        }
        if pipe.write_closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write after close() on a duplex pipe",
            )));
        }
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let room = pipe.max - pipe.buf.len();
        if room == 0 {
            park(&mut pipe.write_waker, cx);
            return Poll::Pending;
        }
        // `Write for VecDeque` appends and cannot fail.
        let n = pipe.buf.write(&data[..room.min(data.len())])?;
        let reader = pipe.read_waker.take();
        drop(pipe);
        progress.made_progress();
        if let Some(waker) = reader {
            waker.wake();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Written bytes are already where the reader takes them from.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let reader = {
            let mut pipe = self.write.lock();
            pipe.write_closed = true;
            pipe.read_waker.take()
        };
        if let Some(waker) = reader {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let reader = {
            let mut pipe = self.write.lock();
            pipe.write_closed = true;
            pipe.read_waker.take()
        };
        let writer = {
            let mut pipe = self.read.lock();
            pipe.read_closed = true;
            // Nobody will read these bytes any more.
            pipe.buf = VecDeque::new();
            pipe.write_waker.take()
        };
        for waker in [reader, writer].into_iter().flatten() {
            waker.wake();
        }
    }
}
