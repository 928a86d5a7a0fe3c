//! `StreamWriter`: the user's handle on the transport's write side (see `transport.rs`).
//!
//! All methods take `&self` so that one writer can be shared (by reference or `Arc`) among
//! tasks that `drain` it concurrently. Dropping the writer closes the connection, as
//! asyncio's `StreamWriter.__del__` does: buffered data is still flushed first.
//! `sendfile` is in `sendfile.rs`.

use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use weft_reactor::net::AsyncWrite;

use super::transport::Transport;
use super::{SharedTransport, StreamSocket};

/// The write side of a connection (asyncio's `StreamWriter`), from
/// [`open_connection`](super::open_connection), a [`start_server`](super::start_server)
/// handler, [`open_stream`](super::open_stream), [`stream_pair`](super::stream_pair), or
/// [`StreamWriter::new`] over any `AsyncWrite`.
///
/// [`write`](StreamWriter::write) buffers and returns at once; [`drain`](StreamWriter::drain)
/// waits while the buffer is above the high-water mark. Data handed to `write` is sent even
/// if nobody drains: a small task flushes the buffer in the background. Also an
/// `AsyncWrite` (`poll_flush` waits until the buffer is empty; `poll_close` closes).
///
/// **Dropping the writer closes the connection** (after flushing what is buffered), like
/// [`close`](StreamWriter::close): the peer reads end of stream, and a task waiting in this
/// connection's [`StreamReader`](super::StreamReader) wakes with end of stream (so
/// `readexactly` fails with `IncompleteReadError`). Keep the writer alive as long as you read;
/// to only signal the end of your data, use [`write_eof`](StreamWriter::write_eof).
///
/// ```
/// weft::run(async {
///     let (a, b) = weft::net::UnixStream::pair()?;
///     let (_r, writer) = weft::io::open_stream(a)?;
///     writer.write(b"hello ")?;
///     writer.write(b"world")?;
///     writer.drain().await?;
///     writer.close();
///     writer.wait_closed().await?;
///     let (mut peer, _pw) = weft::io::open_stream(b)?;
///     assert_eq!(peer.read_to_end().await?, b"hello world");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct StreamWriter {
    /// Replaced by `start_tls` (see `start_tls.rs`), which needs `&mut self` to do so.
    pub(super) transport: SharedTransport,
}

