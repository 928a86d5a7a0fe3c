//! Seed 004, Real Python's "Getting Started With Async Features in Python", program 3:
//! cooperative concurrency with *blocking* calls. Each number in the queue becomes a
//! `time.sleep(delay)`; the tasks still take turns, but a blocking sleep holds the only
//! thread, so the total is the sum of the delays (15 + 10 + 5 + 2 = 32 s): cooperation buys
//! nothing when the calls block.
//!
//! ```python
//! def task(name, queue):
//!     timer = Timer(text=f"Task {name} elapsed time: {{:.1f}}")
//!     while not queue.empty():
//!         delay = queue.get()
//!         print(f"Task {name} running")
//!         timer.start()
//!         time.sleep(delay)
//!         timer.stop()
//!         yield
//! def main():
//!     # ... queue of [15, 10, 5, 2], tasks "One" and "Two", the driver loop of program 2
//!     with Timer(text="\nTotal elapsed time: {:.1f}"):
//!         ...
//! ```
//!
//! How weft differs: the generators become real weft tasks on a runtime with *one* worker
//! thread (the single-threaded event loop of the original), `yield` becomes
//! `weft::yield_now()`, and `time.sleep` stays a blocking `std::thread::sleep`. Blocking a
//! worker like this is the mistake the program demonstrates; weft's answer is
//! `weft::sleep` (program 4, `async_queue_workers`) or, for blocking work that cannot be
//! avoided, `weft::spawn_blocking`. On a runtime with several workers the two tasks would
//! run in parallel instead, each blocking its own thread. One cosmetic difference: a worker
//! runs the task spawned last first (its LIFO slot, which speeds up message passing), so
//! "Two" takes the first number here; the alternation and the 32 s total are the original's.
use std::time::{Duration, Instant};

use weft::sync::Queue;

/// One task: takes delays from the queue and blocks its thread for each one.
async fn task(name: &'static str, queue: Queue<u32>, scale: f64) {
    while let Ok(delay) = queue.get_nowait() {
        println!("Task {name} running");
        let start = Instant::now();
        std::thread::sleep(secs(f64::from(delay), scale)); // blocks the worker: nobody else runs
        println!(
            "Task {name} elapsed time: {:.1}",
            start.elapsed().as_secs_f64() / scale
        );
        weft::yield_now().await;
    }
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    let delays = [15, 10, 5, 2];
    let rt = weft::Builder::new()
        .worker_threads(1)
        .build()
        .expect("start a runtime");
    let wall = rt.block_on(async move {
        let work_queue = Queue::new();
        for delay in delays {
            work_queue.put(delay).await.expect("the queue is open");
        }
        let start = Instant::now();
        // The event loop's view: both tasks are started from a task on the worker, so they
        // queue behind each other on that one thread.
        weft::spawn(async move {
            weft::gather!(
                task("One", work_queue.clone(), scale),
                task("Two", work_queue.clone(), scale)
            )
            .await
        })
        .await
        .expect("the tasks ran to completion");
        start.elapsed()
    });
    let sum = secs(f64::from(delays.iter().sum::<u32>()), scale);
    println!();
    println!("sum of delays: {:.1}", sum.as_secs_f64() / scale);
    println!("wall time:     {:.1}", wall.as_secs_f64() / scale);
    assert!(
        wall >= sum,
        "blocking calls on one worker cannot overlap, yet they did"
    );
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
