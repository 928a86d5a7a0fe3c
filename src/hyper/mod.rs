//! hyper 1.x on weft (feature `hyper`): the four adapters hyper asks a runtime for.
//!
//! hyper owns no runtime: it asks for I/O ([`WeftIo`]: `hyper::rt::Read`/`Write` over weft's
//! sockets or any futures-io type), an executor for the tasks HTTP/2 and the pooled client
//! spawn ([`WeftExecutor`]), a timer for its timeouts ([`WeftTimer`]), and, for the client, a
//! connector that turns a `Uri` into a connection ([`WeftConnector`]). Each is a thin shim
//! over what weft already has, so hyper's tasks are weft tasks, its timeouts are nodes in
//! weft's timer wheel, and its reads go through weft's reactor.
//!
//! * **Reads without zero-filling.** hyper reads into uninitialised memory. For weft's own
//!   [`TcpStream`](crate::net::TcpStream) and [`UnixStream`](crate::net::UnixStream),
//!   `WeftIo` reads straight into it ([`TcpStream::poll_read_buf`](crate::net::TcpStream::poll_read_buf),
//!   one `read(2)`, the only `unsafe` here). Any other futures-io type gets a zeroed slice
//!   first, as its `poll_read(&mut [u8])` requires. Which path is chosen at compile time: one
//!   `WeftIo<T>` for every `T`, whose impls compare `T`'s `TypeId` with the socket types (a
//!   constant after monomorphisation). That keeps one type and one constructor and needs no
//!   specialisation; the price is `T: 'static`, which hyper's spawned connections need anyway.
//! * **Vectored writes.** weft's sockets report `is_write_vectored() == true` and write with
//!   `writev`, so hyper queues a response head and body chunks and sends them in one call
//!   instead of copying them into one buffer first.
//! * **Timer.** [`WeftTimer::reset`](hyper::rt::Timer::reset) moves the existing sleep's
//!   deadline in place (one wheel operation, no allocation) when the sleep is one of its own,
//!   which hyper's header-read and keep-alive timers reset on every request. `now()` is the
//!   runtime's clock ([`Handle::time`](crate::Handle::time)).
//! * **Connecting.** [`WeftConnector`] connects with [`TcpStream::connect`](crate::net::TcpStream::connect),
//!   whose host-name lookup runs on the blocking pool ([`lookup_host`](crate::net::lookup_host)),
//!   never on a worker.
//! * **HTTPS** (with feature `tls`): `HttpsConnector` (`WeftConnector::https(config)`)
//!   connects `https://` URIs through rustls with ALPN `h2` and `http/1.1`, and serving TLS
//!   is `WeftIo` over a `weft::tls::ServerTlsStream` (see `https.rs`).
//! * **Serving** is one call: [`serve`](fn@serve)`(listener, service)`, awaited, or with
//!   [`.with_graceful_shutdown(signal)`](Serve::with_graceful_shutdown): HTTP/1.1 and HTTP/2
//!   through hyper-util's `auto` builder, a task per connection, for axum's `Router`, tower
//!   stacks and `service_fn` alike (see `serve.rs`); with feature `tls`,
//!   `.tls(acceptor)` serves HTTPS (see `serve_io.rs`).
//! * **hyper-util's legacy `Client`** (feature `hyper-client-legacy`) needs its `Connection`
//!   trait on the connector's output, which `WeftIo` implements. That feature is separate
//!   because hyper-util's `client-legacy` compiles tokio's runtime modules and mio in
//!   (hyper-util's own feature wiring, hyperium/hyper#3842); weft never calls into them and
//!   starts no tokio runtime, but it keeps them out of builds that do not ask for that client.
//!
//! A server, the way hyper's own examples write it, on weft:
//!
//! ```
//! use std::convert::Infallible;
//! use hyper::{Request, Response, body::Incoming, service::service_fn};
//! use weft::hyper::{WeftIo, WeftTimer};
//! use weft::net::{TcpListener, TcpStream};
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<String>, Infallible> {
//!     Ok(Response::new("Hello, world!\n".to_owned()))
//! }
//!
//! weft::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     weft::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         hyper::server::conn::http1::Builder::new()
//!             .timer(WeftTimer::new())
//!             .serve_connection(WeftIo::new(stream), service_fn(hello))
//!             .await
//!             .map_err(std::io::Error::other)
//!     });
//!
//!     // The client side: one request over one connection.
//!     let io = WeftIo::new(TcpStream::connect(addr).await?);
//!     let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
//!         .await
//!         .map_err(std::io::Error::other)?;
//!     weft::spawn(conn);
//!     let request = Request::get("/").header("host", "localhost").body(String::new()).unwrap();
//!     let response = sender.send_request(request).await.map_err(std::io::Error::other)?;
//!     assert_eq!(response.status(), 200);
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod connector;
mod executor;
#[cfg(feature = "tls")]
mod https;
mod io;
mod io_by_arm;
mod serve;
mod serve_io;
mod timer;

pub use connector::{Connecting, WeftConnector};
pub use executor::WeftExecutor;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use https::{HttpsConnecting, HttpsConnector, MaybeHttpsStream};
pub use io::WeftIo;
pub use serve::{
    ACCEPT_RETRY_DELAY, IntoHyperService, Listener, Serve, ServeFuture, ViaHyper, ViaTower,
    WithGracefulShutdown, serve,
};
pub use timer::WeftTimer;
