//! loom model of a root future's busy count under a paused clock: a wake from another
//! thread racing the root thread going to sleep. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --features test-util --lib loom`.

use super::RootCount;
use crate::loom::AtomicUsize;
use loom::thread;
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

/// The root has polled (counted as running) and goes to sleep while a task finishing on
/// another thread wakes it. Once the wake has returned, the runtime must see the root as
/// busy (the idle rule reads the count) until the root runs again: the clock may not jump.
/// The old rule, which counted a root only while its thread ran, fails this.
#[test]
fn loom_a_woken_root_counts_as_busy_before_its_thread_runs() {
    loom::model(|| {
        let busy = Arc::new(AtomicUsize::new(1)); // the root is polling
        let root = Arc::new(RootCount::new(busy.clone()));
        let (r, b) = (root.clone(), busy.clone());
        let waker = thread::spawn(move || {
            r.wake();
            // What a worker parking right after the wake would read.
            assert!(b.load(SeqCst) >= 1, "the woken root was counted idle");
        });
        // The root thread: nothing pending after its poll, so it sleeps, then takes the wake.
        if !root.take() {
            root.sleeping();
            while !root.take() {
                thread::yield_now();
            }
        } else {
            root.woke_awake();
        }
        waker.join().unwrap();
        // Running again: exactly its own unit.
        assert_eq!(busy.load(SeqCst), 1);
        root.finish();
        assert_eq!(
            busy.load(SeqCst),
            1,
            "finish gives back only a pending wake's unit"
        );
    });
}

/// A stale wake after the `block_on` returned counts nothing for good.
#[test]
fn loom_a_wake_after_the_root_finished_leaves_no_unit() {
    loom::model(|| {
        let busy = Arc::new(AtomicUsize::new(1));
        let root = Arc::new(RootCount::new(busy.clone()));
        let r = root.clone();
        let waker = thread::spawn(move || {
            r.wake();
        });
        root.finish();
        busy.fetch_sub(1, SeqCst); // the caller's running unit, as `RootBusy` drops it
        waker.join().unwrap();
        assert_eq!(busy.load(SeqCst), 0);
    });
}
