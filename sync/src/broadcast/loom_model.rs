//! loom model of the broadcast ring: a receiver racing sends that overwrite what it has
//! not read.

use loom::thread;

use crate::broadcast::{self, error::RecvError};
use crate::loom_model::block_on;

/// Three sends into a ring of two while a receiver reads: whatever the interleaving, it
/// sees each value at most once and in order, a `Lagged(n)` skips exactly the `n` values it
/// never saw, and a missed wake-up would deadlock.
#[test]
fn loom_broadcast_lag_vs_send() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let sender = thread::spawn(move || {
            for n in 1..=3_u64 {
                tx.send(n).unwrap();
            }
            tx // kept open: only a send's wake-up can release the receiver
        });
        let mut expected = 1;
        while expected <= 3 {
            match block_on(rx.recv()) {
                Ok(n) => {
                    assert_eq!(n, expected, "a value was torn, duplicated or skipped");
                    expected += 1;
                }
                Err(RecvError::Lagged(missed)) => {
                    assert!(missed > 0);
                    expected += missed;
                }
                Err(RecvError::Closed) => panic!("closed while a sender was alive"),
            }
        }
        assert_eq!(expected, 4, "the receiver did not account for every value");
        drop(sender.join().unwrap());
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
    });
}
