//! Seed 003 "Schedule a callback later", seed 000's hello world with `call_later`, and seed
//! 002's `call_soon(partial(callable, args))`.
//!
//! ```python
//! async def main():
//!     logging.debug("Hello ...")
//!     asyncio.get_event_loop().call_later(1.0, lambda: logging.debug("Immediate callback executed"))
//!     await asyncio.sleep(2)
//!     logging.debug("... World!")
//! ```
//!
//! Callbacks are plain closures (`FnOnce() + Send`): capture the arguments instead of
//! `functools.partial`.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let start = Instant::now();
        let log = Arc::new(Mutex::new(Vec::new()));
        let say = {
            let log = log.clone();
            move |msg: &str| {
                println!("{:>7.3}s - DEBUG - {msg}", start.elapsed().as_secs_f64());
                log.lock().unwrap().push(msg.to_string());
            }
        };
        say("Hello ...");
        let loop_ = weft::Handle::current();
        let later = say.clone();
        loop_
            .call_later(secs(1.0, scale), move || {
                later("Immediate callback executed")
            })
            .expect("the runtime is running");
        let soon = say.clone();
        let (a, b) = (1, 2);
        loop_
            .call_soon(move || soon(&format!("call_soon with arguments {a} and {b}")))
            .unwrap();
        weft::sleep(secs(2.0, scale)).await;
        say("... World!");
        let log = log.lock().unwrap();
        assert_eq!(log[0], "Hello ...");
        assert_eq!(log[2], "Immediate callback executed");
        assert_eq!(log[3], "... World!");
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
