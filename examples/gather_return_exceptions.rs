//! Seed 001 "gather with return_exceptions=True": failures come back in place.
//!
//! ```python
//! async def ok():  await asyncio.sleep(0.1); return "ok"
//! async def bad(): await asyncio.sleep(0.1); raise ValueError("boom")
//! results = await asyncio.gather(ok(), bad(), return_exceptions=True)
//! print(results)   # ['ok', ValueError('boom')]
//! ```
//!
//! In Rust a child usually reports failure with `Result`; `gather` keeps those in place, and
//! `gather_settled` also catches panics (a `JoinError`) in place.
use std::time::Duration;

async fn ok(scale: f64) -> Result<&'static str, String> {
    weft::sleep(secs(0.1, scale)).await;
    Ok("ok")
}

async fn bad(scale: f64) -> Result<&'static str, String> {
    weft::sleep(secs(0.1, scale)).await;
    Err("ValueError: boom".to_string())
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let (a, b) = weft::gather!(ok(scale), bad(scale)).await;
        println!("[{a:?}, {b:?}]");
        assert!(a.is_ok() && b.is_err());

        // A panic is Rust's uncaught exception: gather_settled hands it back in place too.
        let settled = weft::gather_settled([
            Box::pin(async { "fine" })
                as std::pin::Pin<Box<dyn std::future::Future<Output = &str> + Send>>,
            Box::pin(async { panic!("boom") }),
        ])
        .await;
        for outcome in &settled {
            match outcome {
                Ok(v) => println!("ok: {v}"),
                Err(e) => println!("failed in place: {e}"),
            }
        }
        assert!(settled[0].is_ok() && settled[1].as_ref().unwrap_err().is_panic());
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
