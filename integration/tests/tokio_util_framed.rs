//! tokio-util's `Framed<_, LinesCodec>` over weft's `TcpStream` through `weft::compat::TokioIo`:
//! tokio's I/O traits on weft's sockets, with no tokio runtime anywhere (no `Compat`).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_util::codec::{Framed, LinesCodec};
use weft::compat::TokioIo;
use weft::net::{TcpListener, TcpStream};
use weft_test_support::within;

#[test]
fn lines_framed_over_weft_tcp_echo_upper_cased() {
    within(Duration::from_secs(60), || {
        weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut lines = Framed::new(TokioIo::new(stream), LinesCodec::new());
                let mut served = 0;
                while let Some(line) = lines.next().await {
                    lines.send(line.unwrap().to_uppercase()).await.unwrap();
                    served += 1;
                }
                served
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let mut lines = Framed::new(TokioIo::new(stream), LinesCodec::new());
            // A line longer than one read, so the codec reassembles it across reads into the
            // reused (uninitialised, then initialised) buffer.
            let long = "x".repeat(256 * 1024);
            for sent in ["hello", "weft and tokio-util", long.as_str()] {
                lines.send(sent).await.unwrap();
                let back = lines.next().await.unwrap().unwrap();
                assert_eq!(back, sent.to_uppercase());
            }
            drop(lines); // closes the connection: the server's stream ends
            assert_eq!(server.await.unwrap(), 3);
        })
    });
}
