//! Calls that need a runtime, made outside one, panic at the user's line (or, for a timer
//! first polled outside one, name the user's line), not at weft's.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

/// Runs `f`, which must panic, and returns the panic's location and message.
fn panic_of(f: impl FnOnce()) -> (String, String) {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map(|l| l.file().to_string())
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        *s.lock().unwrap() = Some((at, message));
    }));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    assert!(outcome.is_err(), "expected a panic");
    seen.lock().unwrap().take().expect("the hook saw the panic")
}

// One test, so that no other test's panic meets the hook it installs.
#[test]
fn outside_a_runtime_spawn_current_and_timers_point_at_the_users_line() {
    let this_file = file!();
    let (at, message) = panic_of(|| drop(weft_executor::spawn(async {})));
    assert_eq!(at, this_file, "spawn: {message}");
    assert!(message.contains("no weft runtime"), "{message}");

    let (at, _) = panic_of(|| drop(weft_executor::spawn_blocking(|| {})));
    assert_eq!(at, this_file, "spawn_blocking");

    let (at, _) = panic_of(|| drop(weft_executor::Handle::current()));
    assert_eq!(at, this_file, "Handle::current");

    // A sleep is made anywhere and may be polled inside a runtime later; polled outside
    // one, its panic names the line that made it.
    let sleep = weft_reactor::sleep(std::time::Duration::from_millis(1));
    let (_, message) = panic_of(|| weft_test_support::block_on(sleep));
    assert!(message.contains(this_file), "{message}");
}
