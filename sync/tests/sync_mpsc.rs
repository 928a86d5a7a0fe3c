//! `mpsc`: ordering, closing rules, errors that hand values back, permits, FIFO room
//! hand-off past cancelled senders, accounting, the blocking calls, the `Stream` impls, weak
//! senders, wait points and many-thread stress with exact counts.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use common::{CountingWaker, block_on, poll_once, poll_with, within};
use futures_core::Stream;
use weft_coop::WaitKind;
use weft_sync::mpsc::{
    self,
    error::{SendError, TryRecvError, TrySendError},
};
use weft_test_support::DropCounter;

#[test]
fn messages_arrive_in_order_then_none_once_every_sender_is_gone() {
    let (tx, mut rx) = mpsc::channel(4);
    let tx2 = tx.clone();
    block_on(async {
        tx.send(1).await.unwrap();
        tx2.send(2).await.unwrap();
        tx.send(3).await.unwrap();
    });
    drop(tx);
    assert!(!rx.is_closed(), "tx2 still keeps the channel open");
    drop(tx2);
    assert!(rx.is_closed());
    block_on(async {
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, Some(3));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.recv().await, None, "stays ended");
    });
}

#[test]
fn a_parked_receiver_is_woken_when_the_last_sender_drops() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (count, waker) = CountingWaker::new();
    let mut recv = Box::pin(rx.recv());
    assert!(poll_with(&mut recv, &waker).is_pending());
    let tx2 = tx.clone();
    drop(tx);
    assert_eq!(count.count(), 0, "one sender is still alive");
    drop(tx2);
    assert_eq!(count.count(), 1);
    assert_eq!(poll_once(&mut recv), Poll::Ready(None));
}

#[test]
fn unbounded_messages_arrive_in_order_then_none() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for n in 0..1000 {
        tx.send(n).unwrap();
    }
    drop(tx);
    let got: Vec<i32> = block_on(async {
        let mut got = Vec::new();
        while let Some(n) = rx.recv().await {
            got.push(n);
        }
        got
    });
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}

#[test]
fn sends_to_a_dropped_or_closed_receiver_hand_the_value_back() {
    let (tx, rx) = mpsc::channel(2);
    drop(rx);
    assert!(tx.is_closed());
    let err: SendError<String> = block_on(tx.send("a".to_string())).unwrap_err();
    assert_eq!(err.0, "a");
    assert_eq!(
        tx.try_send("b".into()),
        Err(TrySendError::Closed("b".into()))
    );
    assert!(tx.blocking_send("c".into()).is_err());
    assert!(block_on(tx.reserve()).is_err());
    assert!(tx.try_reserve().is_err());
    assert!(!err.to_string().is_empty());

    let (tx, mut rx) = mpsc::unbounded_channel();
    rx.close();
    assert_eq!(tx.send(vec![1]).unwrap_err().into_inner(), vec![1]);
}

#[test]
fn try_send_and_try_recv_report_each_state() {
    let (tx, mut rx) = mpsc::channel(2);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    match tx.try_send(3) {
        Err(TrySendError::Full(3)) => {}
        other => panic!("expected Full(3), got {other:?}"),
    }
    assert_eq!(rx.try_recv(), Ok(1));
    tx.try_send(3).unwrap();
    drop(tx);
    assert_eq!(
        rx.try_recv(),
        Ok(2),
        "buffered messages outlive the senders"
    );
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(TryRecvError::Empty.to_string().contains("recv"));
}

#[test]
fn close_refuses_new_sends_but_delivers_buffered_messages_and_wakes_waiters() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut waiting_send = Box::pin(tx.send(2));
    let mut closed = Box::pin(tx.closed());
    assert!(poll_once(&mut waiting_send).is_pending());
    assert!(poll_once(&mut closed).is_pending());
    rx.close();
    assert!(rx.is_closed() && tx.is_closed());
    match poll_once(&mut waiting_send) {
        Poll::Ready(Err(SendError(2))) => {}
        other => panic!("the waiting send must fail with its value, got {other:?}"),
    }
    assert!(poll_once(&mut closed).is_ready());
    assert!(tx.try_send(3).is_err());
    block_on(async {
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(
            rx.recv().await,
            None,
            "closed and drained, though tx is alive"
        );
    });
}

