//! Streams over any byte stream, `duplex`, `copy` and `copy_bidirectional`, and the
//! ecosystem pieces `weft::io` points to instead of reimplementing (futures-lite's
//! `BufReader`/`BufWriter`, asynchronous-codec's `Framed`).

mod net_support;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use net_support::{HangGuard, payload};
use weft::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter, ReadError,
    StreamReader, StreamWriter, duplex,
};

// ---- duplex ----

/// A write to a full direction waits; the reader's progress lets it go on.
#[test]
fn duplex_applies_backpressure_at_its_bound() {
    let _guard = HangGuard::new("duplex backpressure", 60);
    weft::run(async {
        let (mut a, mut b) = duplex(16);
        // Exactly the bound fits without a reader.
        assert_eq!(a.write(&[1u8; 40]).await.unwrap(), 16);
        // The next write finds no room: it is pending until b reads.
        let mut write = Box::pin(a.write(b"x"));
        assert!(weft_test_support::poll_once(&mut write).is_pending());
        let mut buf = [0u8; 10];
        assert_eq!(b.read(&mut buf).await.unwrap(), 10);
        assert_eq!(write.await.unwrap(), 1);
        let mut rest = [0u8; 7];
        b.read_exact(&mut rest).await.unwrap();
        assert_eq!(rest, [1, 1, 1, 1, 1, 1, b'x']);
        // And an empty pipe makes a read wait.
        let mut read = Box::pin(b.read(&mut buf));
        assert!(weft_test_support::poll_once(&mut read).is_pending());
        a.write_all(b"z").await.unwrap();
        assert_eq!(read.await.unwrap(), 1);
    });
}

#[test]
fn duplex_hang_up_is_eof_for_reads_and_broken_pipe_for_writes() {
    let _guard = HangGuard::new("duplex hang-up", 60);
    weft::run(async {
        let (mut a, mut b) = duplex(64);
        a.write_all(b"last words").await.unwrap();
        // A reader waiting on the other direction is woken by the drop.
        let waiting = weft::spawn(async move {
            let mut got = Vec::new();
            a.read_to_end(&mut got).await.unwrap();
            got
        });
        weft::yield_now().await;
        let mut got = Vec::new();
        let mut chunk = [0u8; 4];
        loop {
            match b.read(&mut chunk).await.unwrap() {
                0 => break,
                n => got.extend_from_slice(&chunk[..n]),
            }
            if got.len() == 10 {
                break;
            }
        }
        assert_eq!(got, b"last words");
        drop(b);
        assert_eq!(waiting.await.unwrap(), b"");

        let (mut a, b) = duplex(64);
        drop(b);
        let err = a.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        let mut buf = [0u8; 1];
        assert_eq!(a.read(&mut buf).await.unwrap(), 0);
    });
}

/// `close` shuts one direction: the peer sees end of stream and can still answer.
#[test]
fn duplex_close_is_a_half_close() {
    weft::run(async {
        let (mut a, mut b) = duplex(64);
        a.write_all(b"question").await.unwrap();
        a.close().await.unwrap();
        assert_eq!(
            a.write(b"more").await.unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"question");
        b.write_all(b"answer").await.unwrap();
        let mut buf = [0u8; 6];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"answer");
    });
}

/// Megabytes through a small pipe between tasks on different workers, byte for byte.
#[test]
fn duplex_carries_large_data_between_threads() {
    let _guard = HangGuard::new("duplex large", 60);
    weft::run(async {
        let data = payload(1, 3 << 20);
        let expected = data.clone();
        let (mut a, mut b) = duplex(4096);
        let writer = weft::spawn(async move { a.write_all(&data).await });
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap().unwrap();
        assert!(got == expected, "the bytes arrived changed or reordered");
    });
}

#[test]
#[should_panic(expected = "max_buf_size must be at least 1")]
fn duplex_refuses_a_zero_bound() {
    let _ = duplex(0);
}

// ---- copy, copy_bidirectional ----

#[test]
fn copy_moves_everything_and_counts_it() {
    let _guard = HangGuard::new("copy", 60);
    weft::run(async {
        let data = payload(2, 1 << 20);
        let (mut a, mut b) = duplex(1000);
        let mut source: &[u8] = &data;
        let copier = weft::spawn({
            let data = data.clone();
            async move {
                let mut source: &[u8] = &data;
                weft::io::copy(&mut source, &mut a).await
            }
        });
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(copier.await.unwrap().unwrap(), data.len() as u64);
        assert!(got == data);
        // Into a Vec (an AsyncWrite too): the count matches what arrived.
        let mut sink = Vec::new();
        assert_eq!(
            weft::io::copy(&mut source, &mut sink).await.unwrap(),
            data.len() as u64
        );
        assert!(sink == data);
    });
}

