//! `StreamReader`: a pull-based read buffer with asyncio's limit and end-of-stream rules.
//!
//! The buffer is one `Vec<u8>` holding `buf[start..end]`; it is zero-filled only when it
//! grows, so a read costs one syscall and no memset. Separator searches resume where the
//! last one stopped (asyncio's `offset`), and the limit is applied exactly where asyncio
//! applies it, so the same inputs raise the same errors with the same `consumed` values.

use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker, ready};

use weft_reactor::net::{AsyncBufRead, AsyncRead};

use super::SharedTransport;
use super::error::{IncompleteReadError, LimitOverrunError, ReadError, SavedError};

/// The smallest free space offered to one `read(2)`.
const MIN_READ: usize = 4 * 1024;
/// The buffer's first size.
const INITIAL_CAPACITY: usize = 8 * 1024;

/// Any `AsyncRead` a `StreamReader` can own.
pub(super) type BoxedRead = Box<dyn AsyncRead + Send + Unpin>;

/// Where a reader's bytes come from.
enum Source {
    /// A socket shared with the writer: read through `&self` with no lock, and a read error
    /// fails the writer too (its `drain` reports it).
    Transport(SharedTransport),
    /// Any other reader, owned. The mutex is never locked: every access has `&mut self` and
    /// goes through `get_mut`. It is there so that `StreamReader` stays `Sync` for any
    /// `Send` reader.
    Generic(Mutex<BoxedRead>),
}

impl Source {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self {
            Source::Transport(transport) => match transport.socket() {
                Some(socket) => socket.poll_read(cx, buf),
                None => Poll::Ready(Err(io::Error::other(
                    "internal: a transport-backed StreamReader without a socket",
                ))),
            },
            Source::Generic(reader) => {
                let reader = reader.get_mut().unwrap_or_else(PoisonError::into_inner);
                Pin::new(&mut **reader).poll_read(cx, buf)
            }
        }
    }

    /// Reads what is there without waiting: `WouldBlock` when nothing is.
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Source::Transport(transport) = self
            && let Some(socket) = transport.socket()
        {
            return socket.try_read(buf);
        }
        // A generic reader has no "try" call: poll it once with a waker that does nothing.
        // Nobody waits on that poll's registration; the next real poll replaces it.
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_read(&mut cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// Tells the writer sharing this connection, if any, that it failed.
    fn fail(&self, err: &io::Error) {
        if let Source::Transport(transport) = self {
            transport.fail(err);
        }
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Transport(transport) => transport.sink.fmt(f),
            Source::Generic(_) => f.write_str("AsyncRead"),
        }
    }
}

/// The read side of a connection (asyncio's `StreamReader`), from
/// [`open_connection`](super::open_connection), a [`start_server`](super::start_server)
/// handler, [`open_stream`](super::open_stream), [`stream_pair`](super::stream_pair), or
/// [`StreamReader::new`] over any `AsyncRead` (a TLS stream, a child's stdout, a file, a
/// [`duplex`](fn@crate::io::duplex) pipe).
///
/// Also an `AsyncRead` + `AsyncBufRead`, sharing the same buffer.
///
/// ```
/// weft::run(async {
///     let (a, b) = weft::net::UnixStream::pair()?;
///     let (mut reader, _w) = weft::io::open_stream(a)?;
///     b.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody").await?;
///     drop(b);
///     assert_eq!(reader.readline().await.unwrap(), b"GET / HTTP/1.1\r\n");
///     assert_eq!(reader.readuntil(b"\r\n\r\n").await.unwrap(), b"Host: x\r\n\r\n");
///     assert_eq!(reader.read_to_end().await?, b"body");
///     assert!(reader.at_eof());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct StreamReader {
    source: Source,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    error: Option<SavedError>,
    limit: usize,
}