#[test]
fn dropping_the_receiver_drops_each_queued_message_exactly_once() {
    let drops = DropCounter::new();
    let (tx, rx) = mpsc::channel(4);
    for _ in 0..3 {
        tx.try_send(drops.track()).unwrap();
    }
    let permit = tx.try_reserve().unwrap();
    drop(rx);
    assert_eq!(drops.get(), 3);
    permit.send(drops.track()); // never fails: dropped, as the receiver is gone
    assert_eq!(drops.get(), 4);
    let err = tx.try_send(drops.track()).unwrap_err();
    assert_eq!(
        drops.get(),
        4,
        "the refused value is handed back, not dropped"
    );
    drop(err);
    drop(tx);
    assert_eq!(drops.get(), 5);
}

#[test]
fn a_permit_sends_without_failing_and_an_unused_one_returns_its_slot() {
    let (tx, mut rx) = mpsc::channel(1);
    let permit = block_on(tx.reserve()).unwrap();
    assert_eq!(tx.capacity(), 0);
    assert!(matches!(tx.try_send(1), Err(TrySendError::Full(1))));
    drop(permit);
    assert_eq!(tx.capacity(), 1, "the unused permit gave its slot back");

    let permit = tx.try_reserve().unwrap();
    rx.close();
    permit.send(7);
    assert_eq!(
        rx.try_recv(),
        Ok(7),
        "a permit granted before the close still delivers"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_closed_receiver_waits_for_outstanding_permits() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    let unused = tx.try_reserve().unwrap();
    rx.close();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut recv = Box::pin(rx.recv());
    assert!(
        recv.as_mut().poll(&mut cx).is_pending(),
        "two permits still owe messages"
    );
    permit.send(1);
    assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(1)));
    let mut recv = Box::pin(rx.recv());
    assert!(recv.as_mut().poll(&mut cx).is_pending());
    let woken = count.count();
    drop(unused);
    assert_eq!(
        count.count(),
        woken + 1,
        "the last permit's drop wakes the receiver"
    );
    assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(None));
}

#[test]
fn owned_permits_send_and_release_hand_the_sender_back() {
    let (tx, mut rx) = mpsc::channel(1);
    let permit = block_on(tx.clone().reserve_owned()).unwrap();
    assert_eq!(tx.capacity(), 0);
    let tx2 = std::thread::spawn(move || permit.send(5)).join().unwrap();
    assert_eq!(rx.try_recv(), Ok(5));
    let tx2 = tx2.try_reserve_owned().unwrap().release();
    assert_eq!(tx2.capacity(), 1);
    let Err(TrySendError::Full(_tx3)) = ({
        let _held = tx.try_reserve().unwrap();
        tx2.try_reserve_owned()
    }) else {
        panic!("full while the slot is held");
    };
}

