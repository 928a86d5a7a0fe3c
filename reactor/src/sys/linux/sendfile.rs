//! `sendfile(2)`: the kernel copies file pages straight into a socket, with no trip through
//! user memory. The portable fallback (read a chunk, write it) is the caller's: the facade's
//! `StreamWriter::sendfile` reads on the blocking pool, which this crate does not know.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Sends up to `count` bytes of `file`, starting at `offset`, to the socket `out`; returns
/// how many were sent (0 at the end of the file). The file's own position is neither used
/// nor moved. On a non-blocking socket with a full send buffer it fails with `WouldBlock`.
pub(crate) fn sendfile(
    out: BorrowedFd<'_>,
    file: BorrowedFd<'_>,
    offset: u64,
    count: usize,
) -> io::Result<usize> {
    let mut off = libc::off_t::try_from(offset).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "sendfile: offset does not fit off_t",
        )
    })?;
    // Linux moves at most 0x7ffff000 bytes per call, whatever `count` asks.
    let count = count.min(0x7fff_f000);
    // SAFETY: both descriptors are open for the call (borrowed from their owners); `off` is a
    // live, exclusively borrowed `off_t` that the kernel reads and advances, and it writes no
    // other memory of this process.
    let n = unsafe { libc::sendfile(out.as_raw_fd(), file.as_raw_fd(), &mut off, count) };
    // -1 on error, else the count sent, which is at most `count`.
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}
