//! I/O on the shared reactor: readiness of any file descriptor (asyncio's `add_reader` /
//! `add_writer`), asyncio's Streams API over any byte stream, an in-memory pipe, and copies.
//!
//! # Design
//!
//! Two layers over one mechanism. [`Async`] is the single readiness type: every socket in
//! [`weft::net`](crate::net) is an `Async` of a standard-library socket, and the streams
//! here ([`StreamReader`], [`StreamWriter`], [`start_server`]) sit on those sockets. So all
//! of them share the reactor's edge-triggered readiness cache and spend the cooperative
//! budget the same way. The streams also run over any `futures_io` stream ([`StreamReader::new`],
//! [`StreamWriter::new`], [`stream_pair`]): TLS, a child's pipes, files, [`duplex`](fn@duplex).
//!
//! The ecosystem traits ([`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`]) are re-exported so
//! that code naming them needs no extra dependency, with futures-lite's extension traits
//! ([`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`]: `read_exact`, `write_all`,
//! `lines`, ...).
//!
//! **Buffering and framing are not reinvented here.** [`BufReader`] and [`BufWriter`] are
//! futures-lite's, re-exported: small, runtime-agnostic, and what the smol ecosystem already
//! uses. For framing, use the `asynchronous-codec` crate's `Framed` with any weft stream; it is
//! not re-exported, because a codec crate is a choice (its `bytes` version, its codec set)
//! that a runtime should not pin for its users:
//!
//! ```
//! use asynchronous_codec::{Framed, LinesCodec};
//! use futures_util::{SinkExt, StreamExt};
//! weft::run(async {
//!     let (a, b) = weft::io::duplex(1024);
//!     let mut left = Framed::new(a, LinesCodec);
//!     let mut right = Framed::new(b, LinesCodec);
//!     left.send("hello frames\n".to_string()).await.unwrap();
//!     assert_eq!(right.next().await.unwrap().unwrap(), "hello frames\n");
//! });
//! ```
//!
//! | asyncio | weft |
//! |---|---|
//! | `open_connection(host, port)` | [`open_connection`]`(addr)` |
//! | `open_unix_connection(path)` | [`open_unix_connection`] |
//! | `open_connection(sock=s)` | [`open_stream`]`(socket)` |
//! | `open_connection(host, port, ssl=ctx, server_hostname=name)` / `open_unix_connection(path, ssl=ctx, ...)` | `open_tls_connection(addr, &connector, name)` / `open_unix_tls_connection` (feature `tls`; `ctx` is a `weft::tls::TlsConnector`) |
//! | `start_server(cb, host, port)` / `start_unix_server` | [`start_server`] / [`start_unix_server`] → [`Server`] |
//! | `start_server(..., backlog=, reuse_address=, reuse_port=, limit=)` | [`ServerOptions`]`::new().backlog(n).reuse_port(true).limit(n).start_server(cb, addr)` |
//! | `Server.close_clients()` / `abort_clients()` (3.13) | [`Server::close_clients`] / [`Server::abort_clients`] |
//! | `loop.sendfile(transport, file, offset, count)` | [`StreamWriter::sendfile`]`(&file, offset, count)` (`sendfile(2)` on Linux sockets, a copy elsewhere) |
//! | `start_server(cb, host, port, ssl=ctx, ssl_handshake_timeout=t)` | `weft::tls::start_tls_server(cb, addr, acceptor)` (feature `tls`; the timeout is the `TlsAcceptor`'s) |
//! | `reader.read(n)` / `read(-1)` | [`StreamReader::read`] / [`StreamReader::read_to_end`] |
//! | `readline`, `readexactly`, `readuntil`, `at_eof` | the same names on [`StreamReader`] |
//! | `writer.write`, `drain`, `close`, `wait_closed`, `is_closing`, `write_eof` | the same names on [`StreamWriter`] |
//! | `await writer.start_tls(ctx, server_hostname=name)` (3.11) | `StreamWriter::start_tls(&mut reader, &connector, name)`; on a server's stream `StreamWriter::accept_tls` (feature `tls`) |
//! | `IncompleteReadError`, `LimitOverrunError` | [`IncompleteReadError`], [`LimitOverrunError`] (in [`ReadError`]) |
//! | `StreamReader()` fed by hand, `connect_read_pipe` | [`StreamReader::new`]`(any AsyncRead)` |
//! | `StreamWriter` over any transport, `connect_write_pipe` | [`StreamWriter::new`]`(any AsyncWrite)`, [`stream_pair`] |
//! | (tokio) `io::duplex`, `io::copy`, `io::copy_bidirectional` | [`duplex`](fn@duplex), [`copy`](fn@copy), [`copy_bidirectional`] |
//!
//! ```
//! weft::run(async {
//!     let server = weft::io::start_server(
//!         |mut r, w| async move {
//!             let name = r.readline().await.unwrap();
//!             w.write(b"hello, ").unwrap();
//!             w.write(&name).unwrap();
//!         },
//!         "127.0.0.1:0",
//!     )
//!     .await?;
//!     let (mut r, w) = weft::io::open_connection(server.local_addr()?).await?;
//!     w.write(b"weft\n")?;
//!     assert_eq!(r.read_to_end().await?, b"hello, weft\n");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod copy;
mod duplex;
mod streams;

pub use copy::{copy, copy_bidirectional};
pub use duplex::{DuplexStream, duplex};
pub use futures_lite::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use streams::open_tls_connection;
#[cfg(all(unix, feature = "tls"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "tls"))))]
pub use streams::open_unix_tls_connection;
#[cfg(feature = "hyper")]
pub(crate) use streams::{ACCEPT_RETRY_DELAY, is_transient};
pub use streams::{
    DEFAULT_LIMIT, IncompleteReadError, LimitOverrunError, ReadError, Server, ServerOptions,
    StreamReader, StreamSocket, StreamWriter, open_connection, open_stream, start_server,
    stream_pair,
};
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use streams::{open_unix_connection, start_unix_server};
pub use weft_reactor::net::{AsyncBufRead, AsyncRead, AsyncWrite};

/// Whether `T` is one of weft's own sockets, which read into uninitialised memory and write
/// with `writev`: `weft::hyper::WeftIo` and `weft::compat::TokioIo` choose their fast paths
/// by it (a constant after monomorphisation).
#[cfg(any(feature = "hyper", feature = "tokio-compat"))]
pub(crate) fn is_weft_socket<T: 'static>() -> bool {
    use std::any::TypeId;
    let t = TypeId::of::<T>();
    #[cfg(unix)]
    if t == TypeId::of::<crate::net::UnixStream>() {
        return true;
    }
    t == TypeId::of::<crate::net::TcpStream>()
}
pub use weft_reactor::{Async, IoSafe, Readable, Readiness, Writable};
