//! [`serve`]: an HTTP server in one call (axum's `axum::serve`, on weft).
//!
//! One accept loop, and one weft task per connection running hyper-util's `auto` builder
//! (HTTP/1.1 or HTTP/2, told apart by the client's first bytes; HTTP/1 upgrades on, for
//! WebSockets) over `WeftIo` (or TLS over it, `serve_io.rs`), with `WeftTimer` for hyper's
//! timeouts and weft tasks for HTTP/2's streams.
//!
//! * **Any service.** axum's `Router` and tower stacks are tower `Service`s (`&mut self`,
//!   cloned per connection); `hyper::service::service_fn` gives a hyper `Service` (`&self`,
//!   shared through an `Arc`). [`IntoHyperService`] takes either: the marker type parameter
//!   ([`ViaTower`] or [`ViaHyper`]) keeps the two blanket impls apart, so the compiler picks
//!   the one that applies, the trick axum uses for its `Handler<T>`.
//! * **Accept errors never end the server**, the policy of `weft::io::start_server`: a
//!   connection aborted before it was taken is skipped; anything else (`EMFILE`, `ENFILE`,
//!   `ENOBUFS`, `ENOMEM` when the process runs out of descriptors or memory) is reported on
//!   stderr and accepting resumes after [`ACCEPT_RETRY_DELAY`], which gives closing
//!   connections time to free what they hold instead of spinning on the error.
//! * **Graceful shutdown** is weft's own primitives, not hyper-util's `server-graceful`
//!   (tokio's `watch` inside): when the signal completes, the listener is dropped (new
//!   connections are refused), a [`CancellationToken`] tells every connection task to call
//!   hyper's `graceful_shutdown` (HTTP/1 finishes the request in flight, then closes; HTTP/2
//!   sends GOAWAY and finishes its open streams), and the connections' [`JoinSet`] is drained.
//!   The set is also reaped as the server runs (a finished connection's slot is reused), so a
//!   server that lives for months holds memory for its live connections only.
//! * **A panicking handler** ends its own connection (its task unwinds); the panic is
//!   reported through the runtime's panic handler, and the server keeps serving.
//! * **tokio-only handlers** (feature `tokio-compat`): connection tasks, and the HTTP/2 stream
//!   tasks hyper spawns, are polled inside async-compat's `Compat` (`weft::compat`),
//!   so a handler may call `tokio::spawn` (axum's `WebSocketUpgrade::on_upgrade` does) or use
//!   tokio's timers. Without the feature nothing of tokio is entered.

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture, poll_fn};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;

use super::WeftTimer;
use super::serve_io::Handshake;
use crate::net::{AsyncRead, AsyncWrite, TcpListener, TcpStream};
#[cfg(unix)]
use crate::net::{UnixListener, UnixStream};
use crate::sync::CancellationToken;
use crate::task::{JoinError, JoinSet};

/// How long [`serve`] pauses accepting after an error other than an aborted connection
/// (`EMFILE`, say): long enough for closing connections to free descriptors, short enough
/// that a server back from the brink answers again within a blink.
///
/// ```
/// assert_eq!(weft::hyper::ACCEPT_RETRY_DELAY.as_millis(), 100);
/// ```
pub const ACCEPT_RETRY_DELAY: Duration = crate::io::ACCEPT_RETRY_DELAY;

type BoxError = Box<dyn StdError + Send + Sync>;

