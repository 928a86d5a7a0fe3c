//! Ctrl-C on Windows: `weft::signal::ctrl_c` completes when the console control routine gets
//! a Ctrl-C, from whichever thread Windows runs the routine on; only events after the wait
//! began count; other control events are left to the default routine.
//!
//! Wine gives a test process no console, so the events are handed to weft's routine directly
//! (`deliver_ctrl_c`), as the console would. Unix's signal tests are `signal.rs`.
#![cfg(windows)]

use std::pin::pin;
use std::sync::{Mutex, MutexGuard};

use weft_test_support::{HangGuard, poll_once};

/// The routine and its waker table are process-wide: the tests take turns.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn ctrl_c_from_another_thread_wakes_the_waiting_task() {
    let _serial = serial();
    let _guard = HangGuard::new("ctrl_c", 60);
    weft::run(async {
        let mut waiting = pin!(weft::signal::ctrl_c());
        assert!(poll_once(&mut waiting).is_pending(), "no Ctrl-C yet");
        assert_eq!(weft::signal::registered_wakers(), 1);
        // The routine runs on a thread of its own, as Windows runs it.
        let handled = std::thread::spawn(weft::signal::deliver_ctrl_c)
            .join()
            .unwrap();
        assert!(
            handled,
            "the routine must take Ctrl-C (or the process would end)"
        );
        waiting.await.unwrap();
        assert_eq!(
            weft::signal::registered_wakers(),
            0,
            "the waker was removed"
        );
    });
}

#[test]
fn a_ctrl_c_before_the_wait_began_is_not_reported() {
    let _serial = serial();
    let _guard = HangGuard::new("ctrl_c earlier", 60);
    weft::run(async {
        // Registers the routine, then takes one event before the next wait starts.
        let mut first = pin!(weft::signal::ctrl_c());
        assert!(poll_once(&mut first).is_pending());
        assert!(weft::signal::deliver_ctrl_c());
        first.await.unwrap();
        let mut second = pin!(weft::signal::ctrl_c());
        assert!(
            poll_once(&mut second).is_pending(),
            "an old event was reported"
        );
        assert!(weft::signal::deliver_ctrl_c());
        second.await.unwrap();
    });
}

#[test]
fn dropping_a_wait_removes_its_waker() {
    let _serial = serial();
    weft::run(async {
        let mut waiting = Box::pin(weft::signal::ctrl_c());
        assert!(poll_once(&mut waiting).is_pending());
        assert_eq!(weft::signal::registered_wakers(), 1);
        drop(waiting);
        assert_eq!(weft::signal::registered_wakers(), 0);
    });
}
