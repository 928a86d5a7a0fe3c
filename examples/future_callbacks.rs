//! Seed 000, "Future": a future with done-callbacks, completed by a producer task and
//! awaited by several consumer tasks (the seed's `future_producer_consumer.py` and
//! `future_add_done_callback.py`; the seed names the programs, this is their pattern).
//!
//! ```python
//! async def producer(fut):
//!     await asyncio.sleep(0.5)
//!     fut.set_result("data from producer")
//! async def consumer(name, fut):
//!     print(f"{name} received: {await fut}")
//! async def main():
//!     fut = asyncio.get_running_loop().create_future()
//!     fut.add_done_callback(lambda f: print(f"callback: {f.result()}"))
//!     await asyncio.gather(producer(fut), consumer("A", fut), consumer("B", fut))
//! ```
//!
//! How weft differs: asyncio's `Future` is `weft::sync::Promise<T>`, a cloneable handle
//! that works on any thread. Awaiting it yields `Ok(value)` (each awaiting task gets a
//! clone) or `Err(Cancelled)`. asyncio schedules done-callbacks with `call_soon`; a
//! `Promise` belongs to no loop, so its callbacks run on the thread that completes it (or at
//! once, if added after completion), still exactly once each and in registration order.
//! A second `set_result` is refused with `InvalidStateError` instead of raising.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft::sync::Promise;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let fut: Promise<String> = Promise::new();
        let callbacks = Arc::new(Mutex::new(Vec::new()));
        {
            let callbacks = callbacks.clone();
            fut.add_done_callback(move |f| {
                let result = f
                    .result()
                    .expect("a callback runs once the promise is done");
                println!("callback: {result}");
                callbacks.lock().unwrap().push("first");
            });
        }

        let producer = {
            let fut = fut.clone();
            async move {
                weft::sleep(secs(0.5, scale)).await;
                fut.set_result("data from producer".to_string())
                    .expect("set only once");
            }
        };
        let consumer = |name: &'static str| {
            let fut = fut.clone();
            async move {
                let result = fut.await.expect("the promise is not cancelled");
                println!("{name} received: {result}");
                result
            }
        };
        let ((), a, b) = weft::gather!(producer, consumer("A"), consumer("B")).await;
        assert_eq!(
            [a, b],
            ["data from producer", "data from producer"],
            "a consumer missed the value"
        );

        // A callback added after completion runs at once, after the earlier ones.
        {
            let callbacks = callbacks.clone();
            fut.add_done_callback(move |_| callbacks.lock().unwrap().push("late"));
        }
        assert_eq!(
            *callbacks.lock().unwrap(),
            ["first", "late"],
            "each callback must run once, in order"
        );

        let refused = fut.set_result("again".to_string()).unwrap_err();
        println!("second set_result: {refused}");
        assert_eq!(fut.result().as_deref(), Ok("data from producer"));
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
