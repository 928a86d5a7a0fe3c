//! loom models of the channel's races (run with `--cfg loom`, see the crate's brief for the
//! command), on the crate's shared `block_on` and `poll_once_then_drop` drivers.
//!
//! A lost wake-up shows up as a loom deadlock (a `block_on` never woken), a lost or
//! duplicated message or slot as a failed final assertion: each model ends by checking that
//! every value was received or dropped exactly once and that the channel's room is whole.

use std::sync::atomic::{AtomicUsize, Ordering};

use loom::sync::Arc;
use loom::thread;

use super::{channel, unbounded_channel};
use crate::loom_model::{block_on, poll_once_then_drop};

/// A message that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A send waiting for room races the receiver's drop: the sender is woken (no deadlock) and
/// its value is dropped exactly once, whether it was queued first (and dropped with the
/// queue) or refused (and handed back).
#[test]
fn loom_mpsc_waiting_send_vs_receiver_drop() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel(1);
        tx.try_send(Counted(drops.clone())).ok().unwrap();
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || block_on(tx.send(Counted(drops))).is_ok())
        };
        // Free the slot (the waiting send may take it), then leave.
        drop(rx.try_recv());
        drop(rx);
        let _sent = sender.join().unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            2,
            "a message was lost or dropped twice"
        );
    });
}

/// A send racing `close` and then the receiver's drop: a value whose send returned `Ok` is
/// received (a close never swallows an accepted message), a refused one is handed back, and
/// either way it is dropped exactly once.
#[test]
fn loom_mpsc_send_vs_close_vs_receiver_drop() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel(1);
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || block_on(tx.send(Counted(drops))).is_ok())
        };
        rx.close();
        let received = block_on(rx.recv()).is_some();
        drop(rx);
        let sent = sender.join().unwrap();
        assert_eq!(
            received, sent,
            "an accepted message was lost, or a refused one arrived"
        );
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

/// A receiver parked in `recv` is woken when the last sender drops, after the last message.
#[test]
fn loom_mpsc_recv_vs_last_sender_drop() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        let tx2 = tx.clone();
        let first = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        let second = thread::spawn(move || drop(tx2));
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        first.join().unwrap();
        second.join().unwrap();
    });
}

/// A permit's slot is released while one send is cancelled right after queueing and another
/// waits: the slot reaches the live sender (or the canceller, if it ran after the release and
/// sent at once), and no slot is lost or duplicated.
#[test]
fn loom_mpsc_permit_release_vs_cancelled_send() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let permit = tx.clone().try_reserve_owned().ok().unwrap();
        let canceller = {
            let tx = tx.clone();
            thread::spawn(move || poll_once_then_drop(tx.send(1)))
        };
        let waiter = thread::spawn(move || block_on(tx.send(2)).unwrap());
        drop(permit);
        let cancelled_sent = canceller.join().unwrap();
        let mut received = Vec::new();
        if cancelled_sent {
            received.push(block_on(rx.recv()).unwrap()); // frees room for the waiter
        }
        received.push(block_on(rx.recv()).unwrap());
        waiter.join().unwrap();
        received.sort_unstable();
        let expected: &[u8] = if cancelled_sent { &[1, 2] } else { &[2] };
        assert_eq!(received, expected);
        assert_eq!(rx.capacity(), 1, "a slot was lost or duplicated");
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A permit granted before `close` still delivers, racing the close and the receiver's
/// wait: the receiver gets its message and then `None`, never `None` first.
#[test]
fn loom_mpsc_close_vs_permit_send() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        let permit = tx.try_reserve_owned().ok().unwrap();
        let sender = thread::spawn(move || drop(permit.send(7)));
        rx.close();
        assert_eq!(block_on(rx.recv()), Some(7));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}
