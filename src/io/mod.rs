//! I/O on the shared reactor: readiness of any file descriptor (asyncio's `add_reader` /
//! `add_writer`) and asyncio's Streams API.
//!
//! # Design
//!
//! Two layers over one mechanism. [`Async`] is the single readiness type: every socket in
//! [`weft::net`](crate::net) is an `Async` of a standard-library socket, and the streams
//! here ([`StreamReader`], [`StreamWriter`], [`start_server`]) sit on those sockets. So all
//! of them share the reactor's edge-triggered readiness cache and spend the cooperative
//! budget the same way. The ecosystem traits ([`AsyncRead`], [`AsyncWrite`],
//! [`AsyncBufRead`]) are re-exported so that code naming them needs no extra dependency.
//!
//! | asyncio | weft |
//! |---|---|
//! | `open_connection(host, port)` | [`open_connection`]`(addr)` |
//! | `open_unix_connection(path)` | [`open_unix_connection`] |
//! | `open_connection(sock=s)` | [`open_stream`]`(socket)` |
//! | `start_server(cb, host, port)` / `start_unix_server` | [`start_server`] / [`start_unix_server`] → [`Server`] |
//! | `reader.read(n)` / `read(-1)` | [`StreamReader::read`] / [`StreamReader::read_to_end`] |
//! | `readline`, `readexactly`, `readuntil`, `at_eof` | the same names on [`StreamReader`] |
//! | `writer.write`, `drain`, `close`, `wait_closed`, `is_closing`, `write_eof` | the same names on [`StreamWriter`] |
//! | `IncompleteReadError`, `LimitOverrunError` | [`IncompleteReadError`], [`LimitOverrunError`] (in [`ReadError`]) |
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

mod streams;

pub use streams::{
    DEFAULT_LIMIT, IncompleteReadError, LimitOverrunError, ReadError, Server, StreamReader,
    StreamSocket, StreamWriter, open_connection, open_stream, open_unix_connection, start_server,
    start_unix_server,
};
pub use weft_reactor::net::{AsyncBufRead, AsyncRead, AsyncWrite};
pub use weft_reactor::{Async, IoSafe, Readable, Readiness, Writable};
