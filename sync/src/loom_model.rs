//! loom models of the wait-list hand-off protocol (run with `--cfg loom`, see the crate's
//! brief for the command).
//!
//! Each model pits a grant against a cancellation (or a `set` against a registration) on
//! real threads, and loom explores every interleaving of the atomics and mutexes involved.
//! A lost grant shows up as a deadlock (a `block_on` that is never woken) or as a failed
//! final assertion; a duplicated grant as a failed assertion or a data race on the loom
//! `UnsafeCell` the critical sections write.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;

use crate::{Condition, Event, Lock, Queue, Semaphore};

/// Wakes a parked loom thread.
struct Unparker(thread::Thread);

impl Wake for Unparker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on the current loom thread, parking between polls. If a
/// wake-up is lost, every thread ends up parked and loom reports the deadlock.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(std::sync::Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

/// Polls `future` once, with a waker that does nothing, then drops it (a cancellation right
/// after registering). Returns whether it completed.
pub(crate) fn poll_once_then_drop<F: Future>(future: F) -> bool {
    let mut future = pin!(future);
    let ready = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready();
    // Dropping the output (a guard, a permit) or the pending future is the point.
    ready
}

/// A lock handed to a waiter that is cancelled at the same moment must not leak: either the
/// cancel wins (the waiter leaves before the release) or the grant wins (the dropped waiter
/// passes the lock on); both leave the lock free.
#[test]
fn loom_lock_release_vs_cancel() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(()));
        let held = lock.try_lock().unwrap();
        let canceller = {
            let lock = lock.clone();
            thread::spawn(move || {
                poll_once_then_drop(lock.lock());
            })
        };
        drop(held);
        canceller.join().unwrap();
        assert!(!lock.is_locked(), "the lock leaked to a cancelled waiter");
    });
}

/// With a second waiter behind the cancelled one, the hand-off must reach it (a lost grant
/// deadlocks its `block_on`), and the critical sections must never overlap.
#[test]
fn loom_lock_handoff_skips_cancelled_waiter() {
    loom::model(|| {
        let lock = Arc::new(Lock::new(()));
        let data = Arc::new(UnsafeCell::new(0_u32));
        let held = lock.try_lock().unwrap();
        let canceller = {
            let lock = lock.clone();
            thread::spawn(move || {
                poll_once_then_drop(lock.lock());
            })
        };
        let waiter = {
            let (lock, data) = (lock.clone(), data.clone());
            thread::spawn(move || {
                let _guard = block_on(lock.lock());
                data.with_mut(|n| {
                    // SAFETY: written only while holding the lock; loom checks the claim.
                    unsafe { *n += 1 }
                });
            })
        };
        data.with_mut(|n| {
            // SAFETY: as above, `held` is the lock.
            unsafe { *n += 1 }
        });
        drop(held);
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert!(!lock.is_locked());
        // SAFETY: every thread that wrote has been joined.
        assert_eq!(data.with(|n| unsafe { *n }), 2);
    });
}

/// A semaphore permit released while its only waiter is cancelled is never lost: it ends
/// up back in the count either way.
#[test]
fn loom_semaphore_release_vs_cancel() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let canceller = {
            let sem = sem.clone();
            thread::spawn(move || {
                poll_once_then_drop(sem.acquire());
            })
        };
        sem.release();
        canceller.join().unwrap();
        assert_eq!(
            sem.available_permits(),
            1,
            "a permit was lost or duplicated"
        );
    });
}

/// A permit granted to a cancelled waiter moves on to the next waiter.
#[test]
fn loom_semaphore_handoff_skips_cancelled_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire().unwrap();
        let canceller = {
            let sem = sem.clone();
            thread::spawn(move || {
                poll_once_then_drop(sem.acquire());
            })
        };
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || {
                block_on(sem.acquire()).unwrap().forget();
            })
        };
        drop(held);
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(
            sem.available_permits(),
            0,
            "exactly one permit, held by the waiter"
        );
    });
}

/// A two-permit request gathers its permits from two releases racing its registration
/// (a lost permit deadlocks it; a duplicated one shows in the final count).
#[test]
fn loom_semaphore_acquire_many_gathers_racing_releases() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire_many(2)).unwrap().forget())
        };
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.release())
        };
        sem.release();
        releaser.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(
            sem.available_permits(),
            0,
            "a permit was lost or duplicated"
        );
    });
}

/// `close` racing a registration: the acquire either sees the flag or is in the list the
/// close walks, so it always completes, with the error.
#[test]
fn loom_semaphore_close_vs_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || block_on(sem.acquire()).is_err())
        };
        sem.close();
        assert!(
            waiter.join().unwrap(),
            "a closed semaphore granted a permit"
        );
    });
}

