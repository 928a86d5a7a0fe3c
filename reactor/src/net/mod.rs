//! Networking on the shared reactor: TCP, UDP and Unix-domain sockets.
//!
//! # Design
//!
//! Every type here is a thin shell around one [`Async`](crate::Async) of the matching standard
//! library socket. `Async` owns the fd, keeps its per-direction readiness cache and
//! deregisters the fd before it closes; so a read that would block costs one failed syscall
//! and a cleared bit, never a re-arm, and every completed operation spends one unit of the
//! cooperative budget (`Async`'s operations call `weft_coop::poll_proceed`). Nothing in this
//! module touches the poller itself.
//!
//! * **Three ways to do I/O.** The inherent `async fn`s (`read`, `write`, `accept`, `recv`,
//!   ...) wait in their own waiter slot, so any number of tasks may wait on one socket at once
//!   (methods take `&self`; share a socket with an `Arc`). The `futures_io` impls
//!   (`AsyncRead`, `AsyncWrite`) and the `poll_*` methods use the poll-style slot in which the
//!   most recent waker wins, as that contract expects of a single reader and a single writer.
//!   And the streams' `try_read`/`try_write` make one attempt that never waits, to pair with
//!   `readable().await` or `poll_read_ready` in code that manages its own buffers;
//!   `try_read_buf`/`poll_read_buf` read into uninitialised memory (hyper's buffers), the
//!   one place here where `unsafe` buys something: no zero-filling before every read.
//! * **One definition per shared API.** TCP and Unix streams share their byte-stream API
//!   (`byte_stream.rs`), the listeners their accept API (`listener.rs`), UDP and Unix
//!   datagram sockets their send/receive API (`datagram.rs`): each is a macro over the
//!   `Async` field, so both types get the same code and the same tested doc examples.
//! * **Connecting without blocking.** `TcpStream::connect` and `UnixStream::connect` create a
//!   non-blocking socket (`socket2`), start `connect(2)`, wait for writability and read
//!   `SO_ERROR`, so a refused or unreachable peer comes back as the `io::Error` the OS gave.
//!   [`TcpSocket`] is the same socket before that step, unregistered, for the options that
//!   must precede `bind`/`connect`/`listen` (`SO_REUSEPORT`, buffer sizes, a local port);
//!   its `connect` and `listen` hand it to the same code.
//! * **Peeking.** `TcpStream::peek` and `UdpSocket::peek`/`peek_from` are reads through
//!   `Async` like any other: readiness is cleared only by `WouldBlock` (`readiness.rs`'s one
//!   rule), so a peek that finds data leaves the socket ready and the read after it does not
//!   wait.
//! * **Zero-copy files.** On Linux the streams' `sendfile` drives `sendfile(2)` by write
//!   readiness (`sendfile.rs`); the portable fallback is the facade's
//!   `StreamWriter::sendfile`. Raw socket calls std and socket2 lack (`SO_REUSEPORT`,
//!   `SO_PEERCRED`/`getpeereid` for [`UnixStream::peer_cred`]) live in the platform layer,
//!   `sys/`.
//! * **Addresses.** Functions taking an address take weft's [`ToSocketAddrs`] (the standard
//!   library's types, sealed; `lookup.rs`). Literal addresses (`"127.0.0.1:80"`,
//!   `SocketAddr`) are parsed in place; a host name is looked up by the system resolver on
//!   the runtime's blocking pool ([`lookup_host`]), never on the calling worker.
//! * **Splitting.** [`TcpStream::split`]/[`UnixStream::split`] lend a read and a write half;
//!   `into_split` gives owned halves sharing the stream through an `Arc`, for two tasks.
//!   Dropping an owned write half shuts the write direction down (the peer reads end of
//!   stream), so "send the request, drop the writer, read the reply" works.
//! * **Wait points.** Every operation that can wait is `#[track_caller]` and shows in task
//!   dumps as `TcpStream::read at src/server.rs:42` while its task waits (`io_wait` wraps
//!   the operation's future with [`weft_coop::waiting_as`]); poll-style methods record the
//!   line that polled them.
//! * **Dropping.** A socket is closed only when its last owner drops it, and `Async`
//!   deregisters it first. A task can only wait on a socket it borrows or co-owns, so no
//!   waiter can be parked on a socket that is being closed: waits end with data, end of
//!   stream, or the error the OS reports (a reset peer, a shut-down socket).
//!
//! ```
//! use weft_reactor::net::{TcpListener, TcpStream};
//!
//! weft_reactor::doc_support::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (server, peer) = listener.accept().await?;
//!     assert_eq!(peer, client.local_addr()?);
//!     client.write_all(b"hello").await?;
//!     let mut buf = [0u8; 5];
//!     server.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"hello");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod byte_stream;
mod datagram;
mod listener;
mod lookup;
mod ops;
#[cfg(target_os = "linux")]
mod sendfile;
mod socket;
mod split;
mod tcp_listener;
mod tcp_socket;
mod tcp_stream;
#[cfg(unix)]
mod ucred;
mod udp;
#[cfg(unix)]
mod unix_datagram;
#[cfg(unix)]
mod unix_listener;
#[cfg(unix)]
mod unix_stream;

pub use lookup::{ToSocketAddrs, lookup_host};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, SplitStream, WriteHalf};
pub use std::net::Shutdown;
pub use tcp_listener::{Incoming, TcpListener};
pub use tcp_socket::TcpSocket;
pub use tcp_stream::TcpStream;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use ucred::UCred;
pub use udp::UdpSocket;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use unix_datagram::UnixDatagram;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use unix_listener::{UnixIncoming, UnixListener};
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use unix_stream::UnixStream;

/// The ecosystem I/O traits that every stream type here implements, re-exported so that
/// callers need no extra dependency to name them.
///
/// ```
/// use weft_reactor::net::{AsyncRead, AsyncWrite, TcpStream};
/// fn is_byte_stream<T: AsyncRead + AsyncWrite>() {}
/// is_byte_stream::<TcpStream>();
/// ```
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
