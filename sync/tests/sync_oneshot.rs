//! `oneshot`: values of types that are not `Clone`, `RecvError` when the sender is dropped,
//! values handed back to a sender nobody listens to, `try_recv` states, `close`, `closed`
//! wake-ups, the blocking receive, wait points and a many-thread stress test.

mod common;

use std::future::Future;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{CountingWaker, block_on, poll_once, within};
use weft_coop::WaitKind;
use weft_sync::oneshot::{
    self,
    error::{RecvError, TryRecvError},
};
use weft_test_support::DropCounter;

/// Deliberately neither `Clone` nor `Copy` nor `Debug`.
struct Token(u32);

#[test]
fn a_value_of_a_non_clone_type_arrives() {
    let (tx, rx) = oneshot::channel();
    let sender = std::thread::spawn(move || assert!(tx.send(Token(7)).is_ok()));
    let Ok(Token(n)) = block_on(rx) else {
        panic!("the value was sent");
    };
    assert_eq!(n, 7);
    sender.join().unwrap();
}

#[test]
fn dropping_the_sender_unsent_wakes_the_receiver_with_recv_error() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut rx).poll(&mut cx).is_pending());
    drop(tx);
    assert_eq!(count.count(), 1);
    assert_eq!(poll_once(&mut rx), Poll::Ready(Err(RecvError)));
    assert!(RecvError.to_string().contains("dropped without sending"));
}

#[test]
fn a_send_wakes_the_waiting_receiver_once() {
    let (tx, mut rx) = oneshot::channel();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut rx).poll(&mut cx).is_pending());
    tx.send(5).unwrap();
    assert_eq!(
        count.count(),
        1,
        "one wake for the send, none for the sender's drop"
    );
    assert_eq!(poll_once(&mut rx), Poll::Ready(Ok(5)));
    assert_eq!(
        poll_once(&mut rx),
        Poll::Ready(Err(RecvError)),
        "a second poll finds nothing"
    );
}

#[test]
fn a_send_to_a_dropped_or_closed_receiver_hands_the_value_back() {
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    let Err(Token(n)) = tx.send(Token(3)) else {
        panic!("nobody listens");
    };
    assert_eq!(n, 3);

    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert_eq!(tx.send("late"), Err("late"));
    assert_eq!(block_on(rx), Err(RecvError));
}

#[test]
fn try_recv_reports_empty_then_the_value_then_closed() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    let (_tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(TryRecvError::Empty.to_string().contains("not sent"));
}

#[test]
fn a_value_sent_before_close_is_still_received() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(9).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(9));
}

#[test]
fn closed_wakes_when_the_receiver_is_dropped_or_closed() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let (count, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    {
        let mut closed = Box::pin(tx.closed());
        assert!(closed.as_mut().poll(&mut cx).is_pending());
    } // cancelled: nothing to clean up
    assert!(tx.poll_closed(&mut cx).is_pending());
    assert!(!tx.is_closed());
    drop(rx);
    assert_eq!(count.count(), 1);
    assert!(tx.poll_closed(&mut cx).is_ready());
    block_on(tx.closed());

    let (mut tx, mut rx) = oneshot::channel::<u8>();
    let waiter = std::thread::spawn(move || {
        block_on(tx.closed());
        tx.is_closed()
    });
    rx.close();
    assert!(within(Duration::from_secs(30), move || waiter
        .join()
        .unwrap()));
}

#[test]
fn dropping_the_receiver_drops_a_sent_value_exactly_once() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    tx.send(drops.track()).unwrap();
    assert_eq!(drops.get(), 0);
    drop(rx);
    assert_eq!(drops.get(), 1);

    let (tx, rx) = oneshot::channel();
    drop(rx);
    let handed_back = tx.send(drops.track()).unwrap_err();
    assert_eq!(drops.get(), 1, "handed back, not dropped");
    drop(handed_back);
    assert_eq!(drops.get(), 2);
}

