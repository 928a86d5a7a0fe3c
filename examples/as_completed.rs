//! Seed 001 "as_completed": results as they finish.
//!
//! ```python
//! tasks = [worker("a", 0.3), worker("b", 0.1), worker("c", 0.2)]
//! for future in asyncio.as_completed(tasks):
//!     print(await future)      # b, c, a
//! ```
use std::time::Duration;

async fn worker(name: &'static str, delay: f64, scale: f64) -> &'static str {
    weft::sleep(secs(delay, scale)).await;
    name
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let mut results = weft::as_completed(
            [("a", 0.3), ("b", 0.1), ("c", 0.2)].map(|(n, d)| worker(n, d, scale)),
        );
        let mut order = Vec::new();
        while let Some(outcome) = results.next().await {
            let name = outcome.expect("no worker failed");
            println!("{name}");
            order.push(name);
        }
        assert_eq!(order, ["b", "c", "a"]);
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
