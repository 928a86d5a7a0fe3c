//! `broadcast`: every receiver sees every value in order, lagging with exact counts, closing,
//! values freed once everyone has read them and cloned only on receive, cancel-safety of
//! `recv`, the blocking receive, and cross-thread stress with exact accounting.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::{CountingWaker, Executor, block_on, poll_once, within};
use weft_sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};

#[test]
fn every_receiver_sees_every_value_in_order() {
    let (tx, mut rx1) = broadcast::channel(8);
    let mut rx2 = tx.subscribe();
    for n in 0..5 {
        assert_eq!(tx.send(n), Ok(2));
    }
    for rx in [&mut rx1, &mut rx2] {
        let got: Vec<i32> = (0..5).map(|_| rx.try_recv().unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 3, 4]);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
}

#[test]
fn send_without_receivers_gives_the_value_back() {
    let (tx, rx) = broadcast::channel(4);
    drop(rx);
    let err = tx.send(String::from("v")).unwrap_err();
    assert_eq!(err.0, "v");
    assert!(err.to_string().contains("no receiver"));
    // A new subscriber makes sending possible again.
    let mut rx = tx.subscribe();
    assert_eq!(tx.send(String::from("w")), Ok(1));
    assert_eq!(rx.try_recv().unwrap(), "w");
}

#[test]
#[should_panic(expected = "the capacity must be at least 1")]
fn a_zero_capacity_panics() {
    let _ = broadcast::channel::<()>(0);
}

#[test]
fn a_lagging_receiver_is_told_how_many_it_missed_once_then_continues() {
    // A capacity of 3 is rounded up to 4.
    let (tx, mut rx) = broadcast::channel(3);
    for n in 1..=10 {
        tx.send(n).unwrap();
    }
    assert_eq!(rx.len(), 10);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(6)));
    let rest: Vec<i32> = (0..4).map(|_| rx.try_recv().unwrap()).collect();
    assert_eq!(rest, [7, 8, 9, 10]);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn recv_reports_lagged_then_the_oldest_value_held() {
    let (tx, mut rx) = broadcast::channel(2);
    for n in 1..=5 {
        tx.send(n).unwrap();
    }
    block_on(async {
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(3)));
        assert_eq!(rx.recv().await, Ok(4));
        assert_eq!(rx.recv().await, Ok(5));
    });
    let lagged = RecvError::Lagged(3).to_string();
    assert!(lagged.contains("missed 3 values"), "{lagged}");
}

#[test]
fn closed_only_after_every_sender_is_gone_and_every_value_read() {
    let (tx, mut rx) = broadcast::channel(4);
    let tx2 = tx.clone();
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "tx2 keeps it open");
    tx2.send(2).unwrap();
    drop(tx2);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
    assert!(TryRecvError::Closed.to_string().contains("every sender"));
}

#[test]
fn dropping_the_last_sender_wakes_a_pending_recv() {
    let (tx, mut rx) = broadcast::channel::<u8>(4);
    let (wakes, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut recv = Box::pin(rx.recv());
    assert!(recv.as_mut().poll(&mut cx).is_pending());
    drop(tx);
    assert_eq!(wakes.count(), 1);
    assert_eq!(
        recv.as_mut().poll(&mut cx),
        Poll::Ready(Err(RecvError::Closed))
    );
}

#[test]
fn a_send_wakes_every_waiting_receiver() {
    let (tx, rx) = broadcast::channel(4);
    let got = std::cell::RefCell::new(Vec::new());
    let ex = Executor::new();
    for id in 0..3 {
        let mut rx = rx.resubscribe();
        let got = &got;
        ex.spawn(async move {
            let value = rx.recv().await.unwrap();
            got.borrow_mut().push((id, value));
        });
    }
    ex.run_until_stalled();
    assert!(got.borrow().is_empty());
    assert_eq!(tx.send('x'), Ok(4));
    ex.run_until_stalled();
    assert_eq!(*got.borrow(), [(0, 'x'), (1, 'x'), (2, 'x')]);
}

#[test]
fn subscribe_and_resubscribe_start_at_the_tail() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut sub = tx.subscribe();
    let mut resub = rx.resubscribe();
    assert_eq!(tx.receiver_count(), 3);
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(sub.try_recv(), Ok(2));
    assert_eq!(resub.try_recv(), Ok(2));
    drop((sub, resub));
    assert_eq!(tx.receiver_count(), 1);
}

