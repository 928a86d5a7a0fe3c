//! The byte-stream operations TCP and Unix streams share, written once over `Async<T>`.
//!
//! Poll-style functions (`poll_*`) use the source's shared waiter slot and back the
//! `futures_io` impls; the `async fn`s wait in their own slot so several tasks can wait on one
//! stream. Both go through `Async`, hence through the readiness cache and the cooperative
//! budget.

use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::task::{Context, Poll};

use weft_coop::{IoOp, IoResource};

use crate::Async;
use crate::sys::{self, AsSource};

/// One read into `buf`, poll-style.
pub(crate) fn poll_read<T>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>>
where
    T: AsSource,
    for<'a> &'a T: Read,
{
    io.poll_read_stream(cx, buf.len(), |s| (&*s).read(buf))
}

/// One read straight into possibly uninitialised memory (the platform layer's `read(2)` or
/// `recv`): no zero-filling first, which std's `Read` would need (its `read_buf` is
/// unstable). Returns how many bytes of `buf`'s front are now initialised.
pub(crate) fn read_uninit(io: &impl AsSource, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    #[cfg(unix)]
    return sys::read_uninit(io.as_fd(), buf);
    #[cfg(windows)]
    return sys::read_uninit(io.as_socket(), buf);
}

/// [`read_uninit`], poll-style (the same readiness cache and budget as [`poll_read`]).
pub(crate) fn poll_read_uninit<T: AsSource>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> Poll<io::Result<usize>> {
    let polled = io.poll_read_stream(cx, buf.len(), |s| read_uninit(s, buf));
    crate::io_wait::record_pending(IoResource::Async, IoOp::Read, polled)
}

/// One write from `buf`, poll-style.
pub(crate) fn poll_write<T>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>>
where
    T: AsSource,
    for<'a> &'a T: Write,
{
    io.poll_write_with(cx, |s| (&*s).write(buf))
}

/// One vectored write, poll-style.
pub(crate) fn poll_write_vectored<T>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>>
where
    T: AsSource,
    for<'a> &'a T: Write,
{
    io.poll_write_with(cx, |s| (&*s).write_vectored(bufs))
}

/// One read into `buf`, waiting in an own slot.
pub(crate) async fn read<T>(io: &Async<T>, buf: &mut [u8]) -> io::Result<usize>
where
    T: AsSource,
    for<'a> &'a T: Read,
{
    io.read_stream(buf.len(), |s| (&*s).read(buf)).await
}

/// One write from `buf`, waiting in an own slot.
pub(crate) async fn write<T>(io: &Async<T>, buf: &[u8]) -> io::Result<usize>
where
    T: AsSource,
    for<'a> &'a T: Write,
{
    io.write_with(|s| (&*s).write(buf)).await
}

/// The error `read_exact` reports when the stream ends first.
pub(crate) fn early_eof(got: usize, wanted: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the stream ended after {got} of {wanted} bytes"),
    )
}

/// The error `write_all` reports when the stream accepts no more bytes.
pub(crate) fn write_zero() -> io::Error {
    io::Error::new(
        io::ErrorKind::WriteZero,
        "the stream accepted no more bytes (write returned 0)",
    )
}
