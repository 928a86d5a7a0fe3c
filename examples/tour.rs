//! The weft tour: every seed pattern of asyncio, run on weft, one section each.
//!
//! Each section is one of `examples/*.rs` (run any of them alone with
//! `cargo run --release --example NAME`). Seed delays are scaled down so the whole tour takes
//! a few seconds; set `WEFT_TIME_SCALE=1` to run them with the seeds' real timing.
//!
//! Run: `cargo run --release --example tour`
use std::time::{Duration, Instant};

macro_rules! sections {
    ($($seed:literal $module:ident $file:literal $title:literal;)*) => {
        $(
            #[allow(dead_code)]
            #[path = $file]
            mod $module;
        )*
        const SECTIONS: &[(&str, &str, &str, fn(f64))] = &[$(($seed, stringify!($module), $title, $module::demo)),*];
    };
}

sections! {
    "000" call_later "call_later.rs" "hello world with call_later: a callback fires while main sleeps";
    "000" gather_squares "gather_squares.rs" "gather: children run concurrently, results in argument order";
    "000" future_callbacks "future_callbacks.rs" "Future (Promise) with done-callbacks, producer and consumer";
    "000" future_exception "future_exception.rs" "Future carrying an error, and a cancelled Future";
    "000" future_threadsafe "future_threadsafe.rs" "a plain thread completes a Future a task awaits";
    "000" run_coroutine_threadsafe "run_coroutine_threadsafe.rs" "run_coroutine_threadsafe from a plain thread";
    "000" wait_for "wait_for.rs" "wait_for: a timeout that cancels the slow coroutine";
    "000" wait_first_completed "wait_first_completed.rs" "wait(FIRST_COMPLETED), then cancel the rest";
    "001" hello_world "hello_world.rs" "asyncio.run: hello, sleep, world";
    "001" await_coroutine "await_coroutine.rs" "awaiting a coroutine's result";
    "001" runner_reuse "runner_reuse.rs" "asyncio.Runner: one runtime, two block_on calls";
    "001" loop_time "loop_time.rs" "loop.time() around a sleep";
    "001" create_task "create_task.rs" "create_task, then await the task";
    "001" gather_return_exceptions "gather_return_exceptions.rs" "gather(return_exceptions=True): failures in place";
    "001" task_group "task_group.rs" "TaskGroup: children succeed or fail together";
    "001" as_completed "as_completed.rs" "as_completed: results in completion order";
    "001" cancel_cleanup "cancel_cleanup.rs" "cancel a task; its cleanup runs";
    "001" timeout_block "timeout_block.rs" "async with timeout(0.2) around sleep(1)";
    "001" shield "shield.rs" "wait_for(shield(task)): the caller times out, the task goes on";
    "001" queue_producer_consumer "queue_producer_consumer.rs" "Queue: producer, consumer, sentinel, join";
    "001" queue_get_timeout "queue_get_timeout.rs" "Queue.get under wait_for: no item available";
    "001" priority_queue "priority_queue.rs" "PriorityQueue: urgent before normal";
    "001" lock_counter "lock_counter.rs" "Lock: 100 increments with a yield inside";
    "001" event_notify "event_notify.rs" "Event: one setter, one waiter";
    "001" semaphore_limit "semaphore_limit.rs" "Semaphore(3) over 8 fetches";
    "002" ensure_future_gather "ensure_future_gather.rs" "ensure_future + gather, timed";
    "002" loop_in_thread "loop_in_thread.rs" "a runtime owned by a background thread (the Django pattern)";
    "003" call_soon_threadsafe "call_soon_threadsafe.rs" "call_soon_threadsafe from a thread sets an Event";
    "003" get_running_loop "get_running_loop.rs" "get_running_loop: the current runtime";
    "003" file_io_to_thread "file_io_to_thread.rs" "file I/O is blocking: push it to_thread";
    "004" sync_work_queue "sync_work_queue.rs" "Real Python 1: a synchronous work queue";
    "004" generator_cooperation "generator_cooperation.rs" "Real Python 2: cooperative generators";
    "004" blocking_calls_cooperate "blocking_calls_cooperate.rs" "Real Python 3: cooperation with blocking calls";
    "004" async_queue_workers "async_queue_workers.rs" "Real Python 4: asyncio.Queue and sleep, sum vs wall time";
    "004" sync_http_fetch "sync_http_fetch.rs" "Real Python 5: synchronous HTTP";
    "004" fetch_many "fetch_many.rs" "Real Python 6: concurrent HTTP, sequential vs concurrent";
    "004" gather_finish_order "gather_finish_order.rs" "GeeksforGeeks: gather(task1, task2), task 2 finishes first";
    "004" http_get_prefix "http_get_prefix.rs" "GeeksforGeeks: an async GET, first 100 characters";
    "004" aiofiles "aiofiles.rs" "GeeksforGeeks: write a file, read it back (aiofiles)";
    "weft" spawn_many "spawn_many.rs" "10,000 tasks spawned and gathered";
    "weft" echo_client "echo_client.rs" "TCP echo: client against an in-process server";
    "weft" echo_server "echo_server.rs" "TCP echo server, serving a bounded number of clients";
    "weft" http_hello "http_hello.rs" "a minimal HTTP/1.1 server with keep-alive";
    "weft" debug_tour "debug_tour.rs" "seeing inside: slow-poll report, task tree with wait points, metrics";
}

fn main() {
    let scale: f64 = std::env::var("WEFT_TIME_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.05);
    println!(
        "weft tour — {} sections; one seed second = {:.0} ms",
        SECTIONS.len(),
        scale * 1000.0
    );
    let mut timings = Vec::with_capacity(SECTIONS.len());
    let tour_start = Instant::now();
    for (i, (seed, name, title, demo)) in SECTIONS.iter().enumerate() {
        println!();
        println!("── [{:>2}/{}] seed {seed} · {name}", i + 1, SECTIONS.len());
        println!("   {title}");
        println!("   (cargo run --release --example {name})");
        let start = Instant::now();
        demo(scale);
        let took = start.elapsed();
        println!("   ⏱ {}", format_duration(took));
        timings.push((*name, took));
    }
    println!();
    println!("── summary");
    println!("   {:<28} {:>10}", "pattern", "wall time");
    for (name, took) in &timings {
        println!("   {name:<28} {:>10}", format_duration(*took));
    }
    println!(
        "   {:<28} {:>10}",
        "total",
        format_duration(tour_start.elapsed())
    );
}

fn format_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}
