//! Wakes: from foreign threads, from the task itself, after completion; no lost wake-ups.

use parking_lot::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weft_executor::Runtime;
use weft_test_support::within;

/// A one-slot mailbox: `send` stores a value and wakes the receiver.
#[derive(Default)]
struct Mailbox {
    value: Mutex<(Option<u64>, Option<Waker>)>,
}

impl Mailbox {
    fn send(&self, v: u64) {
        let waker = {
            let mut g = self.value.lock();
            assert!(g.0.is_none(), "mailbox overrun");
            g.0 = Some(v);
            g.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn recv(&self) -> impl Future<Output = u64> + '_ {
        std::future::poll_fn(move |cx| {
            let mut g = self.value.lock();
            match g.0.take() {
                Some(v) => Poll::Ready(v),
                None => {
                    g.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

#[test]
fn wake_from_a_foreign_thread_resumes_the_task() {
    within(Duration::from_secs(30), || {
        let rt = Runtime::new().unwrap();
        let mb = Arc::new(Mailbox::default());
        let rx = mb.clone();
        let task = rt.spawn(async move { rx.recv().await });
        std::thread::spawn(move || mb.send(9)).join().unwrap();
        assert_eq!(rt.block_on(task).unwrap(), 9);
    });
}

#[test]
fn wake_from_inside_the_same_task_requeues_it() {
    let rt = Runtime::new().unwrap();
    let polls = rt.block_on(rt.spawn(async {
        let mut polls = 0;
        std::future::poll_fn(|cx| {
            polls += 1;
            if polls < 100 {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        polls
    }));
    assert_eq!(polls.unwrap(), 100);
}

#[test]
fn wakes_after_the_task_finished_are_harmless() {
    let rt = Runtime::new().unwrap();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let s = slot.clone();
    let task = rt.spawn(std::future::poll_fn(move |cx| {
        *s.lock() = Some(cx.waker().clone());
        Poll::Ready(5)
    }));
    assert_eq!(rt.block_on(task).unwrap(), 5);
    let waker = slot.lock().take().unwrap();
    // The task is gone but the waker keeps its memory alive: waking, cloning, dropping is safe.
    waker.wake_by_ref();
    let clone = waker.clone();
    clone.wake();
    waker.wake();
}

#[test]
fn wake_by_ref_of_a_queued_task_does_not_queue_it_twice() {
    // One worker kept busy by the block_on'd future's task; many wakes of a queued task must
    // lead to exactly one extra poll.
    let rt = weft_executor::Builder::new()
        .worker_threads(1)
        .build()
        .unwrap();
    let polls = Arc::new(AtomicUsize::new(0));
    let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let (p, w) = (polls.clone(), waker_slot.clone());
    let task = rt.spawn(std::future::poll_fn(move |cx| {
        // The waker first: the test takes it as soon as it sees the poll counted.
        *w.lock() = Some(cx.waker().clone());
        let n = p.fetch_add(1, Ordering::SeqCst) + 1;
        if n == 2 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }));
    // Wait for the first poll.
    while polls.load(Ordering::SeqCst) < 1 {
        std::thread::yield_now();
    }
    let gate = Arc::new(AtomicBool::new(false));
    let g = gate.clone();
    let waker = waker_slot.lock().clone().unwrap();
    // Occupy the only worker, then wake the task many times while it is queued.
    let blocker = rt.spawn(async move {
        while !g.load(Ordering::SeqCst) {
            std::hint::spin_loop();
        }
    });
    for _ in 0..1_000 {
        waker.wake_by_ref();
    }
    gate.store(true, Ordering::SeqCst);
    rt.block_on(blocker).unwrap();
    rt.block_on(task).unwrap();
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

/// Eight tasks in a ring pass a counter a million times in all, across workers, with wakes
/// from whichever thread the sender runs on. A lost wake-up hangs the ring (the guard fires).
#[test]
fn ping_pong_ring_of_eight_tasks_loses_no_wake_up() {
    within(Duration::from_secs(240), || {
        const TASKS: usize = 8;
        const HOPS: u64 = 1_000_000;
        let rt = Runtime::new().unwrap();
        let boxes: Arc<Vec<Mailbox>> = Arc::new((0..TASKS).map(|_| Mailbox::default()).collect());
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let boxes = boxes.clone();
                rt.spawn(async move {
                    let mut seen = 0u64;
                    loop {
                        let v = boxes[i].recv().await;
                        seen += 1;
                        if v >= HOPS {
                            // Pass the stop value on so every task ends.
                            boxes[(i + 1) % TASKS].send(v);
                            return seen;
                        }
                        boxes[(i + 1) % TASKS].send(v + 1);
                    }
                })
            })
            .collect();
        boxes[0].send(1);
        let total: u64 = tasks.into_iter().map(|t| rt.block_on(t).unwrap()).sum();
        // Every hop was received once, plus the stop value went around once more.
        assert!(total >= HOPS, "only {total} receives");
    });
}

/// A future that counts how often it is polled and wakes itself from another thread.
struct CrossThreadWake {
    remaining: usize,
}

impl Future for CrossThreadWake {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        let waker = cx.waker().clone();
        std::thread::spawn(move || waker.wake());
        Poll::Pending
    }
}

#[test]
fn many_tasks_woken_from_many_threads_all_finish() {
    within(Duration::from_secs(60), || {
        let rt = Runtime::new().unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|_| rt.spawn(CrossThreadWake { remaining: 20 }))
            .collect();
        for t in tasks {
            rt.block_on(t).unwrap();
        }
    });
}
