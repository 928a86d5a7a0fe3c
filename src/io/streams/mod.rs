//! asyncio's Streams API: `open_connection`, `start_server`, `StreamReader`, `StreamWriter`.
//!
//! # Design
//!
//! asyncio splits a connection into a transport (owns the socket, buffers writes, is driven
//! by the event loop) and a protocol feeding a `StreamReader`. weft keeps the user-facing
//! half and replaces the callbacks with pull-based reads:
//!
//! * [`StreamReader`] owns a byte buffer and reads from the socket only when a call needs
//!   more bytes. The `limit` and end-of-stream rules are asyncio's, line for line (see each
//!   method). Its methods take `&mut self`, so asyncio's "another coroutine is already
//!   waiting" error cannot happen; a cancelled read loses nothing, because bytes land in the
//!   buffer before any method returns them.
//! * [`StreamWriter`] shares the connection (see `transport.rs`): `write` is synchronous and
//!   buffers; a small flusher task sends what the kernel did not take at once; `drain`
//!   applies backpressure above the high-water mark and reports a dead connection as an
//!   error. Its methods take `&self`, so several tasks may `drain` one writer.
//! * **Over any byte stream.** The reader and writer work over a TCP or Unix socket (the
//!   fast path: [`open_connection`], [`open_stream`], [`start_server`]) or over any
//!   `futures_io` stream: [`StreamReader::new`] takes any `AsyncRead` (a child's stdout, a TLS
//!   stream, a file, a [`duplex`](fn@crate::io::duplex) pipe), [`StreamWriter::new`] any
//!   `AsyncWrite`, and [`stream_pair`] splits one `AsyncRead + AsyncWrite` into both. The
//!   socket path is kept separate rather than boxed like the rest because a socket does I/O
//!   through `&self`: the writer tries the kernel from `write` itself, with no task and no
//!   lock, and the reader reads the shared socket without a lock. A generic stream needs
//!   `&mut`, so its writes go through the flusher task (see `transport.rs`), and its reader
//!   owns its half. The reader stores its source as an enum and the writer its sink as an
//!   enum, so the socket path pays one predictable branch, not a virtual call.
//! * [`start_server`] runs an accept loop task and spawns each connection's handler as its
//!   own task. A handler that panics is reported through the runtime's panic handler
//!   ([`Builder::on_task_panic`](crate::Builder::on_task_panic)) with asyncio's words,
//!   'Unhandled exception in client_connected_cb', and the server keeps serving. The server
//!   keeps a weak registry of its live connections, for asyncio 3.13's
//!   [`Server::close_clients`] and [`Server::abort_clients`]; [`ServerOptions`] carries
//!   `start_server`'s keyword arguments (backlog, `SO_REUSEADDR`/`SO_REUSEPORT`, limit).
//! * [`StreamWriter::sendfile`] is `sendfile(2)` on Linux sockets and a chunked copy through
//!   the blocking pool everywhere else (`sendfile.rs`).
//!
//! ```
//! weft::run(async {
//!     let server = weft::io::start_server(
//!         |mut reader, writer| async move {
//!             let line = reader.readline().await.unwrap();
//!             writer.write(&line).unwrap();
//!             writer.drain().await.unwrap();
//!         },
//!         "127.0.0.1:0",
//!     )
//!     .await?;
//!     let (mut reader, writer) = weft::io::open_connection(server.local_addr()?).await?;
//!     writer.write(b"echo me\n")?;
//!     assert_eq!(reader.readline().await.unwrap(), b"echo me\n");
//!     server.close();
//!     server.wait_closed().await;
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod error;
mod reader;
mod sendfile;
mod server;
mod server_options;
#[cfg(feature = "tls")]
mod start_tls;
mod transport;
mod writer;

use std::any::Any;
use std::future::Future;
use std::io;
use std::net::Shutdown;
#[cfg(unix)]
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use weft_executor::Handle;
#[cfg(unix)]
use weft_reactor::net::UnixStream;
use weft_reactor::net::{TcpStream, ToSocketAddrs};

