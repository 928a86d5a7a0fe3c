//! UDP: round trips with `send_to`/`recv_from`, connected sockets, a socket shared by
//! several tasks, and the cooperative budget.

mod net_support;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use net_support::HangGuard;
use weft::net::UdpSocket;

#[test]
fn round_trips_with_send_to_and_recv_from() {
    let _guard = HangGuard::new("udp round trips", 60);
    weft::run(async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let echo = weft::spawn(async move {
            let mut buf = [0u8; 1500];
            for _ in 0..1000 {
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                server.send_to(&buf[..n], from).await.unwrap();
            }
        });
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut buf = [0u8; 1500];
        for i in 0..1000u32 {
            let msg = format!("datagram {i}");
            client.send_to(msg.as_bytes(), server_addr).await.unwrap();
            let (n, from) = client.recv_from(&mut buf).await.unwrap();
            assert_eq!(from, server_addr);
            assert_eq!(&buf[..n], msg.as_bytes());
        }
        echo.await.unwrap();
    });
}

#[test]
fn connected_sockets_send_and_recv() {
    weft::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        for i in 0..100u8 {
            a.send(&[i; 10]).await.unwrap();
            let mut buf = [0u8; 64];
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &[i; 10]);
            b.send(&buf[..n]).await.unwrap();
            let n = a.recv(&mut buf).await.unwrap();
            assert_eq!(n, 10);
        }
        // A connected socket drops datagrams from anyone else.
        let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        stranger
            .send_to(b"noise", b.local_addr().unwrap())
            .await
            .unwrap();
        a.send(b"signal").await.unwrap();
        let mut buf = [0u8; 16];
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"signal");
        // `send` without a peer is refused by the OS (EDESTADDRREQ), not a panic.
        let unconnected = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert!(unconnected.send(b"x").await.is_err());
        assert_eq!(
            unconnected.peer_addr().unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
    });
}

#[test]
fn one_socket_shared_by_a_sender_and_several_receivers() {
    let _guard = HangGuard::new("udp shared", 60);
    weft::run(async {
        let rx = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let rx_addr = rx.local_addr().unwrap();
        // Four tasks wait in `recv_from` on one socket at once; 100 datagrams reach them all
        // (few enough that the socket's receive buffer never drops one).
        let receivers: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                weft::spawn(async move {
                    let mut got = Vec::new();
                    let mut buf = [0u8; 8];
                    for _ in 0..25 {
                        let (n, _) = rx.recv_from(&mut buf).await.unwrap();
                        got.push(u32::from_be_bytes(buf[..n].try_into().unwrap()));
                    }
                    got
                })
            })
            .collect();
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        for i in 0..100u32 {
            tx.send_to(&i.to_be_bytes(), rx_addr).await.unwrap();
        }
        let mut all = Vec::new();
        for r in receivers {
            all.extend(r.await.unwrap());
        }
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<u32>>());
    });
}

#[test]
fn a_busy_socket_loop_still_yields_to_other_tasks() {
    // One worker: the loop below never waits (UDP sends on loopback complete at once), so
    // only the cooperative budget spent by each send lets the flag-setting task run.
    let _guard = HangGuard::new("udp budget", 60);
    let rt = weft::Builder::new().worker_threads(1).build().unwrap();
    rt.block_on(async {
        let sink = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let sink_addr = sink.local_addr().unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let busy = weft::spawn(async move {
            for sent in 0..10_000_000u64 {
                if f.load(Ordering::Acquire) {
                    return Some(sent);
                }
                tx.send_to(b"x", sink_addr).await.unwrap();
            }
            None
        });
        weft::spawn(async move { flag.store(true, Ordering::Release) });
        let sent = busy.await.unwrap();
        assert!(sent.is_some(), "the busy loop never let the other task run");
        drop(sink);
    });
}
