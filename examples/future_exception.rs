//! Seed 000, "Future": a future that ends in an exception instead of a value (the seed's
//! `future_exception.py`), and a future that is cancelled.
//!
//! ```python
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     fut = loop.create_future()
//!     async def fail():
//!         await asyncio.sleep(0.5)
//!         fut.set_exception(ValueError("something went wrong"))
//!     asyncio.create_task(fail())
//!     try:
//!         await fut
//!     except ValueError as e:
//!         print(f"caught: {e}")
//!     cancelled = loop.create_future()
//!     cancelled.cancel()
//!     try:
//!         await cancelled
//!     except asyncio.CancelledError:
//!         print("future was cancelled")
//! ```
//!
//! How weft differs: errors are values. There is no `set_exception`: a promise that can fail
//! carries a `Result` (`Promise<Result<T, E>>`) and the failure is `set_result(Err(e))`, so
//! the type says which errors can arrive. Cancellation is the one outcome every promise
//! has: awaiting a cancelled promise yields `Err(Cancelled)` and `result()` gives
//! `PromiseError::Cancelled`; the awaiting task itself is not cancelled, it decides what to
//! do next.
use std::fmt;
use std::time::Duration;

use weft::sync::{Cancelled, Promise, PromiseError};

/// The failure the promise carries (asyncio's `ValueError("something went wrong")`).
#[derive(Debug, Clone, PartialEq)]
struct ValueError(&'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ValueError {}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let fut: Promise<Result<u32, ValueError>> = Promise::new();
        let failing = fut.clone();
        let fail = weft::spawn(async move {
            weft::sleep(secs(0.5, scale)).await;
            failing
                .set_result(Err(ValueError("something went wrong")))
                .expect("set only once");
        });
        match fut.wait().await {
            Ok(Ok(value)) => panic!("expected a failure, got {value}"),
            Ok(Err(e)) => println!("caught: {e}"),
            Err(Cancelled) => panic!("the promise was not cancelled"),
        }
        fail.await.expect("the failing task ran to completion");
        assert_eq!(fut.result(), Ok(Err(ValueError("something went wrong"))));

        // A cancelled promise: a task waiting on it wakes with `Err(Cancelled)`.
        let cancelled: Promise<u32> = Promise::new();
        let waiter = {
            let cancelled = cancelled.clone();
            weft::spawn(async move { cancelled.await })
        };
        assert!(cancelled.cancel(), "a pending promise can be cancelled");
        match waiter
            .await
            .expect("the waiting task itself is not cancelled")
        {
            Ok(value) => panic!("a cancelled promise produced {value}"),
            Err(e) => println!("future was cancelled ({e})"),
        }
        assert!(cancelled.cancelled());
        assert_eq!(cancelled.result(), Err(PromiseError::Cancelled(Cancelled)));
        assert!(
            cancelled.set_result(1).is_err(),
            "a cancelled promise cannot be set"
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
