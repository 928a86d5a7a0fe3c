//! Zero-copy file sending for the byte streams (`TcpStream::sendfile`,
//! `UnixStream::sendfile`), Linux only: `sendfile(2)` (`sys/linux/sendfile.rs`) in a loop
//! driven by write readiness, like any other write. Each call sends what the socket buffer
//! takes; `WouldBlock` clears the write-ready bit by the readiness cache's one rule and the
//! loop waits for the next edge, and every completed call spends one unit of the cooperative
//! budget, so a 1 GiB file cannot hog its worker.
//!
//! The portable fallback (read a chunk on the blocking pool, write it) needs the executor,
//! which this crate does not know: it is the facade's `StreamWriter::sendfile`, which also
//! takes it when this path reports `ErrorKind::Unsupported` (the kernel refuses this file or
//! socket: asyncio's `SendfileNotAvailableError`).

use std::io;
use std::os::fd::AsFd;

use crate::Async;

/// Sends `count` bytes (all, to the end of the file, for `None`) of `file` from `offset` to
/// the socket in `io`; returns how many were sent, fewer only when the file ended first.
pub(crate) async fn send_file<T: AsFd>(
    io: &Async<T>,
    file: &std::fs::File,
    offset: u64,
    count: Option<u64>,
) -> io::Result<u64> {
    let mut sent = 0u64;
    let mut remaining = count.unwrap_or(u64::MAX);
    while remaining > 0 {
        let position = offset.checked_add(sent).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "sendfile: offset + count overflows",
            )
        })?;
        let chunk = usize::try_from(remaining).unwrap_or(usize::MAX);
        let n = io
            .write_with(|s| {
                crate::sys::linux::sendfile::sendfile(s.as_fd(), file.as_fd(), position, chunk)
            })
            .await
            .map_err(|err| match sent {
                0 if is_unsupported(&err) => unsupported(err),
                _ => err,
            })?;
        if n == 0 {
            break; // the end of the file
        }
        // `n <= chunk <= remaining`, so neither can wrap.
        sent += n as u64;
        remaining -= n as u64;
    }
    Ok(sent)
}

/// Whether a `sendfile` error means "not with this file or socket" rather than a broken
/// connection.
fn is_unsupported(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP | libc::ESPIPE)
    )
}

/// The error that tells the caller to copy the bytes itself.
fn unsupported(err: io::Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("sendfile(2) cannot send this file to this socket ({err}); copy it instead"),
    )
}
