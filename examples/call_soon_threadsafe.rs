//! Seed 003 "Schedule from another thread": a plain thread notifies the loop.
//!
//! ```python
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     event = asyncio.Event()
//!     def notify():
//!         loop.call_soon_threadsafe(event.set)
//!     threading.Thread(target=notify).start()
//!     await event.wait()
//!     print("notified")
//! ```
//!
//! weft's `Event` is thread-safe, so the thread could call `event.set()` directly; going
//! through `call_soon_threadsafe` keeps the asyncio shape and runs `set` on the runtime.
use std::sync::Arc;
use std::time::Duration;

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(_scale: f64) {
    weft::run(async {
        let handle = weft::Handle::current();
        let event = Arc::new(weft::sync::Event::new());
        let e = event.clone();
        let notifier = std::thread::spawn(move || {
            handle
                .call_soon_threadsafe(move || e.set())
                .expect("the runtime is running");
        });
        weft::timeout(Duration::from_secs(10), event.wait())
            .await
            .expect("notified in time");
        println!("notified");
        notifier.join().unwrap();
    });
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
