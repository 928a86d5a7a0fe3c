//! Signals: listeners see deliveries, several listeners all wake (in one runtime or several),
//! waiting happens in the reactor, a full signal pipe never blocks, bad signals are refused.
//! A separate test binary: it installs process-wide handlers. The tests share those handlers
//! and the one signal pipe, so they run one at a time (`serial`).
//!
//! Unix-only: it raises Unix signals; Windows has `process_windows.rs` and
//! `signal_ctrl_c.rs`.
#![cfg(unix)]

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::task::{Context, Wake, Waker};
use std::time::Duration;
use weft::signal::{SignalKind, signal};

fn raise(sig: i32) {
    // SAFETY: every signal raised here has a weft listener installed, so the process is not
    // terminated; raise(3) has no memory-safety preconditions.
    assert_eq!(unsafe { libc::raise(sig) }, 0);
}

/// Runs the tests of this file one at a time: they count process-wide wakers.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Yields until `ready()` holds: how a test learns that a listener task has parked.
async fn until(mut ready: impl FnMut() -> bool) {
    weft::timeout(Duration::from_secs(30), async {
        while !ready() {
            weft::yield_now().await;
        }
    })
    .await
    .expect("hang guard: the condition never held");
}

#[test]
fn every_listener_sees_a_delivery() {
    let _serial = serial();
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
    let _serial = serial();
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
    let _serial = serial();
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

/// The listener's task is parked (its waker is in the table and its runtime is idle in the
/// reactor) when the signal comes from a plain thread: the reactor's readiness on the signal
/// pipe is what wakes it — weft runs no signal thread of its own.
#[test]
fn a_signal_wakes_a_listener_parked_in_the_reactor() {
    let _serial = serial();
    let rt = weft::Builder::new().worker_threads(1).build().unwrap();
    let mut alrm = signal(SignalKind::from_raw(libc::SIGALRM)).unwrap();
    let waiter = rt.spawn(async move { alrm.recv().await });
    rt.block_on(until(|| weft::signal::registered_wakers() == 1));
    std::thread::spawn(|| raise(libc::SIGALRM)).join().unwrap();
    let got = rt
        .block_on(async { weft::timeout(Duration::from_secs(10), waiter).await })
        .expect("the parked listener was woken");
    assert_eq!(got.unwrap(), Some(()));
    #[cfg(target_os = "linux")]
    {
        let threads = std::fs::read_dir("/proc/self/task").unwrap();
        for thread in threads {
            let comm = std::fs::read_to_string(thread.unwrap().path().join("comm")).unwrap();
            assert_ne!(
                comm.trim(),
                "weft-signal",
                "a signal dispatcher thread is running"
            );
        }
    }
}

/// Listeners in two runtimes wait on two reactors; one delivery wakes both, whichever of them
/// drains the pipe.
#[test]
fn one_delivery_wakes_listeners_in_two_runtimes() {
    let _serial = serial();
    let first = weft::Runtime::new().unwrap();
    let second = weft::Runtime::new().unwrap();
    let mut a = signal(SignalKind::from_raw(libc::SIGVTALRM)).unwrap();
    let mut b = signal(SignalKind::from_raw(libc::SIGVTALRM)).unwrap();
    let a = first.spawn(async move { a.recv().await });
    let b = second.spawn(async move { b.recv().await });
    first.block_on(until(|| weft::signal::registered_wakers() == 2));
    raise(libc::SIGVTALRM);
    let a = first.block_on(async { weft::timeout(Duration::from_secs(10), a).await });
    let b = second.block_on(async { weft::timeout(Duration::from_secs(10), b).await });
    assert_eq!(a.expect("first runtime's listener woke").unwrap(), Some(()));
    assert_eq!(
        b.expect("second runtime's listener woke").unwrap(),
        Some(())
    );
}

/// A listener that waited under one runtime, which is then dropped, waits under the next.
#[test]
fn a_listener_outlives_the_runtime_it_first_waited_in() {
    let _serial = serial();
    let mut prof = signal(SignalKind::from_raw(libc::SIGPROF)).unwrap();
    let first = weft::Runtime::new().unwrap();
    raise(libc::SIGPROF);
    first.block_on(async {
        weft::timeout(Duration::from_secs(10), prof.recv())
            .await
            .expect("first delivery")
    });
    drop(first);
    let second = weft::Runtime::new().unwrap();
    let waiter = second.spawn(async move { prof.recv().await });
    second.block_on(until(|| weft::signal::registered_wakers() == 1));
    raise(libc::SIGPROF);
    let got = second.block_on(async { weft::timeout(Duration::from_secs(10), waiter).await });
    assert_eq!(
        got.expect("woken under the second runtime").unwrap(),
        Some(())
    );
}

/// Far more deliveries than the signal pipe holds, with nobody reading: the handler's writes
/// must fail instead of blocking (the raising thread would hang), and the listener still sees
/// the deliveries and still waits properly afterwards.
#[test]
fn a_full_signal_pipe_blocks_nothing() {
    let _serial = serial();
    let mut urg = signal(SignalKind::from_raw(libc::SIGURG)).unwrap();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..200_000 {
            raise(libc::SIGURG);
        }
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(Duration::from_secs(120))
        .expect("hang guard: a signal handler blocked on the full pipe");
    weft::run(async move {
        weft::timeout(Duration::from_secs(10), urg.recv())
            .await
            .expect("the burst was seen");
        let waiter = weft::spawn(async move { urg.recv().await });
        until(|| weft::signal::registered_wakers() == 1).await;
        raise(libc::SIGURG);
        let got = weft::timeout(Duration::from_secs(10), waiter).await;
        assert_eq!(got.expect("woken after the burst").unwrap(), Some(()));
    });
}

#[test]
fn uncatchable_and_invalid_signals_are_refused() {
    for bad in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -3, 1000] {
        let err = signal(SignalKind::from_raw(bad)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
    }
}

/// Waiting needs a reactor: outside a runtime `recv` ends with `None` at once instead of
/// hanging, while a delivery that already happened is still reported.
#[test]
fn waiting_outside_a_runtime_is_refused_not_hung() {
    let _serial = serial();
    let mut term = signal(SignalKind::terminate()).unwrap();
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let polled = Box::pin(term.recv()).as_mut().poll(&mut cx);
    assert!(matches!(polled, std::task::Poll::Ready(None)), "{polled:?}");
    raise(libc::SIGTERM);
    let polled = Box::pin(term.recv()).as_mut().poll(&mut cx);
    assert!(
        matches!(polled, std::task::Poll::Ready(Some(()))),
        "{polled:?}"
    );
}

/// A `recv()` polled over and over (say, in a `select`-style loop that re-creates it) keeps
/// one waker per listener in the registry, not one more per poll.
#[test]
fn re_polling_recv_keeps_one_waker_per_listener() {
    let _serial = serial();
    // SIGWINCH: its default action is to do nothing, and no other test here uses it.
    let mut winch = signal(SignalKind::from_raw(libc::SIGWINCH)).unwrap();
    weft::run(async move {
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
        assert_eq!(weft::signal::registered_wakers(), before + 1);
        drop(winch);
        assert_eq!(weft::signal::registered_wakers(), before);
    });
}

/// A listener is a `futures_core::Stream` of deliveries.
#[test]
fn a_listener_is_a_stream_of_deliveries() {
    use futures_lite::StreamExt;
    weft::run(async {
        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
        raise(libc::SIGUSR2);
        let next = weft::timeout(Duration::from_secs(10), usr2.next()).await;
        assert_eq!(next.expect("delivered"), Some(()));
    });
}
