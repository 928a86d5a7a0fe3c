//! `Async<T>` over Unix streams and pipes: data both ways, readiness waits, several waiters,
//! deregistration, the oneshot fallback, the cooperative budget and cross-thread wake-ups.
//!
//! On Windows, which has no socket pair and whose reactor polls sockets only, the same tests
//! run over a loopback TCP pair; the pipe test is Unix-only.

mod common;

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc;
use std::task::Poll;
use std::time::Duration;

use common::{Driver, HangGuard, LocalPool, block_on, block_on_parked, poll_once, reactor};
use weft_reactor::{Async, Reactor};

#[cfg(windows)]
use std::net::TcpStream as Stream;
/// The connected stream the tests run over; see the module docs.
#[cfg(unix)]
use std::os::unix::net::UnixStream as Stream;

/// A connected pair of blocking [`Stream`]s.
fn stream_pair() -> (Stream, Stream) {
    #[cfg(unix)]
    return Stream::pair().unwrap();
    #[cfg(windows)]
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = Stream::connect(listener.local_addr().unwrap()).unwrap();
        let (b, _) = listener.accept().unwrap();
        (a, b)
    }
}

fn pair(r: &Arc<Reactor>) -> (Async<Stream>, Async<Stream>) {
    let (a, b) = stream_pair();
    (
        Async::with_reactor(a, r).unwrap(),
        Async::with_reactor(b, r).unwrap(),
    )
}

/// Every reactor flavour: the default backend (or `WEFT_IO_BACKEND`'s), the portable one
/// edge-triggered, and the oneshot fallback.
fn reactors() -> Vec<Arc<Reactor>> {
    vec![
        reactor(),
        Arc::new(Reactor::with_backend(weft_reactor::IoBackend::Polling).unwrap()),
        Arc::new(Reactor::new_oneshot().unwrap()),
    ]
}

#[test]
fn unix_stream_both_ways_with_the_reader_waiting_first() {
    let _g = HangGuard::new("both ways", 60);
    for r in reactors() {
        let (a, b) = pair(&r);
        let (a, b) = (Rc::new(a), Rc::new(b));
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut pool = LocalPool::new(&r);
        {
            let (a, log) = (a.clone(), log.clone());
            pool.spawn(async move {
                let mut buf = [0u8; 16];
                // Nothing written yet: this read must wait for readiness.
                let n = a.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                log.borrow_mut()
                    .push(format!("a got {}", String::from_utf8_lossy(&buf[..n])));
                a.write_with(|s| (&*s).write(b"pong")).await.unwrap();
            });
        }
        {
            let (b, log) = (b.clone(), log.clone());
            pool.spawn(async move {
                log.borrow_mut().push("b sends".to_string());
                b.write_with(|s| (&*s).write(b"ping")).await.unwrap();
                let mut buf = [0u8; 16];
                let n = b.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                log.borrow_mut()
                    .push(format!("b got {}", String::from_utf8_lossy(&buf[..n])));
            });
        }
        pool.run();
        assert_eq!(*log.borrow(), ["b sends", "a got ping", "b got pong"]);
    }
}

#[test]
fn readable_waits_for_data_and_is_woken_by_the_reactor() {
    let _g = HangGuard::new("readable", 60);
    for r in reactors() {
        let _e = weft_reactor::enter(r.clone());
        let (a, b) = pair(&r);
        // Fresh socket, no data: the optimistic initial readiness is checked, not trusted.
        let mut readable = Box::pin(a.readable());
        assert!(poll_once(&mut readable).is_pending());
        drop(readable);
        block_on(&r, async {
            let waiting = a.readable();
            b.write_with(|s| (&*s).write(b"x")).await.unwrap();
            waiting.await.unwrap();
        });
    }
}

