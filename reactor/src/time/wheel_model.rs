//! A model test of the timer wheel against the obvious implementation: a list of armed
//! timers, searched and sorted. Random inserts (already due, near, far, centuries away),
//! resets earlier, later and into the past, removes, advances by small and huge steps, and
//! operations through stale ids whose slab key a newer timer reuses — 10^5 of them, with the
//! wheel's every answer checked against the list's after each step.

use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use super::clock::Tick;
use super::wheel::{TimerKey, Wheel};

/// Logs its timer's id when woken.
struct Tag {
    id: u64,
    log: Arc<Mutex<Vec<u64>>>,
}

impl Wake for Tag {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

/// A small deterministic generator (xorshift64*), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the owner of a timer keeps: its key and deadline, as `Sleep` does.
#[derive(Clone, Copy, Debug)]
struct Owned {
    id: u64,
    key: TimerKey,
    when: Tick,
}

/// A deadline relative to `now`: in the past, now, soon, at each level's scale, or far.
fn deadline(rng: &mut Rng, now: Tick) -> Tick {
    match rng.below(8) {
        0 => now.saturating_sub(rng.below(100)),
        1 => now + 1 + rng.below(64),
        2 => now + 1 + rng.below(4_096),
        3 => now + 1 + rng.below(262_144),
        4 => now + 1 + rng.below(1 << 30),
        5 => now.saturating_add(rng.next() >> rng.below(64)),
        6 => Tick::MAX - rng.below(1_000),
        _ => now + 1 + rng.below(16),
    }
}

#[test]
fn the_wheel_agrees_with_a_sorted_list_over_100k_random_operations() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let waker = |id: u64| {
        Waker::from(Arc::new(Tag {
            id,
            log: log.clone(),
        }))
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut wheel = Wheel::new();
    // The model: armed timers by id, and every id ever handed out with what its owner holds
    // (stale ones included, to poke the wheel through them later).
    let mut armed: Vec<Owned> = Vec::new();
    let mut stale: Vec<Owned> = Vec::new();
    let mut next_id = 0u64;
    let mut now: Tick = 0;
    // Fewer under Miri, which runs this for its borrow checks, not for coverage.
    let steps: u32 = if cfg!(miri) { 500 } else { 100_000 };
    for step in 0..steps {
        match rng.below(10) {
            // Insert.
            0..=3 => {
                let when = deadline(&mut rng, now);
                next_id += 1;
                match wheel.insert(when, waker(next_id)) {
                    Ok(key) => {
                        assert!(when > now, "step {step}: a due timer was filed");
                        armed.push(Owned {
                            id: next_id,
                            key,
                            when,
                        });
                    }
                    Err(_) => assert!(when <= now, "step {step}: a future timer was refused"),
                }
            }
            // Reset an armed timer earlier, later or into the past.
            4 if !armed.is_empty() => {
                let i = rng.below(armed.len() as u64) as usize;
                let owned = armed[i];
                let when = deadline(&mut rng, now);
                match wheel.reset(owned.key, owned.when, when) {
                    Ok(()) => {
                        assert!(when > now, "step {step}");
                        armed[i].when = when;
                    }
                    Err(Some(w)) => {
                        assert!(when <= now, "step {step}: reset into the future refused");
                        drop(w);
                        armed.swap_remove(i);
                        stale.push(owned);
                    }
                    Err(None) => panic!("step {step}: an armed timer looked fired"),
                }
            }
            // Remove an armed timer.
            5 if !armed.is_empty() => {
                let i = rng.below(armed.len() as u64) as usize;
                let owned = armed.swap_remove(i);
                assert!(wheel.remove(owned.key, owned.when).is_some(), "step {step}");
                stale.push(owned);
            }
            // A stale id (fired, removed or reset away; its key may belong to another
            // timer now): every operation through it is a no-op.
            6 if !stale.is_empty() => {
                let owned = stale[rng.below(stale.len() as u64) as usize];
                if owned.when <= now {
                    assert!(wheel.has_fired(owned.when), "step {step}");
                    assert!(wheel.remove(owned.key, owned.when).is_none(), "step {step}");
                    let later = now + 1 + rng.below(1_000);
                    assert!(
                        matches!(wheel.reset(owned.key, owned.when, later), Err(None)),
                        "step {step}"
                    );
                }
                // A removed timer whose deadline is still ahead: its owner forgot the key
                // (as `Sleep` does) and must not touch it; nothing to check through it.
            }
            // Advance, mostly a little, sometimes far.
            _ => {
                let to = match rng.below(4) {
                    0 => now + rng.below(4),
                    1 => now + rng.below(300),
                    2 => now + rng.below(100_000),
                    _ => now.saturating_add(rng.next() >> (20 + rng.below(44))),
                };
                let mut fired = Vec::new();
                wheel.advance(to, &mut fired);
                fired.into_iter().for_each(Waker::wake);
                now = now.max(to);
                let got: Vec<u64> = std::mem::take(&mut *log.lock().unwrap());
                let mut due: Vec<Owned> = armed.iter().copied().filter(|o| o.when <= now).collect();
                armed.retain(|o| o.when > now);
                // Fired in deadline order; the set is exactly the due ones.
                let deadlines: Vec<Tick> = got
                    .iter()
                    .map(|id| {
                        due.iter()
                            .find(|o| o.id == *id)
                            .expect("fired a timer not due")
                            .when
                    })
                    .collect();
                assert!(
                    deadlines.windows(2).all(|w| w[0] <= w[1]),
                    "step {step}: out of order"
                );
                let mut ids = got.clone();
                ids.sort_unstable();
                due.sort_unstable_by_key(|o| o.id);
                assert_eq!(
                    ids,
                    due.iter().map(|o| o.id).collect::<Vec<_>>(),
                    "step {step}"
                );
                stale.extend(due);
            }
        }
        assert_eq!(wheel.len(), armed.len(), "step {step}");
        assert_eq!(wheel.elapsed(), now, "step {step}");
        let earliest = armed.iter().map(|o| o.when).min();
        match (wheel.next_expiration(), earliest) {
            (None, None) => {}
            (Some(next), Some(earliest)) => {
                assert!(
                    next <= earliest && next > now,
                    "step {step}: {next} vs {earliest}"
                )
            }
            (next, earliest) => panic!("step {step}: next {next:?}, earliest {earliest:?}"),
        }
        if stale.len() > 10_000 {
            stale.drain(..5_000);
        }
    }
}