#[test]
fn waiting_senders_are_served_in_arrival_order_and_newcomers_do_not_barge() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut first = Box::pin(tx.send(1));
    let mut second = Box::pin(tx.send(2));
    let mut third = Box::pin(tx.reserve());
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    assert!(poll_once(&mut third).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // the freed slot goes to `first`...
    assert_eq!(tx.capacity(), 0);
    assert!(matches!(tx.try_send(9), Err(TrySendError::Full(9)))); // ...not to a newcomer
    assert!(
        poll_once(&mut second).is_pending(),
        "second is behind first"
    );
    assert!(matches!(poll_once(&mut first), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(matches!(poll_once(&mut second), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    let Poll::Ready(Ok(permit)) = poll_once(&mut third) else {
        panic!("third was granted the next slot");
    };
    permit.send(3);
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_cancelled_send_passes_its_granted_room_to_the_next_sender_and_sends_nothing() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut cancelled = Box::pin(tx.send(1));
    let mut next = Box::pin(tx.send(2));
    assert!(cancelled.as_mut().poll(&mut cx).is_pending());
    assert!(next.as_mut().poll(&mut cx).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // room granted to `cancelled`
    assert_eq!(count.count(), 1);
    drop(cancelled); // ...which passes it on
    assert_eq!(count.count(), 2, "the next sender is woken");
    assert!(matches!(next.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "the cancelled value never arrived"
    );

    // A cancelled reservation passes its room on the same way, and with nobody waiting the
    // room returns to the channel.
    tx.try_send(3).unwrap();
    let mut reserve = Box::pin(tx.reserve());
    assert!(poll_once(&mut reserve).is_pending());
    assert_eq!(rx.try_recv(), Ok(3));
    drop(reserve);
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn capacity_and_len_track_messages_permits_and_grants() {
    let (tx, mut rx) = mpsc::channel(3);
    assert_eq!((tx.capacity(), tx.max_capacity(), rx.len()), (3, 3, 0));
    assert!(rx.is_empty());
    tx.try_send(1).unwrap();
    let permit = tx.try_reserve().unwrap();
    assert_eq!((tx.capacity(), rx.len()), (1, 1));
    permit.send(2);
    assert_eq!((rx.capacity(), rx.len()), (1, 2));
    tx.try_send(3).unwrap();
    assert_eq!((rx.capacity(), rx.len(), rx.max_capacity()), (0, 3, 3));
    let mut waiting = Box::pin(tx.send(4));
    assert!(poll_once(&mut waiting).is_pending());
    rx.try_recv().unwrap();
    assert_eq!(
        rx.capacity(),
        0,
        "the freed slot is promised to the waiting sender"
    );
    assert!(poll_once(&mut waiting).is_ready());
    assert_eq!(rx.len(), 3);
    let mut batch = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut batch, 10)), 3);
    assert_eq!(batch, [2, 3, 4]);
    assert_eq!((rx.capacity(), rx.len()), (3, 0));
}

#[test]
fn recv_many_takes_up_to_the_limit_and_returns_zero_at_the_end() {
    let (tx, mut rx) = mpsc::channel(8);
    for n in 0..5 {
        tx.try_send(n).unwrap();
    }
    let mut buffer = Vec::new();
    assert_eq!(block_on(rx.recv_many(&mut buffer, 0)), 0);
    assert_eq!(block_on(rx.recv_many(&mut buffer, 2)), 2);
    assert_eq!(block_on(rx.recv_many(&mut buffer, 10)), 3);
    assert_eq!(buffer, [0, 1, 2, 3, 4]);
    let mut pending = Box::pin(rx.recv_many(&mut buffer, 4));
    assert!(poll_once(&mut pending).is_pending());
    drop(pending);
    drop(tx);
    assert_eq!(block_on(rx.recv_many(&mut buffer, 4)), 0);
}

#[test]
fn a_parked_receiver_is_woken_once_however_many_messages_arrive() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    for n in 0..10 {
        tx.send(n).unwrap();
    }
    assert_eq!(count.count(), 1);
    for n in 0..10 {
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(n)));
    }
    assert_eq!(
        count.count(),
        1,
        "a receive that finds a message wakes nobody"
    );
}

#[test]
fn blocking_send_and_recv_connect_plain_threads() {
    within(Duration::from_secs(60), || {
        let (tx, mut rx) = mpsc::channel(2);
        let producer = std::thread::spawn(move || {
            for n in 0..1000u32 {
                tx.blocking_send(n).unwrap();
            }
        });
        let (utx, mut urx) = mpsc::unbounded_channel();
        let relay = std::thread::spawn(move || {
            while let Some(n) = rx.blocking_recv() {
                utx.send(n * 2).unwrap();
            }
        });
        let mut expected = 0;
        while let Some(n) = urx.blocking_recv() {
            assert_eq!(n, expected * 2);
            expected += 1;
        }
        assert_eq!(expected, 1000);
        producer.join().unwrap();
        relay.join().unwrap();
    });
}

#[test]
fn blocking_calls_on_a_worker_thread_panic_with_a_clear_message() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (_utx, mut urx) = mpsc::unbounded_channel::<u8>();
    let _worker = weft_coop::enter_worker_thread();
    type Call<'a> = (&'static str, Box<dyn FnOnce() + 'a>);
    let calls: [Call<'_>; 3] = [
        (
            "mpsc::Sender::blocking_send",
            Box::new(|| {
                let _ = tx.blocking_send(1);
            }),
        ),
        (
            "mpsc::Receiver::blocking_recv",
            Box::new(|| {
                let _ = rx.blocking_recv();
            }),
        ),
        (
            "mpsc::UnboundedReceiver::blocking_recv",
            Box::new(|| {
                let _ = urx.blocking_recv();
            }),
        ),
    ];
    for (op, call) in calls {
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_err();
        let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.starts_with(op), "{msg}");
        assert!(
            msg.contains("worker thread") && msg.contains(".await"),
            "{msg}"
        );
    }
    assert_eq!(
        tx.capacity(),
        1,
        "the refused blocking_send left nothing behind"
    );
}

