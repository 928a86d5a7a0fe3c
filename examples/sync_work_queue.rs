//! Seed 004, Real Python's "Getting Started With Async Features in Python", program 1: a
//! synchronous work queue. Two plain functions, "One" and "Two", take numbers from a FIFO
//! queue and count up to each. Nothing is concurrent, so the first one drains the whole
//! queue and the second finds nothing to do.
//!
//! ```python
//! import queue
//! def task(name, work_queue):
//!     if work_queue.empty():
//!         print(f"Task {name} nothing to do")
//!     else:
//!         while not work_queue.empty():
//!             count = work_queue.get()
//!             total = 0
//!             print(f"Task {name} running")
//!             for x in range(count):
//!                 total += 1
//!             print(f"Task {name} total: {total}")
//! def main():
//!     work_queue = queue.Queue()
//!     for work in [15, 10, 5, 2]:
//!         work_queue.put(work)
//!     for name in ["One", "Two"]:
//!         task(name, work_queue)
//! ```
//!
//! How weft differs: it does not need to. `weft::sync::Queue` works without a runtime: the
//! non-blocking `put_nowait`/`get_nowait` (and the thread-blocking `put_blocking`/
//! `get_blocking`) serve plain synchronous code, which is the baseline the next three
//! programs (`generator_cooperation`, `blocking_calls_cooperate`, `async_queue_workers`)
//! improve on.
use weft::sync::Queue;

/// Counts up to each number it takes from the queue; returns the numbers it took.
fn task(name: &str, work_queue: &Queue<u32>) -> Vec<u32> {
    let mut taken = Vec::new();
    if work_queue.empty() {
        println!("Task {name} nothing to do");
    }
    // `get_nowait` fails once the queue is empty: the `while not empty(): get()` loop in one
    // step.
    while let Ok(count) = work_queue.get_nowait() {
        println!("Task {name} running");
        let mut total = 0;
        for _ in 0..count {
            total += 1;
        }
        println!("Task {name} total: {total}");
        taken.push(count);
    }
    taken
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing); this program has
/// none, so the scale is unused.
pub fn demo(_scale: f64) {
    let work_queue = Queue::new();
    for work in [15, 10, 5, 2] {
        work_queue
            .put_nowait(work)
            .expect("an unbounded queue is never full");
    }
    let one = task("One", &work_queue);
    let two = task("Two", &work_queue);
    assert_eq!(
        one,
        [15, 10, 5, 2],
        "without concurrency the first task drains the queue"
    );
    assert!(
        two.is_empty(),
        "the second task should have found the queue empty"
    );
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
