//! A tonic gRPC server and client over weft TCP: the server's transport is a stream of weft
//! `TcpStream`s in `weft::compat::TokioIo` (tonic's `serve_with_incoming`), run inside
//! `Compat` because tonic's server spawns its connections with `tokio::spawn`; the client's
//! channel connects through a connector that opens weft `TcpStream`s (`weft::hyper::WeftIo`
//! is the hyper I/O tonic asks a connector for) and spawns its tasks on weft
//! (`WeftExecutor`), so the client needs no tokio context at all.
//!
//! No `protoc`: the messages are UTF-8 strings with a hand-written codec, and the service is
//! written out the way tonic's code generator would.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, BufMut};
use futures_util::stream;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};
use weft::compat::{Compat, TokioIo};
use weft::hyper::{WeftExecutor, WeftIo};
use weft::net::{TcpListener, TcpStream};
use weft_test_support::within;

/// gRPC messages as UTF-8 strings.
#[derive(Debug, Clone, Default)]
struct StringCodec;

impl Codec for StringCodec {
    type Encode = String;
    type Decode = String;
    type Encoder = StringCodec;
    type Decoder = StringCodec;

    fn encoder(&mut self) -> StringCodec {
        StringCodec
    }

    fn decoder(&mut self) -> StringCodec {
        StringCodec
    }
}

impl Encoder for StringCodec {
    type Item = String;
    type Error = Status;

    fn encode(&mut self, item: String, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(item.as_bytes());
        Ok(())
    }
}

impl Decoder for StringCodec {
    type Item = String;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<String>, Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| Status::invalid_argument("the message is not UTF-8"))
    }
}

const SAY: &str = "/echo.Echo/Say";

/// The service `echo.Echo` with one unary method, `Say`, answering `echo: <message>`.
#[derive(Debug, Clone, Default)]
struct EchoServer;

impl tonic::server::NamedService for EchoServer {
    const NAME: &'static str = "echo.Echo";
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The `Say` method as tonic's unary service.
struct Say;

impl tonic::server::UnaryService<String> for Say {
    type Response = String;
    type Future = BoxFuture<Result<Response<String>, Status>>;

    fn call(&mut self, request: Request<String>) -> Self::Future {
        Box::pin(async move { Ok(Response::new(format!("echo: {}", request.into_inner()))) })
    }
}

impl<B> tower_service::Service<http::Request<B>> for EchoServer
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != SAY {
            return Box::pin(async { Ok(Status::unimplemented("no such method").into_http()) });
        }
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(StringCodec);
            Ok(grpc.unary(Say, req).await)
        })
    }
}

/// A weft connection as tonic's server transport: tokio's I/O traits through `TokioIo`, and
/// tonic's `Connected` (which only tonic can implement for a type of its own choosing).
struct WeftConn(TokioIo<TcpStream>);

impl Connected for WeftConn {
    type ConnectInfo = Option<std::net::SocketAddr>;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.0.inner().peer_addr().ok()
    }
}

impl tokio::io::AsyncRead for WeftConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for WeftConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[test]
fn a_tonic_client_and_server_talk_over_weft_tcp() {
    within(Duration::from_secs(60), || {
        weft::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // weft's accepted connections as the stream tonic serves.
            let incoming = stream::unfold(listener, |listener| async move {
                let accepted = listener
                    .accept()
                    .await
                    .map(|(stream, _)| WeftConn(TokioIo::new(stream)));
                Some((accepted, listener))
            });
            let server = tonic::transport::Server::builder()
                .add_service(EchoServer)
                .serve_with_incoming(incoming);
            weft::spawn(Compat::new(server));

            let channel = tonic::transport::Endpoint::from_static("http://echo.invalid")
                .executor(WeftExecutor::new())
                .connect_with_connector(tower::service_fn(move |_uri| async move {
                    TcpStream::connect(addr).await.map(WeftIo::new)
                }))
                .await
                .unwrap();
            let mut client = tonic::client::Grpc::new(channel);
            for word in ["hello", "gRPC on weft"] {
                client.ready().await.unwrap();
                let answer = client
                    .unary(
                        Request::new(word.to_owned()),
                        http::uri::PathAndQuery::from_static(SAY),
                        StringCodec,
                    )
                    .await
                    .unwrap();
                assert_eq!(answer.into_inner(), format!("echo: {word}"));
            }
            client.ready().await.unwrap();
            let missing = client
                .unary(
                    Request::new(String::new()),
                    http::uri::PathAndQuery::from_static("/echo.Echo/Nope"),
                    StringCodec,
                )
                .await
                .unwrap_err();
            assert_eq!(missing.code(), tonic::Code::Unimplemented);
        })
    });
}
