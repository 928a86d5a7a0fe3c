//! `StreamWriter::sendfile` (asyncio's `loop.sendfile`): a 5 MiB file arrives byte for byte
//! over TCP and Unix sockets (zero-copy `sendfile(2)` on Linux), offset and count are
//! honoured, bytes written before come first, and the portable copy path (taken for any
//! writer that is not a socket) gives the same bytes.

mod net_support;

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use net_support::{HangGuard, payload};
use weft::io::AsyncReadExt;

/// A temporary file holding `bytes`, removed when dropped.
struct TempFile {
    path: PathBuf,
    file: File,
}

impl TempFile {
    fn new(tag: &str, bytes: &[u8]) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("weft-test-sendfile-{tag}-{}", std::process::id()));
        let mut file = File::create(&path).unwrap();
        file.write_all(bytes).unwrap();
        drop(file);
        TempFile {
            file: File::open(&path).unwrap(),
            path,
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

const FIVE_MIB: usize = 5 * 1024 * 1024;

#[test]
fn five_mib_over_tcp_arrive_intact_after_earlier_writes() {
    let _guard = HangGuard::new("sendfile tcp", 120);
    let content = payload(5, FIVE_MIB);
    let temp = TempFile::new("tcp", &content);
    weft::run(async {
        let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (mut reader, writer) = weft::io::open_connection(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (conn, _) = listener.accept().await.unwrap();
        let (_server_r, server_w) = weft::io::open_stream(conn).unwrap();
        let sender = async {
            server_w.write(b"HEADER\n").unwrap();
            let sent = server_w.sendfile(&temp.file, 0, None).await.unwrap();
            server_w.write(b"TRAILER\n").unwrap();
            server_w.close();
            sent
        };
        let (sent, got) = weft::join!(sender, reader.read_to_end());
        assert_eq!(sent, FIVE_MIB as u64);
        let got = got.unwrap();
        assert_eq!(got.len(), 7 + FIVE_MIB + 8);
        assert_eq!(&got[..7], b"HEADER\n");
        assert!(
            got[7..7 + FIVE_MIB] == content[..],
            "the file's bytes differ"
        );
        assert_eq!(&got[7 + FIVE_MIB..], b"TRAILER\n");
        drop(writer);
    });
}

#[test]
fn offset_and_count_are_honoured_over_a_unix_socket() {
    let _guard = HangGuard::new("sendfile offset", 60);
    let content = payload(7, 100_000);
    let temp = TempFile::new("offset", &content);
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (_ra, writer) = weft::io::open_stream(a).unwrap();
        let (mut reader, _wb) = weft::io::open_stream(b).unwrap();

        assert_eq!(
            writer
                .sendfile(&temp.file, 1_000, Some(12_345))
                .await
                .unwrap(),
            12_345
        );
        // A count past the end sends up to the end.
        assert_eq!(
            writer
                .sendfile(&temp.file, 99_000, Some(5_000))
                .await
                .unwrap(),
            1_000
        );
        // At the end: nothing.
        assert_eq!(writer.sendfile(&temp.file, 100_000, None).await.unwrap(), 0);
        writer.close();
        let got = reader.read_to_end().await.unwrap();
        let mut want = content[1_000..13_345].to_vec();
        want.extend_from_slice(&content[99_000..]);
        assert!(got == want, "offset/count not honoured");
        // The file's own position was not moved (asyncio's moves; weft's never does), except
        // on Windows, where the positional read moves the cursor the duplicate handle shares.
        #[cfg(unix)]
        assert_eq!(std::io::Seek::stream_position(&mut &temp.file).unwrap(), 0);
    });
}

#[test]
fn the_copy_path_sends_the_same_bytes_through_any_writer() {
    let _guard = HangGuard::new("sendfile copy path", 120);
    let content = payload(9, FIVE_MIB);
    let temp = TempFile::new("copy", &content);
    weft::run(async {
        // A duplex pipe is no socket: sendfile reads chunks on the blocking pool and writes
        // them through the writer's buffer, with drain's backpressure (the pipe holds 64 KiB).
        let (near, mut far) = weft::io::duplex(64 * 1024);
        let writer = weft::io::StreamWriter::new(near).unwrap();
        let sender = async {
            writer.write(b">").unwrap();
            let sent = writer.sendfile(&temp.file, 10, None).await.unwrap();
            writer.close();
            writer.wait_closed().await.unwrap();
            sent
        };
        let receiver = async {
            let mut got = Vec::new();
            far.read_to_end(&mut got).await.unwrap();
            got
        };
        let (sent, got) = weft::join!(sender, receiver);
        assert_eq!(sent, (FIVE_MIB - 10) as u64);
        assert_eq!(got.len(), 1 + FIVE_MIB - 10);
        assert_eq!(got[0], b'>');
        assert!(got[1..] == content[10..], "the copied bytes differ");
    });
}

#[test]
fn sendfile_on_a_closed_writer_is_a_clear_error() {
    let _guard = HangGuard::new("sendfile closed", 60);
    let temp = TempFile::new("closed", b"data");
    weft::run(async {
        let (a, _b) = net_support::stream_pair().await;
        let (_r, writer) = weft::io::open_stream(a).unwrap();
        writer.close();
        let err = writer.sendfile(&temp.file, 0, None).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
        assert!(err.to_string().contains("after close()"), "{err}");
    });
}

#[test]
fn a_peer_that_goes_away_fails_the_sendfile() {
    let _guard = HangGuard::new("sendfile peer gone", 60);
    let temp = TempFile::new("gone", &payload(3, FIVE_MIB));
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let (_r, writer) = weft::io::open_stream(a).unwrap();
        drop(b);
        let err = writer.sendfile(&temp.file, 0, None).await.unwrap_err();
        // Windows reports a write to a closed TCP peer as a reset.
        let expected = if cfg!(windows) {
            std::io::ErrorKind::ConnectionReset
        } else {
            std::io::ErrorKind::BrokenPipe
        };
        assert_eq!(err.kind(), expected, "{err}");
        // The writer knows too.
        assert!(writer.drain().await.is_err());
    });
}
