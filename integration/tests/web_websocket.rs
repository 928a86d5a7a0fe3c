//! A WebSocket echo with async-tungstenite (its futures-io support, no runtime feature) over
//! weft's `TcpStream`, the client connecting by host name.

// Shared with the facade's own hyper tests.
#[path = "../../tests/hyper_support/mod.rs"]
mod hyper_support;

use std::time::Duration;

use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use hyper_support::within;
use weft::net::{TcpListener, TcpStream};

#[test]
fn a_websocket_echo_round_trips_text_and_binary() {
    within(Duration::from_secs(60), || {
        weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let server = weft::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut ws = async_tungstenite::accept_async(stream).await.unwrap();
                let mut echoed = 0;
                while let Some(message) = ws.next().await {
                    match message.unwrap() {
                        m @ (Message::Text(_) | Message::Binary(_)) => {
                            ws.send(m).await.unwrap();
                            echoed += 1;
                        }
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
                echoed
            });

            let stream = TcpStream::connect(("localhost", port)).await.unwrap();
            let url = format!("ws://localhost:{port}/echo");
            let (mut ws, response) = async_tungstenite::client_async(url, stream).await.unwrap();
            assert_eq!(response.status(), 101);
            let big = vec![9u8; 1 << 20];
            let sent = [
                Message::text("hello"),
                Message::binary(big.clone()),
                Message::text("bye"),
            ];
            for message in &sent {
                ws.send(message.clone()).await.unwrap();
                let back = ws.next().await.unwrap().unwrap();
                assert_eq!(&back, message);
            }
            ws.close(None).await.unwrap();
            assert_eq!(server.await.unwrap(), sent.len());
        })
    });
}
