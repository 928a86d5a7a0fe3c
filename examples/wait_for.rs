//! Seed 001 "wait_for" (and seed 000 "simple wait_for"): a timeout that cancels the work.
//!
//! ```python
//! async def slow():
//!     await asyncio.sleep(2)
//! try:
//!     await asyncio.wait_for(slow(), timeout=0.5)
//! except TimeoutError:
//!     print("too slow")
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let finished = Arc::new(AtomicBool::new(false));
        let f = finished.clone();
        let slow = async move {
            weft::sleep(secs(2.0, scale)).await;
            f.store(true, Ordering::SeqCst);
        };
        if weft::timeout(secs(0.5, scale), slow).await.is_err() {
            println!("too slow");
        }
        // wait_for cancels the awaitable it gave up on: it never finishes.
        weft::sleep(secs(2.0, scale)).await;
        assert!(!finished.load(Ordering::SeqCst));
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
