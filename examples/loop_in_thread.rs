//! Seed 002 "run an event loop in a separate thread" (the Django pattern): the main thread
//! stays synchronous, a background thread owns the runtime, and the main thread talks to it
//! through its `Handle`.
//!
//! ```python
//! loop = asyncio.new_event_loop()
//! threading.Thread(target=loop.run_forever, daemon=True).start()
//! fut = asyncio.run_coroutine_threadsafe(coro(), loop)   # from the request thread
//! print(fut.result())
//! loop.call_soon_threadsafe(loop.stop)
//! ```
use std::sync::mpsc;
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    // Start the runtime on its own thread and hand its Handle back.
    let (handle_tx, handle_rx) = mpsc::channel();
    let owner = std::thread::spawn(move || {
        let runtime = weft::Builder::new()
            .worker_threads(2)
            .thread_name("background")
            .build()
            .expect("runtime");
        handle_tx.send(runtime.handle().clone()).unwrap();
        runtime.run_forever(); // returns after handle.stop()
        // Dropping the runtime here cancels leftovers and joins its threads.
    });
    let handle = handle_rx.recv().unwrap();

    // The "request threads": plain synchronous code using the runtime.
    for request in 1..=3 {
        let reply = handle
            .run_coroutine_threadsafe(async move {
                weft::sleep(secs(0.1, scale)).await;
                format!(
                    "response {request} from {}",
                    std::thread::current().name().unwrap_or("?")
                )
            })
            .result()
            .expect("the request ran");
        println!("{reply}");
        assert!(reply.starts_with(&format!("response {request}")));
    }

    // Stop cleanly: run_forever returns and the owner thread drops the runtime.
    handle.stop();
    owner.join().unwrap();
    println!("runtime stopped");
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
