//! loom models of the oneshot's races (run with `--cfg loom`): each side's operations
//! against the other's drop, on the crate's shared `block_on` driver. A lost wake-up is a
//! loom deadlock; a value lost or dropped twice fails the drop count.

use std::sync::atomic::{AtomicUsize, Ordering};

use loom::sync::Arc;
use loom::thread;

use super::channel;
use super::error::RecvError;
use crate::loom_model::block_on;

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// `send` racing the receiver's drop: the value is dropped exactly once, by the receiver's
/// drop if it was stored first or with the handed-back error otherwise.
#[test]
fn loom_oneshot_send_vs_receiver_drop() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || tx.send(Counted(drops)).is_ok())
        };
        drop(rx);
        let _stored = sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

/// The sender dropped unsent while the receiver polls: the receiver is woken with
/// `RecvError`, whichever registers first.
#[test]
fn loom_oneshot_sender_drop_vs_receiver_poll() {
    loom::model(|| {
        let (tx, rx) = channel::<u8>();
        let dropper = thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx), Err(RecvError));
        dropper.join().unwrap();
    });
}

/// `send` while the receiver polls: the value arrives.
#[test]
fn loom_oneshot_send_vs_receiver_poll() {
    loom::model(|| {
        let (tx, rx) = channel();
        let sender = thread::spawn(move || tx.send(5).unwrap());
        assert_eq!(block_on(rx), Ok(5));
        sender.join().unwrap();
    });
}

/// `Sender::closed` racing the receiver's drop: the sender is woken either way.
#[test]
fn loom_oneshot_closed_vs_receiver_drop() {
    loom::model(|| {
        let (mut tx, rx) = channel::<u8>();
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}