#[test]
fn lengths_count_unread_and_retained_values() {
    let (tx, mut rx) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    assert!(tx.is_empty() && rx.is_empty());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!((tx.len(), rx.len(), rx2.len()), (2, 2, 2));
    rx.try_recv().unwrap();
    assert_eq!((tx.len(), rx.len(), rx2.len()), (2, 1, 2));
    rx2.try_recv().unwrap();
    assert_eq!(tx.len(), 1, "a value read by everyone is gone");
    for n in 3..=9 {
        tx.send(n).unwrap();
    }
    assert_eq!(tx.len(), 4, "at most the capacity is retained");
    assert_eq!(rx.len(), 8);
    assert!(!rx.is_empty());
}

/// Counts its clones: the channel must clone only on receive.
#[derive(Debug)]
struct CloneCounter(Arc<AtomicUsize>);

impl Clone for CloneCounter {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, Ordering::SeqCst);
        CloneCounter(self.0.clone())
    }
}

#[test]
fn values_are_cloned_only_when_received() {
    let clones = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    let _rx3 = tx.subscribe();
    tx.send(CloneCounter(clones.clone())).unwrap();
    assert_eq!(clones.load(Ordering::SeqCst), 0);
    rx1.try_recv().unwrap();
    rx2.try_recv().unwrap();
    assert_eq!(clones.load(Ordering::SeqCst), 2);
}

#[test]
fn a_value_is_freed_once_every_receiver_read_it() {
    let value = Arc::new(());
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    tx.send(value.clone()).unwrap();
    assert_eq!(Arc::strong_count(&value), 2, "one copy in the ring");
    drop(rx1.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&value), 2, "rx2 has not read it");
    drop(rx2.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&value), 1, "read by everyone: freed");
}

#[test]
fn a_dropped_receiver_releases_the_values_it_did_not_read() {
    let value = Arc::new(());
    let (tx, mut rx1) = broadcast::channel(4);
    let rx2 = tx.subscribe();
    tx.send(value.clone()).unwrap();
    drop(rx1.try_recv().unwrap());
    assert_eq!(Arc::strong_count(&value), 2);
    drop(rx2);
    assert_eq!(Arc::strong_count(&value), 1);
}

#[test]
fn an_overwritten_value_is_freed() {
    let value = Arc::new(());
    let (tx, _rx) = broadcast::channel(1);
    tx.send(value.clone()).unwrap();
    assert_eq!(Arc::strong_count(&value), 2);
    tx.send(Arc::new(())).unwrap();
    assert_eq!(Arc::strong_count(&value), 1);
}

#[test]
fn a_dropped_recv_loses_no_value() {
    let (tx, mut rx) = broadcast::channel(4);
    let mut recv = Box::pin(rx.recv());
    assert!(poll_once(&mut recv).is_pending());
    tx.send(1).unwrap(); // wakes `recv`, which is cancelled before it runs
    drop(recv);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn cancelling_a_woken_recv_task_leaves_the_value_for_the_next_recv() {
    let (tx, mut rx) = broadcast::channel(4);
    let ex = Executor::new();
    let in_task = &mut rx;
    let task = ex.spawn(async move {
        let _ = in_task.recv().await;
    });
    ex.run_until_stalled();
    tx.send(5).unwrap();
    task.cancel();
    ex.run_until_stalled();
    assert!(task.cancelled());
    drop(ex);
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn a_pending_recv_records_its_wait_point_and_completion_spends_budget() {
    let (tx, mut rx) = broadcast::channel(4);
    let mut recv = Box::pin(rx.recv());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut recv));
    let waited = waited.expect("a pending recv records its wait");
    assert_eq!(waited.kind(), weft_coop::WaitKind::BroadcastRecv);
    assert!(waited.location().file().ends_with("sync_broadcast.rs"));
    tx.send(1).unwrap();
    weft_coop::with_budget(|| {
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Ok(1)));
        assert_eq!(weft_coop::remaining(), Some(weft_coop::BUDGET - 1));
    });
}

#[test]
fn a_spent_budget_makes_recv_yield_without_consuming() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let (wakes, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    weft_coop::with_budget(|| {
        for _ in 0..weft_coop::BUDGET {
            tx.send(0).unwrap();
            let mut recv = Box::pin(rx.recv());
            assert!(recv.as_mut().poll(&mut cx).is_ready());
        }
        let mut recv = Box::pin(rx.recv());
        assert!(recv.as_mut().poll(&mut cx).is_pending());
        assert_eq!(wakes.count(), 1);
    });
    assert_eq!(rx.len(), 1, "the yield consumed nothing");
}

