//! Seed 001, "Coordinate tasks with asyncio queues": `get` on an empty queue, bounded by a
//! timeout.
//!
//! ```python
//! async def main():
//!     queue = asyncio.Queue()
//!     try:
//!         item = await asyncio.wait_for(queue.get(), timeout=1)
//!         print(item)
//!     except TimeoutError:
//!         print("no item available")
//! ```
//!
//! How weft differs: `weft::timeout(duration, future)` (asyncio's `wait_for`) returns
//! `Err(Elapsed)` instead of raising, and the timed-out `get` is cancelled by being dropped.
//! A cancelled `get` never takes an item with it, which the example checks by putting an
//! item afterwards and getting it back. (For plain threads the queue also has
//! `get_blocking_timeout`.)
use std::time::{Duration, Instant};

use weft::sync::Queue;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let queue: Queue<&str> = Queue::new();
        let start = Instant::now();
        match weft::timeout(secs(1.0, scale), queue.get()).await {
            Ok(item) => panic!("an empty queue produced {item:?}"),
            Err(_elapsed) => println!("no item available"),
        }
        assert!(
            start.elapsed() >= secs(1.0, scale),
            "the timeout fired early"
        );

        // The cancelled get left nothing behind: the next item goes to the next getter.
        queue
            .put_nowait("late item")
            .expect("an unbounded queue is never full");
        let item = weft::timeout(secs(1.0, scale), queue.get())
            .await
            .expect("a queue holding an item answers at once");
        assert_eq!(item, Ok("late item"));
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
