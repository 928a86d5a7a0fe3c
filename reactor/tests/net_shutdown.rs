//! A stream's own `shutdown` wakes the tasks waiting on the directions it closes: a reader
//! blocked on a socket this side shut down sees end of stream, a writer blocked on a full
//! socket sees the error. epoll and kqueue report a local shutdown as an event; IOCP does
//! not (an AFD poll stays pending), so on Windows these hung until the source was woken by
//! hand (issue 28: `Server::close_clients` never woke the handlers' readers there). Each
//! test runs on every reactor flavour, and nothing but the shutdown can end the wait: the
//! peer stays open and silent.

mod common;

use std::future::{Future, poll_fn};
use std::io;
use std::net::Shutdown;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use common::{HangGuard, block_on, reactor};
use weft_reactor::Reactor;
use weft_reactor::net::TcpStream;

/// Every reactor flavour: the default backend, the portable one edge-triggered, and the
/// oneshot fallback.
fn reactors() -> Vec<Arc<Reactor>> {
    vec![
        reactor(),
        Arc::new(Reactor::with_backend(weft_reactor::IoBackend::Polling).unwrap()),
        Arc::new(Reactor::new_oneshot().unwrap()),
    ]
}

/// A connected loopback pair: ours registered with the current reactor, the peer a plain
/// blocking std stream that the test keeps open and never touches.
fn pair() -> (TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (peer, _) = listener.accept().unwrap();
    (TcpStream::from_std(ours).unwrap(), peer)
}

/// Polls `future` once with the caller's waker: `Pending` proves it is waiting.
async fn poll_now<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *future).poll(cx))).await
}

#[test]
fn a_reader_waiting_on_the_socket_sees_end_of_stream_after_its_own_shutdown() {
    let _guard = HangGuard::new("reader woken by a local shutdown", 60);
    for how in [Shutdown::Read, Shutdown::Both] {
        for r in reactors() {
            block_on(&r, async {
                let (ours, _peer) = pair();
                let mut buf = [0u8; 16];
                let mut read = pin!(ours.read(&mut buf));
                assert!(poll_now(&mut read).await.is_pending(), "nothing was sent");
                ours.shutdown(how).unwrap();
                // Only the shutdown can wake this read: the peer is open and silent.
                assert_eq!(read.await.unwrap(), 0, "{how:?}");
                // And every later read says the same.
                assert_eq!(ours.read(&mut [0u8; 4]).await.unwrap(), 0, "{how:?}");
            });
        }
    }
}

#[test]
fn a_writer_waiting_for_room_fails_after_its_own_write_shutdown() {
    let _guard = HangGuard::new("writer woken by a local shutdown", 60);
    const CHUNK: usize = 64 * 1024;
    // Far beyond any loopback buffer (a few MiB): the peer never reads, so the socket fills.
    const MAX_CHUNKS: usize = 4096;
    for r in reactors() {
        block_on(&r, async {
            let (ours, _peer) = pair();
            let chunk = vec![b'z'; CHUNK];
            let mut chunks = 0;
            let pending = loop {
                let mut write = Box::pin(ours.write(&chunk));
                match poll_now(&mut write).await {
                    Poll::Ready(written) => {
                        assert!(written.unwrap() > 0);
                        chunks += 1;
                        assert!(chunks < MAX_CHUNKS, "the socket never filled up");
                    }
                    Poll::Pending => break write,
                }
            };
            ours.shutdown(Shutdown::Write).unwrap();
            let err: io::Error = pending.await.unwrap_err();
            assert_ne!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
        });
    }
}
