//! Seed 001, "Coordinate tasks with asyncio queues": a `PriorityQueue` hands out the
//! smallest item first, so the urgent job put second comes out first.
//!
//! ```python
//! async def main():
//!     queue = asyncio.PriorityQueue()
//!     await queue.put((20, "normal"))
//!     await queue.put((10, "urgent"))
//!     print(await queue.get())
//!     print(await queue.get())
//! ```
//!
//! How weft differs: items are any `T: Ord`; a tuple `(priority, payload)` orders by
//! priority first, exactly like Python's tuple comparison. Items with equal priority come
//! out in no particular order, as in asyncio (add a sequence number to the tuple for FIFO
//! among equals).
use weft::sync::PriorityQueue;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing); this pattern has
/// none, so the scale is unused.
pub fn demo(_scale: f64) {
    weft::run(async {
        let queue = PriorityQueue::new();
        queue.put((20, "normal")).await.expect("the queue is open");
        queue.put((10, "urgent")).await.expect("the queue is open");

        let first = queue.get().await.expect("the queue holds two items");
        println!("{first:?}");
        let second = queue.get().await.expect("the queue holds one item");
        println!("{second:?}");

        assert_eq!(
            first,
            (10, "urgent"),
            "the lowest priority value must come out first"
        );
        assert_eq!(second, (20, "normal"));
    });
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
