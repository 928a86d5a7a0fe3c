//! loom models of the reader-writer hand-off (run with `--cfg loom`, see the crate's brief
//! for the command).
//!
//! Each model guards a loom `UnsafeCell` with the `RwLock` under test: a reader overlapping
//! a writer, or two writers overlapping, shows up as a loom data-race report; a lost
//! hand-off as a deadlock (a `block_on` never woken).

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;

use crate::RwLock;
use crate::loom_model::{block_on, poll_once_then_drop};

/// Writes `cell` under a write guard; loom checks the exclusivity claim.
fn bump(cell: &UnsafeCell<u32>) {
    cell.with_mut(|n| {
        // SAFETY: called only while holding the write lock; loom reports any overlap.
        unsafe { *n += 1 }
    });
}

/// Reads `cell` under a read guard.
fn peek(cell: &UnsafeCell<u32>) -> u32 {
    cell.with(|n| {
        // SAFETY: called only while holding a read (or write) lock; loom reports overlap
        // with a writer.
        unsafe { *n }
    })
}

/// A writer leaving hands the lock to a queued reader and a queued writer in turn: both
/// complete, never overlapping each other or the first writer.
#[test]
fn loom_rwlock_writer_hands_off_to_reader_and_writer() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(()));
        let cell = Arc::new(UnsafeCell::new(0_u32));
        let held = lock.try_write().unwrap();
        let reader = {
            let (lock, cell) = (lock.clone(), cell.clone());
            thread::spawn(move || {
                let _read = block_on(lock.read());
                peek(&cell)
            })
        };
        let writer = {
            let (lock, cell) = (lock.clone(), cell.clone());
            thread::spawn(move || {
                let _write = block_on(lock.write());
                bump(&cell);
            })
        };
        bump(&cell);
        drop(held);
        let seen = reader.join().unwrap();
        writer.join().unwrap();
        assert!(seen == 1 || seen == 2, "the reader ran inside a writer");
        assert_eq!(peek(&cell), 2);
        assert!(lock.try_write().is_ok(), "the lock leaked");
    });
}

/// Downgrading while a writer waits: the waiting writer cannot barge in between (it would
/// race the read below), and gets the lock once the downgraded reader leaves.
#[test]
fn loom_rwlock_downgrade_vs_waiting_writer() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(()));
        let cell = Arc::new(UnsafeCell::new(0_u32));
        let held = lock.try_write().unwrap();
        let writer = {
            let (lock, cell) = (lock.clone(), cell.clone());
            thread::spawn(move || {
                let _write = block_on(lock.write());
                bump(&cell);
            })
        };
        bump(&cell);
        let read = held.downgrade();
        assert_eq!(peek(&cell), 1, "a writer got in during the downgrade");
        drop(read);
        writer.join().unwrap();
        assert_eq!(peek(&cell), 2);
        assert!(lock.try_write().is_ok(), "the lock leaked");
    });
}

/// A waiter admitted at the moment it is cancelled passes the lock on: the writer queued
/// behind it still gets in (else a deadlock), and the lock ends free.
#[test]
fn loom_rwlock_cancelled_after_grant_hands_off() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(()));
        let held = lock.try_write().unwrap();
        let canceller = {
            let lock = lock.clone();
            thread::spawn(move || {
                poll_once_then_drop(lock.write());
            })
        };
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || drop(block_on(lock.write())))
        };
        drop(held);
        canceller.join().unwrap();
        writer.join().unwrap();
        assert!(
            lock.try_write().is_ok(),
            "the lock leaked to a cancelled waiter"
        );
    });
}
