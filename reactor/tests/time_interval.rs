//! `interval`: schedule, missed-tick policies under a stalled consumer, edge cases.
//!
//! The consumer stalls by blocking its thread (that *creates* lateness; nothing waits on it
//! for synchronisation). Assertions follow the policy rules on the returned scheduled
//! instants, with no upper bounds on timing.

mod common;

use std::time::Duration;
use weft_reactor::time::Instant;

use common::{HangGuard, block_on, block_on_paused, poll_once, reactor};
use weft_reactor::time::{MissedTickBehavior, advance, interval, interval_at};

// On the paused clock (`block_on_paused`), so periods and stalls cost no real time.
const PERIOD: Duration = Duration::from_secs(10);
const STALL: Duration = Duration::from_secs(55);

/// Ticks once, stalls (the clock jumps while the task does not poll the interval), then
/// takes `n` more ticks. Returns `(scheduled, returned_at)` pairs and the instant the stall
/// ended.
fn stalled_ticks(behavior: MissedTickBehavior, n: usize) -> (Vec<(Instant, Instant)>, Instant) {
    let r = reactor();
    block_on_paused(&r, async {
        let mut ticks = interval(PERIOD);
        ticks.set_missed_tick_behavior(behavior);
        let first = ticks.tick().await;
        let mut seen = vec![(first, Instant::now())];
        advance(STALL).await;
        let stall_end = Instant::now();
        for _ in 0..n {
            let scheduled = ticks.tick().await;
            seen.push((scheduled, Instant::now()));
        }
        (seen, stall_end)
    })
}

#[test]
fn ticks_follow_the_schedule_and_never_come_early() {
    let _g = HangGuard::new("schedule", 60);
    let r = reactor();
    block_on_paused(&r, async {
        let start = Instant::now();
        let mut ticks = interval_at(start, PERIOD);
        for k in 0..6u32 {
            let scheduled = ticks.tick().await;
            assert_eq!(scheduled, start + PERIOD * k);
            assert!(Instant::now() >= scheduled, "tick {k} came early");
        }
    });
}

#[test]
fn burst_catches_up_on_the_original_schedule() {
    let _g = HangGuard::new("burst", 60);
    let (seen, stall_end) = stalled_ticks(MissedTickBehavior::Burst, 7);
    let start = seen[0].0;
    for (k, &(scheduled, at)) in seen.iter().enumerate() {
        assert_eq!(
            scheduled,
            start + PERIOD * k as u32,
            "tick {k} off schedule"
        );
        assert!(at >= scheduled, "tick {k} came early");
    }
    // The ticks missed during the stall were delivered (not skipped): all of 1..=5 were
    // scheduled before the stall ended.
    assert!(seen[5].0 < stall_end);
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    let _g = HangGuard::new("delay", 60);
    let (seen, stall_end) = stalled_ticks(MissedTickBehavior::Delay, 3);
    let start = seen[0].0;
    // The late tick reports its original schedule...
    assert_eq!(seen[1].0, start + PERIOD);
    // ...and the next one is a full period after the late tick was taken, not before.
    // (The late tick was taken after the stall ended, so its `now` is at least `stall_end`.)
    let next = seen[2].0;
    assert!(
        next >= stall_end + PERIOD,
        "next tick {:?} after the stall end, not a period",
        next - stall_end
    );
    assert!(seen[2].1 >= next);
    // From there on, at least period spacing (more if that tick was late too).
    assert!(seen[3].0 >= next + PERIOD);
}

#[test]
fn skip_drops_missed_ticks_and_keeps_the_phase() {
    let _g = HangGuard::new("skip", 60);
    let (seen, stall_end) = stalled_ticks(MissedTickBehavior::Skip, 3);
    let start = seen[0].0;
    assert_eq!(seen[1].0, start + PERIOD);
    let next = seen[2].0;
    let offset = next - start;
    assert_eq!(
        offset.as_nanos() % PERIOD.as_nanos(),
        0,
        "phase lost: {offset:?}"
    );
    assert!(next > stall_end, "a missed tick was delivered");
    assert!(
        offset >= PERIOD * 6,
        "ticks during the stall must be skipped"
    );
    assert!(seen[2].1 >= next);
    // The phase holds for the following tick too.
    let after = seen[3].0 - next;
    assert!(after >= PERIOD && after.as_nanos() % PERIOD.as_nanos() == 0);
}

#[test]
#[should_panic(expected = "the period must be greater than zero")]
fn a_zero_period_is_refused() {
    let _ = interval(Duration::ZERO);
}

#[test]
fn a_huge_period_saturates() {
    let r = reactor();
    let _e = weft_reactor::enter(r.clone());
    let mut ticks = interval(Duration::MAX);
    let mut first = Box::pin(ticks.tick());
    assert!(poll_once(&mut first).is_ready());
    drop(first);
    let mut second = Box::pin(ticks.tick());
    assert!(poll_once(&mut second).is_pending());
    drop(second);
    drop(ticks);
    assert_eq!(r.timer_count(), 0);
}

#[test]
fn reset_variants_move_the_next_tick() {
    let _g = HangGuard::new("reset", 60);
    let r = reactor();
    block_on(&r, async {
        let mut ticks = interval(Duration::from_secs(3600));
        ticks.tick().await;
        let before = Instant::now();
        ticks.reset_immediately();
        let t = ticks.tick().await;
        assert!(t >= before && t <= Instant::now());
        let at = Instant::now() + Duration::from_millis(8);
        ticks.reset_at(at);
        assert_eq!(ticks.tick().await, at);
        assert!(Instant::now() >= at);
    });
    assert_eq!(r.timer_count(), 0);
}