impl StreamWriter {
    /// A writer over any byte sink (a TLS stream, a child's stdin, a file, a
    /// [`duplex`](fn@crate::io::duplex) pipe), with asyncio's buffering, `drain` and water marks.
    ///
    /// Every write goes through the background flusher task (a generic writer has no "try
    /// now" call), which also `poll_flush`es the writer once the buffer is empty, so bytes a
    /// writer keeps inside itself (TLS records, a `BufWriter`) still reach the other side.
    /// [`write_eof`](StreamWriter::write_eof) and [`close`](StreamWriter::close) become the
    /// writer's `poll_close`. Unlike a socket's, closing does not wake a reader of the same
    /// object: the two halves know nothing of each other.
    ///
    /// For a TCP or Unix socket prefer [`open_stream`](super::open_stream): its writes try the
    /// socket at once, without a task.
    ///
    /// # Errors
    ///
    /// Outside a weft runtime (the flusher is a task).
    ///
    /// ```
    /// weft::run(async {
    ///     let (near, far) = weft::io::duplex(1024);
    ///     let writer = weft::io::StreamWriter::new(near)?;
    ///     writer.write(b"through any AsyncWrite\n")?;
    ///     writer.close(); // poll_close on the pipe: the far end reads end of stream
    ///     writer.wait_closed().await?;
    ///     let mut reader = weft::io::StreamReader::new(far);
    ///     assert_eq!(reader.read_to_end().await?, b"through any AsyncWrite\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(writer: impl AsyncWrite + Send + Unpin + 'static) -> io::Result<StreamWriter> {
        let handle = super::current_handle()?;
        Ok(StreamWriter::from_transport(Transport::generic(
            Box::new(writer),
            handle,
        )))
    }

    /// The writer of a transport.
    pub(crate) fn from_transport(transport: SharedTransport) -> StreamWriter {
        StreamWriter { transport }
    }

    /// Sends `data`, buffering what the socket does not take at once. Never waits.
    ///
    /// Fails after [`close`](StreamWriter::close) or [`write_eof`](StreamWriter::write_eof),
    /// and with the connection's error once it has failed (a reset peer: `ConnectionReset`
    /// or `BrokenPipe`).
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.write(b"data")?;
    ///     writer.close();
    ///     assert!(writer.write(b"more").is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        self.transport.write(data)
    }

    /// Writes each buffer in turn (asyncio's `writelines`).
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.writelines([&b"a\n"[..], b"b\n"])?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn writelines<'a>(&self, lines: impl IntoIterator<Item = &'a [u8]>) -> io::Result<()> {
        lines.into_iter().try_for_each(|line| self.write(line))
    }

    /// Waits until it is appropriate to write more: returns at once unless the buffer is
    /// above the high-water mark, then waits until the background flush brings it down to
    /// the low-water mark. Any number of tasks may drain at once; all resume.
    ///
    /// Fails with the connection's error once the peer is gone (never hangs on a dead
    /// connection), and with `ConnectionReset` ("Connection lost") once the writer is
    /// closed.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.set_write_buffer_limits(Some(1024), None)?;
    ///     writer.write(&[0u8; 1_000_000])?; // far more than the socket holds
    ///     assert!(writer.write_buffer_size() > 1024);
    ///     // Someone reads on the other side; drain returns once the buffer came down.
    ///     let reader = weft::spawn(async move {
    ///         let mut buf = vec![0u8; 1_000_000];
    ///         b.read_exact(&mut buf).await
    ///     });
    ///     writer.drain().await?;
    ///     assert!(writer.write_buffer_size() <= 256);
    ///     reader.await.unwrap()?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn drain(&self) -> impl Future<Output = io::Result<()>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            poll_fn(|cx| self.transport.poll_drain(cx)).await
        })
    }

    /// Closes the connection once the buffered data is sent (asyncio's `close`): the peer
    /// reads end of stream, and a task waiting in this connection's reader wakes with end of
    /// stream. Idempotent. Dropping the writer does the same.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.close();
    ///     writer.close();
    ///     assert!(writer.is_closing());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn close(&self) {
        self.transport.close();
    }

    /// Waits until the connection is closed: `Ok` after [`close`](StreamWriter::close) once
    /// the buffer is flushed, the connection's error if it failed first.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.write(b"bye")?;
    ///     writer.close();
    ///     writer.wait_closed().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn wait_closed(&self) -> impl Future<Output = io::Result<()>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            poll_fn(|cx| self.transport.poll_closed(cx)).await
        })
    }

    /// True once [`close`](StreamWriter::close) was called or the connection failed.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     assert!(!writer.is_closing());
    ///     writer.close();
    ///     assert!(writer.is_closing());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_closing(&self) -> bool {
        self.transport.is_closing()
    }

    /// Shuts the write direction down once the buffered data is sent (asyncio's
    /// `write_eof`): the peer reads end of stream; this side can still read.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.write(b"request")?;
    ///     writer.write_eof();
    ///     let (mut peer, _pw) = weft::io::open_stream(b)?;
    ///     assert_eq!(peer.read_to_end().await?, b"request");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write_eof(&self) {
        self.transport.write_eof();
    }

    /// Always true: TCP and Unix streams support [`write_eof`](StreamWriter::write_eof), and
    /// any other writer does it with its `poll_close`.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     assert!(writer.can_write_eof());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// Bytes buffered and not yet handed to the kernel (asyncio's
    /// `transport.get_write_buffer_size()`).
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.write(b"small")?; // the socket takes it at once
    ///     assert_eq!(writer.write_buffer_size(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write_buffer_size(&self) -> usize {
        self.transport.buffered()
    }

    /// Sets the high- and low-water marks (asyncio's `transport.set_write_buffer_limits`).
    /// Defaults: high 64 KiB; low = high / 4 when not given. `low > high` is refused with
    /// `InvalidInput`.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     writer.set_write_buffer_limits(Some(4096), None)?;
    ///     assert_eq!(writer.write_buffer_limits(), (4096, 1024));
    ///     assert!(writer.set_write_buffer_limits(Some(1), Some(2)).is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_write_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<()> {
        let high = high.unwrap_or(match low {
            Some(low) => low * 4,
            None => super::transport::DEFAULT_HIGH_WATER,
        });
        let low = low.unwrap_or(high / 4);
        if low > high {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("high ({high}) must be >= low ({low}) must be >= 0"),
            ));
        }
        self.transport.set_limits(high, low);
        Ok(())
    }

    /// The high- and low-water marks.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     assert_eq!(writer.write_buffer_limits(), (65536, 16384));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn write_buffer_limits(&self) -> (usize, usize) {
        self.transport.limits()
    }

    /// The socket (for its addresses and options; asyncio's `get_extra_info('socket')`).
    ///
    /// # Panics
    ///
    /// When the writer is not over a TCP or Unix socket (made by [`StreamWriter::new`] or
    /// [`stream_pair`](super::stream_pair) of another stream); use
    /// [`try_socket`](StreamWriter::try_socket) where that can happen.
    ///
    /// ```
    /// weft::run(async {
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, writer) = weft::io::open_connection(listener.local_addr()?).await?;
    ///     let weft::io::StreamSocket::Tcp(tcp) = writer.socket() else { unreachable!() };
    ///     assert_eq!(tcp.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn socket(&self) -> &StreamSocket {
        match self.transport.socket() {
            Some(socket) => socket,
            None => panic!(
                "StreamWriter::socket: this writer is not over a TCP or Unix socket; use try_socket"
            ),
        }
    }

    /// The socket, or `None` for a writer over another kind of stream (asyncio's
    /// `get_extra_info('socket')`, which is `None` there too).
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (_r, writer) = weft::io::open_stream(a)?;
    ///     assert!(writer.try_socket().is_some());
    ///     let (pipe, _far) = weft::io::duplex(16);
    ///     assert!(weft::io::StreamWriter::new(pipe)?.try_socket().is_none());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_socket(&self) -> Option<&StreamSocket> {
        self.transport.socket()
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        self.transport.close();
    }
}

impl AsyncWrite for StreamWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Backpressure: while paused, wait for the drain instead of buffering more.
        if self.transport.is_paused() {
            ready!(self.transport.poll_drain(cx))?;
        }
        self.transport.write(buf).map(|()| buf.len()).into()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.transport.poll_flushed(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.transport.close();
        self.transport.poll_closed(cx)
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("buffered", &self.transport.buffered())
            .field("closing", &self.transport.is_closing())
            .field("sink", &self.transport.sink)
            .finish()
    }
}
