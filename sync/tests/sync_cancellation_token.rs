//! `CancellationToken`: propagation down the tree across threads, clones, drop guards,
//! `run_until_cancelled`, deep trees, and no leak from many short-lived children.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::Poll;
use std::time::Duration;

use common::{CountingWaker, block_on, poll_once, poll_with, within};
use weft_coop::WaitKind;
use weft_sync::CancellationToken;

fn children(token: &CancellationToken) -> String {
    let debug = format!("{token:?}");
    let start = debug
        .find("children: ")
        .expect("Debug shows the child count")
        + 10;
    debug[start..debug.len() - 2].to_string()
}

#[test]
fn a_parent_cancelled_on_another_thread_wakes_waiters_on_its_descendants() {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let grandchild = child.child_token();
    let (child_wakes, child_waker) = CountingWaker::new();
    let (grand_wakes, grand_waker) = CountingWaker::new();
    let mut on_child = Box::pin(child.cancelled());
    let mut on_grandchild = Box::pin(grandchild.cancelled());
    assert!(poll_with(&mut on_child, &child_waker).is_pending());
    assert!(poll_with(&mut on_grandchild, &grand_waker).is_pending());

    let canceller = {
        let parent = parent.clone();
        std::thread::spawn(move || parent.cancel())
    };
    canceller.join().unwrap();
    assert_eq!((child_wakes.count(), grand_wakes.count()), (1, 1));
    assert!(poll_once(&mut on_child).is_ready());
    assert!(poll_once(&mut on_grandchild).is_ready());
    assert!(parent.is_cancelled() && child.is_cancelled() && grandchild.is_cancelled());
}

#[test]
fn waiters_blocked_on_many_threads_are_all_released() {
    const THREADS: usize = 8;
    within(Duration::from_secs(30), || {
        let root = CancellationToken::new();
        let started = Arc::new(Barrier::new(THREADS + 1));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                // Half wait on the root, half on their own child (or grandchild).
                let token = match t % 3 {
                    0 => root.clone(),
                    1 => root.child_token(),
                    _ => root.child_token().child_token(),
                };
                let started = started.clone();
                std::thread::spawn(move || {
                    started.wait();
                    block_on(token.cancelled());
                    token.is_cancelled()
                })
            })
            .collect();
        started.wait();
        root.cancel();
        for t in threads {
            assert!(t.join().unwrap());
        }
    });
}

#[test]
fn cancelling_a_child_leaves_the_parent_and_siblings_alone() {
    let parent = CancellationToken::new();
    let a = parent.child_token();
    let b = parent.child_token();
    let a_child = a.child_token();
    a.cancel();
    assert!(a.is_cancelled() && a_child.is_cancelled());
    assert!(!parent.is_cancelled() && !b.is_cancelled());
    parent.cancel();
    assert!(b.is_cancelled());
}

#[test]
fn children_of_a_cancelled_token_start_cancelled() {
    let parent = CancellationToken::new();
    parent.cancel();
    let child = parent.child_token();
    assert!(child.is_cancelled());
    assert!(poll_once(&mut Box::pin(child.cancelled())).is_ready());
    assert_eq!(children(&parent), "0");
}

#[test]
fn clones_share_the_cancellation() {
    let token = CancellationToken::new();
    let clone = token.clone();
    let mut wait = Box::pin(token.cancelled());
    assert!(poll_once(&mut wait).is_pending());
    clone.cancel();
    assert!(poll_once(&mut wait).is_ready());
    assert!(token.is_cancelled());
}

#[test]
fn drop_guard_cancels_on_drop_and_disarm_gives_the_token_back() {
    let token = CancellationToken::new();
    let token2 = token.clone();
    let disarmed = token.clone().drop_guard().disarm();
    assert!(!token.is_cancelled());
    drop(disarmed);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _guard = token2.drop_guard();
        panic!("the scope fails");
    }));
    assert!(outcome.is_err());
    assert!(token.is_cancelled(), "the guard cancelled during unwinding");
}

/// Counts its drops, so a test can see a future being dropped.
struct DropCounted(Arc<AtomicUsize>);

impl Drop for DropCounted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn run_until_cancelled_returns_the_output_or_none_and_drops_the_future() {
    let token = CancellationToken::new();
    assert_eq!(block_on(token.run_until_cancelled(async { 5 })), Some(5));

