//! A WebSocket echo server and client on weft, with async-tungstenite over weft's
//! `TcpStream` (its futures-io support: no other runtime involved).
//!
//! The server accepts connections and echoes every text and binary message; the client
//! connects by the name `localhost`, sends a few messages, prints what comes back and
//! closes. The example serves one client and stops.
use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use weft::net::{TcpListener, TcpStream};

/// Echoes one client's messages until it closes.
async fn echo(stream: TcpStream) -> Result<usize, async_tungstenite::tungstenite::Error> {
    let mut ws = async_tungstenite::accept_async(stream).await?;
    let mut echoed = 0;
    while let Some(message) = ws.next().await {
        match message? {
            m @ (Message::Text(_) | Message::Binary(_)) => {
                ws.send(m).await?;
                echoed += 1;
            }
            Message::Close(_) => break,
            // Pings are answered by tungstenite itself.
            _ => {}
        }
    }
    Ok(echoed)
}

fn main() {
    weft::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        println!("echo server on ws://localhost:{port}/");
        let server = weft::spawn(async move {
            let (stream, peer) = listener.accept().await?;
            println!("server: {peer} connected");
            echo(stream).await.map_err(std::io::Error::other)
        });

        let stream = TcpStream::connect(("localhost", port))
            .await
            .expect("connect");
        let (mut ws, _) =
            async_tungstenite::client_async(format!("ws://localhost:{port}/"), stream)
                .await
                .expect("handshake");
        for message in [
            Message::text("hello"),
            Message::binary(vec![1, 2, 3]),
            Message::text("bye"),
        ] {
            ws.send(message.clone()).await.expect("send");
            let back = ws.next().await.expect("an answer").expect("a message");
            println!("client: sent {message:?}, got {back:?}");
            assert_eq!(back, message);
        }
        ws.close(None).await.expect("close");
        let echoed = server.await.expect("server task").expect("server");
        println!("server: echoed {echoed} messages, client closed");
    });
}
