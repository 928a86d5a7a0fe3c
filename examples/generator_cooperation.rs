//! Seed 004, Real Python's "Getting Started With Async Features in Python", program 2:
//! cooperative concurrency with generators. The two tasks `yield` after every step of their
//! count and a driver loop resumes them in turn, so both take work from the queue.
//!
//! ```python
//! def task(name, queue):
//!     while not queue.empty():
//!         count = queue.get()
//!         total = 0
//!         print(f"Task {name} running")
//!         for x in range(count):
//!             total += 1
//!             yield
//!         print(f"Task {name} total: {total}")
//! def main():
//!     work_queue = queue.Queue()
//!     for work in [15, 10, 5, 2]:
//!         work_queue.put(work)
//!     tasks = [task("One", work_queue), task("Two", work_queue)]
//!     done = False
//!     while not done:
//!         for t in tasks:
//!             try:
//!                 next(t)
//!             except StopIteration:
//!                 tasks.remove(t)
//!             if len(tasks) == 0:
//!                 done = True
//! ```
//!
//! How weft differs: stable Rust has no generators, so each task is written out as the
//! state machine a generator is — where it stopped, and its locals (`count`, `total`) —
//! with a `resume` method in place of `next()`. This is also exactly what the compiler
//! makes of an `async fn`, and the round-robin driver below is a runtime in miniature;
//! `weft` is the real one (see `async_queue_workers`). No runtime is used here.
use weft::sync::Queue;

/// Where a task stopped: the generator's suspended frame.
enum State {
    /// Before the `while` test: about to take the next number.
    Idle,
    /// Inside the `for` loop, suspended at its `yield`.
    Counting { count: u32, total: u32 },
    /// Returned (Python's `StopIteration`).
    Finished,
}

struct Task<'q> {
    name: &'static str,
    queue: &'q Queue<u32>,
    state: State,
    /// The numbers this task took, to check the work was shared.
    taken: Vec<u32>,
}

impl<'q> Task<'q> {
    fn new(name: &'static str, queue: &'q Queue<u32>) -> Self {
        Task {
            name,
            queue,
            state: State::Idle,
            taken: Vec::new(),
        }
    }

    /// Runs until the next `yield` (`true`) or to the end (`false`): Python's `next(t)`.
    fn resume(&mut self) -> bool {
        loop {
            match self.state {
                State::Idle => match self.queue.get_nowait() {
                    Ok(count) => {
                        println!("Task {} running", self.name);
                        self.taken.push(count);
                        self.state = State::Counting { count, total: 0 };
                    }
                    Err(_empty) => self.state = State::Finished,
                },
                State::Counting { count, total } if total < count => {
                    self.state = State::Counting {
                        count,
                        total: total + 1,
                    };
                    return true; // yield
                }
                State::Counting { total, .. } => {
                    println!("Task {} total: {total}", self.name);
                    self.state = State::Idle;
                }
                State::Finished => return false,
            }
        }
    }
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
    let mut tasks = vec![Task::new("One", &work_queue), Task::new("Two", &work_queue)];
    let mut finished = Vec::new();
    // The driver: resume each task in turn; drop the ones that ran to the end.
    while !tasks.is_empty() {
        let mut i = 0;
        while i < tasks.len() {
            if tasks[i].resume() {
                i += 1;
            } else {
                finished.push(tasks.remove(i));
            }
        }
    }
    let taken = |name| {
        finished
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.taken.clone())
            .unwrap_or_default()
    };
    // Both tasks worked: Two finishes 10 while One is still counting to 15, so it takes 5;
    // One takes the 2 when it finishes its 15, at the same step as Two finishes its 5.
    assert_eq!(taken("One"), [15, 2], "task One's share of the work");
    assert_eq!(taken("Two"), [10, 5], "task Two's share of the work");
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
