//! Seed 000, "Future": a plain thread completes a future that a task awaits (the seed's
//! `future_callback_thread_safe.py`).
//!
//! ```python
//! def worker(loop, fut):
//!     time.sleep(0.5)  # blocking work on a plain thread
//!     loop.call_soon_threadsafe(fut.set_result, "result from thread")
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     fut = loop.create_future()
//!     fut.add_done_callback(lambda f: print("callback:", f.result()))
//!     threading.Thread(target=worker, args=(loop, fut)).start()
//!     print(await fut)
//! ```
//!
//! How weft differs: a `Promise` is thread-safe, so the thread may simply call
//! `set_result` itself; the awaiting task is woken on its worker. The done-callbacks then run
//! on the thread that completed the promise. asyncio's literal form also works: hand the
//! completion to the runtime with `Handle::call_soon_threadsafe`, and the callbacks run on
//! the runtime instead. Both are shown.
use std::time::Duration;

use weft::sync::Promise;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        // 1. The thread completes the promise directly.
        let fut: Promise<String> = Promise::new();
        let (tx, callback_thread) = std::sync::mpsc::channel();
        fut.add_done_callback(move |f| {
            println!("callback: {}", f.result().expect("done"));
            let _ = tx.send(std::thread::current().name().map(str::to_owned));
        });
        let worker = {
            let fut = fut.clone();
            std::thread::Builder::new()
                .name("worker".into())
                .spawn(move || {
                    std::thread::sleep(secs(0.5, scale)); // blocking work
                    fut.set_result("result from thread".to_string())
                        .expect("set only once");
                })
                .expect("spawn a thread")
        };
        let result = fut.wait().await.expect("not cancelled");
        println!("{result}");
        worker.join().expect("the worker thread finished");
        assert_eq!(result, "result from thread");
        assert_eq!(
            callback_thread.recv().expect("the callback ran").as_deref(),
            Some("worker"),
            "the callback runs on the thread that completed the promise"
        );

        // 2. asyncio's form: the thread asks the runtime to complete it.
        let fut: Promise<String> = Promise::new();
        let handle = weft::Handle::current();
        let worker = {
            let fut = fut.clone();
            std::thread::spawn(move || {
                std::thread::sleep(secs(0.5, scale));
                handle
                    .call_soon_threadsafe(move || {
                        fut.set_result("result via call_soon_threadsafe".to_string())
                            .expect("set only once");
                    })
                    .map_err(|_| "the runtime refused the callback")
                    .unwrap();
            })
        };
        let result = fut.wait().await.expect("not cancelled");
        println!("{result}");
        worker.join().expect("the worker thread finished");
        assert_eq!(result, "result via call_soon_threadsafe");
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
