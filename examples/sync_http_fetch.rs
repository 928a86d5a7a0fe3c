//! Seed 004, Real Python's "Getting Started With Async Features in Python", program 5:
//! synchronous HTTP. The queue holds URLs; each task fetches with a blocking client; the
//! generator-driving loop of program 2 alternates the tasks after every fetch, but a blocking
//! fetch holds the only thread, so nothing overlaps and the total is the sum of the fetch
//! times (3.2 s in the article).
//!
//! ```python
//! def task(name, work_queue):
//!     timer = Timer(text=f"Task {name} elapsed time: {{:.1f}}")
//!     with requests.Session() as session:
//!         while not work_queue.empty():
//!             url = work_queue.get()
//!             print(f"Task {name} getting URL: {url}")
//!             timer.start()
//!             session.get(url)
//!             timer.stop()
//!             yield
//!
//! def main():
//!     work_queue = queue.Queue()
//!     for url in ["http://google.com", "http://yahoo.com", "http://linkedin.com",
//!                 "http://apple.com", "http://microsoft.com", "http://facebook.com",
//!                 "http://twitter.com"]:
//!         work_queue.put(url)
//!     tasks = [task("One", work_queue), task("Two", work_queue)]
//!     done = False
//!     with Timer(text="\nTotal elapsed time: {:.1f}"):
//!         while not done:
//!             for t in tasks:
//!                 try:
//!                     next(t)
//!                 except StopIteration:
//!                     tasks.remove(t)
//!                 if len(tasks) == 0:
//!                     done = True
//! ```
//!
//! How weft differs: the client here is the blocking one on purpose (`std::net::TcpStream`,
//! like `requests`), and the driver loop runs on the main thread with no runtime at all.
//! Only loopback is reachable, so the seven "sites" are served by a weft HTTP server running
//! on a background runtime, each answering after its delay. The asynchronous twin is
//! `fetch_many`.
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The sites and how long each takes to answer, in seed seconds (3.2 s in all).
const SITES: [(&str, f64); 7] = [
    ("google.com", 0.4),
    ("yahoo.com", 0.6),
    ("linkedin.com", 0.5),
    ("apple.com", 0.3),
    ("microsoft.com", 0.5),
    ("facebook.com", 0.5),
    ("twitter.com", 0.4),
];

/// A blocking GET (the `requests` of the original): one connection, read to the end.
fn blocking_get(addr: SocketAddr, url: &str) -> std::io::Result<String> {
    let path = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?; // a hang guard, not a timing
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {path}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

/// The generator of the original: `step` runs until its `yield`, which comes after each
/// fetch; `false` once the queue is empty (StopIteration).
struct Task {
    name: &'static str,
    fetch_time: Duration,
}

impl Task {
    fn step(&mut self, work_queue: &mut VecDeque<String>, addr: SocketAddr, scale: f64) -> bool {
        let Some(url) = work_queue.pop_front() else {
            return false;
        };
        println!("Task {} getting URL: {url}", self.name);
        let start = Instant::now();
        let response = blocking_get(addr, &url).expect("the local site answers");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let elapsed = start.elapsed();
        self.fetch_time += elapsed;
        println!(
            "Task {} elapsed time: {:.1}",
            self.name,
            elapsed.as_secs_f64() / scale
        );
        true
    }
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    // The "internet": a weft server on a background runtime.
    let rt = weft::Runtime::new().expect("start a runtime");
    let server = rt
        .block_on(weft::io::start_server(
            move |mut reader, writer| async move {
                let Ok(head) = reader.readuntil(b"\r\n\r\n").await else {
                    return;
                };
                let path =
                    String::from_utf8_lossy(head.split(|&b| b == b' ').nth(1).unwrap_or(b"/"))
                        .into_owned();
                let delay = SITES
                    .iter()
                    .find(|(s, _)| path.trim_start_matches('/') == *s)
                    .map_or(0.0, |(_, d)| *d);
                weft::sleep(secs(delay, scale)).await;
                let _ = writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n",
                );
            },
            "127.0.0.1:0",
        ))
        .expect("bind a loopback port");
    let addr = server.local_addr().expect("TCP address");

    let mut work_queue: VecDeque<String> =
        SITES.iter().map(|(s, _)| format!("http://{s}")).collect();
    let mut tasks = vec![
        Task {
            name: "One",
            fetch_time: Duration::ZERO,
        },
        Task {
            name: "Two",
            fetch_time: Duration::ZERO,
        },
    ];
    let mut finished = Vec::new();
    let start = Instant::now();
    // The driver loop: a task that finds the queue empty is done (StopIteration).
    while !tasks.is_empty() {
        let mut i = 0;
        while i < tasks.len() {
            if tasks[i].step(&mut work_queue, addr, scale) {
                i += 1;
            } else {
                finished.push(tasks.remove(i));
            }
        }
    }
    let total = start.elapsed();
    println!("\nTotal elapsed time: {:.1}", total.as_secs_f64() / scale);

    let sum_of_fetches: Duration = finished.iter().map(|t| t.fetch_time).sum();
    let sum_of_delays = secs(SITES.iter().map(|(_, d)| d).sum(), scale);
    println!(
        "sum of the fetch times: {:.1}",
        sum_of_fetches.as_secs_f64() / scale
    );
    assert!(total >= sum_of_fetches, "blocking fetches cannot overlap");
    assert!(
        sum_of_fetches >= sum_of_delays,
        "every fetch waited for its site"
    );
    drop(server);
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