pub use error::{IncompleteReadError, LimitOverrunError, ReadError};
pub use reader::StreamReader;
pub use server::Server;
// The accept policy `weft::hyper::serve` shares.
#[cfg(feature = "hyper")]
pub(crate) use server::{ACCEPT_RETRY_DELAY, is_transient};
pub use server_options::ServerOptions;
pub use writer::StreamWriter;

pub use server::start_server;
#[cfg(unix)]
pub use server::start_unix_server;
#[cfg(feature = "tls")]
pub use start_tls::open_tls_connection;
#[cfg(all(unix, feature = "tls"))]
pub use start_tls::open_unix_tls_connection;

/// asyncio's default `limit` for a [`StreamReader`]: 64 KiB.
///
/// ```
/// assert_eq!(weft::io::DEFAULT_LIMIT, 65_536);
/// ```
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// The socket under a reader/writer pair: TCP or Unix (Unix-domain sockets are Unix-only).
///
/// ```
/// # #[cfg(unix)]
/// weft::run(async {
///     let (a, _b) = weft::net::UnixStream::pair()?;
///     let socket = weft::io::StreamSocket::from(a);
///     assert!(matches!(socket, weft::io::StreamSocket::Unix(_)));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub enum StreamSocket {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix-domain stream connection.
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    Unix(UnixStream),
}

impl From<TcpStream> for StreamSocket {
    fn from(stream: TcpStream) -> StreamSocket {
        StreamSocket::Tcp(stream)
    }
}

#[cfg(unix)]
impl From<UnixStream> for StreamSocket {
    fn from(stream: UnixStream) -> StreamSocket {
        StreamSocket::Unix(stream)
    }
}

/// Runs `$body` with `$s` bound to the stream inside either variant.
macro_rules! on_stream {
    ($socket:expr, |$s:ident| $body:expr) => {
        match $socket {
            StreamSocket::Tcp($s) => $body,
            #[cfg(unix)]
            StreamSocket::Unix($s) => $body,
        }
    };
}

/// The operations the reader and writer need, through the streams' public API.
impl StreamSocket {
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        on_stream!(self, |s| AsyncRead::poll_read(Pin::new(&mut &*s), cx, buf))
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        on_stream!(self, |s| AsyncWrite::poll_write(
            Pin::new(&mut &*s),
            cx,
            buf
        ))
    }

    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        on_stream!(self, |s| s.try_read(buf))
    }

    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        on_stream!(self, |s| s.try_write(buf))
    }

    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        on_stream!(self, |s| s.shutdown(how))
    }
}

/// Wraps a connected socket into a reader/writer pair (asyncio's
/// `open_connection(sock=...)`). The reader's limit is [`DEFAULT_LIMIT`]; change it with
/// [`StreamReader::set_limit`].
///
/// Fails outside a weft runtime (the writer's flusher runs as a task).
///
/// ```
/// weft::run(async {
///     let (a, b) = weft::net::UnixStream::pair()?;
///     let (mut ra, _wa) = weft::io::open_stream(a)?;
///     let (_rb, wb) = weft::io::open_stream(b)?;
///     wb.write(b"over a socketpair\n")?;
///     assert_eq!(ra.readline().await.unwrap(), b"over a socketpair\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn open_stream(socket: impl Into<StreamSocket>) -> io::Result<(StreamReader, StreamWriter)> {
    let transport = transport::Transport::new(socket.into(), current_handle()?);
    Ok((
        StreamReader::from_transport(transport.clone(), DEFAULT_LIMIT),
        StreamWriter::from_transport(transport),
    ))
}