#[test]
fn blocking_recv_waits_on_a_plain_thread() {
    within(Duration::from_secs(30), || {
        let (tx, rx) = oneshot::channel();
        let receiver = std::thread::spawn(move || rx.blocking_recv());
        tx.send(String::from("hi")).unwrap();
        assert_eq!(receiver.join().unwrap().as_deref(), Ok("hi"));

        let (tx, rx) = oneshot::channel::<u8>();
        let receiver = std::thread::spawn(move || rx.blocking_recv());
        drop(tx);
        assert_eq!(receiver.join().unwrap(), Err(RecvError));
    });
}

#[test]
fn blocking_recv_on_a_worker_thread_panics_with_a_clear_message() {
    let (_tx, rx) = oneshot::channel::<u8>();
    let _worker = weft_coop::enter_worker_thread();
    let panic =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.blocking_recv())).unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.starts_with("oneshot::Receiver::blocking_recv"), "{msg}");
    assert!(
        msg.contains("worker thread") && msg.contains(".await"),
        "{msg}"
    );
}

#[test]
fn pending_waits_record_their_wait_points() {
    let (mut tx, mut rx) = oneshot::channel::<u8>(); // channel site
    let (_, waited) = weft_coop::recording(|| poll_once(&mut rx));
    let waited = waited.unwrap();
    assert_eq!(waited.kind(), WaitKind::OneshotRecv);
    assert_eq!(
        waited.location().line(),
        weft_test_support::marked_line(include_str!("sync_oneshot.rs"), "channel site")
    );
    let mut closed = Box::pin(tx.closed());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut closed));
    assert_eq!(waited.unwrap().kind(), WaitKind::OneshotClosed);
}

#[test]
fn completing_spends_the_cooperative_budget() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    weft_coop::with_budget(|| {
        assert_eq!(poll_once(&mut rx), Poll::Ready(Ok(1)));
        assert_eq!(weft_coop::remaining(), Some(weft_coop::BUDGET - 1));
    });
}

/// 4 threads make 10,000 requests each over fresh oneshots, answered by the main thread;
/// for every third request the requester gives up (drops its receiver) at once, racing the
/// answer. Awaited answers always arrive, with the right value; every answer is either
/// delivered or handed back to its sender; and each value is dropped exactly once.
#[test]
fn stress_request_reply_across_threads() {
    const THREADS: u32 = 4;
    const EACH: u32 = 10_000;
    within(Duration::from_secs(120), || {
        let drops = DropCounter::new();
        type Reply = (u32, weft_test_support::Tracked);
        let (requests, mut incoming) =
            weft_sync::mpsc::unbounded_channel::<(u32, oneshot::Sender<Reply>)>();
        let requesters: Vec<_> = (0..THREADS)
            .map(|_| {
                let requests = requests.clone();
                std::thread::spawn(move || {
                    let mut awaited = 0u32;
                    for i in 0..EACH {
                        let (tx, rx) = oneshot::channel();
                        requests.send((i, tx)).ok().unwrap();
                        if i % 3 == 0 {
                            drop(rx); // gave up
                        } else {
                            let Ok((answer, _value)) = block_on(rx) else {
                                panic!("an awaited answer was lost");
                            };
                            assert_eq!(answer, i);
                            awaited += 1;
                        }
                    }
                    awaited
                })
            })
            .collect();
        drop(requests);
        let (mut delivered, mut handed_back) = (0u32, 0u32);
        while let Some((i, tx)) = incoming.blocking_recv() {
            match tx.send((i, drops.track())) {
                Ok(()) => delivered += 1,
                Err(_value) => handed_back += 1,
            }
        }
        let awaited: u32 = requesters.into_iter().map(|r| r.join().unwrap()).sum();
        let total = THREADS * EACH;
        assert_eq!(delivered + handed_back, total);
        assert!(delivered >= awaited && handed_back <= total - awaited);
        assert_eq!(
            drops.get(),
            total as usize,
            "every value dropped exactly once"
        );
    });
}
