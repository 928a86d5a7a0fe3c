//! `start_server` / `start_unix_server` and the `Server` handle.
//!
//! The listener lives in one accept-loop task. Each accepted connection becomes a
//! reader/writer pair handed to the user's callback in its own task, named
//! `client_connected_cb`. The callback's future runs under `catch_unwind`: a panic is
//! re-raised with asyncio's words ('Unhandled exception in client_connected_cb') and the
//! peer's address, so the runtime's panic handler reports it; the accept loop never sees
//! it and keeps serving.
//!
//! Closing is a flag plus a wake-up: `close` sets it and wakes the accept loop, which drops
//! the listener (and removes a Unix socket's file). A registry of live connections, keyed by
//! a connection number and emptied by a guard that also runs when a handler panics, lets
//! `wait_closed` wait for the last connection as asyncio 3.12+ does. It holds each
//! connection's transport weakly, so `close_clients`/`abort_clients` (asyncio 3.13) can reach
//! every live connection without keeping one alive: a connection whose handler returned is
//! gone from the registry, and one whose reader and writer were dropped fails to upgrade.
//! Accept errors never end the loop: resource exhaustion (`EMFILE`, `ENFILE`, `ENOBUFS`,
//! `ENOMEM`) is reported on stderr and retried after a short pause, as asyncio does.
//!
//! How the listener is made (backlog, `SO_REUSEADDR`, `SO_REUSEPORT`) and each reader's
//! limit are [`ServerOptions`] (`server_options.rs`); `start_server` is
//! `ServerOptions::new().start_server`.

use std::collections::HashMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
#[cfg(unix)]
use std::path::PathBuf;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use weft_executor::Handle;
#[cfg(unix)]
use weft_reactor::net::UnixListener;
use weft_reactor::net::{TcpListener, ToSocketAddrs};

use super::server_options::ServerOptions;

#[cfg(unix)]
use super::DEFAULT_LIMIT;
use super::transport::Transport;
use super::{StreamReader, StreamSocket, StreamWriter};

/// How long the accept loop pauses after a resource error before it accepts again.
pub(crate) const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(100);

/// Where a server listens.
#[derive(Debug, Clone)]
pub(super) enum ServerAddr {
    Tcp(SocketAddr),
    #[cfg(unix)]
    Unix(PathBuf),
}

/// The listening socket, owned by the accept loop.
pub(super) enum Listener {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(UnixListener),
}

impl Listener {
    /// Accepts one connection; the peer is described for error messages.
    async fn accept(&self) -> io::Result<(StreamSocket, String)> {
        match self {
            Listener::Tcp(l) => {
                let (stream, peer) = l.accept().await?;
                Ok((stream.into(), peer.to_string()))
            }
            #[cfg(unix)]
            Listener::Unix(l) => {
                let (stream, peer) = l.accept().await?;
                Ok((stream.into(), format!("{peer:?}")))
            }
        }
    }
}

/// Shared between the `Server`, its accept loop and its connection tasks.
#[derive(Debug)]
struct ServerState {
    /// `close` was called.
    closed: bool,
    /// The accept loop has ended and dropped the listener.
    accept_done: bool,
    /// The connections whose handler task still runs, by connection number, with their
    /// transports (weak: the registry keeps no connection open).
    clients: HashMap<u64, Weak<Transport>>,
    /// The number the next accepted connection gets.
    next_client: u64,
    /// Tasks waiting for any of the above to change.
    waiters: Vec<Waker>,
}

#[derive(Debug)]
struct ServerShared {
    addr: ServerAddr,
    state: Mutex<ServerState>,
}

impl ServerShared {
    fn lock(&self) -> MutexGuard<'_, ServerState> {
        // Nothing panics while holding the lock but allocation; the state stays consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies `change` and wakes every waiter.
    fn update(&self, change: impl FnOnce(&mut ServerState)) {
        let wakers = {
            let mut st = self.lock();
            change(&mut st);
            std::mem::take(&mut st.waiters)
        };
        for waker in wakers {
            weft_coop::catch("waker", || waker.wake());
        }
    }

