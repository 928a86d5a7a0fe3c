//! TLS on the asyncio streams: `open_tls_connection`, `open_unix_tls_connection`, and
//! `StreamWriter::start_tls` / `accept_tls` (asyncio 3.11's `writer.start_tls`).
//!
//! **Opening.** A TLS connection is a socket, a handshake, then [`stream_pair`] over the TLS
//! stream: the generic path of the streams (see `transport.rs`), because a TLS stream reads
//! and writes through `&mut`.
//!
//! **Upgrading in place.** asyncio pushes bytes into its `StreamReader`, so swapping the
//! transport under it is invisible to the reader. weft's reader pulls, from the socket it
//! shares with the writer; the upgrade must therefore change what the reader reads, and
//! nobody may read the socket while the handshake does (a plain-text read would swallow a
//! handshake record). Both are guaranteed by taking the writer *and* the reader by `&mut`:
//! no task can be inside either while the upgrade runs. The steps:
//!
//! 1. Check that the two are the halves of one socket connection (`open_connection`,
//!    `open_stream`, `start_server`), that it is alive, and wait until the writer's buffer
//!    is on the wire: plain text written before `start_tls` goes out in plain text, first.
//! 2. Run the handshake over the socket, with the bytes the reader had already received
//!    and not handed out replayed in front of it ([`Replayed`]). Those are not lost: on a
//!    server, a client's ClientHello often arrives in the same read as the plain-text line
//!    that asked for the upgrade ("STARTTLS\r\n"), and it must reach the handshake.
//! 3. On success, split the TLS stream: the reader reads its read half (its buffer now
//!    empty, those bytes having gone into the handshake), the writer gets a new generic
//!    transport over the write half, with the same water marks. The old transport stays
//!    alive inside the TLS stream as the owner of the socket ([`SocketIo`]), and its writer
//!    side is never used again.
//!
//! On failure (or cancellation mid-handshake) the connection is unusable: the writer's
//! transport is marked failed with the handshake's error, so `write` and `drain` report it.

use std::future::{Future, poll_fn};
use std::io;
use std::net::Shutdown;
#[cfg(unix)]
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
#[cfg(unix)]
use weft_reactor::net::UnixStream;
use weft_reactor::net::{TcpStream, ToSocketAddrs};

use super::transport::Transport;
use super::{SharedTransport, StreamReader, StreamWriter, current_handle, stream_pair};
use crate::tls::{TlsAcceptor, TlsConnector};

/// Connects over TCP and runs the TLS client handshake, returning the reader/writer pair
/// (asyncio's `open_connection(host, port, ssl=ctx, server_hostname=name)`).
///
/// `server_name` is the name the server's certificate must be valid for (asyncio's
/// `server_hostname`, which there defaults to `host`; here it is always given, since `addr`
/// may be an address). The handshake is bounded by the connector's
/// [`handshake_timeout`](TlsConnector::handshake_timeout).
///
/// # Errors
///
/// The connect's, or the handshake's in words (see [`TlsConnector::connect`]).
///
/// ```
/// # let (cert, key) = weft::tls::__doc_certificate();
/// use std::sync::Arc;
/// use weft::tls::{TlsAcceptor, TlsConnector, rustls};
/// weft::run(async {
///     let server_config = rustls::ServerConfig::builder()
///         .with_no_client_auth()
///         .with_single_cert(vec![cert.clone()], key)
///         .map_err(std::io::Error::other)?;
///     let server = weft::tls::start_tls_server(
///         |mut r, w| async move {
///             let line = r.readline().await.unwrap();
///             w.write(&line).unwrap();
///         },
///         "127.0.0.1:0",
///         TlsAcceptor::new(Arc::new(server_config)),
///     )
///     .await?;
///
///     let mut roots = rustls::RootCertStore::empty();
///     roots.add(cert).map_err(std::io::Error::other)?;
///     let client_config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
///     let connector = TlsConnector::new(Arc::new(client_config));
///     let (mut r, w) =
///         weft::io::open_tls_connection(server.local_addr()?, &connector, "localhost").await?;
///     w.write(b"echo over TLS\n")?;
///     assert_eq!(r.readline().await.unwrap(), b"echo over TLS\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn open_tls_connection<'a>(
    addr: impl ToSocketAddrs + 'a,
    connector: &'a TlsConnector,
    server_name: &'a str,
) -> impl Future<Output = io::Result<(StreamReader, StreamWriter)>> + 'a {
    weft_coop::waiting_at(std::panic::Location::caller(), async move {
        let tcp = TcpStream::connect(addr).await?;
        stream_pair(connector.connect(server_name, tcp).await?)
    })
}

