//! Signals: listeners see deliveries, several listeners all wake, bad signals are refused.
//! A separate test binary: it installs process-wide handlers.

use std::time::Duration;
use weft::signal::{SignalKind, signal};

fn raise(sig: i32) {
    // SAFETY: every signal raised here has a weft listener installed, so the process is not
    // terminated; raise(3) has no memory-safety preconditions.
    assert_eq!(unsafe { libc::raise(sig) }, 0);
}

#[test]
fn every_listener_sees_a_delivery() {
    weft::run(async {
        let mut a = signal(SignalKind::user_defined1()).unwrap();
        let mut b = signal(SignalKind::user_defined1()).unwrap();
        raise(libc::SIGUSR1);
        weft::timeout(Duration::from_secs(10), a.recv())
            .await
            .expect("a woke");
        weft::timeout(Duration::from_secs(10), b.recv())
            .await
            .expect("b woke");
    });
}

#[test]
fn a_delivery_before_the_first_poll_is_not_lost() {
    let mut hup = signal(SignalKind::hangup()).unwrap();
    raise(libc::SIGHUP);
    weft::run(async move {
        weft::timeout(Duration::from_secs(10), hup.recv())
            .await
            .expect("kept while nobody polled");
    });
}

#[test]
fn a_listener_waits_from_another_task_until_the_signal_comes() {
    weft::run(async {
        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
        let waiter = weft::spawn(async move { usr2.recv().await });
        weft::yield_now().await;
        raise(libc::SIGUSR2);
        let got = weft::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("woken");
        assert_eq!(got.unwrap(), Some(()));
    });
}

#[test]
fn uncatchable_and_invalid_signals_are_refused() {
    for bad in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -3, 1000] {
        let err = signal(SignalKind::from_raw(bad)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
    }
}

/// A `recv()` polled over and over (say, in a `select`-style loop that re-creates it) keeps
/// one waker per listener in the registry, not one more per poll.
#[test]
fn re_polling_recv_keeps_one_waker_per_listener() {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    // SIGWINCH: its default action is to do nothing, and no other test here uses it.
    let mut winch = signal(SignalKind::from_raw(libc::SIGWINCH)).unwrap();
    let before = weft::signal::registered_wakers();
    for _ in 0..1_000 {
        // A fresh waker each time, as a re-created future in another task would bring.
        let waker = Waker::from(Arc::new(Noop));
        let mut recv = Box::pin(winch.recv());
        assert!(
            recv.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
    }
    assert!(weft::signal::registered_wakers() <= before + 1);
    drop(winch);
    assert!(weft::signal::registered_wakers() <= before);
}
