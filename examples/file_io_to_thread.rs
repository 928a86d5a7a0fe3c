//! Seed 003, "Know the file I/O caveat": an event loop does not make regular file I/O
//! non-blocking; push blocking file work to a thread.
//!
//! ```python
//! # asyncio can monitor sockets and many OS handles, but regular file I/O
//! # is not made non-blocking just by using asyncio. Use threads or subprocesses
//! # for blocking file operations when needed.
//! def write_report(path, lines):
//!     with open(path, "w") as f:
//!         f.writelines(lines)
//! async def main():
//!     await asyncio.to_thread(write_report, "report.txt", lines)
//! ```
//!
//! weft has the same caveat: no OS reports readiness for regular files, so a `std::fs` call
//! inside a task blocks the worker thread running it. `weft::to_thread` (alias
//! `spawn_blocking`) runs the closure on the blocking pool instead. To show it, this runtime
//! has a single worker: a heartbeat task keeps ticking on it while the file work runs on the
//! pool, and the file work even waits for three heartbeats, which could never come if it
//! held the only worker. (`weft::fs` wraps this pattern, with buffering: see `aiofiles`.)
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    let rt = weft::Builder::new()
        .worker_threads(1)
        .build()
        .expect("build a runtime");
    rt.block_on(async move {
        let path =
            std::env::temp_dir().join(format!("weft-example-report-{}.txt", std::process::id()));
        let (beat_tx, beat_rx) = std::sync::mpsc::channel();
        let heartbeat = weft::spawn(async move {
            for n in 1..=3 {
                weft::sleep(secs(0.1, scale)).await;
                println!("heartbeat {n}: the worker is free");
                beat_tx.send(n).expect("the file job listens");
            }
        });

        let report = path.clone();
        let lines_read = weft::to_thread(move || -> std::io::Result<usize> {
            // Plain blocking std::fs code: fine here, on a blocking-pool thread.
            let lines: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
            std::fs::write(&report, lines)?;
            for _ in 0..3 {
                // A hang guard, not a timing assumption: the beats come within 0.3 s scaled.
                beat_rx
                    .recv_timeout(Duration::from_secs(10))
                    .expect("the worker ticked during file I/O");
            }
            let count = std::fs::read_to_string(&report)?.lines().count();
            std::fs::remove_file(&report)?;
            Ok(count)
        })
        .await
        .expect("the blocking job ran")
        .expect("the file I/O succeeded");

        println!("wrote and read back {lines_read} lines on the blocking pool");
        assert_eq!(lines_read, 1000);
        heartbeat.await.expect("the heartbeat task finished");
    });
}

fn secs(s: f64, scale: f64) -> Duration {
    Duration::from_secs_f64(s * scale)
}

#[allow(dead_code)]
fn main() {
    demo(
        std::env::var("WEFT_TIME_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.1),
    )
}
