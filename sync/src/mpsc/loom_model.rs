//! loom models of the channel's races (run with `--cfg loom`, see the crate's brief for the
//! command), on the crate's shared `poll_once_then_drop` driver and a `block_on` of their own
//! that is woken through loom's `Notify` (see [`block_on`] for why not thread unparking).
//!
//! A lost wake-up shows up as a loom deadlock (a `block_on` never woken), a lost or
//! duplicated message or slot as a failed final assertion: each model ends by checking that
//! every value was received or dropped exactly once and that the channel's room is whole.
//! An unsynchronised access to a slot or to the receiver's waker shows up as a loom data
//! race on the `UnsafeCell`s of `list.rs` and `rx_waker.rs`.
//!
//! Under loom a block holds two slots (`list::BLOCK_CAP`), so a model of three or four
//! messages crosses a block boundary, and one that drains them recycles a block.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::{Arc, Notify};
use loom::thread;

use super::{channel, unbounded_channel};
use crate::loom_model::poll_once_then_drop;

/// A waker over loom's `Notify` rather than thread unparking.
struct NotifyWaker(Notify);

impl Wake for NotifyWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.notify();
    }
}

/// The crate's `block_on`, but woken through a `Notify`: the channel may wake a receiver's
/// waker after the receiver found its message anyway (a sender that took the waker just
/// before the receiver's second look), and loom mis-handles a thread unparked while it is
/// blocked in something else, such as a `join`. A stale notification here only costs one
/// extra poll; a lost one still leaves `wait` unwoken, which loom reports as a deadlock.
fn block_on<F: Future>(future: F) -> F::Output {
    let notify = std::sync::Arc::new(NotifyWaker(Notify::new()));
    let waker = Waker::from(notify.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        notify.0.wait();
    }
}

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

/// A send against a receiver parking in `recv` (the waker-slot protocol of `rx_waker.rs`):
/// the receiver is woken whichever of "register, look again" and "push, check the state"
/// goes first, for a bounded and an unbounded channel.
#[test]
fn loom_mpsc_send_vs_parking_recv_no_lost_wake() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        let (utx, mut urx) = unbounded_channel();
        let sender = thread::spawn(move || {
            tx.try_send(1).ok().unwrap();
            utx.send(2).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(urx.recv()), Some(2));
        sender.join().unwrap();
    });
}

/// Two senders race for the last slot while the receiver frees one: a sender thread waits
/// for room (queued with `WAITERS` set, or taking the slot on the fast path, depending on
/// the interleaving) while the receiving thread frees the slot and then tries a send of its
/// own without waiting. The newcomer never barges past a queued sender, the waiting send
/// always completes (no lost grant), every accepted message arrives once, and the room is
/// whole at the end.
#[test]
fn loom_mpsc_two_senders_race_for_the_last_slot() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        tx.try_send(0u8).ok().unwrap();
        let waiter = {
            let tx = tx.clone();
            thread::spawn(move || block_on(tx.send(1)).unwrap())
        };
        assert_eq!(rx.try_recv(), Ok(0)); // frees the slot: to the waiter if it is queued
        let tried = tx.try_send(2).is_ok();
        drop(tx);
        let mut received = Vec::new();
        while let Some(n) = block_on(rx.recv()) {
            received.push(n);
        }
        waiter.join().unwrap();
        received.sort_unstable();
        let expected: &[u8] = if tried { &[1, 2] } else { &[1] };
        assert_eq!(received, expected);
        assert_eq!(rx.capacity(), 1, "a slot was lost or duplicated");
    });
}

/// An unbounded send racing `close`: the tail's closed flag decides. A send that returned
/// `Ok` is received before `None`; a refused one is handed back; nothing is both.
#[test]
fn loom_mpsc_unbounded_send_vs_close() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = unbounded_channel();
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || tx.send(Counted(drops)).is_ok())
        };
        rx.close();
        let received = block_on(rx.recv()).is_some();
        let sent = sender.join().unwrap();
        assert_eq!(
            received, sent,
            "an accepted message was lost, or a refused one arrived"
        );
        assert!(block_on(rx.recv()).is_none());
        drop(rx);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

/// The receiver is dropped while two senders push across a block boundary: every message is
/// dropped exactly once, by the receiver's drain or, if it was still being written, with the
/// channel.
///
/// Three threads: two preemptions, not CI's three, which take this one model from 2 s to
/// 47 s of every CI run; two already let each sender be cut off between claiming its slot and
/// writing it while the receiver drains and drops.
#[test]
fn loom_mpsc_drop_with_messages_inside() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = unbounded_channel();
        tx.send(Counted(drops.clone())).ok().unwrap();
        let senders: Vec<_> = (0..2)
            .map(|_| {
                let (tx, drops) = (tx.clone(), drops.clone());
                // A refused message comes back in the error and is dropped here.
                thread::spawn(move || drop(tx.send(Counted(drops))))
            })
            .collect();
        drop(tx);
        drop(rx.try_recv());
        drop(rx);
        for sender in senders {
            sender.join().unwrap();
        }
        // Sent or refused, received or not: each dropped once now that every handle is gone.
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    });
}

/// A sender pushes into a new block (two-slot blocks) while the receiver drains the full
/// first one: the block walk, growth, the `block_tail` advance past a final block, and the
/// receiver's reclaim of the drained block racing the sender's walk through it. The
/// messages arrive in order and the recycled block is reused by the next sends.
#[test]
fn loom_mpsc_block_boundary_crossing() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        tx.send(0u8).unwrap();
        tx.send(1).unwrap();
        let sender = thread::spawn(move || {
            tx.send(2).unwrap();
            tx.send(3).unwrap();
        });
        let mut received = Vec::new();
        while let Some(n) = block_on(rx.recv()) {
            received.push(n);
        }
        sender.join().unwrap();
        assert_eq!(received, [0, 1, 2, 3]);
    });
}
