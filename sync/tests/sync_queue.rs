//! `Queue`, `LifoQueue`, `PriorityQueue`: ports of CPython's `test_queues.py` (ASYNCIO.md §3
//! cases 16–23) and the cancel-safety rules. Threads and the blocking API:
//! `sync_queue_threads.rs`.
//!
//! CPython runs most queue tests once per queue class (its mixins); `kind_tests!` does the
//! same here, so those tests use order-independent checks.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{CountingWaker, Executor, poll_once, poll_with};
use weft_sync::{
    GetNowaitError, GetTimeoutError, LifoQueue, PriorityQueue, PutNowaitError, Queue, QueueEmpty,
    QueueFull, QueueShutDown, TaskDoneError,
};

macro_rules! kind_tests {
    ($kind:ident, $Queue:ident) => {
        mod $kind {
            use super::*;

            // Case 16: QueueBasicTests.test_maxsize — the putter blocks once the queue
            // holds `maxsize` items, and resumes when one is taken.
            #[test]
            fn test_maxsize() {
                let q = $Queue::bounded(2);
                assert_eq!(q.maxsize(), 2);
                let have_been_put = RefCell::new(Vec::new());
                let ex = Executor::new();
                let t = ex.spawn(async {
                    for i in 0..3 {
                        q.put(i).await.unwrap();
                        have_been_put.borrow_mut().push(i);
                    }
                    true
                });
                ex.run_once();
                ex.run_once();
                // The putter is blocked after putting two items.
                assert_eq!(*have_been_put.borrow(), [0, 1]);
                assert!(q.full());
                let first = q.get_nowait().unwrap();
                // Let the putter resume and put the last item.
                ex.run_until_stalled();
                assert!(t.result());
                assert_eq!(*have_been_put.borrow(), [0, 1, 2]);
                let mut all = vec![first, q.get_nowait().unwrap(), q.get_nowait().unwrap()];
                all.sort();
                assert_eq!(all, [0, 1, 2]);
            }

            // Case 17: QueueGetTests.test_get_cancel_drop_one_pending_reader — a get
            // cancelled after it was promised an item does not drop the item.
            #[test]
            fn test_get_cancel_drop_one_pending_reader() {
                let q = $Queue::new();
                let ex = Executor::new();
                let reader = ex.spawn(q.get());
                ex.run_once();
                q.put_nowait(1).unwrap();
                q.put_nowait(2).unwrap();
                reader.cancel();
                ex.run_once();
                assert!(reader.cancelled());
                // Try again: both items are still there.
                let mut got = vec![q.get_nowait().unwrap(), q.get_nowait().unwrap()];
                got.sort();
                assert_eq!(got, [1, 2], "a cancelled get dropped an item");
            }

            // Case 17: test_get_cancel_drop_many_pending_readers — with three readers and
            // two items, cancelling one reader still delivers both items.
            #[test]
            fn test_get_cancel_drop_many_pending_readers() {
                let q = $Queue::new();
                let ex = Executor::new();
                let reader1 = ex.spawn(q.get());
                let reader2 = ex.spawn(q.get());
                let reader3 = ex.spawn(q.get());
                ex.run_once();
                q.put_nowait(1).unwrap();
                q.put_nowait(2).unwrap();
                reader1.cancel();
                ex.run_until_stalled();
                assert!(reader1.cancelled());
                let mut got = vec![reader2.result().unwrap(), reader3.result().unwrap()];
                got.sort();
                assert_eq!(got, [1, 2]);
            }

            // Case 18: QueuePutTests.test_put_cancel_drop — a put cancelled (even after room
            // was promised to it) never adds its item; retrying adds it exactly once.
            #[test]
            fn test_put_cancel_drop() {
                let q = $Queue::bounded(1);
                let ex = Executor::new();
                q.put_nowait(1).unwrap();
                // Putting a second item has to block (qsize = maxsize = 1).
                let writer = ex.spawn(q.put(2));
                ex.run_once();
                assert_eq!(q.get_nowait(), Ok(1)); // room is promised to the writer
                writer.cancel();
                ex.run_until_stalled();
                assert!(writer.cancelled());
                assert_eq!(q.qsize(), 0, "a cancelled put added its item");
                // Try again.
                let writer = ex.spawn(q.put(2));
                let value2 = ex.block_on(q.get());
                assert_eq!(value2, Ok(2));
                assert!(writer.done());
                assert_eq!(q.qsize(), 0);
            }

            // Case 19: test_nonblocking_put_exception / test_nonblocking_get_exception.
            #[test]
            fn test_nonblocking_exceptions() {
                let q = $Queue::bounded(1);
                q.put_nowait(1).unwrap();
                assert_eq!(q.put_nowait(2), Err(PutNowaitError::Full(QueueFull(2))));
                assert_eq!(q.get_nowait(), Ok(1));
                assert_eq!(q.get_nowait(), Err(GetNowaitError::Empty(QueueEmpty)));
            }

            // Case 20: _QueueJoinTestMixin.test_task_done — `join()` returns after a
            // `task_done()` for every item put.
            #[test]
            fn test_task_done() {
                let q = $Queue::new();
                for i in 0..100 {
                    q.put_nowait(i).unwrap();
                }
                let accumulator = Cell::new(0);
                let running = Cell::new(true);
                let ex = Executor::new();
                for _ in 0..2 {
                    let (q, accumulator, running) = (&q, &accumulator, &running);
                    ex.spawn(async move {
                        while running.get() {
                            let item = q.get().await.unwrap();
                            accumulator.set(accumulator.get() + item);
                            q.task_done().unwrap();
                        }
                    });
                }
                ex.block_on(q.join());
                assert_eq!(accumulator.get(), (0..100).sum::<i32>());
                // Close the workers.
                running.set(false);
                q.put_nowait(0).unwrap();
                q.put_nowait(0).unwrap();
                ex.run_until_stalled();
            }

            // Case 20: test_task_done_underflow.
            #[test]
            fn test_task_done_underflow() {
                let q = $Queue::<u8>::new();
                assert_eq!(q.task_done(), Err(TaskDoneError));
            }

            // Case 21: _QueueShutdownTestMixin.test_shutdown_empty — a blocked `get` fails
            // with QueueShutDown, and so does everything after.
            #[test]
            fn test_shutdown_empty() {
                let q = $Queue::new();
                let ex = Executor::new();
                let get_task = ex.spawn(q.get());
                ex.run_once(); // the get is pending before the shutdown
                q.shutdown(false);
                assert_eq!(q.qsize(), 0);
                ex.block_on(q.join());
                ex.run_once();
                assert!(get_task.done());
                assert_eq!(get_task.result(), Err(QueueShutDown(())));
                assert_eq!(ex.block_on(q.put("data")), Err(QueueShutDown("data")));
                assert_eq!(
                    q.put_nowait("data"),
                    Err(PutNowaitError::ShutDown(QueueShutDown("data")))
                );
                assert_eq!(ex.block_on(q.get()), Err(QueueShutDown(())));
                assert_eq!(
                    q.get_nowait(),
                    Err(GetNowaitError::ShutDown(QueueShutDown(())))
                );
            }

            // Case 22: test_shutdown_nonempty — after shutdown the remaining items can
            // still be read, puts are refused, and `join()` waits for `task_done`.
            #[test]
            fn test_shutdown_nonempty() {
                let q = $Queue::bounded(1);
                let ex = Executor::new();
                q.put_nowait("data").unwrap();
                q.shutdown(false);
                assert_eq!(q.qsize(), 1);
                let join_task = ex.spawn(q.join());
                ex.run_once();
                assert!(!join_task.done());
                assert_eq!(ex.block_on(q.put("data")), Err(QueueShutDown("data")));
                assert!(q.put_nowait("data").unwrap_err().is_shut_down());
                assert_eq!(ex.block_on(q.get()), Ok("data"));
                ex.run_once();
                assert!(!join_task.done());
                assert!(ex.block_on(q.get()).is_err());
                assert!(q.get_nowait().unwrap_err().is_shut_down());
                // One unfinished task; completing it releases join().
                q.task_done().unwrap();
                ex.run_once();
                assert!(join_task.done());
                assert_eq!(q.task_done(), Err(TaskDoneError));
            }

            // Case 23: test_shutdown_immediate_with_unfinished — an immediate shutdown
            // empties the queue, but join() still waits for items already taken.
            #[test]
            fn test_shutdown_immediate_with_unfinished() {
                let q = $Queue::new();
                let ex = Executor::new();
                q.put_nowait("data").unwrap();
                q.put_nowait("data").unwrap();
                let join_task = ex.spawn(q.join());
                assert_eq!(ex.block_on(q.get()), Ok("data"));
                q.shutdown(true); // unfinished: 2 -> 1
                assert_eq!(q.qsize(), 0);
                ex.run_once();
                assert!(!join_task.done());
                assert!(ex.block_on(q.put("data")).is_err());
                assert!(ex.block_on(q.get()).is_err());
                q.task_done().unwrap();
                assert_eq!(q.task_done(), Err(TaskDoneError));
                ex.run_once();
                assert!(join_task.done());
            }

            #[test]
            fn shutdown_wakes_blocked_putters_with_their_items() {
                let q = $Queue::bounded(1);
                let ex = Executor::new();
                q.put_nowait(1).unwrap();
                let putter = ex.spawn(q.put(2));
                ex.run_once();
                q.shutdown(false);
                ex.run_once();
                assert_eq!(putter.result(), Err(QueueShutDown(2)));
                assert_eq!(q.get_nowait(), Ok(1));
            }

            #[test]
            fn getters_are_served_in_arrival_order() {
                let q = $Queue::new();
                let order = RefCell::new(Vec::new());
                let ex = Executor::new();
                for n in 0..3 {
                    let (q, order) = (&q, &order);
                    ex.spawn(async move {
                        q.get().await.unwrap();
                        order.borrow_mut().push(n);
                    });
                }
                ex.run_once();
                for item in 0..3 {
                    q.put_nowait(item).unwrap();
                }
                ex.run_until_stalled();
                assert_eq!(*order.borrow(), [0, 1, 2]);
            }

            #[test]
            fn get_nowait_cannot_take_an_item_promised_to_a_waiting_get() {
                let q = $Queue::new();
                let mut waiting = Box::pin(q.get());
                assert!(poll_once(&mut waiting).is_pending());
                q.put_nowait(1).unwrap();
                assert_eq!(q.qsize(), 1);
                assert_eq!(q.get_nowait(), Err(GetNowaitError::Empty(QueueEmpty)));
                assert_eq!(poll_once(&mut waiting), Poll::Ready(Ok(1)));
            }

            #[test]
            fn put_nowait_cannot_fill_room_promised_to_a_waiting_put() {
                let q = $Queue::bounded(1);
                q.put_nowait(1).unwrap();
                let mut waiting = Box::pin(q.put(2));
                assert!(poll_once(&mut waiting).is_pending());
                assert_eq!(q.get_nowait(), Ok(1));
                assert!(q.full(), "the freed room is promised to the waiting put");
                assert!(q.put_nowait(3).unwrap_err().is_full());
                assert_eq!(poll_once(&mut waiting), Poll::Ready(Ok(())));
                assert_eq!(q.get_nowait(), Ok(2));
            }

            #[test]
            fn a_get_promised_an_item_and_dropped_passes_it_to_the_next_getter() {
                let q = $Queue::new();
                let (second_wakes, second_waker) = CountingWaker::new();
                let mut first = Box::pin(q.get());
                let mut second = Box::pin(q.get());
                assert!(poll_once(&mut first).is_pending());
                assert!(poll_with(&mut second, &second_waker).is_pending());
                q.put_nowait(5).unwrap();
                assert_eq!(second_wakes.count(), 0);
                drop(first);
                assert_eq!(second_wakes.count(), 1);
                assert_eq!(poll_once(&mut second), Poll::Ready(Ok(5)));
            }

            #[test]
            fn blocking_timeouts_give_items_back() {
                let q = $Queue::bounded(1);
                q.put_nowait(1).unwrap();
                let err = q
                    .put_blocking_timeout(2, Duration::from_millis(5))
                    .unwrap_err();
                assert!(err.is_timeout());
                assert_eq!(err.into_inner(), 2);
                assert_eq!(q.qsize(), 1, "a timed-out put added nothing");
                assert_eq!(q.get_blocking_timeout(Duration::from_millis(5)), Ok(1));
                assert_eq!(
                    q.get_blocking_timeout(Duration::from_millis(5)),
                    Err(GetTimeoutError::Timeout)
                );
                q.shutdown(false);
                assert!(
                    q.put_blocking_timeout(3, Duration::from_secs(5))
                        .unwrap_err()
                        .is_shut_down()
                );
                assert!(
                    q.get_blocking_timeout(Duration::from_secs(5))
                        .unwrap_err()
                        .is_shut_down()
                );
            }

            #[test]
            fn a_spent_budget_makes_get_yield() {
                let q = $Queue::new();
                for i in 0..(weft_coop::BUDGET as u32 + 1) {
                    q.put_nowait(i).unwrap();
                }
                let (wakes, waker) = CountingWaker::new();
                let mut cx = Context::from_waker(&waker);
                weft_coop::with_budget(|| {
                    for _ in 0..weft_coop::BUDGET {
                        assert!(std::pin::pin!(q.get()).poll(&mut cx).is_ready());
                    }
                    assert!(std::pin::pin!(q.get()).poll(&mut cx).is_pending());
                });
                assert_eq!(wakes.count(), 1);
                assert_eq!(q.qsize(), 1, "the yielding get took nothing");
            }
        }
    };
}