/// `set` racing a registration: the waiter either sees the flag or is in the list `set`
/// walks, so it always completes.
#[test]
fn loom_event_set_vs_wait() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = event.clone();
            thread::spawn(move || block_on(event.wait()))
        };
        event.set();
        waiter.join().unwrap();
        assert!(event.is_set());
    });
}

/// `set` racing a cancelled waiter and a `clear`: the live waiter is still released (it
/// registered before `set`, or saw the flag), whatever the clear does afterwards.
#[test]
fn loom_event_set_vs_cancel_and_clear() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let canceller = {
            let event = event.clone();
            thread::spawn(move || {
                poll_once_then_drop(event.wait());
            })
        };
        let waiter = {
            let event = event.clone();
            thread::spawn(move || block_on(event.wait()))
        };
        event.set();
        event.clear();
        event.set();
        canceller.join().unwrap();
        waiter.join().unwrap();
    });
}

/// A queue item promised to a `get` that is cancelled at the same moment goes to the next
/// waiting getter (a lost promise leaves that getter blocked: a loom deadlock), and no item
/// is delivered twice.
#[test]
fn loom_queue_put_vs_cancelled_get() {
    loom::model(|| {
        let queue = Queue::new();
        let canceller = {
            let queue = queue.clone();
            thread::spawn(move || {
                let mut get = pin!(queue.get());
                match get.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                    Poll::Ready(item) => Some(item.unwrap()),
                    Poll::Pending => None,
                }
            })
        };
        let waiter = {
            let queue = queue.clone();
            thread::spawn(move || block_on(queue.get()).unwrap())
        };
        queue.put_nowait(1).unwrap();
        let mut delivered: Vec<i32> = canceller.join().unwrap().into_iter().collect();
        if !delivered.is_empty() {
            queue.put_nowait(2).unwrap(); // the canceller took the item: feed the waiter
        }
        delivered.push(waiter.join().unwrap());
        delivered.sort();
        let expected: &[i32] = if delivered.len() == 2 { &[1, 2] } else { &[1] };
        assert_eq!(delivered, expected, "an item was lost or duplicated");
        assert!(queue.empty());
    });
}

/// `notify(1)` racing a waiter that is cancelled right after registering: the notification
/// is passed on, so the live waiter is never stranded (CPython 3.13's lost-wake-up fix).
#[test]
fn loom_condition_notify_vs_cancelled_wait() {
    loom::model(|| {
        let cond = Arc::new(Condition::new(false));
        let canceller = {
            let cond = cond.clone();
            thread::spawn(move || {
                let guard = block_on(cond.lock());
                poll_once_then_drop(cond.wait(guard));
            })
        };
        let waiter = {
            let cond = cond.clone();
            thread::spawn(move || {
                let guard = block_on(cond.lock());
                let guard = block_on(cond.wait_for(guard, |ready| *ready));
                assert!(*guard);
            })
        };
        *block_on(cond.lock()) = true;
        cond.notify(1);
        canceller.join().unwrap();
        waiter.join().unwrap();
    });
}

/// Done-callbacks registered from two threads while a third completes the promise: each
/// runs exactly once, one thread at a time, and one thread's callbacks keep their order —
/// whichever thread ends up draining the queue.
#[test]
fn loom_promise_callbacks_race_completion() {
    use crate::Promise;
    loom::model(|| {
        let promise = Promise::<u8>::new();
        let ran = Arc::new(loom::sync::Mutex::new(Vec::new()));
        let register = |p: &Promise<u8>, tag: u8| {
            let ran = ran.clone();
            p.add_done_callback(move |p| {
                assert_eq!(p.result(), Ok(7), "callbacks run after the outcome is set");
                ran.lock().unwrap().push(tag);
            });
        };
        let (p, r) = (promise.clone(), ran.clone());
        let other = thread::spawn(move || {
            let ran = r;
            p.add_done_callback(move |_| ran.lock().unwrap().push(9));
        });
        let p = promise.clone();
        let completer = thread::spawn(move || p.set_result(7).unwrap());
        register(&promise, 1);
        register(&promise, 2);
        other.join().unwrap();
        completer.join().unwrap();
        let ran = ran.lock().unwrap();
        let mut sorted = ran.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [1, 2, 9], "each callback ran exactly once");
        let mine: Vec<u8> = ran.iter().copied().filter(|&t| t != 9).collect();
        assert_eq!(mine, [1, 2], "one thread's callbacks keep their order");
    });
}
