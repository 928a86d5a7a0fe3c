//! Seed 001, "Coordinate async tasks with semaphores": eight fetches, at most three at once.
//!
//! ```python
//! sem = asyncio.Semaphore(3)
//! async def fetch(i):
//!     async with sem:
//!         print("start", i)
//!         await asyncio.sleep(0.2)
//!         print("done", i)
//! async def main():
//!     await asyncio.gather(*(fetch(i) for i in range(8)))
//! ```
//!
//! How weft differs: `acquire().await` returns a `Permit` that gives the slot back when it
//! is dropped (the end of "`async with`"); it is a `Result`, an error only once someone
//! `close()`s the semaphore. The fetches run in parallel on every worker
//! thread, so the limit is real parallelism, not just interleaving; the example counts how
//! many are inside at once with atomics and checks the semaphore never lets a fourth in.
//! Waiters are served first come, first served.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use weft::sync::Semaphore;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    const LIMIT: usize = 3;
    weft::run(async move {
        let sem = Arc::new(Semaphore::new(LIMIT));
        let inside = Arc::new(AtomicUsize::new(0));
        let most_inside = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();

        weft::gather((0..8).map(|i| {
            let (sem, inside, most_inside) = (sem.clone(), inside.clone(), most_inside.clone());
            async move {
                let _permit = sem.acquire().await.expect("the semaphore is never closed");
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most_inside.fetch_max(now, Ordering::SeqCst);
                println!("start {i}");
                weft::sleep(secs(0.2, scale)).await;
                println!("done {i}");
                inside.fetch_sub(1, Ordering::SeqCst);
            } // the permit drops here and lets the next fetch in
        }))
        .await;

        let most = most_inside.load(Ordering::SeqCst);
        println!("at most {most} fetches ran at once (limit {LIMIT})");
        assert!(
            most <= LIMIT,
            "{most} fetches were inside a Semaphore({LIMIT})"
        );
        assert_eq!(
            sem.available_permits(),
            LIMIT,
            "a permit was not given back"
        );
        // 8 fetches, 3 at a time: at least three rounds of 0.2 s.
        assert!(
            start.elapsed() >= secs(0.6, scale),
            "the semaphore let too many through"
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
