//! Seed 001 "Modern timeout pattern" (`async with asyncio.timeout(0.2)`).
//!
//! ```python
//! try:
//!     async with asyncio.timeout(0.2):
//!         await asyncio.sleep(1)
//! except TimeoutError:
//!     print("timed out")
//! ```
//!
//! `weft::timeout(d, fut)` wraps the block as a future; on expiry the inner future is dropped
//! (cancelled) and `Err(Elapsed)` comes back.
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let outcome = weft::timeout(secs(0.2, scale), async {
            weft::sleep(secs(1.0, scale)).await;
        })
        .await;
        match outcome {
            Err(elapsed) => println!("timed out ({elapsed})"),
            Ok(()) => panic!("the sleep should not have finished first"),
        }
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
