//! loom model of a local set closing while another thread wakes one of its tasks (the
//! wake marks the task `NOTIFIED` before it queues the entry). Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib loom`.

use super::{Entry, LocalQueue, LocalScheduler};
use crate::task::{self, Origin};
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

/// Pending forever, leaving its waker in `slot`; counts its own drop.
struct Parked {
    slot: Arc<loom::sync::Mutex<Option<Waker>>>,
    dropped: std::sync::Arc<AtomicUsize>,
}

impl Future for Parked {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn loom_a_remote_wake_racing_the_close_never_strands_a_local_task() {
    loom::model(|| {
        let queue = std::sync::Arc::new(LocalQueue::new(std::sync::Arc::new(|_| {})));
        let slot = Arc::new(loom::sync::Mutex::new(None));
        let dropped = std::sync::Arc::new(AtomicUsize::new(0));
        let future = Parked {
            slot: slot.clone(),
            dropped: dropped.clone(),
        };
        // SAFETY: the task is polled and dropped on this (owner) thread only: the other
        // thread only wakes it, which queues an entry that `close` runs here.
        let (handle, entry) = unsafe {
            task::new_unsend_task(
                future,
                LocalScheduler(queue.clone()),
                Origin::at(std::panic::Location::caller()),
            )
        };
        queue.live.fetch_add(1, Ordering::Relaxed);
        queue.push(Entry::Run(entry));
        assert!(!queue.run_ready(8)); // polled once: idle, registered, waker in `slot`
        let waker = slot.lock().unwrap().take().expect("the task waits");
        let remote = thread::spawn(move || waker.wake());
        queue.close();
        remote.join().unwrap();
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "the future was never dropped"
        );
        assert!(handle.is_finished());
    });
}