    /// Ready once `done` holds; otherwise parks the waker.
    fn poll_until(&self, cx: &mut Context<'_>, done: impl Fn(&ServerState) -> bool) -> Poll<()> {
        let mut st = self.lock();
        if done(&st) {
            return Poll::Ready(());
        }
        if !st.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            st.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Keeps a connection in the registry until its task ends (also when its handler panics).
struct ConnectionGuard {
    shared: Arc<ServerShared>,
    id: u64,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let id = self.id;
        self.shared.update(|st| {
            st.clients.remove(&id);
        });
    }
}

impl ServerShared {
    /// The transports of the connections still served (those not yet dropped).
    fn live_transports(&self) -> Vec<Arc<Transport>> {
        self.lock()
            .clients
            .values()
            .filter_map(Weak::upgrade)
            .collect()
    }
}

/// A running server (asyncio's `Server`), from [`start_server`] or [`start_unix_server`].
///
/// Dropping it closes it, like leaving asyncio's `async with server:` block: the listener
/// closes, connections already accepted run on.
///
/// ```
/// weft::run(async {
///     let server = weft::io::start_server(|_r, w| async move { w.write(b"hi\n").unwrap(); }, "127.0.0.1:0").await?;
///     assert!(server.is_serving());
///     let (mut r, _w) = weft::io::open_connection(server.local_addr()?).await?;
///     assert_eq!(r.readline().await.unwrap(), b"hi\n");
///     server.close();
///     assert!(!server.is_serving());
///     server.wait_closed().await;
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Server {
    shared: Arc<ServerShared>,
}

impl Server {
    /// The TCP address the server listens on (`InvalidInput` for a Unix server; see
    /// [`unix_path`](Server::unix_path)).
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     assert!(server.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.shared.addr {
            ServerAddr::Tcp(addr) => Ok(*addr),
            #[cfg(unix)]
            ServerAddr::Unix(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a Unix-domain server has no socket address; use Server::unix_path",
            )),
        }
    }

    /// The socket path of a Unix-domain server (always `None` on Windows, which has none).
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// let path = std::env::temp_dir().join(format!("weft-doc-sup-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// weft::run(async {
    ///     let server = weft::io::start_unix_server(|_r, _w| async {}, &path).await?;
    ///     assert_eq!(server.unix_path(), Some(path.as_path()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn unix_path(&self) -> Option<&Path> {
        match &self.shared.addr {
            ServerAddr::Tcp(_) => None,
            #[cfg(unix)]
            ServerAddr::Unix(path) => Some(path),
        }
    }

    /// Stops accepting: the listener closes (a Unix server's socket file is removed).
    /// Connections already accepted keep running. Idempotent.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     let addr = server.local_addr()?;
    ///     server.close();
    ///     server.wait_closed().await;
    ///     // Nobody listens any more.
    ///     assert!(weft::net::TcpStream::connect(addr).await.is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn close(&self) {
        self.shared.update(|st| st.closed = true);
    }

    /// False once [`close`](Server::close) was called.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     assert!(server.is_serving());
    ///     server.close();
    ///     assert!(!server.is_serving());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_serving(&self) -> bool {
        !self.shared.lock().closed
    }

    /// Waits until the server is closed, its listener is gone and every connection's
    /// handler has returned (asyncio 3.12+). Before [`close`](Server::close) it waits for
    /// someone to call it.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::start_server(
    ///         |mut r, w| async move {
    ///             let _ = r.read_to_end().await; // until the client closes
    ///             drop(w); // (the writer lives as long as the handler reads)
    ///         },
    ///         "127.0.0.1:0",
    ///     )
    ///     .await?;
    ///     let (_r, w) = weft::io::open_connection(server.local_addr()?).await?;
    ///     server.close();
    ///     drop(w); // the handler sees end of stream and returns
    ///     server.wait_closed().await;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn wait_closed(&self) -> impl Future<Output = ()> {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            poll_fn(|cx| {
                self.shared.poll_until(cx, |st| {
                    st.closed && st.accept_done && st.clients.is_empty()
                })
            })
            .await
        })
    }

    /// Closes every connection the server has accepted and still serves, gracefully
    /// (asyncio 3.13's `Server.close_clients`): each writer's buffered bytes are sent, then
    /// the connection is shut down, so the peer reads end of stream and the handler's
    /// reader wakes with end of stream and its writer refuses new writes. The listener is
    /// untouched: call [`close`](Server::close) first, as asyncio advises, or a client that
    /// connects meanwhile is served as usual.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::start_server(
    ///         |mut r, w| async move {
    ///             w.write(b"welcome\n").unwrap();
    ///             // Waits for a line that never comes; close_clients ends it.
    ///             assert_eq!(r.readline().await.unwrap(), b"");
    ///         },
    ///         "127.0.0.1:0",
    ///     )
    ///     .await?;
    ///     let (mut r, _w) = weft::io::open_connection(server.local_addr()?).await?;
    ///     assert_eq!(r.readline().await.unwrap(), b"welcome\n");
    ///     server.close();
    ///     server.close_clients();
    ///     assert_eq!(r.readline().await.unwrap(), b""); // the server hung up
    ///     server.wait_closed().await; // every handler has returned
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn close_clients(&self) {
        for transport in self.shared.live_transports() {
            transport.close();
        }
    }

    /// Closes every connection the server has accepted and still serves, at once (asyncio
    /// 3.13's `Server.abort_clients`): bytes still buffered in the writers are dropped, the
    /// connections are shut down, the handlers' readers wake with end of stream and their
    /// writers fail. For peers that stopped reading, whose buffers
    /// [`close_clients`](Server::close_clients) would wait on forever. (What the kernel
    /// already took for sending still goes out before the end of stream.)
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::start_server(
    ///         |mut r, w| async move {
    ///             let _ = r.readline().await; // ends when aborted
    ///             assert!(w.drain().await.is_err()); // the connection is gone
    ///         },
    ///         "127.0.0.1:0",
    ///     )
    ///     .await?;
    ///     let (mut r, _w) = weft::io::open_connection(server.local_addr()?).await?;
    ///     while server.connection_count() == 0 {
    ///         weft::yield_now().await; // until the server has accepted us
    ///     }
    ///     server.close();
    ///     server.abort_clients();
    ///     server.wait_closed().await;
    ///     assert_eq!(r.read_to_end().await.unwrap(), b"");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn abort_clients(&self) {
        for transport in self.shared.live_transports() {
            transport.abort();
        }
    }

    /// How many accepted connections are still being served (their handler has not
    /// returned).
    ///
    /// ```
    /// weft::run(async {
    ///     let server = weft::io::start_server(|_r, _w| async {}, "127.0.0.1:0").await?;
    ///     assert_eq!(server.connection_count(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn connection_count(&self) -> usize {
        self.shared.lock().clients.len()
    }

    /// Serves until [`close`](Server::close) is called (from another task, a callback, a
    /// handler, ...), then returns. The server serves from the moment it starts; this only
    /// waits.
    ///
    /// ```
    /// weft::run(async {
    ///     let server = std::sync::Arc::new(weft::io::start_server(|_r, _w| async {}, "127.0.0.1:0").await?);
    ///     let s = server.clone();
    ///     weft::spawn(async move { s.close() });
    ///     server.serve_forever().await; // returns once closed
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn serve_forever(&self) {
        poll_fn(|cx| self.shared.poll_until(cx, |st| st.closed)).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        f.debug_struct("Server")
            .field("addr", &self.shared.addr)
            .field("serving", &!st.closed)
            .field("connections", &st.clients.len())
            .finish()
    }
}