/// A writer that holds bytes until flushed: `copy` must flush while it waits for input,
/// or the other side never sees the request it needs to answer.
#[test]
fn copy_flushes_a_buffering_writer_while_waiting_for_input() {
    let _guard = HangGuard::new("copy flush", 60);
    weft::run(async {
        let (mut input_w, mut input_r) = duplex(64);
        let (output_w, mut output_r) = duplex(64);
        let copier = weft::spawn(async move {
            let mut writer = BufWriter::new(output_w);
            weft::io::copy(&mut input_r, &mut writer).await
        });
        input_w.write_all(b"ping").await.unwrap();
        // The copy is now waiting for more input; the 4 bytes must not sit in the BufWriter.
        let mut got = [0u8; 4];
        output_r.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");
        drop(input_w);
        assert_eq!(copier.await.unwrap().unwrap(), 4);
    });
}

#[test]
fn copy_reports_the_writers_error() {
    weft::run(async {
        let (mut a, b) = duplex(64);
        drop(b);
        let mut source: &[u8] = b"nobody listens";
        let err = weft::io::copy(&mut source, &mut a).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    });
}

/// A proxy between two pipes: data both ways, the half-close passes through each way, and
/// the counts are per direction.
#[test]
fn copy_bidirectional_proxies_and_passes_half_closes() {
    let _guard = HangGuard::new("copy_bidirectional", 60);
    weft::run(async {
        let (mut client, mut proxy_in) = duplex(512);
        let (mut proxy_out, mut server) = duplex(512);
        let proxy = weft::spawn(async move {
            weft::io::copy_bidirectional(&mut proxy_in, &mut proxy_out).await
        });
        let request = payload(3, 100_000);
        let response = payload(4, 70_000);
        let client_task = weft::spawn({
            let request = request.clone();
            async move {
                client.write_all(&request).await.unwrap();
                client.close().await.unwrap();
                let mut got = Vec::new();
                client.read_to_end(&mut got).await.unwrap();
                got
            }
        });
        // The server sees end of stream only because the proxy shut its side down.
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert!(got == request);
        server.write_all(&response).await.unwrap();
        server.close().await.unwrap();
        let got_back = client_task.await.unwrap();
        assert!(got_back == response);
        assert_eq!(proxy.await.unwrap().unwrap(), (100_000, 70_000));
    });
}

// ---- StreamReader / StreamWriter over any stream ----

/// An `AsyncRead` that hands out one byte per poll and is pending every other poll: the
/// worst case for the reader's separator search and limit logic.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    ready: bool,
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        if self.pos == self.data.len() {
            return Poll::Ready(Ok(0));
        }
        buf[0] = self.data[self.pos];
        self.pos += 1;
        Poll::Ready(Ok(1))
    }
}

#[test]
fn stream_reader_over_any_async_read_keeps_asyncio_semantics() {
    weft::run(async {
        let trickle = Trickle {
            data: b"line one\nkey=value;tail".to_vec(),
            pos: 0,
            ready: false,
        };
        let mut reader = StreamReader::new(trickle);
        assert_eq!(reader.readline().await.unwrap(), b"line one\n");
        reader.set_limit(4).unwrap();
        match reader.readuntil(b";").await {
            Err(ReadError::LimitOverrun(_)) => {}
            other => panic!("expected a limit overrun, got {other:?}"),
        }
        reader.set_limit(1024).unwrap();
        assert_eq!(reader.readuntil(b";").await.unwrap(), b"key=value;");
        match reader.readexactly(10).await {
            Err(ReadError::Incomplete(err)) => assert_eq!(err.partial, b"tail"),
            other => panic!("expected an incomplete read, got {other:?}"),
        }
        assert!(reader.at_eof());
    });
}

/// A writer over a generic stream: buffered writes arrive in order without `drain`, `drain`
/// applies backpressure, and `close` reaches the other end as end of stream.
#[test]
fn stream_writer_over_any_async_write_buffers_drains_and_closes() {
    let _guard = HangGuard::new("generic StreamWriter", 60);
    weft::run(async {
        let (near, mut far) = duplex(1024);
        let writer = StreamWriter::new(near).unwrap();
        assert!(writer.try_socket().is_none());
        writer.set_write_buffer_limits(Some(4096), None).unwrap();
        let data = payload(5, 500_000);
        for chunk in data.chunks(10_000) {
            writer.write(chunk).unwrap();
        }
        assert!(writer.write_buffer_size() > 4096);
        let reader = weft::spawn(async move {
            let mut got = Vec::new();
            far.read_to_end(&mut got).await.unwrap();
            got
        });
        writer.drain().await.unwrap();
        assert!(writer.write_buffer_size() <= 1024);
        writer.write(b"!").unwrap();
        writer.close();
        writer.wait_closed().await.unwrap();
        assert!(writer.write(b"late").is_err());
        let got = reader.await.unwrap();
        assert_eq!(got.len(), data.len() + 1);
        assert!(got[..data.len()] == data[..] && got[data.len()] == b'!');
    });
}

