//! Many mostly idle connections, side by side: weft, tokio and smol (async-executor on the
//! same number of threads with async-net) as echo servers holding `CONNS` connections
//! (default 10,000) that each send one 32-byte message per second.
//!
//! Each server runs in a child process of its own (`many_conns --server weft|tokio|smol`), so
//! its memory is its own; this process is the client for all three (the same weft client
//! code, so the load is identical), and runs them interleaved, `ROUNDS` times (default 2).
//! For each it reports:
//!
//! * **accept storm**: time for all connections to be made and to complete a first echo,
//!   with at most 100 connects in flight (below every runtime's listen backlog, so that no
//!   SYN is dropped and retried a second later: that would measure the backlog, not the
//!   runtime);
//! * **bytes per idle connection**: the server's resident memory (`VmRSS`) with every
//!   connection open and idle, minus its memory before the first connect, divided by the
//!   connections. User space only: the kernel's socket buffers are not in RSS and are the
//!   same for every runtime;
//! * **messages**: `SECONDS` (default 3) rounds of one message per connection per second,
//!   spread evenly over each second; echo latency p50 and p99 as the client sees it, and the
//!   server's CPU time (user + system, from `/proc/PID/stat`) per message.
//!
//! Each connection costs a descriptor on both sides; the soft `RLIMIT_NOFILE` is raised to
//! the hard limit in both processes, and `CONNS` is lowered (with a note) if even that is too
//! small. Not a criterion suite; run: `cargo bench -p weft-benches --bench many_conns` (or with
//! `CONNS=2000 SECONDS=2 ROUNDS=1` for a quick look). Loopback only, bounded: the children
//! are killed at the end of their turn, and exit by themselves when this process goes away.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::BenchRuntime;

const MESSAGE: usize = 32;
/// Connects in flight at once during the storm.
const IN_FLIGHT: usize = 100;
/// The server's read buffer per connection (the same for all three).
const READ_BUF: usize = 1024;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Raises the soft descriptor limit to the hard one; returns the limit now in force.
fn raise_fd_limit() -> libc::rlim_t {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, exclusively borrowed rlimit for the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 1024;
    }
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: as above; the kernel only reads it.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        // SAFETY: as above.
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    }
    limit.rlim_cur
}

// ----- the servers (child processes) -----

/// Serves echo until stdin closes (the parent went away) or the parent kills it. Prints
/// `PORT <n>` once listening.
fn server(runtime: &str) {
    raise_fd_limit();
    std::thread::spawn(|| {
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
        std::process::exit(0);
    });
    let workers = support::workers();
    // The accept loop is a task on the runtime under test (not the blocked main thread),
    // as a server would run it.
    match runtime {
        "weft" => {
            let rt = support::Weft::new(workers);
            rt.spawn_remote(async {
                let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                println!("PORT {}", listener.local_addr().unwrap().port());
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    drop(weft::spawn(async move {
                        let mut buf = [0u8; READ_BUF];
                        while let Ok(n @ 1..) = stream.read(&mut buf).await {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }));
                }
            });
            rt.block_on(std::future::pending::<()>());
        }
        "tokio" => {
            let rt = support::Tokio::new(workers);
            rt.spawn_remote(async {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                println!("PORT {}", listener.local_addr().unwrap().port());
                loop {
                    let Ok((mut stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(async move {
                        let mut buf = [0u8; READ_BUF];
                        while let Ok(n @ 1..) = stream.read(&mut buf).await {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    });
                }
            });
            rt.block_on(std::future::pending::<()>());
        }
        "smol" => {
            let rt = support::Smol::new(workers);
            rt.spawn_remote(async {
                use futures_lite::{AsyncReadExt, AsyncWriteExt};
                let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                println!("PORT {}", listener.local_addr().unwrap().port());
                loop {
                    let Ok((mut stream, _)) = listener.accept().await else {
                        continue;
                    };
                    support::SMOL_EX
                        .spawn(async move {
                            let mut buf = [0u8; READ_BUF];
                            while let Ok(n @ 1..) = stream.read(&mut buf).await {
                                if stream.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        })
                        .detach();
                }
            });
            rt.block_on(std::future::pending::<()>());
        }
        other => panic!("--server {other}: use weft, tokio or smol"),
    }
}

// ----- the client (this process) -----

/// `VmRSS` of `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// User plus system CPU time of `pid` (all its threads).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum());
    // SAFETY: sysconf takes a name and returns a value; no memory is involved.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_nanos(ticks * 1_000_000_000 / hz)
}

struct Outcome {
    runtime: &'static str,
    storm: Duration,
    bytes_per_conn: f64,
    messages: usize,
    p50: Duration,
    p99: Duration,
    cpu_per_msg: Duration,
}

/// Starts the server child and returns it with its port.
fn spawn_server(runtime: &str) -> (Child, u16) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--server", runtime])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server process");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("server {runtime} said {line:?}"));
    (child, port)
}

