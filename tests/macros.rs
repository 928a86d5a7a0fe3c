//! `#[weft::main]` / `#[weft::test]`: the attributes build the runtime they describe.

use std::time::Duration;

#[weft::test]
async fn a_test_body_runs_on_a_runtime() {
    assert!(weft::Handle::try_current().is_some());
    assert_eq!(weft::spawn(async { 2 + 2 }).await.unwrap(), 4);
}

#[weft::test(worker_threads = 3)]
async fn worker_threads_sets_the_worker_count() {
    assert_eq!(weft::Handle::current().metrics().workers(), 3);
}

#[weft::test]
async fn a_test_may_return_a_result() -> std::io::Result<()> {
    weft::sleep(Duration::from_millis(1)).await;
    Ok(())
}

#[weft::main(worker_threads = 1)]
async fn main_like() -> u32 {
    weft::spawn(async { 7 }).await.unwrap()
}

#[test]
fn main_turns_the_async_fn_into_a_plain_one() {
    assert_eq!(main_like(), 7);
}

#[weft::test(timeout = "300ms")]
#[should_panic(expected = "stuck-on-event [Idle]")]
async fn an_overrunning_test_fails_with_the_task_dump() {
    let event = std::sync::Arc::new(weft::sync::Event::new());
    let stuck = weft::task::Builder::new()
        .name("stuck-on-event")
        .spawn(async move { event.wait().await });
    stuck.await.unwrap(); // never set: the watchdog fails the test with the dump
}

#[weft::test(timeout = "30s")]
async fn a_test_within_its_timeout_passes() {
    assert_eq!(weft::spawn(async { 2 }).await.unwrap(), 2);
}