/// Dropping the writer flushes, then closes: the far end reads everything, then EOF.
#[test]
fn dropping_a_generic_writer_flushes_then_closes() {
    let _guard = HangGuard::new("generic drop", 60);
    weft::run(async {
        let (near, mut far) = duplex(64);
        let writer = StreamWriter::new(BufWriter::new(near)).unwrap();
        writer.write(b"kept in a BufWriter until flushed").unwrap();
        writer.write_eof();
        drop(writer);
        let mut got = Vec::new();
        far.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"kept in a BufWriter until flushed");
    });
}

/// The peer going away fails `drain` (and later writes) instead of hanging.
#[test]
fn a_generic_writer_reports_a_dead_peer() {
    let _guard = HangGuard::new("generic dead peer", 60);
    weft::run(async {
        let (near, far) = duplex(64);
        let writer = StreamWriter::new(near).unwrap();
        writer.set_write_buffer_limits(Some(128), None).unwrap();
        writer.write(&[0u8; 1000]).unwrap();
        drop(far);
        let err = writer.drain().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert!(writer.write(b"x").is_err());
        assert!(writer.is_closing());
    });
}

#[test]
fn stream_pair_splits_any_stream_and_keeps_sockets_on_the_fast_path() {
    let _guard = HangGuard::new("stream_pair", 60);
    weft::run(async {
        let (near, mut far) = duplex(256);
        let (mut reader, writer) = weft::io::stream_pair(near).unwrap();
        // Both halves at once, from two tasks: neither blocks the other.
        let echo = weft::spawn(async move {
            let mut buf = vec![0u8; 6];
            far.read_exact(&mut buf).await.unwrap();
            far.write_all(&buf).await.unwrap();
            far.write_all(b"bye\n").await.unwrap();
        });
        writer.write(b"hello\n").unwrap();
        assert_eq!(reader.readline().await.unwrap(), b"hello\n");
        assert_eq!(reader.readline().await.unwrap(), b"bye\n");
        echo.await.unwrap();
        assert_eq!(reader.read_to_end().await.unwrap(), b"");

        #[cfg(unix)]
        {
            let (a, _b) = weft::net::UnixStream::pair().unwrap();
            let (_r, w) = weft::io::stream_pair(a).unwrap();
            assert!(matches!(
                w.try_socket(),
                Some(weft::io::StreamSocket::Unix(_))
            ));
        }
    });
}

#[test]
fn a_generic_writer_needs_a_runtime() {
    let (near, _far) = duplex(8);
    let err = StreamWriter::new(near).unwrap_err();
    assert!(err.to_string().contains("running weft runtime"), "{err}");
}

// ---- the ecosystem pieces weft points to ----

#[test]
fn futures_lite_buffers_work_over_weft_streams() {
    weft::run(async {
        let (a, b) = duplex(64);
        let mut writer = BufWriter::new(a);
        writer.write_all(b"alpha\nbeta\n").await.unwrap();
        writer.flush().await.unwrap();
        drop(writer);
        let mut lines = Vec::new();
        let mut reader = BufReader::new(b);
        let mut line = String::new();
        while reader.read_line(&mut line).await.unwrap() > 0 {
            lines.push(std::mem::take(&mut line));
        }
        assert_eq!(lines, ["alpha\n", "beta\n"]);
    });
}

#[test]
fn asynchronous_codec_frames_a_weft_socket() {
    use asynchronous_codec::{Framed, LengthCodec};
    use futures_util::{SinkExt, StreamExt};
    let _guard = HangGuard::new("Framed", 60);
    weft::run(async {
        let (a, b) = net_support::stream_pair().await;
        let mut left = Framed::new(a, LengthCodec);
        let mut right = Framed::new(b, LengthCodec);
        for frame in [&b"one"[..], b"", &payload(6, 100_000)] {
            left.send(asynchronous_codec::Bytes::copy_from_slice(frame))
                .await
                .unwrap();
            let got = right.next().await.unwrap().unwrap();
            assert_eq!(&got[..], frame);
        }
        drop(left);
        assert!(right.next().await.is_none());
    });
}

/// A generic writer outlives its runtime: dropping it then (which would start a flusher to
/// close the sink) must neither panic nor hang.
#[test]
fn a_generic_writer_dropped_after_its_runtime_is_harmless() {
    let _guard = HangGuard::new("writer after runtime", 60);
    let (writer, far) = weft::run(async {
        let (near, far) = duplex(8);
        (StreamWriter::new(near).unwrap(), far)
    });
    drop(writer);
    drop(far);
}
