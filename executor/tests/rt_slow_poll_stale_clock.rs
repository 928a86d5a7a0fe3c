//! The slow-poll watchdog must not report a short poll as slow when the coarse clock that
//! stamps poll starts is stale. In a file of its own: the coarse clock is process-wide, and
//! another test's runtime turning its reactor would refresh it and hide the bug.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft_test_support::within;

#[test]
fn a_short_poll_after_a_long_one_is_not_reported_as_slow() {
    within(Duration::from_secs(60), || {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let r = reports.clone();
        let rt = weft_executor::Builder::new()
            .worker_threads(1)
            .slow_poll_threshold(Duration::from_millis(40))
            .on_slow_poll(move |slow| {
                r.lock()
                    .unwrap()
                    .push((slow.task().id(), slow.is_still_running()));
            })
            .build()
            .unwrap();
        // The one worker blocks in `hog` without turning its reactor, so the coarse clock
        // stops; `brief`, queued behind it, starts with a stamp 150 ms old and runs 15 ms,
        // during which the watchdog (a look every 10 ms) sees it.
        let hog = weft_executor::task::Builder::new()
            .name("hog")
            .spawn_on(rt.handle(), async {
                std::thread::sleep(Duration::from_millis(150));
            });
        let brief =
            weft_executor::task::Builder::new()
                .name("brief")
                .spawn_on(rt.handle(), async {
                    std::thread::sleep(Duration::from_millis(15));
                });
        let (hog_id, brief_id) = (hog.id(), brief.id());
        rt.block_on(hog).unwrap();
        rt.block_on(brief).unwrap();
        drop(rt);
        let reports = reports.lock().unwrap();
        assert!(
            reports.iter().all(|&(id, _)| id != brief_id),
            "a 15 ms poll was reported as slow: {reports:?}"
        );
        assert!(
            reports.contains(&(hog_id, false)),
            "the 150 ms poll was not reported when it ended: {reports:?}"
        );
    });
}
