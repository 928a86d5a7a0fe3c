//! Seed 001 "wait_for + shield": the caller times out, the task carries on.
//!
//! ```python
//! task = asyncio.create_task(worker())          # sleeps 1 s, returns "finished"
//! try:
//!     await asyncio.wait_for(asyncio.shield(task), timeout=0.1)
//! except TimeoutError:
//!     print("caller timed out")
//! print(await task)
//! ```
//!
//! A `Task` is `Unpin`, so the timeout can borrow it (`&mut task`): when the timeout fires it
//! drops only the borrow, and the task keeps running — that is `shield`.
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let mut task = weft::spawn(async move {
            weft::sleep(secs(1.0, scale)).await;
            "finished"
        });
        if weft::timeout(secs(0.1, scale), &mut task).await.is_err() {
            println!("caller timed out");
        }
        let result = task.await.expect("the shielded task was not cancelled");
        println!("{result}");
        assert_eq!(result, "finished");
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