/// Serves HTTP/1.1 and HTTP/2 on `listener` with `service`: a tower `Service` (axum's
/// `Router`, a tower stack) or a hyper `Service` (`hyper::service::service_fn`). Await the
/// result to serve forever, or add [`with_graceful_shutdown`](Serve::with_graceful_shutdown).
///
/// * Each connection runs in its own weft task (hyper-util's `auto` builder over
///   [`WeftIo`](super::WeftIo), [`WeftTimer`] for hyper's timeouts, weft tasks for HTTP/2's streams; HTTP/1
///   upgrades, such as WebSockets, are on).
/// * No accept error ends the server: an aborted connection is skipped; any other error
///   (`EMFILE` when the process is out of descriptors, say) is reported on stderr and
///   accepting resumes after [`ACCEPT_RETRY_DELAY`].
/// * A handler that panics ends its own connection; the panic goes to the runtime's panic
///   handler ([`Builder::on_task_panic`](crate::Builder::on_task_panic)) and the server
///   keeps serving.
/// * A connection's own errors (a reset, a malformed request, a timeout) end that connection
///   quietly, as in axum.
/// * With feature `tls`, `.tls(acceptor)` serves HTTPS: each connection's TLS handshake runs
///   in its own task, and ALPN picks HTTP/2 or HTTP/1.1.
/// * With feature `tokio-compat`, connections are polled inside tokio's context
///   (async-compat's `Compat`), so handlers may call `tokio::spawn`, as axum's
///   `WebSocketUpgrade` does.
///
/// ```
/// use std::convert::Infallible;
/// use hyper::{Request, Response, body::Incoming, service::service_fn};
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// use weft::net::{TcpListener, TcpStream};
///
/// async fn hello(_: Request<Incoming>) -> Result<Response<String>, Infallible> {
///     Ok(Response::new("Hello, world!\n".to_owned()))
/// }
///
/// weft::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     weft::spawn(weft::hyper::serve(listener, service_fn(hello)).into_future());
///
///     let mut client = TcpStream::connect(addr).await?;
///     client.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await?;
///     let mut answer = String::new();
///     client.read_to_string(&mut answer).await?;
///     assert!(answer.ends_with("Hello, world!\n"));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn serve<L, S, Kind>(listener: L, service: S) -> Serve<L, S::Service>
where
    L: Listener,
    S: IntoHyperService<Kind>,
{
    Serve {
        listener,
        service: service.into_hyper_service(),
        handshake: Handshake::default(),
    }
}

/// A listening socket [`serve`] accepts from: weft's [`TcpListener`] and (on Unix)
/// [`UnixListener`].
///
/// ```
/// use std::task::{Context, Poll};
/// use weft::hyper::Listener;
///
/// // A listener that counts its connections.
/// struct Counting(weft::net::TcpListener, usize);
///
/// impl Listener for Counting {
///     type Io = weft::net::TcpStream;
///     fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<Self::Io>> {
///         let polled = self.0.poll_accept(cx);
///         if let Poll::Ready(Ok(_)) = &polled {
///             self.1 += 1;
///         }
///         polled.map_ok(|(stream, _peer)| stream)
///     }
/// }
/// # weft::run(async {
/// # let listener = Counting(weft::net::TcpListener::bind("127.0.0.1:0").await?, 0);
/// # let _serve = weft::hyper::serve(listener, hyper::service::service_fn(|_| async {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
/// # }));
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub trait Listener: Send + 'static {
    /// The byte stream of one connection.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Accepts one connection, or returns the error of one failed accept (the listener stays
    /// usable).
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Io>>;
}

impl Listener for TcpListener {
    type Io = TcpStream;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<TcpStream>> {
        TcpListener::poll_accept(self, cx).map_ok(|(stream, _peer)| stream)
    }
}

#[cfg(unix)]
impl Listener for UnixListener {
    type Io = UnixStream;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<UnixStream>> {
        UnixListener::poll_accept(self, cx).map_ok(|(stream, _peer)| stream)
    }
}

/// What [`serve`] accepts as a service: a tower `Service` ([`ViaTower`]) or a hyper `Service`
/// ([`ViaHyper`]) of `Request<Incoming>`. Implemented for both; there is nothing to implement.
///
/// ```
/// # use std::{convert::Infallible, future::{Ready, ready}, task::{Context, Poll}};
/// # use hyper::{Request, Response, body::Incoming};
/// # #[derive(Clone)]
/// # struct Hello; // a hand-written tower service; an axum `Router` is one too
/// # impl tower_service::Service<Request<Incoming>> for Hello {
/// #     type Response = Response<String>;
/// #     type Error = Infallible;
/// #     type Future = Ready<Result<Response<String>, Infallible>>;
/// #     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> { Poll::Ready(Ok(())) }
/// #     fn call(&mut self, _: Request<Incoming>) -> Self::Future { ready(Ok(Response::new("hello".into()))) }
/// # }
/// use weft::hyper::{IntoHyperService, ViaHyper, ViaTower};
///
/// fn accepted<K>(_: impl IntoHyperService<K>) {}
///
/// // An axum Router, a tower stack or any tower service (here `Hello`)...
/// accepted::<ViaTower>(Hello);
/// // ...and `service_fn` makes a hyper one.
/// accepted::<ViaHyper>(hyper::service::service_fn(|_: Request<Incoming>| async {
///     Ok::<_, std::convert::Infallible>(Response::new(String::new()))
/// }));
/// ```
pub trait IntoHyperService<Kind> {
    /// The hyper service each connection is served with (cloned for each).
    type Service: Clone + Send + 'static;

