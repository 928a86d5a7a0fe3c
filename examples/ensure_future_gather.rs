//! Seed 002: `ensure_future` two coroutines, `run_until_complete(gather(...))`, and time it.
//!
//! ```python
//! async def do_some_work(x):
//!     print('Started'); print("Waiting " + str(x))
//!     await asyncio.sleep(x)
//!     return 'Girish' if x == 12 else 'Sancheti'
//! tasks = [asyncio.ensure_future(do_some_work(12)), asyncio.ensure_future(do_some_work(1))]
//! a1, a2 = loop.run_until_complete(asyncio.gather(*tasks))
//! print('a1:', a1, ' a2:', a2); print('Took %.4f ms' % ...)
//! ```
use std::time::{Duration, Instant};

async fn do_some_work(x: u64, scale: f64) -> &'static str {
    println!("Started");
    println!("Waiting {x}");
    weft::sleep(secs(x as f64, scale)).await;
    if x == 12 { "Girish" } else { "Sancheti" }
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    let runtime = weft::Runtime::new().expect("runtime");
    let t0 = Instant::now();
    let tasks = [12, 1].map(|x| runtime.spawn(do_some_work(x, scale)));
    let (a1, a2) = runtime.block_on(async {
        let [t1, t2] = tasks;
        (t1.await.unwrap(), t2.await.unwrap())
    });
    println!("a1: {a1}  a2: {a2}");
    println!("Completed");
    let took = t0.elapsed();
    println!("Took {:.4} ms", took.as_secs_f64() * 1000.0);
    assert_eq!((a1, a2), ("Girish", "Sancheti"));
    assert!(
        took < secs(13.0, scale),
        "the sleeps overlapped: 12 + 1 units took only about 12"
    );
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
