//! loom models of [`Notify`]: a notification racing the registration it is meant for, and
//! a waiter cancelled after it was chosen.

use std::pin::pin;

use loom::sync::Arc;
use loom::thread;

use crate::Notify;
use crate::loom_model::block_on;

/// `notify_one` racing a `notified` that is registering: either the waiter is queued and
/// granted, or it finds the stored permit. A lost permit deadlocks the waiter.
#[test]
fn loom_notify_one_vs_registration() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let waiter = {
            let notify = notify.clone();
            thread::spawn(move || block_on(notify.notified()))
        };
        notify.notify_one();
        waiter.join().unwrap();
        // The one notification was consumed: no permit is left over.
        assert!(!pin!(notify.notified()).enable(), "a permit was duplicated");
    });
}

/// A `Notified` created before `notify_waiters` is reached by it, whether it enabled
/// itself before, during or after the call.
#[test]
fn loom_notify_waiters_vs_enable() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let mut notified = pin!(notify.notified());
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_waiters())
        };
        notified.as_mut().enable();
        block_on(notified);
        notifier.join().unwrap();
        // `notify_waiters` stores no permit.
        assert!(!pin!(notify.notified()).enable());
    });
}

/// A waiter that registers (taking the permit or a grant) and is dropped before it is
/// polled passes the notification on: the other waiter completes, and exactly one
/// notification was spent.
#[test]
fn loom_notify_cancelled_after_grant_hands_on() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let canceller = {
            let notify = notify.clone();
            thread::spawn(move || {
                let mut notified = pin!(notify.notified());
                notified.as_mut().enable();
                // Dropped without being polled: whatever it holds must move on.
            })
        };
        let waiter = {
            let notify = notify.clone();
            thread::spawn(move || block_on(notify.notified()))
        };
        notify.notify_one();
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert!(
            !pin!(notify.notified()).enable(),
            "a notification was duplicated"
        );
    });
}