    /// Converts `self`.
    ///
    /// ```
    /// # use std::{convert::Infallible, future::{Ready, ready}, task::{Context, Poll}};
    /// # use hyper::{Request, Response, body::Incoming};
    /// # #[derive(Clone)]
    /// # struct Hello; // a hand-written tower service; an axum `Router` is one too
    /// # impl tower_service::Service<Request<Incoming>> for Hello {
    /// #     type Response = Response<String>;
    /// #     type Error = Infallible;
    /// #     type Future = Ready<Result<Response<String>, Infallible>>;
    /// #     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> { Poll::Ready(Ok(())) }
    /// #     fn call(&mut self, _: Request<Incoming>) -> Self::Future { ready(Ok(Response::new("hello".into()))) }
    /// # }
    /// use weft::hyper::IntoHyperService;
    /// let _svc = IntoHyperService::into_hyper_service(Hello);
    /// ```
    fn into_hyper_service(self) -> Self::Service;
}

/// The [`IntoHyperService`] marker for tower services (axum's `Router`, tower stacks): each
/// connection gets a clone, as tower's `&mut self` `call` asks.
///
/// ```
/// # use std::{convert::Infallible, future::{Ready, ready}, task::{Context, Poll}};
/// # use hyper::{Request, Response, body::Incoming};
/// # #[derive(Clone)]
/// # struct Hello; // a hand-written tower service; an axum `Router` is one too
/// # impl tower_service::Service<Request<Incoming>> for Hello {
/// #     type Response = Response<String>;
/// #     type Error = Infallible;
/// #     type Future = Ready<Result<Response<String>, Infallible>>;
/// #     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> { Poll::Ready(Ok(())) }
/// #     fn call(&mut self, _: Request<Incoming>) -> Self::Future { ready(Ok(Response::new("hello".into()))) }
/// # }
/// fn accepted<K>(_: impl weft::hyper::IntoHyperService<K>) {}
/// accepted::<weft::hyper::ViaTower>(Hello); // or an axum `Router`
/// ```
#[derive(Debug)]
pub enum ViaTower {}

/// The [`IntoHyperService`] marker for hyper services (`hyper::service::service_fn`): one
/// shared through an `Arc`, so it need not be `Clone`.
///
/// ```
/// fn accepted<K>(_: impl weft::hyper::IntoHyperService<K>) {}
/// accepted::<weft::hyper::ViaHyper>(hyper::service::service_fn(|_| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::new()))
/// }));
/// ```
#[derive(Debug)]
pub enum ViaHyper {}

impl<S> IntoHyperService<ViaTower> for S
where
    S: tower_service::Service<Request<Incoming>> + Clone + Send + 'static,
{
    type Service = TowerToHyperService<S>;

    fn into_hyper_service(self) -> TowerToHyperService<S> {
        TowerToHyperService::new(self)
    }
}

impl<S> IntoHyperService<ViaHyper> for S
where
    S: hyper::service::Service<Request<Incoming>> + Send + Sync + 'static,
{
    type Service = Arc<S>;

    fn into_hyper_service(self) -> Arc<S> {
        Arc::new(self)
    }
}

