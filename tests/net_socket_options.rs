//! Socket set-up and options: `TcpSocket` (reuseport, bind before connect, buffer sizes,
//! listen backlog), `peek` on TCP and UDP (a peek must leave the data and the readiness in
//! place), UDP TTL and multicast on loopback, and a Unix peer's credentials.

mod net_support;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use net_support::HangGuard;
use weft::net::{TcpListener, TcpSocket, TcpStream, UdpSocket};
#[cfg(unix)]
use weft::net::{UnixListener, UnixStream};

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[cfg(unix)] // SO_REUSEPORT
#[test]
fn reuseport_lets_two_listeners_bind_one_port() {
    let _guard = HangGuard::new("reuseport", 60);
    weft::run(async {
        let first = TcpSocket::new_v4().unwrap();
        first.set_reuseport(true).unwrap();
        assert!(first.reuseport().unwrap());
        first.bind(loopback()).unwrap();
        let addr = first.local_addr().unwrap();
        let first = first.listen(16).unwrap();

        // Without the option the port is taken: the option is what makes the next bind work.
        let refused = TcpSocket::new_v4().unwrap();
        let err = refused.bind(addr).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");

        let second = TcpSocket::new_v4().unwrap();
        second.set_reuseport(true).unwrap();
        second.bind(addr).unwrap();
        let second = second.listen(16).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);

        // Both listen: a client is accepted by one of them.
        let client = TcpStream::connect(addr).await.unwrap();
        let accepted = weft::select! {
            a = first.accept() => a.unwrap().1,
            b = second.accept() => b.unwrap().1,
        };
        assert_eq!(accepted, client.local_addr().unwrap());
    });
}

#[test]
fn bind_before_connect_leaves_from_the_chosen_port() {
    let _guard = HangGuard::new("bind before connect", 60);
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(loopback()).unwrap();
        let chosen = socket.local_addr().unwrap();
        assert_ne!(chosen.port(), 0);
        let stream = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (conn, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, chosen);
        assert_eq!(stream.local_addr().unwrap(), chosen);
        stream.write_all(b"from the chosen port").await.unwrap();
        let mut buf = [0u8; 20];
        conn.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"from the chosen port");
    });
}

#[test]
fn connect_reports_a_refused_peer() {
    let _guard = HangGuard::new("TcpSocket refused", 60);
    weft::run(async {
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let err = TcpSocket::new_v4()
            .unwrap()
            .connect(addr)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    });
}

#[test]
fn options_read_back_and_carry_over_to_the_stream() {
    let _guard = HangGuard::new("socket options", 60);
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        let wanted = 48 * 1024;
        socket.set_send_buffer_size(wanted).unwrap();
        socket.set_recv_buffer_size(wanted).unwrap();
        // Linux doubles what it is given (bookkeeping) and caps it at wmem_max/rmem_max,
        // which are far above 48 KiB by default.
        assert!(socket.send_buffer_size().unwrap() >= wanted);
        assert!(socket.recv_buffer_size().unwrap() >= wanted);
        socket.set_nodelay(true).unwrap();
        socket.set_keepalive(true).unwrap();
        assert!(socket.nodelay().unwrap());
        assert!(socket.keepalive().unwrap());
        assert!(!socket.reuseaddr().unwrap());
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());

        let stream = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        assert!(
            stream.nodelay().unwrap(),
            "TCP_NODELAY set before connect is kept"
        );
        let _conn = listener.accept().await.unwrap();
    });
}

#[test]
fn listen_with_a_backlog_accepts_every_queued_client() {
    let _guard = HangGuard::new("listen backlog", 60);
    weft::run(async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(loopback()).unwrap();
        let listener = socket.listen(4).unwrap();
        let addr = listener.local_addr().unwrap();
        // Four clients connect before anyone accepts: the backlog holds them.
        let mut clients = Vec::new();
        for _ in 0..4 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        for (i, client) in clients.iter().enumerate() {
            client.write_all(&[i as u8]).await.unwrap();
        }
        let mut seen = Vec::new();
        for _ in 0..4 {
            let (conn, _) = listener.accept().await.unwrap();
            let mut byte = [0u8; 1];
            conn.read_exact(&mut byte).await.unwrap();
            seen.push(byte[0]);
        }
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 3]);
    });
}

