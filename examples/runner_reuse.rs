//! Seed 001 "Reuse a managed loop" (`asyncio.Runner`), and seed 002's
//! `loop.run_until_complete`: one runtime, several top-level calls.
//!
//! ```python
//! async def ping(name):
//!     await asyncio.sleep(0.1)
//!     return f"pong:{name}"
//! with asyncio.Runner() as runner:
//!     print(runner.run(ping("a")))
//!     print(runner.run(ping("b")))
//! ```
//!
//! `Runtime::block_on` can be called any number of times; the worker threads stay up in
//! between, and the runtime shuts down when it is dropped (the `with` block's end).
use std::time::Duration;

async fn ping(name: &str, scale: f64) -> String {
    weft::sleep(secs(0.1, scale)).await;
    format!("pong:{name}")
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    let runtime = weft::Runtime::new().expect("start a runtime");
    let a = runtime.block_on(ping("a", scale));
    println!("{a}");
    let b = runtime.block_on(ping("b", scale));
    println!("{b}");
    assert_eq!((a.as_str(), b.as_str()), ("pong:a", "pong:b"));
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
