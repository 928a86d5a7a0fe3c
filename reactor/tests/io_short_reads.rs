//! Stream reads that come back short clear the readiness cache on pollers that report
//! closing (`EPOLLRDHUP`), so the next read waits for an event instead of asking the socket
//! for an `EAGAIN`. These tests prove that the end of stream is never slept through, on
//! every backend and in both orders: the FIN arriving with the data, and after it.

mod common;

use std::io::Write;
use std::sync::Arc;

use common::{HangGuard, block_on};
use weft_reactor::net::{TcpListener, TcpStream, UnixStream};
use weft_reactor::{IoBackend, Reactor};

/// Every backend this platform has, edge-triggered, plus the oneshot fallback.
fn reactors() -> Vec<Arc<Reactor>> {
    let mut all = vec![Arc::new(Reactor::with_backend(IoBackend::Polling).unwrap())];
    if cfg!(target_os = "linux") {
        all.push(Arc::new(Reactor::with_backend(IoBackend::Epoll).unwrap()));
    }
    all.push(Arc::new(Reactor::new_oneshot().unwrap()));
    all
}

/// A connected TCP pair on loopback.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn a_fin_that_came_with_the_data_is_read_after_a_short_read() {
    let _g = HangGuard::new("FIN with the data", 60);
    for r in reactors() {
        block_on(&r, async {
            let (client, server) = tcp_pair().await;
            // Data and FIN are both queued before the reader looks: one readiness edge
            // announces both, and no later edge will ever come.
            client.write_all(b"last words").await.unwrap();
            client.shutdown(std::net::Shutdown::Write).unwrap();
            // Wait until both reached the socket, so the first read really is short.
            server.readable().await.unwrap();
            let mut buf = [0u8; 64];
            let mut got = Vec::new();
            loop {
                let n = server.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            assert_eq!(got, b"last words", "{:?}", r.io_backend());
        });
    }
}

#[test]
fn a_fin_after_a_short_read_wakes_the_waiting_reader() {
    let _g = HangGuard::new("FIN after the data", 60);
    for r in reactors() {
        block_on(&r, async {
            let (a, b) = UnixStream::pair().unwrap();
            a.write_all(b"x").await.unwrap();
            let mut buf = [0u8; 16];
            // Short: the readiness is cleared (on epoll) without a second read.
            assert_eq!(b.read(&mut buf).await.unwrap(), 1);
            let (reader, writer) = (b.read(&mut buf), async {
                a.shutdown(std::net::Shutdown::Write).unwrap();
            });
            let (n, ()) = join(reader, writer).await;
            assert_eq!(n.unwrap(), 0, "{:?}", r.io_backend());
        });
    }
}

#[test]
fn more_data_after_a_short_read_is_read_when_it_comes() {
    let _g = HangGuard::new("data after a short read", 60);
    for r in reactors() {
        block_on(&r, async {
            let (client, server) = tcp_pair().await;
            let mut buf = [0u8; 64];
            for round in 0..50u8 {
                client.write_all(&[round; 3]).await.unwrap();
                let mut got = 0;
                while got < 3 {
                    let n = server.read(&mut buf).await.unwrap();
                    assert!(buf[..n].iter().all(|&b| b == round));
                    got += n;
                }
            }
        });
    }
}

#[test]
fn a_blocking_peer_thread_writing_later_wakes_the_reader() {
    let _g = HangGuard::new("late writer", 60);
    for r in reactors() {
        let (std_a, std_b) = std::os::unix::net::UnixStream::pair().unwrap();
        let writer = std::thread::spawn(move || {
            let mut a = std_a;
            for _ in 0..20 {
                a.write_all(b"ab").unwrap();
                std::thread::yield_now();
            }
        });
        block_on(&r, async {
            let b = UnixStream::from_std(std_b).unwrap();
            let mut buf = [0u8; 8];
            let mut total = 0;
            loop {
                let n = b.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                total += n;
            }
            assert_eq!(total, 40, "{:?}", r.io_backend());
        });
        writer.join().unwrap();
    }
}

/// Polls two futures to completion together (this crate has no `join` of its own).
async fn join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let std::task::Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let std::task::Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready((ra.take().unwrap(), rb.take().unwrap()))
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}