kind_tests!(fifo, Queue);
kind_tests!(lifo, LifoQueue);
kind_tests!(priority, PriorityQueue);

#[test]
fn each_kind_hands_out_items_in_its_own_order() {
    let fifo = Queue::new();
    let lifo = LifoQueue::new();
    let priority = PriorityQueue::new();
    for n in [2, 3, 1] {
        fifo.put_nowait(n).unwrap();
        lifo.put_nowait(n).unwrap();
        priority.put_nowait(n).unwrap();
    }
    let drain = |get: &dyn Fn() -> Option<i32>| std::iter::from_fn(get).collect::<Vec<_>>();
    assert_eq!(drain(&|| fifo.get_nowait().ok()), [2, 3, 1]);
    assert_eq!(drain(&|| lifo.get_nowait().ok()), [1, 3, 2]);
    assert_eq!(drain(&|| priority.get_nowait().ok()), [1, 2, 3]);
}

#[test]
fn priority_queue_serves_urgent_before_normal() {
    let q = PriorityQueue::new();
    let ex = Executor::new();
    let got = ex.spawn(async {
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(q.get().await.unwrap());
        }
        got
    });
    q.put_nowait((1, "normal")).unwrap();
    q.put_nowait((0, "urgent")).unwrap();
    q.put_nowait((1, "normal too")).unwrap();
    ex.run_until_stalled();
    assert_eq!(got.result()[0], (0, "urgent"));
}

#[test]
fn the_queue_handle_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let q = Queue::<String>::new();
    assert_send_sync(&q);
    assert_send_sync(&Arc::new(PriorityQueue::<u8>::new()));
}

/// Shutdown wakes every waiting getter; an item that a cancelled getter gives back after that
/// is still there for them: asyncio's getters drain the queue before they see `QueueShutDown`.
#[test]
fn getters_woken_by_shutdown_still_drain_items_given_back_by_a_cancelled_getter() {
    let q = Queue::<u8>::new();
    let mut first = Box::pin(q.get());
    let mut second = Box::pin(q.get());
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    q.put_nowait(7).unwrap(); // promised to `first`
    q.shutdown(false); // `second` is woken with the shutdown
    drop(first); // cancelled: the item goes back
    assert_eq!(poll_once(&mut second), Poll::Ready(Ok(7)));
    assert_eq!(
        q.get_nowait(),
        Err(GetNowaitError::ShutDown(QueueShutDown(())))
    );
}