#[test]
#[should_panic(expected = "buffer size must be at least 1")]
fn a_zero_capacity_channel_panics() {
    let _ = mpsc::channel::<u8>(0);
}

fn next<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(std::task::Waker::noop()))
}

#[test]
fn receivers_are_streams_that_end_when_the_channel_closes() {
    let (tx, mut rx) = mpsc::channel(4);
    tx.try_send('a').unwrap();
    tx.try_send('b').unwrap();
    assert_eq!(next(&mut rx), Poll::Ready(Some('a')));
    assert_eq!(next(&mut rx), Poll::Ready(Some('b')));
    assert_eq!(next(&mut rx), Poll::Pending);
    drop(tx);
    assert_eq!(next(&mut rx), Poll::Ready(None));

    let (utx, mut urx) = mpsc::unbounded_channel();
    utx.send(1).unwrap();
    drop(utx);
    assert_eq!(next(&mut urx), Poll::Ready(Some(1)));
    assert_eq!(next(&mut urx), Poll::Ready(None));
}

#[test]
fn weak_senders_upgrade_only_while_a_strong_sender_lives_and_keep_nothing_open() {
    let (tx, mut rx) = mpsc::channel(2);
    let weak = tx.downgrade();
    let strong = weak.upgrade().unwrap();
    assert!(strong.same_channel(&tx));
    drop(tx);
    strong.try_send(1).unwrap();
    drop(strong);
    assert!(
        rx.is_closed(),
        "a weak sender does not keep the channel open"
    );
    assert!(weak.upgrade().is_none());
    assert!(weak.clone().upgrade().is_none(), "never again, once closed");
    assert_eq!(block_on(rx.recv()), Some(1));
    assert_eq!(block_on(rx.recv()), None);

    let (utx, urx) = mpsc::unbounded_channel::<u8>();
    let uweak = utx.downgrade();
    assert!(uweak.upgrade().unwrap().same_channel(&utx));
    drop(utx);
    assert!(urx.is_closed());
    assert!(uweak.upgrade().is_none());
}

#[test]
fn receiving_spends_the_cooperative_budget() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for n in 0..1000 {
        tx.send(n).unwrap();
    }
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let received = weft_coop::with_budget(|| {
        let mut received = 0;
        while rx.poll_recv(&mut cx).is_ready() {
            received += 1;
        }
        received
    });
    assert_eq!(received, usize::from(weft_coop::BUDGET));
    assert_eq!(
        count.count(),
        1,
        "an exhausted budget yields by waking the task"
    );
}

