//! Seed 003 "Prefer get_running_loop()": the runtime a task runs on.
//!
//! ```python
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     print(loop)
//! ```
//!
//! `Handle::current()` panics outside a runtime with a message that says where it works;
//! `Handle::try_current()` returns an `Option` instead.

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(_scale: f64) {
    assert!(
        weft::Handle::try_current().is_none(),
        "no runtime outside run()"
    );
    weft::run(async {
        let handle = weft::Handle::current();
        println!("{handle:?}");
        let me = weft::spawn(async { weft::task::current().map(|t| t.name().to_owned()) });
        println!(
            "inside a task named {:?}",
            me.await.unwrap().expect("inside a task")
        );
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
