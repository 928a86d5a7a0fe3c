//! Seed 001 "Run coroutines": awaiting an async function's result.
//!
//! ```python
//! async def fetch_name():
//!     await asyncio.sleep(0.2)
//!     return "jon"
//! async def main():
//!     name = await fetch_name()
//!     print(name)
//! ```
//!
//! Like a coroutine object, a Rust future does nothing until it is awaited (or spawned).
use std::time::Duration;

async fn fetch_name(scale: f64) -> &'static str {
    weft::sleep(secs(0.2, scale)).await;
    "jon"
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    let name = weft::run(fetch_name(scale));
    println!("{name}");
    assert_eq!(name, "jon");
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
