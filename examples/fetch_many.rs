//! Seed 004, Real Python's "Getting Started With Async Features in Python", program 6:
//! asynchronous HTTP. Two tasks share a queue of URLs and fetch them with an async client; the
//! total is about half of the synchronous version's (program 5, `sync_http_fetch`), and
//! with one task per URL it approaches the slowest single fetch.
//!
//! ```python
//! async def task(name, work_queue):
//!     timer = Timer(text=f"Task {name} elapsed time: {{:.1f}}")
//!     async with aiohttp.ClientSession() as session:
//!         while not work_queue.empty():
//!             url = await work_queue.get()
//!             print(f"Task {name} getting URL: {url}")
//!             timer.start()
//!             async with session.get(url) as response:
//!                 await response.text()
//!             timer.stop()
//!
//! async def main():
//!     work_queue = asyncio.Queue()
//!     for url in ["http://google.com", "http://yahoo.com", "http://linkedin.com",
//!                 "http://apple.com", "http://microsoft.com", "http://facebook.com",
//!                 "http://twitter.com"]:
//!         await work_queue.put(url)
//!     with Timer(text="\nTotal elapsed time: {:.1f}"):
//!         await asyncio.gather(
//!             asyncio.create_task(task("One", work_queue)),
//!             asyncio.create_task(task("Two", work_queue)),
//!         )
//! ```
//!
//! How weft differs: only loopback is reachable, so the seven "sites" are paths on an
//! in-process hyper server that waits a per-site delay before answering, the way a remote
//! site takes its time, served by `weft::hyper::serve`. Each task's `ClientSession` is one
//! keep-alive HTTP/1.1 connection made with hyper's client on weft (`weft::hyper`): it
//! connects to `localhost` by name (resolved on the blocking pool) and sends the task's
//! fetches one after another over it, as a session with one pooled connection does. The queue is
//! shut down once filled so that `get` ends each task's loop (see `async_queue_workers` for
//! why `empty()` then `get()` would race on a multi-threaded runtime). The same fetches run
//! three ways and print side by side: one task (sequential), two tasks (the article), one
//! task per URL.
use std::convert::Infallible;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response, StatusCode};
use weft::hyper::WeftIo;
use weft::net::{TcpListener, TcpStream};
use weft::sync::Queue;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// aiohttp's `ClientSession`, one per task as in the seed: a keep-alive connection to the
/// site's host, its requests sent one after another.
struct Session {
    sender: SendRequest<Empty<Bytes>>,
    host: String,
}

impl Session {
    /// Connects to `localhost:port` (the name is resolved on the blocking pool).
    async fn open(port: u16) -> Result<Session, Error> {
        let stream = TcpStream::connect(("localhost", port)).await?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(WeftIo::new(stream)).await?;
        // The connection's own task reads and writes the socket; it ends with the session.
        drop(weft::spawn(connection));
        Ok(Session {
            sender,
            host: format!("localhost:{port}"),
        })
    }

