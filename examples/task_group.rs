//! Seed 001 "TaskGroup": children that succeed or fail together.
//!
//! ```python
//! async def worker(name, delay):
//!     await asyncio.sleep(delay)
//!     print(name)
//! async with asyncio.TaskGroup() as tg:
//!     tg.create_task(worker("a", 0.2))
//!     tg.create_task(worker("b", 0.1))
//! ```
//!
//! `weft::task_group(|tg| async move { .. })` is the `async with` block: the scope returns
//! once its body and every child have ended. If a child fails, the others are cancelled, the
//! body is cancelled at its next await, and every failure is reported (asyncio's
//! `ExceptionGroup`).
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let printed = Arc::new(Mutex::new(Vec::new()));
        let p = printed.clone();
        weft::task_group(|tg| async move {
            for (name, delay) in [("a", 0.2), ("b", 0.1)] {
                let printed = p.clone();
                tg.spawn(async move {
                    weft::sleep(secs(delay, scale)).await;
                    println!("{name}");
                    printed.lock().unwrap().push(name);
                    Ok::<(), String>(())
                })
                .expect("the group accepts children");
            }
        })
        .await
        .expect("no child failed");
        assert_eq!(*printed.lock().unwrap(), ["b", "a"]);

        // And when one fails, its sibling and the body are cancelled and the error reported.
        let err = weft::task_group(|tg| async move {
            tg.spawn(async move {
                weft::sleep(secs(10.0, scale)).await;
                never::<Result<(), String>>("cancelled by its sibling's failure")
            })
            .unwrap();
            tg.spawn(async { Err::<(), _>("ValueError: bad".to_string()) })
                .unwrap();
            weft::sleep(secs(10.0, scale)).await;
            unreachable!("the body is cancelled at this await");
        })
        .await
        .unwrap_err();
        println!("{err}");
        assert_eq!(err.failures().len(), 1);
    });
}

/// Marks a line that cancellation must keep us from reaching.
fn never<T>(why: &str) -> T {
    unreachable!("{why}")
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