#[test]
fn pending_operations_record_their_wait_points() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let mut recv = Box::pin(rx.recv()); // recv site
    let (_, waited) = weft_coop::recording(|| poll_once(&mut recv));
    let waited = waited.unwrap();
    assert_eq!(waited.kind(), WaitKind::MpscRecv);
    assert_eq!(
        waited.location().line(),
        weft_test_support::marked_line(include_str!("sync_mpsc.rs"), "recv site")
    );
    drop(recv);
    tx.try_send(0).unwrap();
    let mut send = Box::pin(tx.send(1));
    let (_, waited) = weft_coop::recording(|| poll_once(&mut send));
    assert_eq!(waited.unwrap().kind(), WaitKind::MpscSend);
    let mut reserve = Box::pin(tx.reserve());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut reserve));
    assert_eq!(waited.unwrap().kind(), WaitKind::MpscSend);
}

/// 8 producers × 20,000 messages into a bounded(16) channel: half async tasks, half plain
/// threads on `blocking_send`, with sends cancelled after one poll sprinkled in. Every
/// message arrives exactly once, each producer's in its own order; a cancelled send arrives
/// only if its one poll completed it; and no slot leaks.
#[test]
fn stress_eight_producers_bounded_16_every_message_exactly_once() {
    const PRODUCERS: u64 = 8;
    const EACH: u64 = 20_000;
    const DOOMED: u64 = u64::MAX;
    within(Duration::from_secs(180), || {
        let (tx, mut rx) = mpsc::channel::<u64>(16);
        let doomed_sent = Arc::new(AtomicU64::new(0));
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                let doomed_sent = doomed_sent.clone();
                std::thread::spawn(move || {
                    let messages = (0..EACH).map(move |i| p << 32 | i);
                    if p % 2 == 0 {
                        block_on(async {
                            for m in messages {
                                if m % 97 == 0 {
                                    // Polled once, then dropped: queued, granted or sent.
                                    let mut doomed = Box::pin(tx.send(DOOMED));
                                    if poll_once(&mut doomed).is_ready() {
                                        doomed_sent.fetch_add(1, Ordering::Relaxed);
                                    }
                                }
                                tx.send(m).await.unwrap();
                            }
                        })
                    } else {
                        for m in messages {
                            tx.blocking_send(m).unwrap();
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next_of = vec![0u64; PRODUCERS as usize];
        let (mut total, mut doomed_received) = (0, 0);
        block_on(async {
            while let Some(m) = rx.recv().await {
                if m == DOOMED {
                    doomed_received += 1;
                    continue;
                }
                let (p, i) = ((m >> 32) as usize, m & 0xffff_ffff);
                assert_eq!(i, next_of[p], "producer {p}'s messages arrive in order");
                next_of[p] += 1;
                total += 1;
            }
        });
        for producer in producers {
            producer.join().unwrap();
        }
        assert_eq!(total, PRODUCERS * EACH);
        assert!(next_of.iter().all(|&n| n == EACH));
        assert_eq!(doomed_received, doomed_sent.load(Ordering::Relaxed));
        assert_eq!(rx.capacity(), 16, "no slot leaked to a cancelled send");
    });
}

/// 4 threads × 50,000 messages through an unbounded channel, received with `recv_many`.
#[test]
fn stress_four_producers_unbounded_recv_many() {
    const PRODUCERS: u64 = 4;
    const EACH: u64 = 50_000;
    within(Duration::from_secs(120), || {
        let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for i in 0..EACH {
                        tx.send(p * EACH + i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut sum = 0u64;
        let mut count = 0u64;
        let mut buffer = Vec::with_capacity(64);
        block_on(async {
            loop {
                buffer.clear();
                if rx.recv_many(&mut buffer, 64).await == 0 {
                    break;
                }
                count += buffer.len() as u64;
                sum += buffer.iter().sum::<u64>();
            }
        });
        for producer in producers {
            producer.join().unwrap();
        }
        let n = PRODUCERS * EACH;
        assert_eq!(count, n);
        assert_eq!(sum, n * (n - 1) / 2);
    });
}
