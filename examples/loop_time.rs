//! Seed 001 "Use loop.time() for deadlines": measuring a sleep on the runtime clock.
//!
//! ```python
//! loop = asyncio.get_running_loop()
//! start = loop.time()
//! await asyncio.sleep(0.5)
//! print(loop.time() - start)
//! ```
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let handle = weft::Handle::current();
        let start = handle.time();
        weft::sleep(secs(0.5, scale)).await;
        let elapsed = handle.time() - start;
        println!("{:.3}", elapsed.as_secs_f64());
        assert!(elapsed >= secs(0.5, scale), "timers never fire early");
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