/// Starts a TCP server on `addr` (asyncio's `start_server(client_connected_cb, host, port)`).
///
/// Every accepted connection gets its own task, named `client_connected_cb`, running
/// `client_connected_cb(reader, writer)`. Dropping the writer closes the connection (see
/// [`StreamWriter`]), so a callback that only reads must still move the writer into its
/// future: `|r, _w| async move { ... }` drops `_w` when the closure returns. Each reader has the default limit
/// ([`DEFAULT_LIMIT`]); call [`StreamReader::set_limit`] in the callback to change it. A
/// callback that panics is reported through the runtime's panic handler with the message
/// "Unhandled exception in client_connected_cb (peer ...): ..." and the server keeps serving.
/// `addr` is resolved as [`TcpListener::bind`] does. The listener has a backlog of 1024 and
/// `SO_REUSEADDR`; for other settings (asyncio's `backlog=`, `reuse_port=`, `limit=`) use
/// [`ServerOptions`].
///
/// ```
/// weft::run(async {
///     let server = weft::io::start_server(
///         |mut reader, writer| async move {
///             while let Ok(line) = reader.readline().await {
///                 if line.is_empty() {
///                     break; // the client closed
///                 }
///                 writer.write(&line.to_ascii_uppercase()).unwrap();
///                 if writer.drain().await.is_err() {
///                     break;
///                 }
///             }
///         },
///         "127.0.0.1:0",
///     )
///     .await?;
///     let (mut reader, writer) = weft::io::open_connection(server.local_addr()?).await?;
///     writer.write(b"shout\n")?;
///     assert_eq!(reader.readline().await.unwrap(), b"SHOUT\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn start_server<F, Fut>(
    client_connected_cb: F,
    addr: impl ToSocketAddrs,
) -> impl Future<Output = io::Result<Server>>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    ServerOptions::new().start_server(client_connected_cb, addr)
}

/// Starts a Unix-domain server at `path` (asyncio's `start_unix_server`). Same behaviour as
/// [`start_server`]; the socket file is removed when the server closes.
///
/// ```
/// let path = std::env::temp_dir().join(format!("weft-doc-sus-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// weft::run(async {
///     let server = weft::io::start_unix_server(|_r, w| async move { w.write(b"unix\n").unwrap(); }, &path).await?;
///     let (mut r, _w) = weft::io::open_unix_connection(&path).await?;
///     assert_eq!(r.readline().await.unwrap(), b"unix\n");
///     server.close();
///     server.wait_closed().await;
///     assert!(!path.exists());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
#[track_caller]
pub fn start_unix_server<F, Fut>(
    client_connected_cb: F,
    path: impl AsRef<Path>,
) -> impl Future<Output = io::Result<Server>>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    weft_coop::waiting_at(std::panic::Location::caller(), async move {
        let handle = current_handle()?;
        let path = path.as_ref().to_path_buf();
        let listener = UnixListener::bind(&path)?;
        Ok(start(
            Listener::Unix(listener),
            ServerAddr::Unix(path),
            client_connected_cb,
            handle,
            DEFAULT_LIMIT,
        ))
    })
}

