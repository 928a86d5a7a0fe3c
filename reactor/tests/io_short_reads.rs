//! A read that comes back short proves nothing about what is still queued, except on plain TCP
//! when no event said otherwise (see the list of readiness shortcuts in
//! `reactor/src/readiness.rs`): Linux ends a stream read early at TCP's urgent mark, before a
//! FIN or a reset, and at a Unix message that carried ancillary data; a datagram read returns
//! one datagram, a packet-mode pipe one packet. These tests queue bytes behind each such
//! boundary before the first read (the reader waiting first where one reactor turn must take
//! every edge at once) and prove the bytes behind it, the end of stream or the error are read
//! without a new event, on every backend; and that the end of stream is never slept through,
//! in both orders: the FIN arriving with the data, and after it.

mod common;

use std::io::Write;
#[cfg(unix)]
use std::os::fd::AsRawFd;
use std::sync::Arc;

use common::{HangGuard, block_on};
#[cfg(unix)]
use weft_reactor::net::UnixStream;
use weft_reactor::net::{TcpListener, TcpStream, UdpSocket};
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
            #[cfg(unix)]
            let (a, b) = UnixStream::pair().unwrap();
            #[cfg(windows)]
            let (a, b) = tcp_pair().await;
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
        #[cfg(unix)]
        let (std_a, std_b) = std::os::unix::net::UnixStream::pair().unwrap();
        #[cfg(windows)]
        let (std_a, std_b) = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let a = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            (a, listener.accept().unwrap().0)
        };
        let writer = std::thread::spawn(move || {
            let mut a = std_a;
            for _ in 0..20 {
                a.write_all(b"ab").unwrap();
                std::thread::yield_now();
            }
        });
        block_on(&r, async {
            #[cfg(unix)]
            let b = UnixStream::from_std(std_b).unwrap();
            #[cfg(windows)]
            let b = TcpStream::from_std(std_b).unwrap();
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

#[cfg(unix)] // `send(MSG_OOB)` through libc
#[test]
fn a_read_after_tcp_urgent_data_returns_the_bytes_queued_behind_the_mark() {
    let _g = HangGuard::new("bytes behind the urgent mark", 60);
    for r in reactors() {
        block_on(&r, async {
            let (client, server) = tcp_pair().await;
            // The reader waits first, so one reactor turn takes the edges of all three sends
            // at once and no later edge will come.
            let writer = async {
                client.write_all(b"a").await.unwrap();
                // SAFETY: `send(2)` on the client's open socket with a valid one-byte buffer.
                let sent = unsafe {
                    libc::send(client.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB)
                };
                assert_eq!(sent, 1);
                client.write_all(b"cd").await.unwrap();
            };
            // The first read stops at the urgent mark ("a"); "cd" is already queued.
            let (got, ()) = join(read_at_least(&server, 3), writer).await;
            // The urgent byte itself is out of band (no SO_OOBINLINE).
            assert_eq!(got, b"acd", "{:?}", r.io_backend());
        });
    }
}

/// The reader waits first, so one reactor turn takes the data and the FIN together: the read
/// that returns the data is short and consumes the FIN, and no later edge will come. On
/// direct epoll a plain TCP stream's short read clears readiness unless the event said a read
/// may stop short (`EPOLLRDHUP` here): without that stop the next read sleeps for good.
#[test]
fn a_fin_harvested_with_the_data_is_not_slept_through_after_a_short_tcp_read() {
    let _g = HangGuard::new("FIN harvested with the data", 60);
    for r in reactors() {
        block_on(&r, async {
            let (client, server) = tcp_pair().await;
            let writer = async {
                client.write_all(b"last words").await.unwrap();
                client.shutdown(std::net::Shutdown::Write).unwrap();
            };
            let (got, ()) = join(read_until_end(&server), writer).await;
            assert_eq!(got, (b"last words".to_vec(), None), "{:?}", r.io_backend());
        });
    }
}

/// As above with a reset (`SO_LINGER` 0) in place of the FIN: the read after the data must
/// report the error, not wait for an event that already came (`EPOLLERR`/`EPOLLHUP`).
#[test]
fn a_reset_harvested_with_the_data_is_not_slept_through_after_a_short_tcp_read() {
    let _g = HangGuard::new("reset harvested with the data", 60);
    for r in reactors() {
        block_on(&r, async {
            let (client, server) = tcp_pair().await;
            let writer = async {
                client.write_all(b"last words").await.unwrap();
                client.set_linger(Some(std::time::Duration::ZERO)).unwrap();
                drop(client);
            };
            let ((got, err), ()) = join(read_until_end(&server), writer).await;
            assert_eq!(got, b"last words", "{:?}", r.io_backend());
            // Wine answers a zero-linger close with a FIN (see the README's Platforms).
            if cfg!(not(windows)) {
                assert_eq!(err, Some(std::io::ErrorKind::ConnectionReset));
            }
        });
    }
}

/// Reads `stream` until end of stream or an error; returns the bytes and the error's kind.
async fn read_until_end(stream: &TcpStream) -> (Vec<u8>, Option<std::io::ErrorKind>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return (got, None),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(err) => return (got, Some(err.kind())),
        }
    }
}

