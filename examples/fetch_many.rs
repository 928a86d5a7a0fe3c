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
//! in-process HTTP server (weft's streams) that waits a per-site delay before answering, the
//! way a remote site takes its time; the client is a few lines over `open_connection`. The
//! queue is shut down once filled so that `get` ends each task's loop (see
//! `async_queue_workers` for why `empty()` then `get()` would race on a multi-threaded
//! runtime). The same fetches run three ways and print side by side: one task (sequential),
//! two tasks (the article), one task per URL.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use weft::io::{StreamReader, StreamWriter};
use weft::sync::Queue;

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
async fn serve_site(mut reader: StreamReader, writer: StreamWriter, scale: f64) {
    let Ok(head) = reader.readuntil(b"\r\n\r\n").await else {
        return;
    };
    let path =
        String::from_utf8_lossy(head.split(|&b| b == b' ').nth(1).unwrap_or(b"/")).into_owned();
    let site = path.trim_start_matches('/');
    let Some(&(_, delay)) = SITES.iter().find(|(name, _)| *name == site) else {
        let _ = writer
            .write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    weft::sleep(secs(delay, scale)).await; // the "remote" site thinks
    let body = format!("<html><body>Welcome to {site}!</body></html>\n");
    let _ = writer.write(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
}

/// A tiny async HTTP GET: one connection per request, the body as text.
async fn http_get(addr: SocketAddr, url: &str) -> std::io::Result<String> {
    let path = url.trim_start_matches("http://");
    let (mut reader, writer) = weft::io::open_connection(addr).await?;
    writer.write(
        format!("GET /{path} HTTP/1.1\r\nHost: {path}\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    let response = reader.read_to_end().await?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(format!(
            "{url}: {}",
            head.lines().next().unwrap_or("")
        )));
    }
    Ok(body.to_owned())
}

/// One task of the article: fetches URLs from the queue until it is drained.
async fn task(name: String, work_queue: Queue<String>, addr: SocketAddr, scale: f64) -> usize {
    let mut fetched = 0;
    while let Ok(url) = work_queue.get().await {
        println!("Task {name} getting URL: {url}");
        let start = Instant::now();
        let text = http_get(addr, &url).await.expect("the local site answers");
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
async fn fetch_all(tasks: usize, addr: SocketAddr, scale: f64) -> Duration {
    let work_queue = Queue::new();
    for (site, _) in SITES {
        work_queue
            .put(format!("http://{site}"))
            .await
            .expect("the queue is open");
    }
    work_queue.shutdown(false); // gets drain the queue, then report shut-down
    let names = ["One", "Two", "Three", "Four", "Five", "Six", "Seven"];
    let start = Instant::now();
    let fetched = weft::gather(
        (0..tasks).map(|i| task(names[i].to_owned(), work_queue.clone(), addr, scale)),
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
        let server = weft::io::start_server(move |r, w| serve_site(r, w, scale), "127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = server.local_addr().expect("TCP address");

        println!("-- one task (sequential) --");
        let sequential = fetch_all(1, addr, scale).await;
        println!("-- two tasks (the article) --");
        let two = fetch_all(2, addr, scale).await;
        println!("-- one task per URL --");
        let all = fetch_all(SITES.len(), addr, scale).await;

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
        server.close();
        server.wait_closed().await;
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