#[test]
fn blocking_recv_waits_for_another_thread() {
    within(Duration::from_secs(30), || {
        let (tx, mut rx) = broadcast::channel(4);
        let start = Arc::new(Barrier::new(2));
        let sender = {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                tx.send(42).unwrap();
            })
        };
        start.wait();
        assert_eq!(rx.blocking_recv(), Ok(42));
        sender.join().unwrap();
        assert_eq!(rx.blocking_recv(), Err(RecvError::Closed));
    });
}

#[test]
#[should_panic(expected = "blocking_recv was called on a weft worker thread")]
fn blocking_recv_on_a_worker_thread_panics() {
    let (_tx, mut rx) = broadcast::channel::<u8>(4);
    let _worker = weft_coop::enter_worker_thread();
    let _ = rx.blocking_recv();
}

#[test]
fn debug_output() {
    let (tx, rx) = broadcast::channel::<u8>(3);
    assert!(format!("{tx:?}").contains("capacity: 4"));
    assert!(format!("{rx:?}").contains("next: 0"));
}

// Stress: 2 sender threads × 20,000 values, 4 receiver threads, capacity ≥ every value:
// each receiver gets all 40,000, each sender's values in its order, then `Closed`.
#[test]
fn stress_four_receivers_see_every_value_in_order_when_nothing_is_overwritten() {
    const PER_SENDER: u64 = 20_000;
    within(Duration::from_secs(120), || {
        let (tx, rx) = broadcast::channel::<(u8, u64)>(2 * PER_SENDER as usize);
        let receivers: Vec<_> = (0..4)
            .map(|_| {
                let mut rx = rx.resubscribe();
                std::thread::spawn(move || {
                    let mut next = [0_u64; 2];
                    let mut total = 0;
                    loop {
                        match block_on(rx.recv()) {
                            Ok((sender, n)) => {
                                assert_eq!(n, next[sender as usize], "out of order");
                                next[sender as usize] += 1;
                                total += 1;
                            }
                            Err(RecvError::Closed) => return total,
                            Err(RecvError::Lagged(n)) => panic!("lagged by {n} with room for all"),
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        let senders: Vec<_> = (0..2_u8)
            .map(|id| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for n in 0..PER_SENDER {
                        tx.send((id, n)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        for sender in senders {
            sender.join().unwrap();
        }
        for receiver in receivers {
            assert_eq!(receiver.join().unwrap(), 2 * PER_SENDER);
        }
    });
}

// Stress: a fast sender, a small ring and 4 receiver threads: each accounts for all
// 100,000 values exactly (values received plus values reported as lagged), sees received
// values strictly in order.
#[test]
fn stress_lag_counts_account_for_every_value() {
    const SENDS: u64 = 100_000;
    within(Duration::from_secs(120), || {
        let (tx, rx) = broadcast::channel::<u64>(16);
        let start = Arc::new(Barrier::new(5));
        let receivers: Vec<_> = (0..4)
            .map(|_| {
                let mut rx = rx.resubscribe();
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    let (mut expected, mut received, mut lagged) = (0_u64, 0_u64, 0_u64);
                    loop {
                        match block_on(rx.recv()) {
                            Ok(n) => {
                                assert_eq!(n, expected, "a value was duplicated or skipped");
                                expected += 1;
                                received += 1;
                            }
                            Err(RecvError::Lagged(missed)) => {
                                assert!(missed > 0);
                                expected += missed;
                                lagged += missed;
                            }
                            Err(RecvError::Closed) => return (expected, received, lagged),
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        start.wait();
        for n in 0..SENDS {
            tx.send(n).unwrap();
        }
        drop(tx);
        for receiver in receivers {
            let (expected, received, lagged) = receiver.join().unwrap();
            assert_eq!(expected, SENDS);
            assert_eq!(received + lagged, SENDS);
        }
    });
}

#[test]
fn futures_and_handles_are_send_for_tasks_on_any_worker() {
    fn assert_send<T: Send>(_: &T) {}
    let (tx, mut rx) = broadcast::channel::<u8>(4);
    assert_send(&tx);
    assert_send(&rx.recv());
    assert_send(&rx);
}