/// Splits any bidirectional byte stream into a reader/writer pair: a TLS stream, a
/// [`duplex`](fn@crate::io::duplex) pipe, anything `AsyncRead + AsyncWrite`.
///
/// A [`TcpStream`] or [`UnixStream`] passed here takes the socket fast path of
/// [`open_stream`] (recognised by type). Any other stream is shared by its two halves
/// through a mutex held only for the length of each poll; see [`StreamWriter::new`] for how
/// a generic writer flushes and closes.
///
/// # Errors
///
/// Outside a weft runtime (the writer's flusher is a task).
///
/// ```
/// use weft::io::AsyncWriteExt;
/// weft::run(async {
///     let (near, mut far) = weft::io::duplex(1024);
///     let (mut reader, writer) = weft::io::stream_pair(near)?;
///     writer.write(b"ping\n")?;
///     let mut got = [0u8; 5];
///     weft::io::AsyncReadExt::read_exact(&mut far, &mut got).await?;
///     assert_eq!(&got, b"ping\n");
///     far.write_all(b"pong\n").await?;
///     assert_eq!(reader.readline().await.unwrap(), b"pong\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn stream_pair<S>(stream: S) -> io::Result<(StreamReader, StreamWriter)>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let stream = match into_socket(stream) {
        Ok(socket) => return open_stream(socket),
        Err(stream) => stream,
    };
    let handle = current_handle()?;
    let (read, write) = futures_lite::io::split(stream);
    Ok((
        StreamReader::new(read),
        StreamWriter::from_transport(transport::Transport::generic(Box::new(write), handle)),
    ))
}

/// `stream` as a [`StreamSocket`] when it is a TCP or Unix stream; itself otherwise.
fn into_socket<S: Any>(stream: S) -> Result<StreamSocket, S> {
    let mut slot = Some(stream);
    let any: &mut dyn Any = &mut slot;
    let socket = if let Some(tcp) = any.downcast_mut::<Option<TcpStream>>() {
        tcp.take().map(StreamSocket::Tcp)
    } else {
        #[cfg(unix)]
        if let Some(unix) = any.downcast_mut::<Option<UnixStream>>() {
            unix.take().map(StreamSocket::Unix)
        } else {
            None
        }
        #[cfg(not(unix))]
        None
    };
    match (socket, slot) {
        (Some(socket), _) => Ok(socket),
        (None, Some(stream)) => Err(stream),
        // `slot` is emptied only by a successful downcast, which yields the socket.
        (None, None) => unreachable!("a downcast took the stream without returning it"),
    }
}

/// The runtime the writer's flusher will run on.
pub(crate) fn current_handle() -> io::Result<Handle> {
    Handle::try_current().ok_or_else(|| {
        io::Error::other(
            "weft::io streams need a running weft runtime (weft::run, Runtime::block_on or a task)",
        )
    })
}

/// Connects over TCP and returns the reader/writer pair (asyncio's `open_connection`).
///
/// `addr` is resolved as [`TcpStream::connect`] does: literal addresses are parsed in place,
/// a host name is looked up on the blocking pool. A refused or unreachable peer is the OS's `io::Error`.
///
/// ```
/// weft::run(async {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let (mut reader, writer) = weft::io::open_connection(listener.local_addr()?).await?;
///     let (conn, _) = listener.accept().await?;
///     conn.write_all(b"hello\n").await?;
///     assert_eq!(reader.readline().await.unwrap(), b"hello\n");
///     writer.close();
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn open_connection(
    addr: impl ToSocketAddrs,
) -> impl Future<Output = io::Result<(StreamReader, StreamWriter)>> {
    weft_coop::waiting_at(std::panic::Location::caller(), async move {
        open_stream(TcpStream::connect(addr).await?)
    })
}

/// Connects to a Unix-domain socket and returns the reader/writer pair (asyncio's
/// `open_unix_connection`).
///
/// ```
/// let path = std::env::temp_dir().join(format!("weft-doc-ouc-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// weft::run(async {
///     let listener = weft::net::UnixListener::bind(&path)?;
///     let (mut reader, _writer) = weft::io::open_unix_connection(&path).await?;
///     let (conn, _) = listener.accept().await?;
///     conn.write_all(b"hi\n").await?;
///     assert_eq!(reader.readline().await.unwrap(), b"hi\n");
///     std::io::Result::Ok(())
/// })?;
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(())
/// ```
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
#[track_caller]
pub fn open_unix_connection(
    path: impl AsRef<Path>,
) -> impl Future<Output = io::Result<(StreamReader, StreamWriter)>> {
    weft_coop::waiting_at(std::panic::Location::caller(), async move {
        open_stream(UnixStream::connect(path).await?)
    })
}

/// The transport a reader and writer share, for the sibling modules.
pub(crate) type SharedTransport = Arc<transport::Transport>;
