//! An idle runtime sleeps: no worker spins, polls, or wakes up periodically. Its own test
//! binary, because it measures the CPU time of the whole process.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Held by each test: the first measures the whole process's CPU time, which the other's
/// wait for a park (a `yield_now` loop) would add to. Under Wine, beside another test
/// process, that loop once put 140 ms into the idle test's second.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

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
    let _alone = alone();
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

#[test]
fn a_worker_out_of_work_lingers_briefly_then_parks() {
    let _alone = alone();
    weft_test_support::within(Duration::from_secs(30), || {
        let rt = weft_executor::Builder::new()
            .worker_threads(1)
            .build()
            .unwrap();
        let parks = || rt.handle().metrics().per_worker()[0].parks();
        rt.block_on(async { weft_executor::spawn(async {}).await.unwrap() });
        let before = parks();
        // Work from outside: the worker runs it, lingers (spinning as a searcher), and
        // must then park, which the counter shows. A linger that never ended would hang
        // here (and `an_idle_runtime_uses_almost_no_cpu` would see the CPU it burns).
        rt.spawn(async {});
        while parks() == before {
            std::thread::yield_now();
        }
    });
}