impl StreamReader {
    /// A reader over any byte source, with the limit at [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)
    /// (change it with [`set_limit`](StreamReader::set_limit)). Needs no runtime: nothing is
    /// spawned, and the source is read only when a call needs more bytes.
    ///
    /// For a TCP or Unix socket prefer [`open_stream`](super::open_stream), which also gives
    /// the writer and reads without going through a `Box`.
    ///
    /// ```
    /// weft::run(async {
    ///     // Any futures_io::AsyncRead works; here an in-memory pipe.
    ///     let (mut near, far) = weft::io::duplex(64);
    ///     let mut reader = weft::io::StreamReader::new(far);
    ///     weft::spawn(async move {
    ///         use weft::io::AsyncWriteExt;
    ///         near.write_all(b"first line\nsecond").await.unwrap();
    ///     }); // `near` is dropped at the end: the reader sees end of stream
    ///     assert_eq!(reader.readline().await.unwrap(), b"first line\n");
    ///     assert_eq!(reader.read_to_end().await?, b"second");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(reader: impl AsyncRead + Send + Unpin + 'static) -> StreamReader {
        StreamReader::from_source(
            Source::Generic(Mutex::new(Box::new(reader))),
            super::DEFAULT_LIMIT,
        )
    }

    /// The reader of a socket transport (the fast path).
    pub(crate) fn from_transport(transport: SharedTransport, limit: usize) -> StreamReader {
        StreamReader::from_source(Source::Transport(transport), limit)
    }

    fn from_source(source: Source, limit: usize) -> StreamReader {
        StreamReader {
            source,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            error: None,
            limit,
        }
    }

    /// The socket transport this reader reads, if it is on the fast path, and whether it
    /// has seen end of stream or failed (for `start_tls`, see `start_tls.rs`).
    #[cfg(feature = "tls")]
    pub(super) fn upgrade_state(&self) -> (Option<&SharedTransport>, bool) {
        let transport = match &self.source {
            Source::Transport(transport) => Some(transport),
            Source::Generic(_) => None,
        };
        (transport, self.eof || self.error.is_some())
    }

    /// Reads from `source` from now on; the buffered bytes, which `start_tls` replayed into
    /// the handshake, are dropped.
    #[cfg(feature = "tls")]
    pub(super) fn replace_source(&mut self, source: BoxedRead) {
        self.source = Source::Generic(Mutex::new(source));
        self.start = 0;
        self.end = 0;
    }

    fn buffered_len(&self) -> usize {
        self.end - self.start
    }

    /// Takes the first `n` buffered bytes.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.consume_bytes(n);
        out
    }

    fn consume_bytes(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Makes room for one read at the end of the buffer.
    fn reserve_read_space(&mut self) {
        if self.buf.len() - self.end < MIN_READ {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < MIN_READ {
                let grown = (self.buf.len() * 2)
                    .max(INITIAL_CAPACITY)
                    .max(self.end + MIN_READ);
                self.buf.resize(grown, 0);
            }
        }
    }

    /// Applies the outcome of one read: counts the bytes, notes end of stream, keeps an error.
    fn record_read(&mut self, result: io::Result<usize>) -> io::Result<usize> {
        match result {
            Ok(0) => {
                self.eof = true;
                Ok(0)
            }
            Ok(n) => {
                self.end += n;
                Ok(n)
            }
            Err(err) => {
                self.error = Some(SavedError::new(&err));
                self.source.fail(&err);
                Err(err)
            }
        }
    }

    /// Reads once from the socket into the buffer; `Ok(0)` at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if let Some(err) = &self.error {
            return Poll::Ready(Err(err.to_error()));
        }
        if self.eof {
            return Poll::Ready(Ok(0));
        }
        self.reserve_read_space();
        loop {
            match ready!(self.source.poll_read(cx, &mut self.buf[self.end..])) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                result => return Poll::Ready(self.record_read(result)),
            }
        }
    }

    /// Reads what has already arrived, without waiting and without asking the reactor (which
    /// may not have reported it yet): `Ok(0)` when nothing has.
    fn fill_now(&mut self) -> io::Result<usize> {
        if let Some(err) = &self.error {
            return Err(err.to_error());
        }
        if self.eof {
            return Ok(0);
        }
        self.reserve_read_space();
        loop {
            match self.source.try_read(&mut self.buf[self.end..]) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(0),
                result => return self.record_read(result),
            }
        }
    }

    async fn fill(&mut self) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Reads up to `n` bytes: whatever is buffered (at most `n`), or, with nothing buffered,
    /// what one read from the socket brings. An empty result means end of stream (or
    /// `n == 0`).
    ///
    /// asyncio's `read(-1)` (everything up to end of stream) is
    /// [`read_to_end`](StreamReader::read_to_end); `read(usize::MAX)` means "whatever is
    /// available", not "until end of stream".
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     b.write_all(b"abcdef").await?;
    ///     assert_eq!(reader.read(4).await?, b"abcd");
    ///     assert_eq!(reader.read(0).await?, b"");
    ///     assert_eq!(reader.read(100).await?, b"ef");
    ///     drop(b);
    ///     assert_eq!(reader.read(100).await?, b""); // end of stream
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn read(&mut self, n: usize) -> impl Future<Output = io::Result<Vec<u8>>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            if n == 0 {
                return Ok(Vec::new());
            }
            if self.buffered_len() == 0 && !self.eof {
                self.fill().await?;
            }
            let n = n.min(self.buffered_len());
            Ok(self.take(n))
        })
    }

    /// Reads until end of stream (asyncio's `read(-1)`); not bounded by the limit.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     b.write_all(&[7u8; 100_000]).await?;
    ///     drop(b);
    ///     assert_eq!(reader.read_to_end().await?.len(), 100_000);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn read_to_end(&mut self) -> impl Future<Output = io::Result<Vec<u8>>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            while !self.eof {
                self.fill().await?;
            }
            let n = self.buffered_len();
            Ok(self.take(n))
        })
    }

    /// Reads exactly `n` bytes.
    ///
    /// If the stream ends first, fails with [`IncompleteReadError`] holding the bytes that
    /// were read (now consumed) and `expected: Some(n)`.
    ///
    /// ```
    /// use weft::io::ReadError;
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     b.write_all(&[1u8; 18]).await?;
    ///     drop(b);
    ///     match reader.readexactly(36).await {
    ///         Err(ReadError::Incomplete(err)) => {
    ///             assert_eq!(err.partial.len(), 18);
    ///             assert_eq!(err.to_string(), "18 bytes read on a total of 36 expected bytes");
    ///         }
    ///         other => panic!("{other:?}"),
    ///     }
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn readexactly(&mut self, n: usize) -> impl Future<Output = Result<Vec<u8>, ReadError>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            if n == 0 {
                return Ok(Vec::new());
            }
            while self.buffered_len() < n {
                if self.eof {
                    let partial = self.take(self.buffered_len());
                    return Err(IncompleteReadError {
                        partial,
                        expected: Some(n),
                    }
                    .into());
                }
                self.fill().await?;
            }
            Ok(self.take(n))
        })
    }

    /// Reads one line, `\n` included.
    ///
    /// At end of stream returns the partial line (empty once everything was read). When the
    /// line is longer than the limit, fails with [`LimitOverrunError`] and, as asyncio does,
    /// discards data: the line up to its `\n` if the `\n` was seen, otherwise everything
    /// buffered. Use [`readuntil`](StreamReader::readuntil) to keep the buffer intact.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     b.write_all(b"line 1\nline 2").await?;
    ///     drop(b);
    ///     assert_eq!(reader.readline().await.unwrap(), b"line 1\n");
    ///     assert_eq!(reader.readline().await.unwrap(), b"line 2"); // partial line at EOF
    ///     assert_eq!(reader.readline().await.unwrap(), b"");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn readline(&mut self) -> impl Future<Output = Result<Vec<u8>, ReadError>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            match self.readuntil(b"\n").await {
                Ok(line) => Ok(line),
                Err(ReadError::Incomplete(err)) => Ok(err.partial),
                Err(ReadError::LimitOverrun(err)) => {
                    let rest = &self.buf[self.start..self.end];
                    if rest
                        .get(err.consumed..)
                        .is_some_and(|tail| tail.starts_with(b"\n"))
                    {
                        self.consume_bytes(err.consumed + 1);
                    } else {
                        self.consume_bytes(self.buffered_len());
                    }
                    Err(ReadError::LimitOverrun(err))
                }
                Err(err) => Err(err),
            }
        })
    }

    /// Reads up to and including `separator`.
    ///
    /// * End of stream first: [`IncompleteReadError`] with everything buffered (consumed) and
    ///   `expected: None`.
    /// * No separator within the limit, or one found past it: [`LimitOverrunError`], and the
    ///   buffer is left **intact** (read it with [`read`](StreamReader::read) or
    ///   [`readexactly`](StreamReader::readexactly)).
    /// * An empty separator: an `InvalidInput` I/O error.
    ///
    /// ```
    /// use weft::io::ReadError;
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     reader.set_limit(4)?;
    ///     b.write_all(b"key=value;").await?;
    ///     let err = reader.readuntil(b";").await.unwrap_err();
    ///     assert!(matches!(err, ReadError::LimitOverrun(_)));
    ///     assert_eq!(reader.read(100).await?, b"key=value;"); // nothing was lost
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn readuntil(
        &mut self,
        separator: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>, ReadError>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            self.readuntil_any(&[separator]).await
        })
    }

    /// Reads up to and including the first of several separators to end (asyncio 3.13's
    /// tuple of separators: the earliest end position wins). Same errors as
    /// [`readuntil`](StreamReader::readuntil); an empty list is an `InvalidInput` error.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     b.write_all(b"one\r\ntwo\n").await?;
    ///     let seps: [&[u8]; 2] = [b"\r\n", b"\n"];
    ///     assert_eq!(reader.readuntil_any(&seps).await.unwrap(), b"one\r\n");
    ///     assert_eq!(reader.readuntil_any(&seps).await.unwrap(), b"two\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn readuntil_any(
        &mut self,
        separators: &[&[u8]],
    ) -> impl Future<Output = Result<Vec<u8>, ReadError>> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            let Some(min_len) = separators.iter().map(|s| s.len()).min() else {
                return Err(invalid("Separator should contain at least one element"));
            };
            if min_len == 0 {
                return Err(invalid("Separator should be at least one-byte string"));
            }
            let max_len = separators.iter().map(|s| s.len()).max().unwrap_or(min_len);
            // Where the next search starts, relative to the buffered data (asyncio's `offset`).
            let mut offset = 0;
            // Whether bytes that already arrived were pulled in before giving up on the limit.
            let mut absorbed = false;
            let (match_start, match_end) = loop {
                let data = &self.buf[self.start..self.end];
                if data.len() - offset >= min_len {
                    let found = separators
                        .iter()
                        .filter_map(|sep| find(data, sep, offset).map(|at| (at, at + sep.len())))
                        .min_by_key(|&(_, end)| end);
                    if let Some(found) = found {
                        break found;
                    }
                    offset = (data.len() + 1).saturating_sub(max_len);
                    if offset > self.limit {
                        // asyncio's buffer holds whatever the socket delivered so far; ours holds
                        // what was pulled. Pull what is already there once, so that a separator
                        // that has arrived is reported as found (past the limit), as asyncio would.
                        if !absorbed {
                            absorbed = true;
                            if self.fill_now()? > 0 {
                                continue;
                            }
                        }
                        return Err(LimitOverrunError::not_found(offset).into());
                    }
                }
                if self.eof {
                    let partial = self.take(self.buffered_len());
                    return Err(IncompleteReadError {
                        partial,
                        expected: None,
                    }
                    .into());
                }
                self.fill().await?;
            };
            if match_start > self.limit {
                return Err(LimitOverrunError::found_past_limit(match_start).into());
            }
            Ok(self.take(match_end))
        })
    }

    /// True once the stream has ended and the buffer is empty.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     b.write_all(b"x").await?;
    ///     drop(b);
    ///     assert!(!reader.at_eof());
    ///     assert_eq!(reader.read(10).await?, b"x");
    ///     assert!(!reader.at_eof()); // end of stream not seen yet
    ///     assert_eq!(reader.read(10).await?, b"");
    ///     assert!(reader.at_eof());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn at_eof(&self) -> bool {
        self.eof && self.buffered_len() == 0
    }

    /// The bytes received but not read yet.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     b.write_all(b"ab\ncd").await?;
    ///     drop(b);
    ///     reader.readline().await.unwrap();
    ///     reader.readline().await.unwrap();
    ///     assert_eq!(reader.buffered(), b"");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The buffer limit (default [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT)): how far
    /// `readline`/`readuntil` search for a separator.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (reader, _w) = weft::io::open_stream(a)?;
    ///     assert_eq!(reader.limit(), weft::io::DEFAULT_LIMIT);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Sets the buffer limit (asyncio's `limit=`); zero is refused with `InvalidInput`.
    ///
    /// ```
    /// weft::run(async {
    ///     let (a, _b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader, _w) = weft::io::open_stream(a)?;
    ///     reader.set_limit(1024)?;
    ///     assert_eq!(reader.limit(), 1024);
    ///     assert!(reader.set_limit(0).is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_limit(&mut self, limit: usize) -> io::Result<()> {
        if limit == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Limit cannot be <= 0",
            ));
        }
        self.limit = limit;
        Ok(())
    }
}

