//! `RwLock`: FIFO fairness between readers and writers, downgrade, cancel hand-off, owned
//! guards across threads, the blocking variants, and multi-thread stress.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use common::{CountingWaker, block_on, poll_once, within};
use weft_coop::WaitKind;
use weft_sync::RwLock;

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

fn pending<T>(f: &mut Boxed<'_, T>) -> bool {
    poll_once(f).is_pending()
}

/// Waits (hang-guarded by the caller's `within`) until `cond` holds, yielding the thread.
fn wait_until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        std::thread::yield_now();
    }
}

#[test]
fn a_queued_writer_blocks_new_readers() {
    let lock = RwLock::new(0);
    let first = lock.try_read().unwrap();
    let mut writer: Boxed<'_, _> = Box::pin(lock.write());
    assert!(pending(&mut writer), "a reader holds the lock");
    assert!(
        lock.try_read().is_err(),
        "a new reader must not overtake the queued writer"
    );
    let mut late_reader: Boxed<'_, _> = Box::pin(lock.read());
    assert!(pending(&mut late_reader));

    drop(first); // the last reader leaves: the writer is admitted, the late reader is not
    let Poll::Ready(mut guard) = poll_once(&mut writer) else {
        panic!("the writer was not admitted when the last reader left");
    };
    assert!(pending(&mut late_reader));
    *guard = 1;
    drop(guard);
    let Poll::Ready(read) = poll_once(&mut late_reader) else {
        panic!("the reader was not admitted after the writer");
    };
    assert_eq!(*read, 1);
}

#[test]
fn readers_queued_behind_a_writer_are_admitted_together_in_fifo_order() {
    let lock = RwLock::new(());
    let held = lock.try_write().unwrap();
    let mut r1: Boxed<'_, _> = Box::pin(lock.read());
    let mut r2: Boxed<'_, _> = Box::pin(lock.read());
    let mut w2: Boxed<'_, _> = Box::pin(lock.write());
    let mut r3: Boxed<'_, _> = Box::pin(lock.read());
    assert!(pending(&mut r1) && pending(&mut r2) && pending(&mut w2) && pending(&mut r3));

    drop(held);
    let (Poll::Ready(g1), Poll::Ready(g2)) = (poll_once(&mut r1), poll_once(&mut r2)) else {
        panic!("both readers at the head should be admitted together");
    };
    assert!(pending(&mut w2), "the writer waits for the readers");
    assert!(
        pending(&mut r3),
        "a reader behind the queued writer stays queued"
    );

    drop(g1);
    assert!(pending(&mut w2), "one reader is still in");
    drop(g2);
    let Poll::Ready(gw) = poll_once(&mut w2) else {
        panic!("the writer is next");
    };
    assert!(pending(&mut r3));
    drop(gw);
    assert!(poll_once(&mut r3).is_ready());
}

#[test]
fn the_head_waiter_is_woken_exactly_once_per_grant() {
    let lock = RwLock::new(());
    let held = lock.try_write().unwrap();
    let (reader_wakes, reader_waker) = CountingWaker::new();
    let (writer_wakes, writer_waker) = CountingWaker::new();
    let mut reader = Box::pin(lock.read());
    let mut writer = Box::pin(lock.write());
    let mut cx = Context::from_waker(&reader_waker);
    assert!(reader.as_mut().poll(&mut cx).is_pending());
    let mut cx = Context::from_waker(&writer_waker);
    assert!(writer.as_mut().poll(&mut cx).is_pending());
    drop(held);
    assert_eq!((reader_wakes.count(), writer_wakes.count()), (1, 0));
    let Poll::Ready(read) = poll_once(&mut reader) else {
        panic!("woken but not admitted");
    };
    drop(read);
    assert_eq!(writer_wakes.count(), 1);
    assert!(poll_once(&mut writer).is_ready());
}

