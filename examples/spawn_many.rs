//! The scale demo: 10,000 spawned tasks gathered (asyncio's `gather(*(f(i) for i in
//! range(10_000)))`), and how long it takes on all cores.
use std::time::{Duration, Instant};

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let start = Instant::now();
        let results = weft::gather((0..10_000u64).map(|i| async move {
            weft::yield_now().await;
            i * 2
        }))
        .await;
        let took = start.elapsed();
        let sum: u64 = results.iter().sum();
        println!(
            "spawned and gathered {} tasks in {:.2} ms (sum {sum})",
            results.len(),
            took.as_secs_f64() * 1e3
        );
        assert_eq!(sum, 9_999 * 10_000);

        // The same with a timer each: 10,000 concurrent sleeps of 0.1 seed-seconds.
        let start = Instant::now();
        weft::gather((0..10_000).map(|_| weft::sleep(secs(0.1, scale)))).await;
        println!(
            "10,000 concurrent sleeps of {:.1} ms finished in {:.1} ms",
            secs(0.1, scale).as_secs_f64() * 1e3,
            start.elapsed().as_secs_f64() * 1e3
        );
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
