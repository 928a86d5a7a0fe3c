//! Seed 001 "Cancel tasks safely": cleanup runs when a task is cancelled.
//!
//! ```python
//! async def worker():
//!     try:
//!         await asyncio.sleep(10)
//!     except asyncio.CancelledError:
//!         print("clean up before exit")
//!         raise
//! task = asyncio.create_task(worker()); await asyncio.sleep(0.1); task.cancel()
//! try: await task
//! except asyncio.CancelledError: print("task cancelled")
//! ```
//!
//! In Rust, cancelling drops the future at its current await point, so cleanup lives in
//! `Drop` — it runs however the task ends, which is what `try/finally` gives in Python.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

struct CleanUp(Arc<AtomicBool>);

impl Drop for CleanUp {
    fn drop(&mut self) {
        println!("clean up before exit");
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let cleaned = Arc::new(AtomicBool::new(false));
        let guard = CleanUp(cleaned.clone());
        let task = weft::spawn(async move {
            let _cleanup = guard;
            weft::sleep(secs(10.0, scale)).await;
        });
        weft::sleep(secs(0.1, scale)).await;
        task.cancel();
        match task.await {
            Err(err) if err.is_cancelled() => println!("task cancelled"),
            other => panic!("expected a cancelled task, got {other:?}"),
        }
        assert!(cleaned.load(Ordering::SeqCst));
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
