//! No fd leak: 10,000 connect/accept/close cycles (and 1,000 through the streams API) leave
//! the process with the fds it had. Its own test binary, so no other test opens fds meanwhile.
//! Unix-only: it counts descriptors in `/proc/self/fd`.
#![cfg(unix)]

mod net_support;

use net_support::{HangGuard, open_fds};
use weft::net::{TcpListener, TcpStream, UnixStream};

#[test]
fn ten_thousand_connect_close_cycles_leak_no_fd() {
    let _guard = HangGuard::new("fd leak", 300);
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Warm up: whatever the runtime opens lazily is open before the baseline.
        drop((
            TcpStream::connect(addr).await.unwrap(),
            listener.accept().await.unwrap(),
        ));
        let server = weft::io::start_server(
            |_r, w| async move { w.write(b"bye\n").unwrap() },
            "127.0.0.1:0",
        )
        .await
        .unwrap();
        let server_addr = server.local_addr().unwrap();
        drop(
            weft::io::open_connection(server_addr)
                .await
                .unwrap()
                .0
                .read_to_end()
                .await
                .unwrap(),
        );
        let before = open_fds();

        for i in 0..10_000 {
            let client = TcpStream::connect(addr).await.unwrap();
            let (conn, _) = listener.accept().await.unwrap();
            if i % 2 == 0 {
                drop(client);
                drop(conn);
            } else {
                let (a, b) = UnixStream::pair().unwrap();
                drop((conn, a, client, b));
            }
        }
        for _ in 0..1_000 {
            let (mut r, w) = weft::io::open_connection(server_addr).await.unwrap();
            assert_eq!(r.read_to_end().await.unwrap(), b"bye\n");
            drop(w);
        }
        server.close();
        server.wait_closed().await;
        // Let the flusher/connection tasks that held the last references finish dropping.
        for _ in 0..10 {
            weft::yield_now().await;
        }
        let after = open_fds();
        // The server's listener is gone now (-1); allow a small slack for the runtime.
        assert!(after <= before + 4, "fds before: {before}, after: {after}");
    });
}