#[test]
fn downgrade_keeps_a_waiting_writer_out_and_admits_readers_at_the_head() {
    let lock = RwLock::new(0);
    let mut write = lock.try_write().unwrap();
    let mut r1: Boxed<'_, _> = Box::pin(lock.read());
    let mut w2: Boxed<'_, _> = Box::pin(lock.write());
    let mut r3: Boxed<'_, _> = Box::pin(lock.read());
    assert!(pending(&mut r1) && pending(&mut w2) && pending(&mut r3));

    *write = 5;
    let read = write.downgrade();
    assert_eq!(*read, 5);
    let Poll::Ready(r1_guard) = poll_once(&mut r1) else {
        panic!("the reader at the head joins the downgraded reader");
    };
    assert!(
        pending(&mut w2),
        "no writer can get in while the downgraded guard lives"
    );
    assert!(
        pending(&mut r3),
        "the reader behind the queued writer stays queued"
    );
    assert!(lock.try_write().is_err() && lock.try_read().is_err());

    drop(read);
    assert!(pending(&mut w2));
    drop(r1_guard);
    let Poll::Ready(mut w2_guard) = poll_once(&mut w2) else {
        panic!("the writer is admitted when both readers leave");
    };
    *w2_guard += 1;
    drop(w2_guard);
    assert!(matches!(poll_once(&mut r3), Poll::Ready(g) if *g == 6));
}

#[test]
fn uncontended_downgrade_leaves_a_plain_read_lock() {
    let lock = RwLock::new(1);
    let read = lock.try_write().unwrap().downgrade();
    let other = lock.try_read().expect("readers share a downgraded lock");
    assert!(lock.try_write().is_err());
    drop((read, other));
    assert!(lock.try_write().is_ok());
}

#[test]
fn owned_downgrade_moves_into_a_thread() {
    let lock = Arc::new(RwLock::new(String::new()));
    let mut write = lock.clone().try_write_owned().unwrap();
    let mut writer: Boxed<'_, _> = Box::pin(lock.write());
    assert!(pending(&mut writer));
    write.push_str("owned");
    let read = write.downgrade();
    assert!(pending(&mut writer));
    let len = std::thread::spawn(move || read.len()).join().unwrap();
    assert_eq!(len, 5);
    assert!(
        poll_once(&mut writer).is_ready(),
        "the read guard died on the thread"
    );
}

#[test]
fn a_cancelled_waiting_writer_lets_the_readers_behind_it_in() {
    let lock = RwLock::new(());
    let held = lock.try_read().unwrap();
    let mut writer: Boxed<'_, _> = Box::pin(lock.write());
    let mut reader: Boxed<'_, _> = Box::pin(lock.read());
    assert!(pending(&mut writer) && pending(&mut reader));
    drop(writer);
    assert!(
        poll_once(&mut reader).is_ready(),
        "with the writer gone the reader may share the lock"
    );
    drop(held);
    assert!(lock.try_write().is_ok());
}

#[test]
fn a_granted_writer_dropped_before_it_runs_passes_the_lock_on() {
    let lock = RwLock::new(());
    let held = lock.try_write().unwrap();
    let mut w2: Boxed<'_, _> = Box::pin(lock.write());
    let mut r: Boxed<'_, _> = Box::pin(lock.read());
    let mut r2: Boxed<'_, _> = Box::pin(lock.read());
    assert!(pending(&mut w2) && pending(&mut r) && pending(&mut r2));
    drop(held); // granted to w2...
    assert!(lock.try_read().is_err());
    drop(w2); // ...which is cancelled before it runs: both readers get it
    assert!(poll_once(&mut r).is_ready());
    assert!(poll_once(&mut r2).is_ready());
    assert!(lock.try_write().is_ok(), "nothing leaked");
}

#[test]
fn a_granted_reader_dropped_before_it_runs_lets_the_writer_in() {
    let lock = RwLock::new(());
    let held = lock.try_write().unwrap();
    let mut r: Boxed<'_, _> = Box::pin(lock.read());
    let mut w: Boxed<'_, _> = Box::pin(lock.write());
    assert!(pending(&mut r) && pending(&mut w));
    drop(held);
    drop(r);
    assert!(poll_once(&mut w).is_ready());
}

#[test]
fn pending_waits_are_recorded_as_rwlock_wait_points() {
    let lock = RwLock::new(());
    let held = lock.try_write().unwrap();
    let mut read: Boxed<'_, _> = Box::pin(lock.read());
    let mut write: Boxed<'_, _> = Box::pin(lock.write());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut read));
    assert_eq!(waited.unwrap().kind(), WaitKind::RwLockRead);
    let (_, waited) = weft_coop::recording(|| poll_once(&mut write));
    let waited = waited.unwrap();
    assert_eq!(waited.kind(), WaitKind::RwLockWrite);
    assert_eq!(
        waited.location().file(),
        file!(),
        "the site is the caller's line"
    );
    drop(held);
}

