//! Seed 001 "gather": run awaitables concurrently, results in argument order.
//!
//! ```python
//! async def square(x):
//!     await asyncio.sleep(0.1)
//!     return x * x
//! results = await asyncio.gather(square(2), square(3), square(4))
//! print(results)
//! ```
//!
//! `weft::gather` spawns each child as a task (they run in parallel on all cores) and
//! collects the outputs in input order.
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let results = weft::gather([2, 3, 4].map(|x| async move {
            weft::sleep(secs(0.1, scale)).await;
            x * x
        }))
        .await;
        println!("{results:?}");
        assert_eq!(results, [4, 9, 16]);
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
