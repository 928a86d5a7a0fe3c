//! Descriptor accounting for the fd-leak and fd-exhaustion tests: how many descriptors this
//! process holds, and a lowered open-file limit that puts itself back.
//!
//! The counts (and so the limit, set above the highest open descriptor) read Linux's
//! `/proc/self/fd`. They compile on every Unix so that the suites using them type-check for
//! macOS and FreeBSD, where those suites are gated off.

use std::io;

/// Open file descriptors of this process.
///
/// (The examples that count or limit descriptors run as processes of their own: merged
/// doctests share one process, whose other threads could open descriptors meanwhile.)
///
/// ```standalone_crate
/// # #[cfg(target_os = "linux")] {
/// let before = weft_test_support::fds::open_fds();
/// let file = std::fs::File::open("/dev/null").unwrap();
/// assert_eq!(weft_test_support::fds::open_fds(), before + 1);
/// # drop(file); }
/// ```
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// The highest descriptor number open in this process: a limit below it would leave open
/// descriptors that calls checking the number refuse.
///
/// ```
/// # #[cfg(target_os = "linux")]
/// assert!(weft_test_support::fds::highest_fd() >= 2);
/// ```
pub fn highest_fd() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap_or(2)
}

/// The process's soft open-file limit (`RLIMIT_NOFILE`) lowered to the highest descriptor
/// number open plus `room`, and put back when this is dropped, a failing test included. At
/// least `room` more descriptors can be opened (more where lower numbers are free).
///
/// The limit is process-wide: a test that lowers it runs alone in its own test binary.
///
/// ```standalone_crate
/// # #[cfg(target_os = "linux")] {
/// use std::fs::File;
/// use weft_test_support::fds::LowFdLimit;
///
/// let low = LowFdLimit::leave_room(4);
/// let mut files = Vec::new();
/// let full = (0..100_000).find_map(|_| File::open("/dev/null").map(|f| files.push(f)).err());
/// assert_eq!(full.and_then(|e| e.raw_os_error()), Some(24)); // EMFILE
/// assert!(files.len() >= 4);
/// drop(files);
/// drop(low); // the limit is back: far more than four open again
/// let many: std::io::Result<Vec<File>> = (0..64).map(|_| File::open("/dev/null")).collect();
/// assert!(many.is_ok());
/// # }
/// ```
#[derive(Debug)]
pub struct LowFdLimit {
    original: libc::rlimit,
}

impl LowFdLimit {
    /// Lowers the limit to the highest open descriptor plus `room`.
    pub fn leave_room(room: u64) -> LowFdLimit {
        let original = get_nofile();
        let mut low = original;
        low.rlim_cur = (highest_fd() + room) as libc::rlim_t;
        set_nofile(&low);
        LowFdLimit { original }
    }
}

impl Drop for LowFdLimit {
    fn drop(&mut self) {
        set_nofile(&self.original);
    }
}

fn get_nofile() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, exclusively borrowed `rlimit` for the call.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit: {}", io::Error::last_os_error());
    limit
}

fn set_nofile(limit: &libc::rlimit) {
    // SAFETY: `limit` is a valid `rlimit` read by the call.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) };
    assert_eq!(rc, 0, "setrlimit: {}", io::Error::last_os_error());
}
