//! Seed 001, "Coordinate tasks with asyncio queues": a producer puts three items and a
//! `None` sentinel; a consumer prints items until the sentinel; `join` waits until every
//! item was marked done.
//!
//! ```python
//! async def producer(queue):
//!     for item in [1, 2, 3]:
//!         await queue.put(item)
//!     await queue.put(None)
//! async def consumer(queue):
//!     while True:
//!         item = await queue.get()
//!         if item is None:
//!             queue.task_done()
//!             break
//!         print(item)
//!         queue.task_done()
//! async def main():
//!     queue = asyncio.Queue()
//!     await asyncio.gather(producer(queue), consumer(queue))
//!     await queue.join()
//! ```
//!
//! How weft differs: the sentinel is `Option::None` (items are `Option<u32>`). A `Queue` is a
//! cloneable handle and, unlike asyncio's, thread-safe: the producer and the consumer run in
//! parallel on different worker threads, and a plain thread could feed it with
//! `put_blocking`. `put` and `get` return a `Result` because a queue can be shut down;
//! `task_done` returns an error value (asyncio's `ValueError`) if called too often.
use std::time::Duration;

use weft::sync::Queue;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing). The seed has no
/// delays; `scale` only bounds how long the final `join` may take.
pub fn demo(scale: f64) {
    weft::run(async move {
        let queue: Queue<Option<u32>> = Queue::new();

        let producer = {
            let queue = queue.clone();
            async move {
                for item in [1, 2, 3] {
                    queue.put(Some(item)).await.expect("the queue is open");
                }
                queue.put(None).await.expect("the queue is open");
            }
        };
        let consumer = {
            let queue = queue.clone();
            async move {
                let mut seen = Vec::new();
                loop {
                    let item = queue.get().await.expect("the queue is open");
                    let Some(item) = item else {
                        queue.task_done().expect("one task_done per get");
                        break seen;
                    };
                    println!("{item}");
                    seen.push(item);
                    queue.task_done().expect("one task_done per get");
                }
            }
        };
        let ((), seen) = weft::gather!(producer, consumer).await;

        // Every item was marked done, so `join` returns at once (the timeout is a hang guard).
        weft::timeout(secs(10.0, scale), queue.join())
            .await
            .expect("join did not return although every item was marked done");
        println!("all items processed");
        assert_eq!(seen, [1, 2, 3], "items were lost or reordered");
        assert!(queue.empty());
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
