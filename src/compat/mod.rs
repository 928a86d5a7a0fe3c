//! Hosting tokio-only crates on weft (feature `tokio-compat`).
//!
//! A crate written for tokio needs one or both of two things from it, and they are solved
//! differently:
//!
//! * **tokio's I/O traits.** tokio-util's codecs, tokio-rustls, tonic's server transport,
//!   tungstenite's tokio flavour take a `tokio::io::AsyncRead + AsyncWrite`, while weft's
//!   byte streams implement the futures-io traits. [`TokioIo`] wraps any weft stream (or any
//!   futures-io type) and implements tokio's: nothing of tokio's runtime is involved, the
//!   reads and writes go through weft's reactor as before. weft's own sockets read straight
//!   into tokio's uninitialised `ReadBuf` and write vectors with `writev`, as
//!   [`WeftIo`](crate::hyper::WeftIo) does for hyper.
//!
//!   A wrapper, not impls on the socket types: the impls would have to live in
//!   `weft-reactor`, which would then depend on tokio, and the rule of this project is that
//!   only this opt-in feature brings tokio in. The wrapper costs a `TokioIo::new(stream)`;
//!   [`inner`](TokioIo::inner) and [`into_inner`](TokioIo::into_inner) give the stream back.
//!
//! * **tokio's runtime context**: `tokio::spawn`, `tokio::time::sleep`, tokio's sockets
//!   (reqwest, tonic's `Server`, axum's WebSocket upgrade) panic with "there is no reactor
//!   running" outside one. [`Compat`] (re-exported from the async-compat crate, which smol's
//!   authors keep; weft depends on it rather than mirroring it) wraps such a future: each
//!   poll enters the context of a tokio runtime that async-compat starts once per process,
//!   lazily, on the first poll that needs it (a current-thread runtime parked on a thread of
//!   its own, named `async-compat/tokio-1`; an existing tokio context is used instead when
//!   the thread has one).
//!
//! # What runs where
//!
//! * The wrapped future itself is polled by weft, on weft's workers: a weft task stays a
//!   weft task.
//! * Only polls run in the context, so make the tokio future inside the `Compat`
//!   (`Compat::new(async { reqwest::get(url).await })`): some tokio futures need it as soon
//!   as they are created (`tokio::time::sleep` looks up the timer there) and would panic with
//!   "no reactor running" if made outside.
//! * tokio's sockets and timers that it creates are driven by that runtime's reactor, on the
//!   `async-compat/tokio-1` thread, which wakes the weft task when they are ready.
//! * `tokio::spawn` inside it lands on that runtime: those tasks run on that one thread, not
//!   on weft's workers. Spawn with [`weft::spawn`](crate::spawn) (inside a `Compat` again if
//!   the child needs tokio) when the work is heavy.
//! * weft's sockets wrapped in [`TokioIo`] may be polled from that thread too (a tonic
//!   connection task, an axum WebSocket): they stay registered with weft's reactor, which
//!   wakes whichever task waits on them.
//!
//! [`weft::hyper::serve`](crate::hyper::serve) (feature `hyper` too) polls each connection
//! inside a `Compat` when this feature is on, so handlers that call `tokio::spawn`, such as
//! axum's `WebSocketUpgrade::on_upgrade`, work without more code.
//!
//! ```
//! use weft::compat::{Compat, TokioIo};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! weft::run(async {
//!     // tokio's I/O traits on weft's sockets: no tokio runtime involved.
//!     let (a, b) = weft::net::UnixStream::pair()?;
//!     let (mut a, mut b) = (TokioIo::new(a), TokioIo::new(b));
//!     a.write_all(b"ping").await?;
//!     let mut buf = [0; 4];
//!     b.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"ping");
//!
//!     // A future that needs tokio's timers, run from a weft task. It is made inside the
//!     // `Compat` (an `async` block): tokio's `sleep` needs the context as it is created.
//!     Compat::new(async { tokio::time::sleep(std::time::Duration::from_millis(1)).await }).await;
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod tokio_io;

pub use tokio_io::TokioIo;

/// Runs a future, stream or I/O object that needs tokio inside tokio's context; turns tokio
/// I/O into futures-io I/O and back. Re-exported from async-compat (see the [module
/// docs](self) for where it runs what).
///
/// ```
/// use weft::compat::Compat;
///
/// let n = weft::run(async {
///     // `tokio::spawn` needs a tokio runtime: inside `Compat` there is one.
///     Compat::new(async { tokio::spawn(async { 6 * 7 }).await.unwrap() }).await
/// });
/// assert_eq!(n, 42);
/// ```
pub use async_compat::Compat;

/// `.compat()`, `.compat_ref()`, `.compat_mut()`: [`Compat`] as a method. Re-exported from
/// async-compat.
///
/// ```
/// use weft::compat::CompatExt;
///
/// weft::run(async {
///     // The `async` block makes the tokio future inside the context (see the module docs).
///     async { tokio::time::sleep(std::time::Duration::from_millis(1)).await }
///         .compat()
///         .await;
/// });
/// ```
pub use async_compat::CompatExt;
