//! loom models of the cancellation tree (run with `--cfg loom`, see the crate's brief for
//! the command): a parent's cancel walk racing a child's waiter registration, and racing a
//! child leaving the tree. A lost wake-up shows up as a deadlock, a missed descendant or a
//! leaked slot as a failed assertion.

use loom::thread;

use crate::CancellationToken;
use crate::loom_model::block_on;

/// A parent cancelled on another thread while a waiter registers on its child: the waiter
/// either sees the flag or is in the list the walk notifies, so it always completes.
#[test]
fn loom_cancel_parent_vs_child_waiter() {
    loom::model(|| {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        let canceller = {
            let parent = parent.clone();
            thread::spawn(move || parent.cancel())
        };
        block_on(child.cancelled());
        assert!(child.is_cancelled());
        canceller.join().unwrap();
    });
}

/// A child dropped while its parent is cancelled on another thread: whichever wins, the
/// parent's child list ends empty, and a grandchild kept alive through the dropped child
/// is still reached by the cancel.
#[test]
fn loom_child_drop_vs_parent_cancel() {
    loom::model(|| {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        let grandchild = child.child_token();
        let dropper = thread::spawn(move || drop(child));
        parent.cancel();
        dropper.join().unwrap();
        assert!(grandchild.is_cancelled(), "the cancel missed a descendant");
        assert_eq!(parent.node.child_count(), 0, "a child slot leaked");
        drop(grandchild);
    });
}

/// Grandchild dropped (the last thing keeping a token-less child linked) while the parent
/// is cancelled: the relay node leaves or is walked, never both half-way.
#[test]
fn loom_grandchild_drop_unlinks_relay_vs_cancel() {
    loom::model(|| {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        let grandchild = child.child_token();
        drop(child); // a relay: no token, one child
        let dropper = thread::spawn(move || drop(grandchild));
        parent.cancel();
        dropper.join().unwrap();
        assert_eq!(parent.node.child_count(), 0, "the relay node leaked");
    });
}
