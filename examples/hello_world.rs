//! Seed 001 "Run coroutines" (and GeeksforGeeks item 7): the hello world of asyncio.
//!
//! ```python
//! async def main():
//!     print("hello")
//!     await asyncio.sleep(1)
//!     print("world")
//! asyncio.run(main())
//! ```
//!
//! `weft::run` is `asyncio.run`: it builds a runtime (one worker per core), runs the future on
//! this thread, then cancels whatever is left and joins every thread.
use std::time::{Duration, Instant};

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let start = Instant::now();
        println!("hello");
        weft::sleep(secs(1.0, scale)).await;
        println!("world");
        assert!(start.elapsed() >= secs(1.0, scale), "sleep returned early");
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
