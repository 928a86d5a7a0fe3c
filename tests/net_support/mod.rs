//! Helpers shared by the networking tests (`net_*.rs`, `io_streams.rs`): a hang guard, fd
//! counting and the open-file limit.
#![allow(dead_code)]

pub use weft_test_support::HangGuard;

use std::sync::atomic::Ordering;

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// The soft limit on open files (`Max open files` in /proc/self/limits).
pub fn max_open_files() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("read /proc/self/limits");
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

/// How many concurrent loopback connections (two fds each) fit under the open-file limit,
/// capped at `wanted`, with room for everything else the test process holds.
pub fn connections_that_fit(wanted: usize) -> usize {
    let room = max_open_files().saturating_sub(open_fds() + 200) / 2;
    if room < wanted {
        eprintln!(
            "note: RLIMIT_NOFILE is {}; running {room} concurrent connections instead of {wanted}",
            max_open_files()
        );
    }
    wanted.min(room)
}

/// A unique socket path in the temp dir (removed first if a stale one exists).
pub fn socket_path(tag: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("weft-test-{tag}-{}-{n}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// `count` bytes of a pattern that identifies `id` (so crossed streams are detected).
pub fn payload(id: usize, count: usize) -> Vec<u8> {
    (0..count)
        .map(|i| (id.wrapping_mul(31).wrapping_add(i * 7) % 251) as u8)
        .collect()
}