/// Connects to a Unix-domain socket and runs the TLS client handshake (asyncio's
/// `open_unix_connection(path, ssl=ctx, server_hostname=name)`, where `server_hostname` is
/// required too).
///
/// ```
/// # let (cert, key) = weft::tls::__doc_certificate();
/// use std::sync::Arc;
/// use weft::tls::{TlsAcceptor, TlsConnector, rustls};
/// let path = std::env::temp_dir().join(format!("weft-doc-outc-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// weft::run(async {
///     let server_config = rustls::ServerConfig::builder()
///         .with_no_client_auth()
///         .with_single_cert(vec![cert.clone()], key)
///         .map_err(std::io::Error::other)?;
///     let _server = weft::tls::start_unix_tls_server(
///         |_r, w| async move { w.write(b"over a Unix socket\n").unwrap() },
///         &path,
///         TlsAcceptor::new(Arc::new(server_config)),
///     )
///     .await?;
///     let mut roots = rustls::RootCertStore::empty();
///     roots.add(cert).map_err(std::io::Error::other)?;
///     let client_config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
///     let connector = TlsConnector::new(Arc::new(client_config));
///     let (mut r, _w) = weft::io::open_unix_tls_connection(&path, &connector, "localhost").await?;
///     assert_eq!(r.readline().await.unwrap(), b"over a Unix socket\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
#[track_caller]
pub fn open_unix_tls_connection<'a>(
    path: impl AsRef<Path> + 'a,
    connector: &'a TlsConnector,
    server_name: &'a str,
) -> impl Future<Output = io::Result<(StreamReader, StreamWriter)>> + 'a {
    weft_coop::waiting_at(std::panic::Location::caller(), async move {
        let unix = UnixStream::connect(path).await?;
        stream_pair(connector.connect(server_name, unix).await?)
    })
}

impl StreamWriter {
    /// Upgrades this plain connection to TLS as its client, in place (asyncio 3.11's
    /// `await writer.start_tls(ctx, server_hostname=name)`): afterwards `reader` and this
    /// writer read and write through TLS. `reader` must be this connection's reader; both
    /// are taken by `&mut` so that nothing reads or writes the socket during the handshake.
    ///
    /// What happens to bytes in flight: whatever was written before is sent, in plain text,
    /// before the handshake starts; whatever the reader had received and not handed out is
    /// fed to the handshake as the first bytes from the server (it can only be the start of
    /// the server's TLS reply, since a plain-text reply should have been read first).
    ///
    /// After the upgrade the pair works like a [`stream_pair`] over a TLS
    /// stream: [`try_socket`](StreamWriter::try_socket) is `None`, and
    /// [`close`](StreamWriter::close) sends TLS's `close_notify`, then shuts the socket's write
    /// direction down.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when `reader` and this writer are not the halves of one TCP or Unix
    /// connection (from [`open_connection`](super::open_connection),
    /// [`open_stream`](super::open_stream) or [`start_server`](super::start_server)), or when
    /// the pair was already upgraded; `NotConnected` when the connection is closing, closed or
    /// at end of stream; the handshake's failure in words (see [`TlsConnector::connect`]),
    /// after which the connection is unusable (`write` and `drain` report that failure).
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// use std::sync::Arc;
    /// use weft::tls::{TlsAcceptor, TlsConnector, rustls};
    /// weft::run(async {
    ///     let server_config = rustls::ServerConfig::builder()
    ///         .with_no_client_auth()
    ///         .with_single_cert(vec![cert.clone()], key)
    ///         .map_err(std::io::Error::other)?;
    ///     let acceptor = TlsAcceptor::new(Arc::new(server_config));
    ///     // A STARTTLS-style server: one plain-text line, then TLS.
    ///     let server = weft::io::start_server(
    ///         move |mut r, mut w| {
    ///             let acceptor = acceptor.clone();
    ///             async move {
    ///                 assert_eq!(r.readline().await.unwrap(), b"STARTTLS\n");
    ///                 w.write(b"GO AHEAD\n").unwrap();
    ///                 w.accept_tls(&mut r, &acceptor).await.unwrap();
    ///                 let secret = r.readline().await.unwrap();
    ///                 w.write(&secret).unwrap();
    ///             }
    ///         },
    ///         "127.0.0.1:0",
    ///     )
    ///     .await?;
    ///
    ///     let mut roots = rustls::RootCertStore::empty();
    ///     roots.add(cert).map_err(std::io::Error::other)?;
    ///     let client_config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    ///     let connector = TlsConnector::new(Arc::new(client_config));
    ///     let (mut r, mut w) = weft::io::open_connection(server.local_addr()?).await?;
    ///     w.write(b"STARTTLS\n")?;
    ///     assert_eq!(r.readline().await.unwrap(), b"GO AHEAD\n");
    ///     w.start_tls(&mut r, &connector, "localhost").await?;
    ///     w.write(b"encrypted\n")?;
    ///     assert_eq!(r.readline().await.unwrap(), b"encrypted\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn start_tls<'a>(
        &'a mut self,
        reader: &'a mut StreamReader,
        connector: &'a TlsConnector,
        server_name: &'a str,
    ) -> impl Future<Output = io::Result<()>> + 'a {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            let io = self.prepare_upgrade(reader).await?;
            let tls = connector.connect(server_name, io).await;
            self.finish_upgrade(reader, tls)
        })
    }

    /// Upgrades this plain connection to TLS as its server, in place: the server side of
    /// [`start_tls`](StreamWriter::start_tls) (asyncio's `writer.start_tls` on a stream from
    /// `start_server`). The same rules and errors; bytes the reader had received and not handed
    /// out (a ClientHello that arrived with the line asking for the upgrade) go to the
    /// handshake.
    ///
    /// See [`start_tls`](StreamWriter::start_tls) for an example with both sides.
    ///
    /// ```
    /// # let (cert, key) = weft::tls::__doc_certificate();
    /// use std::sync::Arc;
    /// weft::run(async {
    ///     let config = weft::tls::rustls::ServerConfig::builder()
    ///         .with_no_client_auth()
    ///         .with_single_cert(vec![cert], key)
    ///         .map_err(std::io::Error::other)?;
    ///     let acceptor = weft::tls::TlsAcceptor::new(Arc::new(config));
    ///     // Halves of two different connections cannot be upgraded together.
    ///     let (a, _peer_a) = weft::net::UnixStream::pair()?;
    ///     let (b, _peer_b) = weft::net::UnixStream::pair()?;
    ///     let (mut reader_a, _wa) = weft::io::open_stream(a)?;
    ///     let (_rb, mut writer_b) = weft::io::open_stream(b)?;
    ///     let err = writer_b.accept_tls(&mut reader_a, &acceptor).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn accept_tls<'a>(
        &'a mut self,
        reader: &'a mut StreamReader,
        acceptor: &'a TlsAcceptor,
    ) -> impl Future<Output = io::Result<()>> + 'a {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            let io = self.prepare_upgrade(reader).await?;
            let tls = acceptor.accept(io).await;
            self.finish_upgrade(reader, tls)
        })
    }

    /// Steps 1 and 2 of the module head: checks the pair, flushes the plain text, and
    /// returns the socket with the reader's unread bytes in front.
    async fn prepare_upgrade(
        &mut self,
        reader: &mut StreamReader,
    ) -> io::Result<Replayed<SocketIo>> {
        let (reader_transport, reader_done) = reader.upgrade_state();
        let same = reader_transport.is_some_and(|t| std::sync::Arc::ptr_eq(t, &self.transport));
        if !same || self.transport.socket().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "start_tls needs the reader and writer of one plain TCP or Unix connection (from \
                 open_connection, open_stream or start_server, not yet upgraded)",
            ));
        }
        if reader_done || self.transport.is_closing() {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "start_tls on a connection that is closed, closing or at end of stream",
            ));
        }
        poll_fn(|cx| self.transport.poll_flushed(cx)).await?;
        Ok(Replayed {
            replay: reader.buffered().to_vec(),
            at: 0,
            inner: SocketIo(self.transport.clone()),
        })
    }

    /// Step 3: switches the pair over to the TLS stream, or records the failure.
    fn finish_upgrade<T>(&mut self, reader: &mut StreamReader, tls: io::Result<T>) -> io::Result<()>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let tls = match tls {
            Ok(tls) => tls,
            Err(err) => {
                self.transport.fail(&err);
                return Err(err);
            }
        };
        let handle = current_handle()?;
        let (read, write) = futures_lite::io::split(tls);
        let transport = Transport::generic(Box::new(write), handle);
        let (high, low) = self.transport.limits();
        transport.set_limits(high, low);
        reader.replace_source(Box::new(read));
        self.transport = transport;
        Ok(())
    }
}

