//! loom model of the watch channel's version protocol: a send racing a `changed`
//! registration.

use loom::thread;

use crate::loom_model::block_on;
use crate::watch;

/// Two sends racing a receiver's `changed` calls: each `changed` that completes has a new
/// value to show (never the one already seen), none is missed (a miss deadlocks), and the
/// receiver ends on the last value.
#[test]
fn loom_watch_send_vs_changed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            tx // kept open: only a send's wake-up can release the receiver
        });
        let mut last = 0;
        while last != 2 {
            block_on(rx.changed()).unwrap();
            let value = *rx.borrow_and_update();
            assert!(value > last, "changed() completed without a new value");
            last = value;
        }
        assert!(!rx.borrow().has_changed());
        drop(sender.join().unwrap());
        // The sender is gone and everything was seen.
        assert!(block_on(rx.changed()).is_err());
    });
}

/// The sender dropped while a receiver registers: `changed` reports the close rather than
/// hanging.
#[test]
fn loom_watch_close_vs_changed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(());
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(rx.changed()).is_err());
        sender.join().unwrap();
    });
}
