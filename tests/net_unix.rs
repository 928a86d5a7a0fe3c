//! Unix-domain sockets: stream echo with 1,000 concurrent connections, pairs, split halves,
//! and datagram sockets bound, unbound, paired and connected.
#![cfg(unix)]

mod net_support;

use std::io;

use net_support::{HangGuard, connections_that_fit, payload, socket_path};
use weft::net::{Shutdown, UnixDatagram, UnixListener, UnixStream};

#[test]
fn echo_with_1000_concurrent_connections() {
    let _guard = HangGuard::new("unix echo 1000", 180);
    let clients = connections_that_fit(1000);
    let path = socket_path("echo");
    let p = path.clone();
    weft::run(async move {
        let listener = UnixListener::bind(&p).unwrap();
        let server = weft::spawn(async move {
            for _ in 0..clients {
                let (conn, _) = listener.accept().await.unwrap();
                weft::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    loop {
                        let n = conn.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        conn.write_all(&buf[..n]).await.unwrap();
                    }
                });
            }
        });
        let results = weft::gather((0..clients).map(|id| {
            let p = p.clone();
            async move {
                let stream = UnixStream::connect(&p).await.unwrap();
                let sent = payload(id, 1000 + id);
                let (reader, writer) = stream.into_split();
                let send = weft::spawn(async move {
                    writer.write_all(&sent).await.unwrap();
                    drop(writer); // half-close
                    sent
                });
                let mut got = Vec::new();
                let mut buf = [0u8; 512];
                loop {
                    let n = reader.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                got == send.await.unwrap()
            }
        }))
        .await;
        server.await.unwrap();
        assert_eq!(results.len(), clients);
        assert!(results.iter().all(|ok| *ok));
    });
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn pair_split_and_half_close() {
    weft::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (ar, aw) = a.split();
        aw.write_all(b"question").await.unwrap();
        a.shutdown(Shutdown::Write).unwrap();
        let mut q = [0u8; 8];
        b.read_exact(&mut q).await.unwrap();
        assert_eq!(b.read(&mut [0u8; 1]).await.unwrap(), 0);
        b.write_all(b"answer").await.unwrap();
        let mut ans = [0u8; 6];
        ar.read_exact(&mut ans).await.unwrap();
        assert_eq!(&ans, b"answer");
        assert!(a.peer_addr().unwrap().is_unnamed());
    });
}

#[test]
fn connect_to_a_missing_socket_is_not_found() {
    weft::run(async {
        let err = UnixStream::connect(socket_path("missing"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    });
}

#[test]
fn datagrams_bound_unbound_paired_and_connected() {
    let _guard = HangGuard::new("unix datagrams", 60);
    let server_path = socket_path("dgram-server");
    let client_path = socket_path("dgram-client");
    let (sp, cp) = (server_path.clone(), client_path.clone());
    weft::run(async move {
        // Bound to bound: the receiver learns the sender's path and answers it.
        let server = UnixDatagram::bind(&sp).unwrap();
        let client = UnixDatagram::bind(&cp).unwrap();
        for i in 0..100u32 {
            client.send_to(&i.to_be_bytes(), &sp).await.unwrap();
            let mut buf = [0u8; 16];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &i.to_be_bytes());
            let from = from.as_pathname().unwrap().to_path_buf();
            assert_eq!(from, cp);
            server.send_to(&(i + 1).to_be_bytes(), &from).await.unwrap();
            let n = client.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &(i + 1).to_be_bytes());
        }

        // Unbound and connected.
        let unbound = UnixDatagram::unbound().unwrap();
        unbound.connect(&sp).unwrap();
        unbound.send(b"from nowhere").await.unwrap();
        let mut buf = [0u8; 32];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from nowhere");
        assert!(from.is_unnamed());

        // A pair keeps message boundaries.
        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"one").await.unwrap();
        a.send(b"two").await.unwrap();
        assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
        assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
        assert_eq!(&buf[..3], b"two");

        // A receiver waiting before anything is sent is woken by the datagram.
        let waiter = weft::spawn(async move {
            let mut buf = [0u8; 8];
            let n = b.recv(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        weft::yield_now().await;
        a.send(b"late").await.unwrap();
        assert_eq!(waiter.await.unwrap(), b"late");
    });
    std::fs::remove_file(&server_path).unwrap();
    std::fs::remove_file(&client_path).unwrap();
}
