//! weft's own: seeing inside a running program — asyncio's `python -m asyncio ps` / `pstree`
//! (which task waits on what, and where) and debug mode's slow-callback warning, plus
//! per-worker metrics, which neither asyncio nor tokio prints out of the box.
//!
//! ```python
//! # asyncio 3.14: from another terminal
//! #   python -m asyncio pstree <pid>
//! loop.slow_callback_duration = 0.05      # debug mode: warn about blocking callbacks
//! ```
//!
//! `demo` builds a runtime in debug mode with a 50 ms slow-poll threshold and the poll-time
//! histogram on, starts a small echo server with two idle clients, parks a few tasks on a
//! lock, a queue and a long sleep, then blocks a worker on purpose with `std::thread::sleep`
//! inside a task. It prints the slow-poll report that block causes, the task tree with what
//! each task waits on and where, and the metrics. The runtime also dumps all of that to stderr
//! on SIGUSR1 (`Builder::dump_on_signal`): run the example alone with `--wait` and send
//! `kill -USR1 <pid>` from another terminal.
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft::net::{TcpListener, TcpStream};
use weft::runtime::TaskState;
use weft::sync::{Lock, Queue};

pub fn demo(_scale: f64) {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = weft::Builder::new()
        .worker_threads(2)
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(50))
        .on_slow_poll(|slow| println!("   slow poll! {slow}"))
        .poll_time_histogram(true);
    // `dump_on_signal` is Unix-only.
    #[cfg(unix)]
    {
        builder = builder.dump_on_signal(weft::runtime::SignalKind::user_defined1());
    }
    let rt = builder.build().unwrap();
    let handle = rt.handle().clone();

    // A small echo server: an accept loop, and one task per connection.
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    named("echo-server", &handle, async move {
        loop {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            named("echo-connection", &weft::Handle::current(), async move {
                let mut buf = [0u8; 1024];
                while let Ok(n @ 1..) = conn.read(&mut buf).await {
                    if conn.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    // Two clients that connect, say hello once, and then sit idle.
    let clients: Vec<TcpStream> = rt.block_on(async {
        let mut clients = Vec::new();
        for _ in 0..2 {
            let client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"hello").await.unwrap();
            client.read_exact(&mut [0u8; 5]).await.unwrap();
            clients.push(client);
        }
        clients
    });

    // Tasks parked on a lock someone holds, an empty queue, and a long sleep.
    let lock = Arc::new(Lock::new(()));
    let held = lock.try_lock().unwrap();
    let waiting_for_lock = lock.clone();
    named("needs-the-lock", &handle, async move {
        drop(waiting_for_lock.lock().await);
    });
    let jobs = Queue::<u32>::new();
    let consumer_queue = jobs.clone();
    named("queue-consumer", &handle, async move {
        while let Ok(job) = consumer_queue.get().await {
            println!("   consumed job {job}");
        }
    });
    named("napper", &handle, async {
        weft::time::sleep(Duration::from_secs(3600)).await;
    });

    // Block a worker on purpose: a blocking call inside a task (use spawn_blocking instead).
    let blocker = named("blocks-its-worker", &handle, async {
        std::thread::sleep(Duration::from_millis(120));
    });
    rt.block_on(blocker).unwrap();

    // Everything else is parked now; show where.
    wait_until_parked(&handle, 6);
    println!("   the task tree (Handle::dump_tasks):");
    for line in handle.dump_tasks().lines() {
        println!("     {line}");
    }
    println!("   the metrics (Handle::metrics):");
    for line in handle.metrics().to_string().lines() {
        println!("     {line}");
    }
    #[cfg(unix)]
    if std::env::args().any(|arg| arg == "--wait") {
        println!(
            "   waiting: run `kill -USR1 {}` for a dump on stderr, Ctrl-C to quit",
            std::process::id()
        );
        let _ = rt.block_on(weft::signal::ctrl_c());
    }

    drop((held, clients, jobs));
    // Dropping the runtime cancels the tasks still parked.
}

/// Spawns `future` as a task named `name` on `handle` (the caller's line is its spawn site).
#[track_caller]
fn named<F>(name: &str, handle: &weft::Handle, future: F) -> weft::Task<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    weft::task::Builder::new()
        .name(name)
        .spawn_on(handle, future)
}

/// Waits until at least `count` tasks are idle with a known wait point.
fn wait_until_parked(handle: &weft::Handle, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while handle
        .tasks()
        .iter()
        .filter(|t| t.state() == TaskState::Idle && t.waiting_on().is_some())
        .count()
        < count
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[allow(dead_code)]
fn main() {
    demo(1.0);
}