/// The server [`serve`] returns: await it (it is [`IntoFuture`]) to serve until the task is
/// cancelled, or call [`with_graceful_shutdown`](Serve::with_graceful_shutdown).
///
/// Dropping the serving future (cancelling its task) closes the listener and drops every
/// connection at once; graceful shutdown is the way to let requests in flight finish.
///
/// ```
/// # let hello = hyper::service::service_fn(|_: hyper::Request<hyper::body::Incoming>| async {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hello")))
/// # });
/// weft::run(async {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let server = weft::spawn(weft::hyper::serve(listener, hello).into_future());
///     // ... serve for a while, then stop without draining:
///     server.cancel();
///     assert!(server.await.unwrap_err().is_cancelled());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Serve<L, S> {
    listener: L,
    service: S,
    /// Plain, or TLS after `Serve::tls` (`serve_io.rs`).
    pub(super) handshake: Handshake,
}

impl<L, S> Serve<L, S> {
    /// Serves until `signal` completes, then shuts down gracefully: stops accepting (the
    /// listener is dropped), lets each connection finish the requests in flight (HTTP/1
    /// closes after the current response, HTTP/2 sends GOAWAY), waits for every connection
    /// task, and returns `Ok(())`.
    ///
    /// Waiting has no deadline of its own (a client can hold a slow request open); wrap the
    /// awaited server in [`weft::timeout`](crate::timeout) to bound it.
    ///
    /// ```
    /// use weft::sync::CancellationToken;
    ///
    /// # let hello = hyper::service::service_fn(|_: hyper::Request<hyper::body::Incoming>| async {
    /// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hello")))
    /// # });
    /// weft::run(async {
    ///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let stop = CancellationToken::new();
    ///     let server = weft::spawn(
    ///         weft::hyper::serve(listener, hello)
    ///             .with_graceful_shutdown(stop.clone().cancelled_owned())
    ///             .into_future(),
    ///     );
    ///     stop.cancel();
    ///     server.await.unwrap()?; // returns once the connections are done
    ///     assert!(weft::net::TcpStream::connect(addr).await.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<L, S, F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            listener: self.listener,
            service: self.service,
            handshake: self.handshake,
            signal,
        }
    }
}

impl<L, S> fmt::Debug for Serve<L, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve").finish_non_exhaustive()
    }
}

/// A server that shuts down gracefully when its signal completes; from
/// [`Serve::with_graceful_shutdown`]. Await it (it is [`IntoFuture`]).
///
/// ```
/// # let hello = hyper::service::service_fn(|_: hyper::Request<hyper::body::Incoming>| async {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hello")))
/// # });
/// weft::run(async {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     // A signal that has already fired: the server stops at once.
///     weft::hyper::serve(listener, hello)
///         .with_graceful_shutdown(async {})
///         .await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct WithGracefulShutdown<L, S, F> {
    listener: L,
    service: S,
    handshake: Handshake,
    signal: F,
}

impl<L, S, F> fmt::Debug for WithGracefulShutdown<L, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .finish_non_exhaustive()
    }
}

/// The future of a running server: what awaiting a [`Serve`] or a [`WithGracefulShutdown`]
/// polls. It resolves only after a graceful shutdown; no accept error ends it (see
/// [`serve`]), so today its `Err` is never returned, and the type leaves room for errors that
/// a server cannot get past.
///
/// ```
/// # let hello = hyper::service::service_fn(|_: hyper::Request<hyper::body::Incoming>| async {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hello")))
/// # });
/// weft::run(async {
///     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
///     let future: weft::hyper::ServeFuture = weft::hyper::serve(listener, hello)
///         .with_graceful_shutdown(async {})
///         .into_future();
///     future.await
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct ServeFuture(Pin<Box<dyn Future<Output = io::Result<()>> + Send>>);

impl Future for ServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeFuture").finish_non_exhaustive()
    }
}

impl<L, S, B> IntoFuture for Serve<L, S>
where
    L: Listener,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        // A server without graceful shutdown is one whose signal never comes.
        self.with_graceful_shutdown(std::future::pending())
            .into_future()
    }
}

impl<L, S, B, F> IntoFuture for WithGracefulShutdown<L, S, F>
where
    L: Listener,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(run(
            self.listener,
            self.service,
            self.handshake,
            self.signal,
        )))
    }
}

/// What woke the accept loop.
enum Step<T> {
    Shutdown,
    Accepted(io::Result<T>),
}

