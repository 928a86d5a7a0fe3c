//! Seed 003 "Submit a coroutine from another thread" and seed 000 "register a coroutine in
//! the loop from a worker thread": a plain thread hands work to the runtime and blocks for
//! the result.
//!
//! ```python
//! async def echo(): return "ok"
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     def worker():
//!         future = asyncio.run_coroutine_threadsafe(echo(), loop)
//!         result_holder["value"] = future.result()
//!     t = threading.Thread(target=worker); t.start()
//!     await asyncio.sleep(0.1)
//!     t.join()
//! ```
//!
//! `result()` blocks the calling thread, so it belongs on plain threads; on a worker it
//! panics with a clear message (await the `ConcurrentFuture` there instead).
use std::time::Duration;

async fn echo() -> &'static str {
    "ok"
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let handle = weft::Handle::current();
        let worker = std::thread::spawn(move || {
            let future = handle.run_coroutine_threadsafe(echo());
            future
                .result_timeout(Duration::from_secs(10))
                .expect("the coroutine ran")
        });
        weft::sleep(secs(0.1, scale)).await;
        // Joining a thread blocks; do it on the blocking pool rather than a worker.
        let value = weft::to_thread(move || worker.join().unwrap())
            .await
            .unwrap();
        println!("{value}");
        assert_eq!(value, "ok");
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
