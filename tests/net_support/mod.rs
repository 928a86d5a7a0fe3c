//! Helpers shared by the networking tests (`net_*.rs`, `io_streams.rs`): a hang guard, fd
//! counting and the open-file limit, and a connected stream pair of whatever kind the
//! platform has (a Unix socket pair; on Windows, a loopback TCP pair).
#![allow(dead_code)]

pub use weft_test_support::HangGuard;

use std::sync::atomic::Ordering;

#[cfg(unix)]
pub use weft_test_support::fds::open_fds;

/// The soft limit on open files (`Max open files` in /proc/self/limits).
#[cfg(unix)]
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
/// capped at `wanted`, with room for everything else the test process holds. Windows has no
/// such limit: `wanted`.
pub fn connections_that_fit(wanted: usize) -> usize {
    #[cfg(windows)]
    return wanted;
    #[cfg(unix)]
    {
        let room = max_open_files().saturating_sub(open_fds() + 200) / 2;
        if room < wanted {
            eprintln!(
                "note: RLIMIT_NOFILE is {}; running {room} concurrent connections instead of {wanted}",
                max_open_files()
            );
        }
        wanted.min(room)
    }
}

/// The stream type [`stream_pair`] connects.
#[cfg(unix)]
pub type Stream = weft::net::UnixStream;
/// The stream type [`stream_pair`] connects.
#[cfg(windows)]
pub type Stream = weft::net::TcpStream;

/// A connected pair of weft streams: a Unix socket pair, or on Windows (which has none) a
/// loopback TCP connection. Needs a runtime on Windows (it connects and accepts).
pub async fn stream_pair() -> (Stream, Stream) {
    #[cfg(unix)]
    return Stream::pair().unwrap();
    #[cfg(windows)]
    {
        let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = Stream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (b, _) = listener.accept().await.unwrap();
        (a, b)
    }
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
