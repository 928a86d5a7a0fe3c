//! weft's own: its tasks as `tracing` spans (feature `tracing`), the instrumentation tokio
//! users add tokio-console for. Each task is a `runtime.spawn` span (target `weft::task`)
//! with the fields tokio-console reads — `kind`, `task.id`, `task.name`, `task.parent_id`,
//! `loc.file`/`loc.line`/`loc.col` — entered around every poll; each wake is a
//! `runtime::waker` event naming the task's span.
//!
//! This example prints them with `tracing-subscriber`'s formatter: a named parent spawns two
//! children that sleep, wake, and finish.
//!
//! Run: `cargo run -p weft-integration --example tracing_spans --features tracing`
use std::time::Duration;
use tracing_subscriber::fmt::format::FmtSpan;

pub fn demo(scale: f64) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("weft::task=trace,runtime::waker=trace")
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_thread_names(true)
        .with_ansi(false)
        .try_init();
    weft::run(async move {
        let parent = weft::task::Builder::new().name("parent").spawn(async move {
            let children: Vec<_> = (1..=2u64)
                .map(|i| {
                    weft::spawn(async move {
                        weft::sleep(Duration::from_secs_f64(0.2 * scale * i as f64)).await;
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for child in children {
                sum += child.await.unwrap();
            }
            sum
        });
        println!("children returned {}", parent.await.unwrap());
    });
}

#[allow(dead_code)]
fn main() {
    demo(1.0);
}
