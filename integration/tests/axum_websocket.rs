//! axum's `WebSocketUpgrade` served by `weft::hyper::serve`: `on_upgrade` calls
//! `tokio::spawn`, which works because `serve` polls connections inside async-compat's tokio
//! context under feature `tokio-compat`. The client is async-tungstenite over weft's
//! `TcpStream` (futures-io, no runtime of its own).

use std::future::IntoFuture;
use std::time::Duration;

use async_tungstenite::tungstenite::Message as ClientMessage;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use futures_util::StreamExt;
use weft::net::{TcpListener, TcpStream};
use weft_test_support::within;

/// Echoes text and binary messages until the client closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let echoed = match message {
            Message::Text(_) | Message::Binary(_) => socket.send(message).await,
            Message::Close(_) => return,
            _ => Ok(()),
        };
        if echoed.is_err() {
            return;
        }
    }
}

#[test]
fn an_axum_websocket_route_echoes_messages() {
    within(Duration::from_secs(60), || {
        weft::run(async {
            let router = axum::Router::new().route(
                "/ws",
                get(|upgrade: WebSocketUpgrade| async move { upgrade.on_upgrade(echo) }),
            );
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            weft::spawn(weft::hyper::serve(listener, router).into_future());

            let stream = TcpStream::connect(addr).await.unwrap();
            let url = format!("ws://{addr}/ws");
            let (mut ws, response) = async_tungstenite::client_async(url, stream).await.unwrap();
            assert_eq!(response.status(), 101);
            let sent = [
                ClientMessage::text("hello"),
                ClientMessage::binary(vec![7u8; 100_000]),
                ClientMessage::text("bye"),
            ];
            for message in &sent {
                ws.send(message.clone()).await.unwrap();
                assert_eq!(&ws.next().await.unwrap().unwrap(), message);
            }
            ws.close(None).await.unwrap();
        })
    });
}