#[test]
fn a_spent_budget_makes_read_yield_without_taking_the_lock() {
    let lock = RwLock::new(());
    let (wakes, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    weft_coop::with_budget(|| {
        let mut reads = 0;
        loop {
            let mut read = Box::pin(lock.read());
            match read.as_mut().poll(&mut cx) {
                Poll::Ready(_) => reads += 1,
                Poll::Pending => break,
            }
        }
        assert_eq!(reads, usize::from(weft_coop::BUDGET));
    });
    assert_eq!(
        wakes.count(),
        1,
        "the budget yield wakes the task to run again"
    );
    assert!(lock.try_write().is_ok(), "no read lock was left behind");
}

#[test]
fn owned_guards_move_into_spawned_threads() {
    let lock = Arc::new(RwLock::new(0_u32));
    let write = block_on(lock.clone().write_owned());
    let writer = std::thread::spawn(move || {
        let mut write = write;
        *write += 10;
    });
    writer.join().unwrap();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let read = block_on(lock.clone().read_owned());
            std::thread::spawn(move || *read)
        })
        .collect();
    for reader in readers {
        assert_eq!(reader.join().unwrap(), 10);
    }
    assert!(lock.try_write().is_ok());
}

#[test]
fn blocking_write_parks_in_the_queue_until_the_readers_leave() {
    within(Duration::from_secs(30), || {
        let lock = Arc::new(RwLock::new(0));
        let read = lock.try_read().unwrap();
        let writer = {
            let lock = lock.clone();
            std::thread::spawn(move || *lock.blocking_write() = 1)
        };
        // The writer is queued once newcomers are refused.
        wait_until(|| lock.try_read().is_err());
        assert_eq!(*read, 0);
        drop(read);
        writer.join().unwrap();
        assert_eq!(*lock.blocking_read(), 1);
    });
}

#[test]
fn blocking_calls_on_a_worker_thread_panic_with_a_clear_message() {
    let lock = RwLock::new(());
    let _worker = weft_coop::enter_worker_thread();
    for (op, call) in [
        (
            "RwLock::blocking_read",
            Box::new(|| drop(lock.blocking_read())) as Box<dyn Fn()>,
        ),
        (
            "RwLock::blocking_write",
            Box::new(|| drop(lock.blocking_write())),
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
    assert!(lock.try_write().is_ok(), "the refused calls took nothing");
}

#[test]
fn into_inner_get_mut_default_from_and_debug() {
    let mut lock: RwLock<Vec<u8>> = RwLock::default();
    lock.get_mut().push(1);
    assert_eq!(
        format!("{lock:?}"),
        "RwLock { data: [1], readers: 0, write_locked: false }"
    );
    let held = lock.try_write().unwrap();
    assert!(format!("{lock:?}").contains("<locked>"));
    drop(held);
    assert_eq!(lock.into_inner(), [1]);
    assert_eq!(*RwLock::from(3).try_read().unwrap(), 3);
}

// 95% reads, 5% writes on 8 threads, some waiters cancelled mid-queue: writers keep two
// fields equal under the lock, readers check them, and the final count is exact.
#[test]
fn stress_read_heavy_with_cancellation() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 5_000;
    within(Duration::from_secs(120), || {
        let lock = Arc::new(RwLock::new((0_usize, 0_usize)));
        let writes = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (lock, writes) = (lock.clone(), writes.clone());
                std::thread::spawn(move || {
                    block_on(async {
                        for i in 0..ROUNDS {
                            let roll = (i * 31 + t * 17) % 100;
                            if roll < 5 {
                                let mut w = lock.write().await;
                                w.0 += 1;
                                std::hint::spin_loop();
                                w.1 += 1;
                                writes.fetch_add(1, Ordering::Relaxed);
                            } else if roll < 8 {
                                // Register and cancel, racing with unlocks elsewhere.
                                let mut w = Box::pin(lock.write());
                                if let Poll::Ready(mut w) = poll_once(&mut w) {
                                    w.0 += 1;
                                    w.1 += 1;
                                    writes.fetch_add(1, Ordering::Relaxed);
                                }
                                let mut r = Box::pin(lock.read());
                                let _ = poll_once(&mut r);
                            } else {
                                let r = lock.read().await;
                                assert_eq!(r.0, r.1, "a reader saw a half-done write");
                            }
                        }
                    })
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let (a, b) = *lock
            .try_write()
            .expect("a cancelled waiter leaked the lock");
        assert_eq!((a, b), (writes.load(Ordering::SeqCst), a));
        assert!(a > 0);
    });
}