#[test]
fn tcp_peek_leaves_the_bytes_and_the_readiness() {
    let _guard = HangGuard::new("tcp peek", 60);
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();

        // A peek waits for data, like a read.
        let peeker = async {
            let mut buf = [0u8; 4];
            let n = server.peek(&mut buf).await.unwrap();
            buf[..n].to_vec()
        };
        let writer = async {
            weft::yield_now().await;
            client.write_all(b"peek").await.unwrap();
        };
        let (peeked, ()) = weft::join!(peeker, writer);
        assert!(!peeked.is_empty() && b"peek".starts_with(&peeked));

        // Peeking twice sees the same bytes; the read after it gets them without new data
        // arriving (if the peek had cleared readiness, this read would hang: the hang guard
        // and the timeout below catch that).
        let mut again = [0u8; 4];
        let n = server.peek(&mut again).await.unwrap();
        assert_eq!(&again[..n], &b"peek"[..n]);
        let mut all = [0u8; 4];
        weft::timeout(Duration::from_secs(10), server.read_exact(&mut all))
            .await
            .expect("the read after a peek must not wait for a new event")
            .unwrap();
        assert_eq!(&all, b"peek");

        // After the peer closes, a peek reports end of stream.
        drop(client);
        let mut buf = [0u8; 4];
        assert_eq!(server.peek(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn udp_peek_and_peek_from_leave_the_datagram_queued() {
    let _guard = HangGuard::new("udp peek", 60);
    weft::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.send_to(b"first", b.local_addr().unwrap()).await.unwrap();
        a.send_to(b"second", b.local_addr().unwrap()).await.unwrap();

        let mut buf = [0u8; 16];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"first"[..], a.local_addr().unwrap()));
        let (n, _) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"first", "a peek does not consume");
        let (n, _) = weft::timeout(Duration::from_secs(10), b.recv_from(&mut buf))
            .await
            .expect("the recv after a peek must not wait")
            .unwrap();
        assert_eq!(&buf[..n], b"first");
        let (n, _) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"second");

        // `peek` on a connected socket.
        b.connect(a.local_addr().unwrap()).await.unwrap();
        a.send_to(b"third", b.local_addr().unwrap()).await.unwrap();
        let n = b.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"third");
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"third");
    });
}

#[test]
fn udp_ttl_and_multicast_options_read_back() {
    let _guard = HangGuard::new("udp options", 60);
    weft::run(async {
        let socket = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        socket.set_ttl(17).unwrap();
        assert_eq!(socket.ttl().unwrap(), 17);
        socket.set_multicast_ttl_v4(3).unwrap();
        assert_eq!(socket.multicast_ttl_v4().unwrap(), 3);
        socket.set_multicast_loop_v4(false).unwrap();
        assert!(!socket.multicast_loop_v4().unwrap());
        socket.set_multicast_loop_v4(true).unwrap();
        assert!(socket.multicast_loop_v4().unwrap());
        socket.set_multicast_if_v4(Ipv4Addr::LOCALHOST).unwrap();
        assert_eq!(socket.multicast_if_v4().unwrap(), Ipv4Addr::LOCALHOST);
    });
}

/// A multicast group joined on loopback receives what is sent to it; after leaving it does
/// not. Sandboxes without multicast on `lo` refuse the join or the send: the test says so
/// and stops rather than fail on the host's configuration.
#[test]
fn multicast_join_receive_leave_on_loopback() {
    let _guard = HangGuard::new("multicast", 60);
    weft::run(async {
        let group = Ipv4Addr::new(239, 255, 77, 7);
        let receiver = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let port = receiver.local_addr().unwrap().port();
        if let Err(err) = receiver.join_multicast_v4(group, Ipv4Addr::LOCALHOST) {
            eprintln!("note: this host cannot join a multicast group on lo ({err}); skipped");
            return;
        }
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        sender.set_multicast_if_v4(Ipv4Addr::LOCALHOST).unwrap();
        sender.set_multicast_loop_v4(true).unwrap();
        let to_group = SocketAddrV4::new(group, port);
        if let Err(err) = sender.send_to(b"to the group", to_group).await {
            eprintln!("note: this host has no multicast route on lo ({err}); skipped");
            return;
        }
        let mut buf = [0u8; 32];
        let (n, from) = weft::timeout(Duration::from_secs(10), receiver.recv_from(&mut buf))
            .await
            .expect("joined on lo with loop on: the datagram must arrive")
            .unwrap();
        assert_eq!(&buf[..n], b"to the group");
        assert_eq!(from, sender.local_addr().unwrap());

        receiver
            .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
            .unwrap();
        // After leaving, the group's datagram is not delivered: the unicast marker sent
        // after it (same sender, same loopback queue) is the next thing received.
        sender.send_to(b"after leaving", to_group).await.unwrap();
        let direct = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        sender.send_to(b"marker", direct).await.unwrap();
        let (n, _) = receiver.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"marker");
    });
}

#[cfg(unix)]
#[test]
fn unix_peer_cred_reports_our_own_process() {
    let _guard = HangGuard::new("peer cred", 60);
    let path = net_support::socket_path("cred");
    weft::run(async {
        // SAFETY: these take no arguments and cannot fail.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        let (a, b) = UnixStream::pair().unwrap();
        for stream in [&a, &b] {
            let cred = stream.peer_cred().unwrap();
            assert_eq!((cred.uid(), cred.gid()), (uid, gid));
            #[cfg(target_os = "linux")]
            assert_eq!(cred.pid(), Some(std::process::id() as i32));
        }

        // Through a listener: both ends see this process.
        let listener = UnixListener::bind(&path).unwrap();
        let client = UnixStream::connect(&path).await.unwrap();
        let (conn, _) = listener.accept().await.unwrap();
        let (server_view, client_view) = (conn.peer_cred().unwrap(), client.peer_cred().unwrap());
        assert_eq!(server_view.uid(), uid);
        assert_eq!(client_view.uid(), uid);
        #[cfg(target_os = "linux")]
        assert_eq!(server_view.pid(), Some(std::process::id() as i32));
    });
    std::fs::remove_file(&path).unwrap();
}
