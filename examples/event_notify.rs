//! Seed 001, "Coordinate async tasks with events": one task waits for an `Event` that
//! another sets after a delay.
//!
//! ```python
//! event = asyncio.Event()
//! async def waiter():
//!     await event.wait()
//!     print("event received")
//! async def setter():
//!     await asyncio.sleep(0.2)
//!     event.set()
//! async def main():
//!     await asyncio.gather(waiter(), setter())
//! ```
//!
//! How weft differs: the event is shared through an `Arc` rather than a module global, and
//! `weft::gather!` runs the two tasks in parallel on the worker threads. `Event` is
//! thread-safe: `set` may also come from a plain thread.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use weft::sync::Event;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let event = Arc::new(Event::new());
        let log = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();

        let waiter = {
            let (event, log) = (event.clone(), log.clone());
            async move {
                event.wait().await;
                println!("event received");
                log.lock().unwrap().push("received");
            }
        };
        let setter = {
            let (event, log) = (event.clone(), log.clone());
            async move {
                weft::sleep(secs(0.2, scale)).await;
                log.lock().unwrap().push("set");
                event.set();
            }
        };
        weft::gather!(waiter, setter).await;

        assert_eq!(
            *log.lock().unwrap(),
            ["set", "received"],
            "the waiter ran before the event was set"
        );
        assert!(
            start.elapsed() >= secs(0.2, scale),
            "the waiter did not wait for the setter"
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
