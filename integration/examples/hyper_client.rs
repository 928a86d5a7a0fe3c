//! hyper-util's pooled client on weft: `WeftConnector` resolves host names on the blocking
//! pool and connects with weft's `TcpStream`; `WeftExecutor` and `WeftTimer` run the pool's
//! connection tasks and idle timers.
//!
//! Only loopback is reachable here, so the client fetches from a small hyper server in the
//! same process, by the name `localhost`: ten pages at once (connections are pooled and
//! reused), then one large body read as a stream of frames. Pass URLs (`hyper_client
//! http://127.0.0.1:8080/`) to fetch those instead.
use std::convert::Infallible;
use std::time::Instant;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use weft::hyper::{WeftConnector, WeftExecutor, WeftIo, WeftTimer};
use weft::net::TcpListener;

type HttpClient = Client<WeftConnector, Empty<Bytes>>;

/// The local site: `/big` is 4 MiB, any other path a line of text.
async fn site(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = match req.uri().path() {
        "/big" => Bytes::from(vec![b'x'; 4 << 20]),
        path => Bytes::from(format!("page {path}\n")),
    };
    Ok(Response::new(Full::new(body)))
}

async fn serve(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        drop(weft::spawn(
            hyper::server::conn::http1::Builder::new()
                .timer(WeftTimer::new())
                .serve_connection(WeftIo::new(stream), hyper::service::service_fn(site)),
        ));
    }
}

async fn fetch(
    client: HttpClient,
    url: String,
) -> Result<String, hyper_util::client::legacy::Error> {
    let response = client.get(url.parse().expect("a valid URL")).await?;
    let status = response.status();
    let body = response.into_body().collect().await;
    let text = body.map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned());
    Ok(format!(
        "{url} -> {status}: {}",
        text.unwrap_or_default().trim_end()
    ))
}

fn main() {
    let urls: Vec<String> = std::env::args().skip(1).collect();
    weft::run(async move {
        let client: HttpClient = Client::builder(WeftExecutor::new())
            .timer(WeftTimer::new())
            .pool_timer(WeftTimer::new())
            .build(WeftConnector::new());
        if !urls.is_empty() {
            for url in urls {
                match fetch(client.clone(), url.clone()).await {
                    Ok(line) => println!("{line}"),
                    Err(err) => println!("{url} -> error: {err:?}"),
                }
            }
            return;
        }

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = weft::spawn(serve(listener));

        let start = Instant::now();
        let pages = weft::gather(
            (0..10).map(|i| fetch(client.clone(), format!("http://localhost:{port}/page{i}"))),
        )
        .await;
        for page in pages {
            println!("{}", page.expect("the local site answers"));
        }
        println!(
            "10 pages at once in {:.1} ms",
            start.elapsed().as_secs_f64() * 1e3
        );

        // A large body, consumed frame by frame as it arrives instead of collected.
        let response = client
            .get(format!("http://localhost:{port}/big").parse().expect("URL"))
            .await
            .expect("the local site answers");
        let (mut frames, mut bytes) = (0, 0);
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("the body arrives").into_data() {
                frames += 1;
                bytes += data.len();
            }
        }
        println!("/big: {bytes} bytes in {frames} frames");
        assert_eq!(bytes, 4 << 20);
        server.cancel();
    });
}