/// Reads from `stream` until at least `n` bytes came.
#[cfg(unix)]
async fn read_at_least<S: StreamRead>(stream: &S, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < n {
        let k = stream.read_some(&mut buf).await;
        assert_ne!(k, 0, "early end of stream");
        got.extend_from_slice(&buf[..k]);
    }
    got
}

/// The one read both stream types offer, for [`read_at_least`].
#[cfg(unix)]
trait StreamRead {
    async fn read_some(&self, buf: &mut [u8]) -> usize;
}

#[cfg(unix)]
impl StreamRead for TcpStream {
    async fn read_some(&self, buf: &mut [u8]) -> usize {
        self.read(buf).await.unwrap()
    }
}

#[cfg(unix)]
impl StreamRead for UnixStream {
    async fn read_some(&self, buf: &mut [u8]) -> usize {
        self.read(buf).await.unwrap()
    }
}

/// Sends `data` on `fd` with one descriptor (`pass`) attached as `SCM_RIGHTS`.
#[cfg(unix)]
fn send_with_fd(fd: std::os::fd::RawFd, data: &[u8], pass: std::os::fd::RawFd) {
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut _,
        iov_len: data.len(),
    };
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: an all-zero msghdr is valid; the pointers set below outlive the `sendmsg`.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: `msg` has a control buffer of CMSG_SPACE(int) bytes, so the first header and
    // its data (one int) fit in it; `sendmsg` only reads the buffers `msg` points to.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>(), pass);
        assert_eq!(libc::sendmsg(fd, &msg, 0), data.len() as isize);
    }
}

#[cfg(unix)] // Unix sockets
#[test]
fn a_read_after_a_message_with_scm_rights_returns_the_bytes_queued_behind_it() {
    let _g = HangGuard::new("bytes behind SCM_RIGHTS", 60);
    for r in reactors() {
        block_on(&r, async {
            let (a, b) = UnixStream::pair().unwrap();
            let passed = std::fs::File::open("/dev/null").unwrap();
            let writer = async {
                a.write_all(b"a").await.unwrap();
                send_with_fd(a.as_raw_fd(), b"b", passed.as_raw_fd());
                a.write_all(b"cd").await.unwrap();
            };
            // The first read ends after the message that carried the descriptor ("ab").
            let (got, ()) = join(read_at_least(&b, 4), writer).await;
            assert_eq!(got, b"abcd", "{:?}", r.io_backend());
        });
    }
}

#[test]
fn a_second_queued_datagram_is_read_without_a_new_event() {
    let _g = HangGuard::new("second datagram", 60);
    for r in reactors() {
        block_on(&r, async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(b.local_addr().unwrap()).await.unwrap();
            a.send(b"one").await.unwrap();
            a.send(b"two").await.unwrap();
            let mut buf = [0u8; 64];
            let (n, _) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"one");
            let (n, _) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"two", "{:?}", r.io_backend());
        });
    }
}

#[test]
#[cfg(target_os = "linux")] // packet-mode pipes (`O_DIRECT`, `pipe2`) are Linux's
fn a_second_packet_in_a_packet_mode_pipe_is_read_without_a_new_event() {
    let _g = HangGuard::new("second pipe packet", 60);
    for r in reactors() {
        let mut fds = [0; 2];
        // SAFETY: `pipe2` writes two descriptors into `fds`, which we then own.
        let rc = unsafe {
            libc::pipe2(
                fds.as_mut_ptr(),
                libc::O_DIRECT | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just created and are owned by nobody else.
        let (reader, mut writer) = unsafe {
            use std::os::fd::FromRawFd;
            (
                std::fs::File::from_raw_fd(fds[0]),
                std::fs::File::from_raw_fd(fds[1]),
            )
        };
        writer.write_all(b"one").unwrap();
        writer.write_all(b"two").unwrap();
        block_on(&r, async {
            use std::io::Read;
            let reader = weft_reactor::Async::new(reader).unwrap();
            let mut buf = [0u8; 64];
            let n = reader.read_with(|mut f| f.read(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"one");
            let n = reader.read_with(|mut f| f.read(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"two", "{:?}", r.io_backend());
        });
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
