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
//! `join()` is the end of the `async with` block: it waits for every child. If one fails, the
//! others are cancelled and every failure is reported (asyncio's `ExceptionGroup`).
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let printed = Arc::new(Mutex::new(Vec::new()));
        let group = weft::TaskGroup::<(), String>::new();
        for (name, delay) in [("a", 0.2), ("b", 0.1)] {
            let printed = printed.clone();
            group
                .spawn(async move {
                    weft::sleep(secs(delay, scale)).await;
                    println!("{name}");
                    printed.lock().unwrap().push(name);
                    Ok(())
                })
                .expect("the group accepts children");
        }
        group.join().await.expect("no child failed");
        assert_eq!(*printed.lock().unwrap(), ["b", "a"]);

        // And when one fails, its sibling is cancelled and the error reported.
        let group = weft::TaskGroup::<(), String>::new();
        group
            .spawn(async move {
                weft::sleep(secs(10.0, scale)).await;
                unreachable!("cancelled by its sibling's failure");
            })
            .unwrap();
        group
            .spawn(async { Err("ValueError: bad".to_string()) })
            .unwrap();
        let err = group.join().await.unwrap_err();
        println!("{err}");
        assert_eq!(err.failures().len(), 1);
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
