//! Seed 001 "Tasks": `create_task` then `await task` (seed 002's `ensure_future` too).
//!
//! ```python
//! async def worker():
//!     await asyncio.sleep(1)
//!     print("done")
//! async def main():
//!     task = asyncio.create_task(worker())
//!     await task
//! ```
//!
//! `weft::spawn` starts the task at once on some worker; awaiting the `Task` gives
//! `Result<T, JoinError>` (an error if it panicked or was cancelled).
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let task = weft::spawn(async move {
            weft::sleep(secs(1.0, scale)).await;
            println!("done");
        });
        task.await.expect("the worker task finished");
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
