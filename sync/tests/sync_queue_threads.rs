//! Queues across threads: plain threads on the blocking API beside async tasks, the
//! 4 producers × 4 consumers stress test, cancellations racing hand-offs, and the rules of
//! the blocking calls (no cooperative budget, no calls on a runtime's worker threads).

mod common;

use std::task::{Context, Poll};
use std::time::Duration;

use common::{block_on, poll_once, within, yield_now};
use weft_sync::{Queue, QueueShutDown};

#[test]
fn a_sync_thread_feeds_tasks_and_a_task_feeds_a_sync_thread() {
    within(Duration::from_secs(60), || {
        let requests = Queue::bounded(2);
        let replies = Queue::bounded(2);
        let server = {
            let (requests, replies) = (requests.clone(), replies.clone());
            std::thread::spawn(move || {
                block_on(async {
                    while let Ok(n) = requests.get().await {
                        replies.put(n * 10).await.unwrap();
                        yield_now().await;
                    }
                    replies.shutdown(false);
                })
            })
        };
        let client = {
            let requests = requests.clone();
            std::thread::spawn(move || {
                for n in 0..100 {
                    requests.put_blocking(n).unwrap();
                }
                requests.shutdown(false);
            })
        };
        let mut sum = 0;
        while let Ok(reply) = replies.get_blocking() {
            sum += reply;
        }
        client.join().unwrap();
        server.join().unwrap();
        assert_eq!(sum, (0..100).map(|n| n * 10).sum::<i32>());
    });
}

// Stress: 4 producers × 4 consumers × 100,000 items through a bounded(16) queue; every item
// is received exactly once. Half of each side are async tasks (driven by `block_on`), half
// are plain threads on the blocking API, so both kinds of waiter share the same FIFOs.
#[test]
fn stress_four_producers_four_consumers_bounded_16() {
    const PRODUCERS: u32 = 4;
    const CONSUMERS: usize = 4;
    const ITEMS: u32 = 100_000;
    let received = within(Duration::from_secs(180), || {
        let q = Queue::bounded(16);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = q.clone();
                std::thread::spawn(move || {
                    let items = p * ITEMS..(p + 1) * ITEMS;
                    if p % 2 == 0 {
                        block_on(async {
                            for item in items {
                                q.put(item).await.unwrap();
                            }
                        })
                    } else {
                        for item in items {
                            q.put_blocking(item).unwrap();
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let q = q.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    if c % 2 == 0 {
                        block_on(async {
                            while let Ok(item) = q.get().await {
                                got.push(item);
                            }
                        })
                    } else {
                        while let Ok(item) = q.get_blocking() {
                            got.push(item);
                        }
                    }
                    got
                })
            })
            .collect();
        producers.into_iter().for_each(|p| p.join().unwrap());
        q.shutdown(false); // consumers drain what is left, then see QueueShutDown
        let mut all = Vec::with_capacity((PRODUCERS * ITEMS) as usize);
        for consumer in consumers {
            all.extend(consumer.join().unwrap());
        }
        all
    });
    assert_eq!(received.len(), (PRODUCERS * ITEMS) as usize);
    let mut seen = vec![false; (PRODUCERS * ITEMS) as usize];
    for item in received {
        assert!(
            !std::mem::replace(&mut seen[item as usize], true),
            "item {item} twice"
        );
    }
    assert!(seen.iter().all(|s| *s), "an item was lost");
}

// Cancellation racing hand-offs across threads: gets and puts are dropped at random moments
// while other threads keep the queue busy; no item is lost or duplicated.
#[test]
fn stress_cancelled_gets_and_puts_lose_nothing() {
    const ITEMS: u32 = 20_000;
    within(Duration::from_secs(120), || {
        let q = Queue::bounded(4);
        let producer = {
            let q = q.clone();
            std::thread::spawn(move || {
                let mut attempts = 0_u32;
                for item in 0..ITEMS {
                    loop {
                        attempts += 1;
                        // Every third attempt registers a put and abandons it.
                        if attempts.is_multiple_of(3) {
                            let mut put = Box::pin(q.put(item));
                            if poll_once(&mut put) == Poll::Ready(Ok(())) {
                                break;
                            }
                            continue; // dropped: the item must not have been added
                        }
                        q.put_blocking(item).unwrap();
                        break;
                    }
                }
                q.shutdown(false);
            })
        };
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    let mut attempts = 0_u32;
                    loop {
                        attempts += 1;
                        if attempts.is_multiple_of(4) {
                            let mut get = Box::pin(q.get());
                            if let Poll::Ready(result) = poll_once(&mut get) {
                                match result {
                                    Ok(item) => got.push(item),
                                    Err(QueueShutDown(())) => break,
                                }
                            }
                            continue; // dropped while pending: any promised item moves on
                        }
                        match q.get_blocking() {
                            Ok(item) => got.push(item),
                            Err(_) => break,
                        }
                    }
                    got
                })
            })
            .collect();
        producer.join().unwrap();
        let mut all: Vec<u32> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..ITEMS).collect::<Vec<_>>());
    });
}

/// A blocking call is not a task: it must not spend (or be stopped by) the budget of
/// whatever async code it was wrongly called from.
#[test]
fn blocking_calls_ignore_the_cooperative_budget() {
    within(Duration::from_secs(30), || {
        let q = Queue::<u8>::new();
        q.put_nowait(1).unwrap();
        weft_coop::with_budget(|| {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            while weft_coop::poll_consume(&mut cx).is_ready() {} // spend it all
            assert_eq!(q.get_blocking(), Ok(1));
            q.put_blocking(2).unwrap();
        });
        assert_eq!(q.get_nowait(), Ok(2));
    });
}

#[test]
fn blocking_calls_on_a_worker_thread_panic_with_a_clear_message() {
    let q = Queue::<u8>::new();
    let _worker = weft_coop::enter_worker_thread();
    for (op, call) in [
        (
            "put_blocking",
            Box::new(|| {
                let _ = q.put_blocking(1);
            }) as Box<dyn Fn()>,
        ),
        (
            "get_blocking",
            Box::new(|| {
                let _ = q.get_blocking();
            }),
        ),
        (
            "get_blocking_timeout",
            Box::new(|| {
                let _ = q.get_blocking_timeout(Duration::from_secs(1));
            }),
        ),
    ] {
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_err();
        let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.starts_with(op), "{msg}");
        assert!(
            msg.contains("worker thread") && msg.contains(".await"),
            "{msg}"
        );
    }
}

/// `Queue::stream`: every item in order, then the end once the queue is shut down and
/// drained, with items arriving from a plain thread while the stream waits.
#[test]
fn a_queue_stream_yields_every_item_then_ends_at_shutdown() {
    within(Duration::from_secs(30), || {
        let q = Queue::<u32>::bounded(4);
        let feeder = {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    q.put_blocking(i).unwrap();
                }
                q.shutdown(false);
            })
        };
        let mut items = q.stream();
        let mut got = Vec::new();
        while let Some(item) = block_on(std::future::poll_fn(|cx| {
            futures_core::Stream::poll_next(std::pin::Pin::new(&mut items), cx)
        })) {
            got.push(item);
        }
        feeder.join().unwrap();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    });
}