/// An `InvalidInput` error as a `ReadError` (asyncio's `ValueError`).
fn invalid(message: &'static str) -> ReadError {
    ReadError::Io(io::Error::new(io::ErrorKind::InvalidInput, message))
}

/// The position of the first `needle` in `haystack` at or after `from`: scan for its first
/// byte, compare the rest only there.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let hay = haystack.get(from..)?;
    let (&first, rest) = needle.split_first()?;
    let mut i = 0;
    while let Some(p) = hay[i..].iter().position(|&b| b == first) {
        let at = i + p;
        if hay[at + 1..].starts_with(rest) {
            return Some(from + at);
        }
        i = at + 1;
    }
    None
}

impl AsyncRead for StreamReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if this.buffered_len() == 0 {
            ready!(this.poll_fill(cx))?;
        }
        let n = out.len().min(this.buffered_len());
        out[..n].copy_from_slice(&this.buf[this.start..this.start + n]);
        this.consume_bytes(n);
        Poll::Ready(Ok(n))
    }
}

impl AsyncBufRead for StreamReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.buffered_len() == 0 {
            ready!(this.poll_fill(cx))?;
        }
        Poll::Ready(Ok(&this.buf[this.start..this.end]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        let amt = amt.min(this.buffered_len());
        this.consume_bytes(amt);
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &self.buffered_len())
            .field("eof", &self.eof)
            .field("limit", &self.limit)
            .field("source", &self.source)
            .finish()
    }
}