fn run_one(client: &weft::Runtime, runtime: &'static str, conns: usize, seconds: u32) -> Outcome {
    let (mut child, port) = spawn_server(runtime);
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(200));
    let rss_before = rss(pid);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));

    // The storm: every connection connects and completes one echo; at most IN_FLIGHT at once.
    let storm_start = Instant::now();
    let streams: Vec<Arc<weft::net::TcpStream>> = client.block_on(async move {
        let gate = Arc::new(weft::sync::Semaphore::new(IN_FLIGHT));
        let tasks = (0..conns).map(|_| {
            let gate = gate.clone();
            async move {
                let _permit = gate.acquire().await.expect("the gate is never closed");
                let stream = weft::net::TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                stream.write_all(&[1u8; MESSAGE]).await.unwrap();
                stream.read_exact(&mut [0u8; MESSAGE]).await.unwrap();
                Arc::new(stream)
            }
        });
        weft::gather(tasks).await
    });
    let storm = storm_start.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let bytes_per_conn = rss(pid).saturating_sub(rss_before) as f64 / conns as f64;

    // One message per connection per second, spread over the second.
    let cpu_before = cpu_time(pid);
    let start = Instant::now() + Duration::from_millis(50);
    let latencies = client.block_on(async move {
        let tasks = streams
            .into_iter()
            .enumerate()
            .map(|(i, stream)| async move {
                let offset = Duration::from_secs(1) * i as u32 / conns as u32;
                let mut times = Vec::with_capacity(seconds as usize);
                for round in 0..seconds {
                    weft::sleep_until(start + offset + Duration::from_secs(round.into())).await;
                    let sent = Instant::now();
                    stream.write_all(&[2u8; MESSAGE]).await.unwrap();
                    stream.read_exact(&mut [0u8; MESSAGE]).await.unwrap();
                    times.push(sent.elapsed());
                }
                times
            });
        weft::gather(tasks).await
    });
    let cpu = cpu_time(pid).saturating_sub(cpu_before);
    let mut all: Vec<Duration> = latencies.into_iter().flatten().collect();
    all.sort();
    let messages = all.len();
    let pct = |p: usize| all[(messages * p / 100).min(messages - 1)];
    let outcome = Outcome {
        runtime,
        storm,
        bytes_per_conn,
        messages,
        p50: pct(50),
        p99: pct(99),
        cpu_per_msg: cpu / messages as u32,
    };
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--server") {
        server(args.get(i + 1).map_or("weft", String::as_str));
        return;
    }
    let limit = raise_fd_limit();
    let mut conns = env_or("CONNS", 10_000);
    // Each side holds one descriptor per connection, plus a few dozen of its own.
    let room = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(64);
    if conns > room {
        println!("note: RLIMIT_NOFILE is {limit}: {conns} connections lowered to {room}");
        conns = room;
    }
    let seconds = env_or("SECONDS", 3) as u32;
    let rounds = env_or("ROUNDS", 2);
    let workers = support::workers();
    println!(
        "many_conns: {conns} connections, {seconds} s of one {MESSAGE}-byte message per \
         connection per second, {workers} server workers each, fd limit {limit}, {rounds} \
         interleaved round(s)"
    );
    let client = weft::Builder::new()
        .worker_threads(workers)
        .build()
        .unwrap();
    println!(
        "{:<6} {:>16} {:>18} {:>9} {:>9} {:>9} {:>16}",
        "server",
        "accept storm ms",
        "bytes/idle conn",
        "messages",
        "p50 µs",
        "p99 µs",
        "server CPU µs/msg"
    );
    for _ in 0..rounds {
        for runtime in ["weft", "tokio", "smol"] {
            let o = run_one(&client, runtime, conns, seconds);
            println!(
                "{:<6} {:>16.1} {:>18.0} {:>9} {:>9.1} {:>9.1} {:>16.2}",
                o.runtime,
                o.storm.as_secs_f64() * 1e3,
                o.bytes_per_conn,
                o.messages,
                o.p50.as_secs_f64() * 1e6,
                o.p99.as_secs_f64() * 1e6,
                o.cpu_per_msg.as_secs_f64() * 1e6,
            );
        }
    }
}
