//! Seed 004, Real Python's "Getting Started With Async Features in Python", program 4:
//! cooperative concurrency with non-blocking calls. The delays [15, 10, 5, 2] become
//! `await asyncio.sleep(delay)` and two tasks drain one `asyncio.Queue`: while one sleeps
//! the other works, so the total is the longest path (15 + 2 = 17 s), not the sum (32 s).
//!
//! ```python
//! async def task(name, work_queue):
//!     timer = Timer(text=f"Task {name} elapsed time: {{:.1f}}")
//!     while not work_queue.empty():
//!         delay = await work_queue.get()
//!         print(f"Task {name} running")
//!         timer.start()
//!         await asyncio.sleep(delay)
//!         timer.stop()
//! async def main():
//!     work_queue = asyncio.Queue()
//!     for work in [15, 10, 5, 2]:
//!         await work_queue.put(work)
//!     with Timer(text="\nTotal elapsed time: {:.1f}"):
//!         await asyncio.gather(
//!             asyncio.create_task(task("One", work_queue)),
//!             asyncio.create_task(task("Two", work_queue)),
//!         )
//! ```
//!
//! How weft differs: weft's tasks run in parallel on several worker threads, so the
//! original's `while not work_queue.empty(): await work_queue.get()` would be a race — both
//! tasks could see the last item, and one would then wait forever. Instead the queue is shut
//! down once it is filled (asyncio 3.13's `Queue.shutdown()`): `get` keeps handing out the
//! items and answers `Err(QueueShutDown)` once they are gone, which ends each task's loop.
use std::time::{Duration, Instant};

use weft::sync::Queue;

/// One task: takes delays from the queue and sleeps (without blocking) for each one.
/// Returns the time it spent sleeping.
async fn task(name: &'static str, work_queue: Queue<u32>, scale: f64) -> Duration {
    let mut busy = Duration::ZERO;
    while let Ok(delay) = work_queue.get().await {
        println!("Task {name} running");
        let start = Instant::now();
        weft::sleep(secs(f64::from(delay), scale)).await; // other tasks run meanwhile
        let elapsed = start.elapsed();
        busy += elapsed;
        println!(
            "Task {name} elapsed time: {:.1}",
            elapsed.as_secs_f64() / scale
        );
    }
    busy
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    let delays = [15, 10, 5, 2];
    weft::run(async move {
        let work_queue = Queue::new();
        for delay in delays {
            work_queue.put(delay).await.expect("the queue is open");
        }
        work_queue.shutdown(false); // no more work: gets drain the queue, then report shut-down

        let start = Instant::now();
        let (one, two) = weft::gather!(
            task("One", work_queue.clone(), scale),
            task("Two", work_queue.clone(), scale)
        )
        .await;
        let wall = start.elapsed();

        let sum = secs(f64::from(delays.iter().sum::<u32>()), scale);
        println!();
        println!("sum of delays: {:.1}", sum.as_secs_f64() / scale);
        println!("wall time:     {:.1}", wall.as_secs_f64() / scale);
        assert!(
            one > Duration::ZERO && two > Duration::ZERO,
            "both tasks should have taken work"
        );
        assert!(
            wall < sum,
            "the sleeps did not overlap: wall time {wall:?} >= sum of delays {sum:?}"
        );
        // The longest path is 15 + 2 (or 10 + 5 + 2): timers never fire early.
        assert!(
            wall >= secs(17.0, scale),
            "finished faster than the longest path"
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