    /// `session.get(url)` and `response.text()`.
    async fn get_text(&mut self, url: &str) -> Result<String, Error> {
        let uri: hyper::Uri = url.parse()?;
        let request = Request::get(uri.path())
            .header(hyper::header::HOST, &self.host)
            .body(Empty::new())?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        if response.status() != StatusCode::OK {
            return Err(format!("{url}: {}", response.status()).into());
        }
        let body = response.into_body().collect().await?.to_bytes();
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}

/// The sites and how long each takes to answer, in seed seconds (3.2 s in all, the
/// article's synchronous total).
const SITES: [(&str, f64); 7] = [
    ("google.com", 0.4),
    ("yahoo.com", 0.6),
    ("linkedin.com", 0.5),
    ("apple.com", 0.3),
    ("microsoft.com", 0.5),
    ("facebook.com", 0.5),
    ("twitter.com", 0.4),
];

/// The in-process web server: `GET /<site>` answers after the site's delay.
async fn serve_site(
    req: Request<Incoming>,
    scale: f64,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let site = req.uri().path().trim_start_matches('/');
    let Some(&(_, delay)) = SITES.iter().find(|(name, _)| *name == site) else {
        let mut not_found = Response::new(Full::new(Bytes::from_static(b"no such site\n")));
        *not_found.status_mut() = StatusCode::NOT_FOUND;
        return Ok(not_found);
    };
    weft::sleep(secs(delay, scale)).await; // the "remote" site thinks
    let body = format!("<html><body>Welcome to {site}!</body></html>\n");
    Ok(Response::new(Full::new(Bytes::from(body))))
}

/// Serves the sites until cancelled; each connection in its own task.
async fn serve(listener: TcpListener, scale: f64) -> std::io::Result<()> {
    let service = hyper::service::service_fn(move |req| serve_site(req, scale));
    weft::hyper::serve(listener, service).await
}

/// One task of the article: fetches URLs from the queue until it is drained.
async fn task(name: String, work_queue: Queue<String>, port: u16, scale: f64) -> usize {
    let mut session = Session::open(port).await.expect("the local site accepts");
    let mut fetched = 0;
    while let Ok(url) = work_queue.get().await {
        println!("Task {name} getting URL: {url}");
        let start = Instant::now();
        let text = session
            .get_text(&url)
            .await
            .expect("the local site answers");
        assert!(text.contains("Welcome"));
        fetched += 1;
        println!(
            "Task {name} elapsed time: {:.1}",
            start.elapsed().as_secs_f64() / scale
        );
    }
    fetched
}

/// Fetches every URL with `tasks` concurrent tasks; returns the wall time.
async fn fetch_all(tasks: usize, port: u16, scale: f64) -> Duration {
    let work_queue = Queue::new();
    for (site, _) in SITES {
        work_queue
            .put(format!("http://localhost:{port}/{site}"))
            .await
            .expect("the queue is open");
    }
    work_queue.shutdown(false); // gets drain the queue, then report shut-down
    let names = ["One", "Two", "Three", "Four", "Five", "Six", "Seven"];
    let start = Instant::now();
    let fetched = weft::gather(
        (0..tasks).map(|i| task(names[i].to_owned(), work_queue.clone(), port, scale)),
    )
    .await;
    let wall = start.elapsed();
    assert_eq!(
        fetched.iter().sum::<usize>(),
        SITES.len(),
        "every URL fetched once"
    );
    println!("Total elapsed time: {:.1}\n", wall.as_secs_f64() / scale);
    wall
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("TCP address").port();
        let server = weft::spawn(serve(listener, scale));

        println!("-- one task (sequential) --");
        let sequential = fetch_all(1, port, scale).await;
        println!("-- two tasks (the article) --");
        let two = fetch_all(2, port, scale).await;
        println!("-- one task per URL --");
        let all = fetch_all(SITES.len(), port, scale).await;

        let seed = |d: Duration| d.as_secs_f64() / scale;
        let sum: f64 = SITES.iter().map(|(_, d)| d).sum();
        let slowest = SITES.iter().map(|(_, d)| *d).fold(0.0, f64::max);
        println!(
            "{:<22}{:>12}{:>12}{:>14}",
            "", "sequential", "2 tasks", "7 tasks"
        );
        println!(
            "{:<22}{:>12.1}{:>12.1}{:>14.1}",
            "total elapsed (s)",
            seed(sequential),
            seed(two),
            seed(all)
        );
        println!(
            "{:<22}{:>12.1}{:>12}{:>14.1}",
            "expected about (s)", sum, "~half", slowest
        );
        assert!(
            two < sequential,
            "two concurrent tasks were not faster than one: {two:?} vs {sequential:?}"
        );
        assert!(
            all < two,
            "one task per URL was not faster than two tasks: {all:?} vs {two:?}"
        );
        assert!(
            sequential >= secs(sum, scale),
            "the sequential fetches overlapped"
        );
        server.cancel();
    })
}

fn secs(s: f64, scale: f64) -> Duration {
    Duration::from_secs_f64(s * scale)
}

#[allow(dead_code)]
fn main() {
    demo(
        std::env::var("WEFT_TIME_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.1),
    )
}
