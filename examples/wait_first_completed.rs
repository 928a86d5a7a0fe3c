//! Seed 001 "wait FIRST_COMPLETED" (and seed 000 "wait for the first"): race tasks, cancel
//! the losers.
//!
//! ```python
//! tasks = {asyncio.create_task(worker("fast", 0.1)), asyncio.create_task(worker("slow", 1))}
//! done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
//! for task in done: print(task.result())
//! for task in pending: task.cancel()
//! ```
use std::time::Duration;

async fn worker(name: &'static str, delay: f64, scale: f64) -> &'static str {
    weft::sleep(secs(delay, scale)).await;
    name
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let tasks = vec![
            weft::spawn(worker("fast", 0.1, scale)),
            weft::spawn(worker("slow", 1.0, scale)),
        ];
        let (done, pending) = weft::wait(tasks, weft::ReturnWhen::FirstCompleted)
            .await
            .expect("tasks given");
        for task in &pending {
            task.cancel();
        }
        for task in done {
            let name = task.await.expect("finished");
            println!("{name}");
            assert_eq!(name, "fast");
        }
        for task in pending {
            assert!(task.await.unwrap_err().is_cancelled());
        }
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