pub(super) fn current_handle() -> io::Result<Handle> {
    Handle::try_current().ok_or_else(|| {
        io::Error::other(
            "weft::io servers need a running weft runtime (weft::run, Runtime::block_on or a task)",
        )
    })
}

/// Spawns the accept loop and returns the handle on it; each reader gets `limit`.
pub(super) fn start<F, Fut>(
    listener: Listener,
    addr: ServerAddr,
    callback: F,
    handle: Handle,
    limit: usize,
) -> Server
where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let shared = Arc::new(ServerShared {
        addr,
        state: Mutex::new(ServerState {
            closed: false,
            accept_done: false,
            clients: HashMap::new(),
            next_client: 0,
            waiters: Vec::new(),
        }),
    });
    let accept = accept_loop(listener, callback, shared.clone(), handle.clone(), limit);
    drop(
        weft_executor::task::Builder::new()
            .name("server accept loop")
            .spawn_on(&handle, accept),
    );
    Server { shared }
}

/// Accepts until the server closes; spawns one task per connection.
async fn accept_loop<F, Fut>(
    listener: Listener,
    callback: F,
    shared: Arc<ServerShared>,
    handle: Handle,
    limit: usize,
) where
    F: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        let accepted = {
            let mut accept = pin!(listener.accept());
            poll_fn(|cx| {
                if shared.poll_until(cx, |st| st.closed).is_ready() {
                    return Poll::Ready(None);
                }
                accept.as_mut().poll(cx).map(Some)
            })
            .await
        };
        match accepted {
            None => break,
            Some(Ok((socket, peer))) => {
                let transport = Transport::new(socket, handle.clone());
                let mut id = 0;
                shared.update(|st| {
                    id = st.next_client;
                    st.next_client += 1;
                    st.clients.insert(id, Arc::downgrade(&transport));
                });
                let guard = ConnectionGuard {
                    shared: shared.clone(),
                    id,
                };
                let reader = StreamReader::from_transport(transport.clone(), limit);
                let writer = StreamWriter::from_transport(transport);
                let work = callback(reader, writer);
                let task = weft_executor::task::Builder::new()
                    .name("client_connected_cb")
                    .spawn_on(&handle, async move {
                        let _guard = guard;
                        report_panics(work, peer).await;
                    });
                drop(task);
            }
            Some(Err(err)) if is_transient(&err) => {}
            Some(Err(err)) => {
                eprintln!(
                    "weft: server accept failed ({err}); retrying in {} ms",
                    ACCEPT_RETRY_DELAY.as_millis()
                );
                let mut pause = pin!(weft_reactor::sleep(ACCEPT_RETRY_DELAY));
                poll_fn(|cx| {
                    if shared.poll_until(cx, |st| st.closed).is_ready() {
                        return Poll::Ready(());
                    }
                    pause.as_mut().poll(cx)
                })
                .await;
            }
        }
    }
    drop(listener);
    #[cfg(unix)]
    if let ServerAddr::Unix(path) = &shared.addr {
        // asyncio 3.13 removes the socket file on close; it may already be gone.
        let _ = std::fs::remove_file(path);
    }
    shared.update(|st| st.accept_done = true);
}

/// Errors after which accepting again at once is right: the connection was aborted by the
/// peer before we took it (`NotConnected` is how Wine says so), or a signal interrupted the
/// call.
pub(crate) fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::NotConnected
    )
}

/// Runs a connection callback; a panic is re-raised with asyncio's message so the runtime's
/// panic handler reports it under this task.
async fn report_panics(work: impl Future<Output = ()> + Send, peer: String) {
    let mut work = Box::pin(work);
    let outcome = poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(cx))) {
            Ok(Poll::Ready(())) => Poll::Ready(None),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Some(payload)),
        },
    )
    .await;
    if let Some(payload) = outcome {
        drop(work);
        let message = payload
            .downcast_ref::<&'static str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-string panic payload".to_owned());
        // `resume_unwind` skips the panic hook: the original panic was already printed.
        std::panic::resume_unwind(Box::new(format!(
            "Unhandled exception in client_connected_cb (peer {peer}): {message}"
        )));
    }
}