#[test]
fn manual_reads_after_readable_do_not_spin() {
    let _g = HangGuard::new("no spin", 60);
    for r in reactors() {
        let _e = weft_reactor::enter(r.clone());
        let (a, b) = pair(&r);
        block_on(&r, async {
            b.write_with(|s| (&*s).write(b"abc")).await.unwrap();
            a.readable().await.unwrap();
            // Drain with our own reads, bypassing read_with.
            let mut buf = [0u8; 8];
            assert_eq!(a.get_ref().read(&mut buf).unwrap(), 3);
            let err = a.get_ref().read(&mut buf).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        });
        // The cache still says "ready" from the event, but it has been reported once: the
        // next readable() checks and waits instead of completing at once (which would spin).
        let mut again = Box::pin(a.readable());
        assert!(poll_once(&mut again).is_pending());
    }
}

#[test]
fn writable_waits_until_the_peer_drains() {
    let _g = HangGuard::new("writable", 60);
    for r in reactors() {
        let (a, b) = pair(&r);
        let chunk = [7u8; 4096];
        let mut filled = 0usize;
        loop {
            match a.get_ref().write(&chunk) {
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        let (a, b) = (Rc::new(a), Rc::new(b));
        let mut pool = LocalPool::new(&r);
        let wrote = Rc::new(RefCell::new(false));
        {
            let (a, wrote) = (a.clone(), wrote.clone());
            pool.spawn(async move {
                a.write_with(|s| (&*s).write(b"more")).await.unwrap();
                *wrote.borrow_mut() = true;
            });
        }
        {
            let b = b.clone();
            pool.spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut drained = 0;
                while drained < filled {
                    drained += b.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
                }
            });
        }
        pool.run();
        assert!(*wrote.borrow());
    }
}

#[test]
fn several_waiters_on_one_direction_all_wake() {
    let _g = HangGuard::new("several waiters", 60);
    for r in reactors() {
        let (a, b) = pair(&r);
        let a = Rc::new(a);
        let woken = Rc::new(RefCell::new(0));
        let mut pool = LocalPool::new(&r);
        for _ in 0..3 {
            let (a, woken) = (a.clone(), woken.clone());
            pool.spawn(async move {
                a.readable().await.unwrap();
                *woken.borrow_mut() += 1;
            });
        }
        pool.spawn(async move {
            b.write_with(|s| (&*s).write(b"!")).await.unwrap();
        });
        pool.run();
        assert_eq!(*woken.borrow(), 3);
    }
}

#[cfg(unix)] // a pipe is no socket: Windows's reactor cannot poll it
#[test]
fn a_pipe_carries_a_megabyte_in_both_reactor_modes() {
    let _g = HangGuard::new("pipe", 120);
    for r in reactors() {
        let (reader, writer) = io::pipe().unwrap();
        let reader = Async::with_reactor(reader, &r).unwrap();
        let writer = Async::with_reactor(writer, &r).unwrap();
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let received = Rc::new(RefCell::new(Vec::new()));
        let mut pool = LocalPool::new(&r);
        pool.spawn(async move {
            let mut sent = 0;
            while sent < data.len() {
                sent += writer
                    .write_with(|w| (&*w).write(&data[sent..]))
                    .await
                    .unwrap();
            }
            // Dropping the writer closes it: the reader sees end of stream.
        });
        {
            let received = received.clone();
            pool.spawn(async move {
                let mut buf = vec![0u8; 8192];
                loop {
                    let n = reader.read_with(|r| (&*r).read(&mut buf)).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    received.borrow_mut().extend_from_slice(&buf[..n]);
                }
            });
        }
        pool.run();
        assert!(*received.borrow() == expected, "pipe data corrupted");
        assert_eq!(r.source_count(), 0);
    }
}

