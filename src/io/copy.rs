//! `copy` and `copy_bidirectional`: move bytes from readers to writers until end of stream.
//!
//! Both are built on one state machine, [`CopyBuffer`]: read into an 8 KiB buffer, write it
//! all out, repeat; at end of stream flush the writer. While the reader has nothing and
//! bytes were written since the last flush, it flushes, so a buffering writer (`BufWriter`,
//! TLS) never sits on data while the copy waits for more input. `copy_bidirectional` runs two
//! of them in one future, one per direction, and shuts a direction's writer down
//! (`poll_close`) when its reader reaches end of stream, so a proxy passes the half-close
//! through as tokio's does.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};

/// The chunk each copy reads at a time.
const CHUNK: usize = 8 * 1024;

/// One direction of a copy: the buffer and how far it got.
#[derive(Debug)]
struct CopyBuffer {
    buf: Box<[u8]>,
    /// Bytes `buf[pos..cap]` are read and not yet written.
    pos: usize,
    cap: usize,
    read_done: bool,
    /// Bytes were written since the last flush.
    need_flush: bool,
    amount: u64,
}

impl CopyBuffer {
    fn new() -> CopyBuffer {
        CopyBuffer {
            buf: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            need_flush: false,
            amount: 0,
        }
    }

    /// Copies until `reader` ends and `writer` is flushed; the number of bytes copied.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.pos == self.cap && !self.read_done {
                match reader.as_mut().poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => self.read_done = true,
                    Poll::Ready(Ok(n)) => {
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(err)) if err.kind() == io::ErrorKind::Interrupted => continue,
                    Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                    Poll::Pending => {
                        // Waiting for input: push out what the writer may be holding.
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                match ready!(
                    writer
                        .as_mut()
                        .poll_write(cx, &self.buf[self.pos..self.cap])
                ) {
                    Ok(0) => {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::WriteZero,
                            "copy: the writer accepted no more bytes",
                        )));
                    }
                    Ok(n) => {
                        self.pos += n;
                        self.amount += n as u64;
                        self.need_flush = true;
                    }
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Poll::Ready(Err(err)),
                }
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amount));
            }
        }
    }
}

/// Copies everything `reader` yields into `writer` until end of stream, then flushes the
/// writer; returns the number of bytes copied (tokio's `io::copy`). The writer is not
/// closed: call `close` on it if the other side should see end of stream.
///
/// Works with any `futures_io` reader and writer: sockets, pipes, files, TLS streams,
/// [`StreamReader`](crate::io::StreamReader), [`StreamWriter`](crate::io::StreamWriter).
///
/// ```
/// use weft::io::AsyncReadExt;
/// weft::run(async {
///     let (mut a, mut b) = weft::io::duplex(64);
///     let mut source: &[u8] = b"copied through a 64-byte pipe";
///     let copier = weft::spawn(async move {
///         let n = weft::io::copy(&mut source, &mut a).await?;
///         std::io::Result::Ok(n) // `a` drops here: `b` reads end of stream
///     });
///     let mut got = String::new();
///     b.read_to_string(&mut got).await?;
///     assert_eq!(copier.await.unwrap()?, 29);
///     println!("{got}");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn copy<'a, R, W>(
    reader: &'a mut R,
    writer: &'a mut W,
) -> impl Future<Output = io::Result<u64>> + 'a
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    weft_coop::waiting_at(std::panic::Location::caller(), async move {
        let mut state = CopyBuffer::new();
        poll_fn(|cx| state.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
    })
}

/// Where one direction of `copy_bidirectional` is.
#[derive(Debug)]
enum Direction {
    Copying(CopyBuffer),
    /// The reader ended and the writer was flushed; shutting the writer down.
    ShuttingDown(u64),
    Done(u64),
}

impl Direction {
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            match self {
                Direction::Copying(buf) => {
                    let n = ready!(buf.poll_copy(cx, reader.as_mut(), writer.as_mut()))?;
                    *self = Direction::ShuttingDown(n);
                }
                Direction::ShuttingDown(n) => {
                    ready!(writer.as_mut().poll_close(cx))?;
                    *self = Direction::Done(*n);
                }
                Direction::Done(n) => return Poll::Ready(Ok(*n)),
            }
        }
    }
}

/// Copies both ways between `a` and `b` at once until both directions reach end of stream
/// (tokio's `io::copy_bidirectional`); returns `(bytes a → b, bytes b → a)`.
///
/// When one side's reads end, the other side's write direction is shut down (its
/// `poll_close`), so a half-close passes through, while the other direction keeps copying.
/// The first error ends both directions and is returned.
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
/// weft::run(async {
///     // client <-> (proxy_in, proxy_out) <-> server, all in memory.
///     let (mut client, mut proxy_in) = weft::io::duplex(64);
///     let (mut proxy_out, mut server) = weft::io::duplex(64);
///     let proxy = weft::spawn(async move {
///         weft::io::copy_bidirectional(&mut proxy_in, &mut proxy_out).await
///     });
///     client.write_all(b"request").await?;
///     client.close().await?; // half-close: the server reads end of stream
///     let mut request = Vec::new();
///     server.read_to_end(&mut request).await?;
///     server.write_all(b"response!").await?;
///     drop(server);
///     let mut response = Vec::new();
///     client.read_to_end(&mut response).await?;
///     assert_eq!((request.as_slice(), response.as_slice()), (&b"request"[..], &b"response!"[..]));
///     assert_eq!(proxy.await.unwrap()?, (7, 9));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn copy_bidirectional<'a, A, B>(
    a: &'a mut A,
    b: &'a mut B,
) -> impl Future<Output = io::Result<(u64, u64)>> + 'a
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    weft_coop::waiting_at(std::panic::Location::caller(), async move {
        let mut a_to_b = Direction::Copying(CopyBuffer::new());
        let mut b_to_a = Direction::Copying(CopyBuffer::new());
        poll_fn(|cx| {
            let forward = a_to_b.poll(cx, Pin::new(&mut *a), Pin::new(&mut *b))?;
            let backward = b_to_a.poll(cx, Pin::new(&mut *b), Pin::new(&mut *a))?;
            match (forward, backward) {
                (Poll::Ready(forward), Poll::Ready(backward)) => {
                    Poll::Ready(Ok((forward, backward)))
                }
                _ => Poll::Pending,
            }
        })
        .await
    })
}
