//! Accept under file-descriptor exhaustion: the OS error (`EMFILE`) surfaces from `accept`,
//! and the listener accepts the very same pending connection once fds are free again.
//!
//! This is its own test binary with a single test because it lowers the process-wide
//! `RLIMIT_NOFILE`; no other test shares the process while the limit is low. Linux-only: it
//! reads `/proc/self/fd` (and Windows has no descriptor limit to lower).
#![cfg(target_os = "linux")]

mod common;

use std::fs::File;

use common::{HangGuard, block_on, reactor};
use weft_reactor::net::{TcpListener, TcpStream};
use weft_test_support::fds::LowFdLimit;

#[test]
fn accept_reports_emfile_and_recovers_when_fds_free_up() {
    let _guard = HangGuard::new("accept under EMFILE", 60);
    let r = reactor();
    block_on(&r, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();

        // Leave room for a few more fds only, then use them all up with placeholders.
        let low = LowFdLimit::leave_room(16);
        let mut placeholders = Vec::new();
        loop {
            match File::open("/dev/null") {
                Ok(f) => placeholders.push(f),
                Err(err) => {
                    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
                    break;
                }
            }
            assert!(placeholders.len() < 4096, "the lowered limit did not take");
        }

        // One fd for the client socket; the kernel completes the handshake into the
        // listener's backlog without any fd on our side.
        placeholders.pop();
        let client = TcpStream::connect(addr).await.unwrap();

        // No fd left for the accepted socket: the OS error comes back as it is.
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err:?}");
        // Asking again without freeing anything fails the same way (no hang, no lost edge).
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err:?}");

        // Free fds: the pending connection is accepted, and it is the client's.
        placeholders.clear();
        let (conn, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        client.write_all(b"made it").await.unwrap();
        let mut buf = [0u8; 7];
        conn.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"made it");

        // And the listener keeps working for new connections.
        let second = TcpStream::connect(addr).await.unwrap();
        let (_conn2, peer2) = listener.accept().await.unwrap();
        assert_eq!(peer2, second.local_addr().unwrap());
        drop(low);
    });
}