    let drops = Arc::new(AtomicUsize::new(0));
    let work = {
        let counted = DropCounted(drops.clone());
        async move {
            let _counted = counted;
            std::future::pending::<u8>().await
        }
    };
    let mut run = Box::pin(token.run_until_cancelled(work));
    assert!(poll_once(&mut run).is_pending());
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || token.cancel())
    };
    canceller.join().unwrap();
    assert_eq!(poll_once(&mut run), Poll::Ready(None));
    drop(run);
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    // Already cancelled: the future is not polled at all.
    let polled = AtomicUsize::new(0);
    let run = token.run_until_cancelled(async {
        polled.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(block_on(run), None);
    assert_eq!(polled.load(Ordering::SeqCst), 0);
    assert_eq!(
        block_on(token.clone().run_until_cancelled_owned(async { 1 })),
        None
    );
}

#[test]
fn a_hundred_thousand_short_lived_children_leave_the_parent_empty() {
    let parent = CancellationToken::new();
    let keep = parent.child_token();
    for i in 0..100_000 {
        let child = parent.child_token();
        match i % 4 {
            0 => drop(child),
            1 => {
                let clone = child.clone();
                drop(child);
                drop(clone);
            }
            2 => {
                // A grandchild outliving its parent token keeps the child linked as a
                // relay; dropping it unlinks both.
                let grandchild = child.child_token();
                drop(child);
                drop(grandchild);
            }
            _ => {
                child.cancel(); // cancelled on its own: still leaves when dropped
                drop(child);
            }
        }
    }
    assert_eq!(children(&parent), "1", "only the kept child is linked");
    drop(keep);
    assert_eq!(children(&parent), "0");
}

#[test]
fn a_relay_child_still_passes_on_cancellation() {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let grandchild = child.child_token();
    drop(child);
    assert_eq!(
        children(&parent),
        "1",
        "the relay stays linked while its child lives"
    );
    parent.cancel();
    assert!(grandchild.is_cancelled());
}

#[test]
fn a_deep_chain_cancels_and_drops_without_recursion() {
    const DEPTH: usize = 200_000;
    within(Duration::from_secs(60), || {
        let root = CancellationToken::new();
        let mut leaf = root.child_token();
        for _ in 0..DEPTH {
            leaf = leaf.child_token(); // each intermediate token is dropped: a relay chain
        }
        root.cancel();
        assert!(leaf.is_cancelled());

        // And a chain never cancelled, freed from the leaf up.
        let root = CancellationToken::new();
        let mut leaf = root.child_token();
        for _ in 0..DEPTH {
            leaf = leaf.child_token();
        }
        drop(leaf);
        assert_eq!(children(&root), "0");
    });
}

#[test]
fn a_pending_wait_records_a_cancelled_wait_point() {
    let token = CancellationToken::new();
    let mut wait = Box::pin(token.cancelled());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut wait));
    let waited = waited.unwrap();
    assert_eq!(waited.kind(), WaitKind::Cancelled);
    assert_eq!(waited.location().file(), file!());
    let mut owned = Box::pin(token.clone().cancelled_owned());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut owned));
    assert_eq!(waited.unwrap().kind(), WaitKind::Cancelled);
}

// Threads build, wait on, cancel and drop subtrees of one root at once; every waiter is
// released exactly when its subtree is cancelled, and the root ends with no children.
#[test]
fn stress_concurrent_subtrees() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 2_000;
    within(Duration::from_secs(120), || {
        let root = CancellationToken::new();
        let released = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let (root, released) = (root.clone(), released.clone());
                std::thread::spawn(move || {
                    for i in 0..ROUNDS {
                        let child = root.child_token();
                        let grandchild = child.child_token();
                        let waiter = {
                            let grandchild = grandchild.clone();
                            let released = released.clone();
                            std::thread::spawn(move || {
                                block_on(grandchild.cancelled());
                                released.fetch_add(1, Ordering::SeqCst);
                            })
                        };
                        if i % 2 == 0 {
                            child.cancel();
                        } else {
                            drop(child);
                            grandchild.cancel();
                        }
                        waiter.join().unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(released.load(Ordering::SeqCst), THREADS * ROUNDS);
        assert_eq!(children(&root), "0");
        assert!(!root.is_cancelled());
    });
}
