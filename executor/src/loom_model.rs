//! loom models of the blocking pool's hand-offs (`blocking_pool.rs`): a job submitted while
//! the pool's thread may be finishing its job is claimed by that thread, given to it once
//! idle, or left for it — never stranded in the queue — and shutdown then finds every
//! thread. One pool thread keeps the model to a third of a second; with two it takes a
//! minute and a half. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib loom`.

use crate::blocking_pool::BlockingPool;
use crate::task;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn loom_a_job_submitted_while_a_thread_finishes_is_never_stranded() {
    loom::model(|| {
        let name: Arc<dyn Fn() -> String + Send + Sync> = Arc::new(|| "pool".into());
        let pool = BlockingPool::new(1, Duration::from_secs(10), name, Arc::new(|_| {}));
        let origin = || task::Origin::at(std::panic::Location::caller());
        let first = pool.spawn(|| 1, origin());
        let second = pool.spawn(|| 2, origin());
        while !(first.is_finished() && second.is_finished()) {
            loom::thread::yield_now();
        }
        assert!(pool.shutdown(Duration::from_secs(10)));
        assert_eq!(pool.load().threads, 0);
    });
}
