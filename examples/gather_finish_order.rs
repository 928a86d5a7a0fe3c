//! Seed 004 item 8 (GeeksforGeeks): `gather(task1(), task2())` where task1 sleeps 3 and task2
//! sleeps 1: "Task 2 finished" prints first, and the whole takes about 3, not 4.
//!
//! ```python
//! async def task1(): print("Task 1 started"); await asyncio.sleep(3); print("Task 1 finished")
//! async def task2(): print("Task 2 started"); await asyncio.sleep(1); print("Task 2 finished")
//! await asyncio.gather(task1(), task2())
//! ```
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

async fn task(n: u8, delay: f64, scale: f64, finished: Arc<Mutex<Vec<u8>>>) {
    println!("Task {n} started");
    weft::sleep(secs(delay, scale)).await;
    println!("Task {n} finished");
    finished.lock().unwrap().push(n);
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let finished = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        weft::gather!(
            task(1, 3.0, scale, finished.clone()),
            task(2, 1.0, scale, finished.clone())
        )
        .await;
        let took = start.elapsed();
        println!(
            "took {:.2} units of the seed's seconds",
            took.as_secs_f64() / scale
        );
        assert_eq!(*finished.lock().unwrap(), [2, 1]);
        assert!(took < secs(4.0, scale), "the two sleeps overlapped");
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
