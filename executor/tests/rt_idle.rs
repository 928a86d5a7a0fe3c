//! An idle runtime sleeps: no worker spins, polls, or wakes up periodically. Its own test
//! binary, because it measures the CPU time of the whole process.

use std::time::{Duration, Instant};

/// Reads this process's user+system CPU time from /proc (Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the ")" that ends the command name: utime is field 14, stime 15 (1-based).
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // The kernel's USER_HZ is 100 on every Linux platform weft targets.
    Duration::from_millis(ticks * 10)
}

#[test]
fn an_idle_runtime_uses_almost_no_cpu() {
    let rt = weft_executor::Runtime::new().unwrap();
    // Warm up: workers run something, then everything goes quiet.
    rt.block_on(weft_executor::gather((0..100).map(|i| async move { i })));
    let timer = rt.spawn(weft_reactor::sleep(Duration::from_secs(3600))); // a far timer must not spin
    let before = cpu_time();
    let wall = Instant::now();
    std::thread::sleep(Duration::from_secs(1)); // measuring idleness is the point here
    let used = cpu_time() - before;
    assert!(wall.elapsed() >= Duration::from_secs(1));
    assert!(
        used <= Duration::from_millis(50),
        "an idle runtime burned {used:?} of CPU in one second"
    );
    timer.cancel();
}
