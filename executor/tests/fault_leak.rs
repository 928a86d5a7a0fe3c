//! Leaks: memory that user code can make the runtime hold forever. Counted with this binary's
//! own allocator, so the file holds a single test (tests in one binary share the counter).

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use weft_executor::{Builder, Task, TaskGroup};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is only
// arithmetic on the sizes it is given.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Awaits the other task's handle once it is handed over, forever.
struct AwaitPeer(Arc<Mutex<Option<Task<()>>>>);

impl Future for AwaitPeer {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(peer) = self.0.lock().unwrap().as_mut() {
            let _ = Pin::new(peer).poll(cx);
        }
        Poll::Pending
    }
}

#[test]
fn neither_awaiting_tasks_nor_long_lived_groups_leak() {
    weft_test_support::within(Duration::from_secs(120), || {
        let rt = Builder::new().worker_threads(2).build().unwrap();

        // Two tasks that await each other's handles, then are cancelled: each handle's join
        // waker points at the other task, and must not keep it allocated.
        let mutual_round = || {
            let (a_slot, b_slot) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
            let a = rt.spawn(AwaitPeer(a_slot.clone()));
            let b = rt.spawn(AwaitPeer(b_slot.clone()));
            let (a_abort, b_abort) = (a.abort_handle(), b.abort_handle());
            *a_slot.lock().unwrap() = Some(b);
            *b_slot.lock().unwrap() = Some(a);
            // Let each poll the other's handle (storing its waker there).
            rt.block_on(weft_reactor::sleep(Duration::from_millis(1)));
            a_abort.cancel();
            b_abort.cancel();
            while !(a_abort.is_finished() && b_abort.is_finished()) {
                std::thread::yield_now();
            }
        };
        for _ in 0..50 {
            mutual_round(); // warm up every cache and pool
        }
        let before = live();
        for _ in 0..2_000 {
            mutual_round();
        }
        let grown = live() - before;
        assert!(
            grown < 100_000,
            "2,000 cancelled pairs of mutually awaiting tasks left {grown} bytes allocated"
        );

        // A long-lived group whose children all finish keeps only their outcomes.
        rt.block_on(async {
            let group = TaskGroup::<(), ()>::new();
            let round = |n: usize| {
                let group = &group;
                async move {
                    let children: Vec<_> = (0..n)
                        .map(|_| group.spawn(async { Ok(()) }).unwrap())
                        .collect();
                    for child in children {
                        while !child.is_finished() {
                            weft_executor::yield_now().await;
                        }
                    }
                }
            };
            // Warm up with a round as large as the measured one: the task-cell cache keeps
            // a bounded number of freed cells, which is no leak, so fill it first.
            round(5_000).await;
            let before = live();
            round(5_000).await;
            let per_child = (live() - before) / 5_000;
            assert!(
                per_child < 64,
                "a finished child still costs its group {per_child} bytes"
            );
            group.join().await.unwrap();
        });
    });
}
