//! Helpers shared by the runtime tests: drop counters and hang guards.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Counts drops of the values it hands out.
#[derive(Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

/// Increments its counter once when dropped.
pub struct Tracked(Arc<AtomicUsize>);

impl DropCounter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn track(&self) -> Tracked {
        Tracked(self.0.clone())
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs `f` on a thread and fails the test if it has not finished within `limit` (a hang
/// guard only: correct code finishes far sooner).
pub fn within<R: Send + 'static>(limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(r) => {
            worker.join().unwrap();
            r
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("test hung for more than {limit:?}")
        }
    }
}

/// An async one-way gate: tasks wait until someone opens it. Opening twice is fine.
#[derive(Clone, Default)]
pub struct Gate(Arc<parking_lot::Mutex<(bool, Vec<std::task::Waker>)>>);

impl Gate {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn open(&self) {
        let wakers = {
            let mut g = self.0.lock();
            g.0 = true;
            std::mem::take(&mut g.1)
        };
        wakers.into_iter().for_each(std::task::Waker::wake);
    }
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut g = self.0.lock();
            if g.0 {
                std::task::Poll::Ready(())
            } else {
                g.1.push(cx.waker().clone());
                std::task::Poll::Pending
            }
        })
        .await
    }
}