/// A socket transport's socket as a plain byte stream, for the TLS stream to own after an
/// upgrade. It keeps the old transport alive (the socket closes when the TLS stream is
/// dropped) but writes around its buffer, which `prepare_upgrade` emptied and nobody fills
/// again.
struct SocketIo(SharedTransport);

impl SocketIo {
    fn socket(&self) -> io::Result<&super::StreamSocket> {
        // `prepare_upgrade` only builds a `SocketIo` over a transport that has a socket.
        self.0.socket().ok_or_else(|| {
            io::Error::other("internal: start_tls over a transport without a socket")
        })
    }
}

impl AsyncRead for SocketIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.socket()?.poll_read(cx, buf)
    }
}

impl AsyncWrite for SocketIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.socket()?.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A socket keeps nothing back.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The TLS stream closes after its close_notify: end of stream for the peer. The read
        // direction stays open for the peer's own close_notify.
        match self.socket()?.shutdown(Shutdown::Write) {
            Err(err) if err.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(err)),
            _ => Poll::Ready(Ok(())),
        }
    }
}

/// A stream with bytes already read from it put back in front: reads return `replay`
/// first, then the stream's own bytes. Writes go straight through.
struct Replayed<S> {
    replay: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Replayed<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.at < this.replay.len() {
            let n = buf.len().min(this.replay.len() - this.at);
            buf[..n].copy_from_slice(&this.replay[this.at..this.at + n]);
            this.at += n;
            if this.at == this.replay.len() {
                this.replay = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(n));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replayed<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}