/// The server: accepts until `signal`, then drains (see the module docs).
async fn run<L, S, B, F>(
    mut listener: L,
    service: S,
    handshake: Handshake,
    signal: F,
) -> io::Result<()>
where
    L: Listener,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    F: Future<Output = ()> + Send + 'static,
{
    let mut builder = auto::Builder::new(ConnExecutor);
    builder.http1().timer(WeftTimer::new());
    builder.http2().timer(WeftTimer::new());
    // Shared by the connection tasks, which borrow it for their connection's life.
    let builder = Arc::new(builder);
    let shutdown = CancellationToken::new();
    let mut connections = JoinSet::new();
    let mut signal = std::pin::pin!(signal);
    loop {
        let step = poll_fn(|cx| {
            if signal.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Step::Shutdown);
            }
            // Reaped here, so a panic is reported when it happens, not at shutdown.
            while let Poll::Ready(Some(outcome)) = connections.poll_join_next(cx) {
                report_panic(outcome);
            }
            listener.poll_accept(cx).map(Step::Accepted)
        })
        .await;
        match step {
            Step::Shutdown => break,
            Step::Accepted(Ok(io)) => {
                let connection = serve_connection(
                    builder.clone(),
                    handshake.clone(),
                    io,
                    service.clone(),
                    shutdown.clone(),
                );
                connections.spawn(in_tokio_context(connection));
            }
            Step::Accepted(Err(err)) if crate::io::is_transient(&err) => {}
            Step::Accepted(Err(err)) => {
                eprintln!(
                    "weft::hyper::serve: accept failed ({err}); retrying in {} ms",
                    ACCEPT_RETRY_DELAY.as_millis()
                );
                let mut pause = std::pin::pin!(crate::time::sleep(ACCEPT_RETRY_DELAY));
                let interrupted = poll_fn(|cx| {
                    if signal.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(true);
                    }
                    pause.as_mut().poll(cx).map(|()| false)
                })
                .await;
                if interrupted {
                    break;
                }
            }
        }
    }
    drop(listener); // new connections are refused from here on
    shutdown.cancel();
    while let Some(outcome) = connections.join_next().await {
        report_panic(outcome);
    }
    Ok(())
}

/// Serves one connection until it ends, or until `shutdown`, after which it finishes what is
/// in flight. A TLS handshake, if any, runs first, here in the connection's task.
async fn serve_connection<I, S, B>(
    builder: Arc<auto::Builder<ConnExecutor>>,
    handshake: Handshake,
    io: I,
    service: S,
    shutdown: CancellationToken,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let io = crate::select! {
        biased;
        io = handshake.run(io) => io,
        // Shutting down: a connection still in its handshake has no request in flight.
        () = shutdown.cancelled() => return,
    };
    // A failed handshake, like any connection error below, is its peer's business (a reset,
    // a malformed request answered with 400 by hyper, a timeout): the server has nothing to
    // do about it, as in axum.
    let Ok(io) = io else { return };
    let mut conn = std::pin::pin!(builder.serve_connection_with_upgrades(io, service));
    let _ = crate::select! {
        biased;
        result = conn.as_mut() => result,
        () = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
}

/// A connection task that panicked is the service's panic: report it as the runtime reports
/// a detached task's (the set owns the task, so the runtime leaves the reporting to us).
fn report_panic(outcome: Result<(), JoinError>) {
    if let Err(err) = outcome
        && err.is_panic()
    {
        weft_coop::report("hyper service", err.into_panic());
    }
}

/// hyper's executor for a served connection's HTTP/2 streams: weft tasks, inside tokio's
/// context with feature `tokio-compat` (a stream's handler runs in the task hyper spawns).
#[derive(Debug, Clone, Copy)]
struct ConnExecutor;

impl<F> hyper::rt::Executor<F> for ConnExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(crate::spawn(in_tokio_context(future)));
    }
}

/// With feature `tokio-compat`, `future` polled inside async-compat's tokio context.
#[cfg(feature = "tokio-compat")]
fn in_tokio_context<F: Future>(future: F) -> impl Future<Output = F::Output> {
    async_compat::Compat::new(future)
}

/// Without feature `tokio-compat`, `future` itself.
#[cfg(not(feature = "tokio-compat"))]
fn in_tokio_context<F: Future>(future: F) -> F {
    future
}
