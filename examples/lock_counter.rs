//! Seed 001, "Coordinate async tasks with locks": 100 tasks increment one counter under a
//! `Lock`, yielding to the scheduler *inside* the critical section.
//!
//! ```python
//! counter = 0
//! lock = asyncio.Lock()
//! async def increment():
//!     global counter
//!     async with lock:
//!         current = counter
//!         await asyncio.sleep(0)
//!         counter = current + 1
//! async def main():
//!     await asyncio.gather(*(increment() for _ in range(100)))
//!     print(counter)
//! ```
//!
//! How weft differs: the lock *owns* the counter (`Lock<u32>`), so the data cannot be
//! touched without holding it, and "`async with`" is the guard's scope — dropping the guard
//! releases the lock. The 100 tasks run in parallel on every worker thread, not interleaved
//! on one, so without the lock the read-yield-write would lose updates for two reasons
//! instead of one. `asyncio.sleep(0)` is `weft::yield_now()`.
use std::sync::Arc;

use weft::sync::Lock;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing); this pattern has
/// none, so the scale is unused.
pub fn demo(_scale: f64) {
    weft::run(async {
        let counter = Arc::new(Lock::new(0_u32));
        weft::gather((0..100).map(|_| {
            let counter = counter.clone();
            async move {
                let mut guard = counter.lock().await;
                let current = *guard;
                // Other tasks run here; they queue on the lock instead of reading a stale value.
                weft::yield_now().await;
                *guard = current + 1;
            } // the guard drops here: the lock passes to the next task in line
        }))
        .await;
        let total = *counter.lock().await;
        println!("{total}");
        assert_eq!(
            total, 100,
            "an increment was lost: the lock did not exclude"
        );
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