#[test]
fn into_inner_deregisters_and_returns_a_working_stream() {
    let _g = HangGuard::new("into_inner", 60);
    let r = reactor();
    let (a, b) = pair(&r);
    assert_eq!(r.source_count(), 2);
    let a: Stream = a.into_inner().unwrap();
    assert_eq!(r.source_count(), 1);
    // Still non-blocking, still connected.
    let mut buf = [0u8; 4];
    assert_eq!(
        (&a).read(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    block_on(&r, async {
        b.write_with(|s| (&*s).write(b"hey")).await.unwrap();
    });
    a.set_nonblocking(false).unwrap();
    assert_eq!((&a).read(&mut buf).unwrap(), 3);
    drop(b);
    assert_eq!(r.source_count(), 0);
}

#[test]
fn dropping_async_deregisters() {
    let r = reactor();
    let handles: Vec<_> = (0..50).map(|_| pair(&r)).collect();
    assert_eq!(r.source_count(), 100);
    drop(handles);
    assert_eq!(r.source_count(), 0);
    // Slots are reused by new registrations.
    let again = pair(&r);
    assert_eq!(r.source_count(), 2);
    drop(again);
    assert_eq!(r.source_count(), 0);
}

#[test]
fn new_outside_a_runtime_is_a_clear_error() {
    let (a, _b) = stream_pair();
    let err = Async::new(a).unwrap_err();
    assert!(
        err.to_string()
            .contains("weft I/O needs a running weft runtime")
    );
    // Inside one it works.
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let (c, _d) = stream_pair();
    let c = Async::new(c).unwrap();
    assert_eq!(r.source_count(), 1);
    drop(c);
}

#[test]
fn end_of_stream_is_reported() {
    let _g = HangGuard::new("eof", 60);
    for r in reactors() {
        let (a, b) = pair(&r);
        drop(b);
        let n = block_on(&r, a.read_with(|s| (&*s).read(&mut [0u8; 8]))).unwrap();
        assert_eq!(n, 0);
    }
}

#[test]
fn readiness_waits_consume_the_budget() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let (a, b) = pair(&r);
    b.get_ref().write_all(b"data").unwrap();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    weft_coop::with_budget(|| {
        for _ in 0..weft_coop::BUDGET {
            assert!(a.poll_readable(&mut cx).is_ready());
        }
        assert!(
            a.poll_readable(&mut cx).is_pending(),
            "budget spent: must yield"
        );
    });
    weft_coop::with_budget(|| {
        let mut buf = [0u8; 1];
        for _ in 0..4 {
            assert!(matches!(
                a.poll_read_with(&mut cx, |s| (&*s).read(&mut buf)),
                Poll::Ready(Ok(1))
            ));
        }
    });
}

#[test]
fn a_reader_on_another_thread_is_woken_by_the_driving_thread() {
    let _g = HangGuard::new("cross-thread io", 60);
    let r = reactor();
    let (a, b) = pair(&r);
    let driver = Driver::start(&r);
    let (tx, rx) = mpsc::channel();
    let r2 = r.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 8];
        let n = block_on_parked(&r2, a.read_with(|s| (&*s).read(&mut buf))).unwrap();
        tx.send(buf[..n].to_vec()).unwrap();
    });
    driver.wait_until_blocked();
    b.get_ref().write_all(b"wake").unwrap();
    let got = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(got, b"wake");
    reader.join().unwrap();
    drop(driver);
}

#[test]
fn poll_style_methods_keep_the_latest_waker() {
    let _g = HangGuard::new("poll style", 60);
    for r in reactors() {
        let (a, b) = pair(&r);
        let a = Rc::new(a);
        let mut pool = LocalPool::new(&r);
        let got = Rc::new(RefCell::new(Vec::new()));
        {
            let (a, got) = (a.clone(), got.clone());
            pool.spawn(async move {
                let mut buf = [0u8; 8];
                let n = std::future::poll_fn(|cx| a.poll_read_with(cx, |s| (&*s).read(&mut buf)))
                    .await
                    .unwrap();
                got.borrow_mut().extend_from_slice(&buf[..n]);
            });
        }
        pool.spawn(async move {
            std::future::poll_fn(|cx| b.poll_writable(cx))
                .await
                .unwrap();
            std::future::poll_fn(|cx| b.poll_write_with(cx, |s| (&*s).write(b"poll")))
                .await
                .unwrap();
        });
        pool.run();
        assert_eq!(*got.borrow(), b"poll");
    }
}
