//! Reads that never wait for the disk: on Linux, `preadv2` with `RWF_NOWAIT` copies what the
//! page cache already holds and refuses (`EAGAIN`) instead of waiting for storage, so a read
//! of cached data can run on the calling worker with no trip to the blocking pool. Elsewhere,
//! and on file systems that do not offer it (`EOPNOTSUPP`), every read takes the pool.

use std::fs::File as StdFile;

/// What a read that must not wait came to (only `Unsupported` off Linux).
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(super) enum Nowait {
    /// This many bytes were read (0: the end of the file).
    Read(usize),
    /// The data is not in memory (or the read hit an error): ask the blocking pool, which
    /// waits for it, or reports the error.
    WouldBlock,
    /// This file (or platform) cannot read without waiting: stop trying.
    Unsupported,
}

/// Reads into `buf` at the file's cursor (moving it), only what is in memory already.
#[cfg(target_os = "linux")]
pub(super) fn read(file: &StdFile, buf: &mut [u8]) -> Nowait {
    use std::io;
    use std::os::fd::AsRawFd;
    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    loop {
        // SAFETY: `iov` describes `buf`, writable and alive for the whole call; the
        // descriptor is `file`'s, open for as long as the borrow. Offset -1 reads at (and
        // advances) the file's own cursor, like `read`.
        let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
        if let Ok(n) = usize::try_from(n) {
            return Nowait::Read(n);
        }
        return match io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            // EOPNOTSUPP: the file system has no non-waiting reads; ENOSYS: the kernel has no
            // preadv2 (before 4.6); EINVAL: no RWF_NOWAIT (before 4.14).
            Some(libc::EOPNOTSUPP | libc::ENOSYS | libc::EINVAL) => Nowait::Unsupported,
            // EAGAIN, and any real error: the pool's read reports it the ordinary way.
            _ => Nowait::WouldBlock,
        };
    }
}

/// Other platforms have no non-waiting read of regular files.
#[cfg(not(target_os = "linux"))]
pub(super) fn read(_file: &StdFile, _buf: &mut [u8]) -> Nowait {
    Nowait::Unsupported
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    #[test]
    fn a_cached_file_reads_without_waiting_and_moves_the_cursor() {
        let path = std::env::temp_dir().join(format!("weft-nowait-{}", std::process::id()));
        let mut file = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        file.write_all(b"just written, so cached").unwrap();
        file.seek(SeekFrom::Start(5)).unwrap();
        let mut buf = [0; 7];
        // tmpfs, ext4, xfs and btrfs all read cached data without waiting.
        match read(&file, &mut buf) {
            Nowait::Read(n) => {
                assert_eq!(&buf[..n], &b"written"[..n]);
                assert_eq!(file.stream_position().unwrap(), 5 + n as u64);
            }
            other => assert_eq!(other, Nowait::Unsupported, "cached data would block"),
        }
        std::fs::remove_file(&path).unwrap();
    }
}
