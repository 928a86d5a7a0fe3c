//! The hierarchical timing wheel: O(1) insert and cancel, 10 µs ticks, any `u64` deadline.
//!
//! Timers live in a [`Slab`] of nodes; each armed node is linked into one slot list of one
//! level. Level `L` has 64 slots of `64^L` ticks each, so level 0 resolves single ticks
//! and eleven levels (66 bits) cover every `u64` tick: deadlines centuries ahead need no
//! clamping and no overflow list. A timer is filed at the level of the highest 6-bit group in
//! which its deadline differs from the wheel's `elapsed` tick, in the slot named by that
//! group. Consequences that the code relies on:
//!
//! * every armed timer of level `L` lies inside the current level-`L+1` slot span and in a slot
//!   strictly after `elapsed`'s slot at level `L`, so slots never wrap around and the lowest
//!   occupied slot of the lowest occupied level is the earliest work (found with one
//!   `trailing_zeros` per level on a 64-bit occupancy word);
//! * advancing processes occupied slots in time order: a level-0 slot fires all its timers;
//!   a higher slot is re-filed ("cascaded") one or more levels down, relative to its start.
//!
//! Insert and cancel are a slab insert/remove plus a doubly-linked-list splice. A node lives
//! exactly while its deadline is after `elapsed`: firing frees it, as cancelling does, so
//! nothing is left behind either way. Its owner keeps the deadline tick beside the key and
//! tells a fired timer from an armed one by comparing that tick with `elapsed`
//! ([`Wheel::has_fired`]), and touches the key only while that says armed: a slab slot
//! reused by a newer timer is never mistaken for the old one, and no generations are needed. The
//! wheel holds no lock itself: the reactor keeps it behind a mutex and never wakes or drops a
//! waker while holding it (the methods hand them back).

use std::task::Waker;

use slab::Slab;

use super::clock::Tick;

/// Bits of a tick consumed by one level.
const SLOT_BITS: usize = 6;
/// Slots per level.
const SLOTS: usize = 1 << SLOT_BITS;
/// Mask for a slot index within a level.
const SLOT_MASK: u64 = SLOTS as u64 - 1;
/// Levels: 11 × 6 = 66 bits ≥ 64, so every `u64` tick has a level.
const LEVELS: usize = 11;
/// The "no node" link.
const NIL: usize = usize::MAX;

/// Identifies an armed timer's node in the wheel; void once the timer fired or was removed.
pub(crate) type TimerKey = usize;

/// One slot's list of nodes, in insertion order (so equal deadlines fire FIFO).
#[derive(Debug, Clone, Copy)]
struct SlotList {
    head: usize,
    tail: usize,
}

impl SlotList {
    const EMPTY: SlotList = SlotList {
        head: NIL,
        tail: NIL,
    };
}

/// Where an armed node is filed.
#[derive(Debug, Clone, Copy)]
struct Place {
    level: u8,
    slot: u8,
}

/// An armed timer.
#[derive(Debug)]
struct Node {
    /// The deadline tick.
    when: Tick,
    /// Who to wake when the deadline passes.
    waker: Waker,
    prev: usize,
    next: usize,
    /// The slot list holding the node (`None` only while it is being re-filed).
    place: Option<Place>,
}

/// A hierarchical timing wheel. See the module docs.
#[derive(Debug)]
pub(crate) struct Wheel {
    /// Every tick `<= elapsed` has been processed.
    elapsed: Tick,
    /// Per level, bit `s` is set iff slot `s` is non-empty.
    occupied: [u64; LEVELS],
    slots: Box<[[SlotList; SLOTS]; LEVELS]>,
    nodes: Slab<Node>,
}

impl Wheel {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            occupied: [0; LEVELS],
            slots: Box::new([[SlotList::EMPTY; SLOTS]; LEVELS]),
            nodes: Slab::new(),
        }
    }

    /// Armed timers.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Every tick up to this one has been processed: every timer due by then has fired.
    pub(crate) fn elapsed(&self) -> Tick {
        self.elapsed
    }

    /// Whether the timer due at `when` has fired (its node is gone), or was never armed
    /// because its tick had passed already.
    pub(crate) fn has_fired(&self, when: Tick) -> bool {
        when <= self.elapsed
    }

    /// Adds a timer due at `when`.
    ///
    /// Returns `Err(waker)` without keeping anything when `when` has already been processed
    /// (the caller completes the timer itself).
    pub(crate) fn insert(&mut self, when: Tick, waker: Waker) -> Result<TimerKey, Waker> {
        if self.has_fired(when) {
            return Err(waker);
        }
        let key = self.nodes.insert(Node {
            when,
            waker,
            prev: NIL,
            next: NIL,
            place: None,
        });
        self.link(key);
        Ok(key)
    }

    /// Moves the timer due at `old` (node `key`) to `when`.
    ///
    /// `Ok` when the node was re-filed (the key stays valid). Otherwise the node is gone and
    /// the owner forgets the key: `Err(None)` if the timer had fired already (nothing to
    /// move: the owner arms a new timer when it next waits), `Err(Some(waker))` if `when`
    /// has already been processed (the timer is due: the caller wakes the returned waker).
    pub(crate) fn reset(
        &mut self,
        key: TimerKey,
        old: Tick,
        when: Tick,
    ) -> Result<(), Option<Waker>> {
        if self.has_fired(old) {
            return Err(None);
        }
        self.unlink(key);
        if self.has_fired(when) {
            return Err(Some(self.nodes.remove(key).waker));
        }
        self.nodes[key].when = when;
        self.link(key);
        Ok(())
    }

    /// Makes armed timer `key` wake `waker`; returns the waker it replaced so that the caller
    /// can drop it after releasing its lock.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) -> Option<Waker> {
        let slot = &mut self.nodes[key].waker;
        if slot.will_wake(waker) {
            None
        } else {
            Some(std::mem::replace(slot, waker.clone()))
        }
    }

    /// Cancels the timer due at `when` (node `key`) unless it fired; returns its waker for
    /// dropping outside the lock.
    pub(crate) fn remove(&mut self, key: TimerKey, when: Tick) -> Option<Waker> {
        if self.has_fired(when) {
            return None;
        }
        self.unlink(key);
        Some(self.nodes.remove(key).waker)
    }

    /// The first tick at which the wheel has work (a timer to fire or a slot to cascade):
    /// never later than the earliest armed deadline.
    pub(crate) fn next_expiration(&self) -> Option<Tick> {
        self.next_slot().map(|(_, _, start)| start)
    }

    /// Processes every tick up to and including `now`, pushing the wakers of timers that
    /// came due onto `fired` (in deadline order).
    pub(crate) fn advance(&mut self, now: Tick, fired: &mut Vec<Waker>) {
        while let Some((level, slot, start)) = self.next_slot() {
            if start > now {
                break;
            }
            // `start > elapsed` (the slot lies after elapsed's slot), so time only moves forward.
            self.elapsed = start;
            let list = std::mem::replace(&mut self.slots[level][slot], SlotList::EMPTY);
            self.occupied[level] &= !(1 << slot);
            let mut cursor = list.head;
            while cursor != NIL {
                let node = &mut self.nodes[cursor];
                let next = node.next;
                if node.when <= start {
                    fired.push(self.nodes.remove(cursor).waker);
                } else {
                    // Cascade: the deadline lies later inside this slot's span, so relative to
                    // the new `elapsed` it belongs to a lower level.
                    node.place = None;
                    self.link(cursor);
                }
                cursor = next;
            }
        }
        if now > self.elapsed {
            self.elapsed = now;
        }
    }

    /// The earliest occupied slot: `(level, slot, first tick of the slot)`.
    fn next_slot(&self) -> Option<(usize, usize, Tick)> {
        let level = self.occupied.iter().position(|&bits| bits != 0)?;
        let slot = self.occupied[level].trailing_zeros() as usize;
        let shift = SLOT_BITS * level;
        // Ticks above this level's full rotation are shared with `elapsed`.
        let rotation_bits = shift + SLOT_BITS;
        let prefix = if rotation_bits >= 64 {
            0
        } else {
            self.elapsed & !((1u64 << rotation_bits) - 1)
        };
        Some((level, slot, prefix | ((slot as u64) << shift)))
    }

    /// Files node `key` (not in a list, due after `elapsed`) by its deadline.
    fn link(&mut self, key: TimerKey) {
        let when = self.nodes[key].when;
        debug_assert!(when > self.elapsed, "a due node is freed, not filed");
        let level = level_for(self.elapsed, when);
        let slot = ((when >> (SLOT_BITS * level)) & SLOT_MASK) as usize;
        let list = &mut self.slots[level][slot];
        let old_tail = list.tail;
        if old_tail == NIL {
            list.head = key;
        } else {
            self.nodes[old_tail].next = key;
        }
        list.tail = key;
        self.occupied[level] |= 1 << slot;
        let node = &mut self.nodes[key];
        node.prev = old_tail;
        node.next = NIL;
        node.place = Some(Place {
            level: level as u8,
            slot: slot as u8,
        });
    }

    /// Takes node `key` out of its slot list, if it is in one.
    fn unlink(&mut self, key: TimerKey) {
        let node = &mut self.nodes[key];
        let Some(Place { level, slot }) = node.place.take() else {
            return;
        };
        let (prev, next) = (node.prev, node.next);
        node.prev = NIL;
        node.next = NIL;
        let (level, slot) = (level as usize, slot as usize);
        if prev == NIL {
            self.slots[level][slot].head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            self.slots[level][slot].tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
        if self.slots[level][slot].head == NIL {
            self.occupied[level] &= !(1 << slot);
        }
    }
}

/// The level for a deadline `when > elapsed`: the 6-bit group of its highest differing bit.
fn level_for(elapsed: Tick, when: Tick) -> usize {
    // OR-ing in the slot mask makes deadlines within the same 64-tick span land on level 0.
    let differing = (elapsed ^ when) | SLOT_MASK;
    let highest_bit = 63 - differing.leading_zeros() as usize;
    highest_bit / SLOT_BITS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::task::Wake;

    /// A waker that records its id into a shared log when woken.
    struct Tagged {
        id: u64,
        log: Arc<std::sync::Mutex<Vec<u64>>>,
    }

    impl Wake for Tagged {
        fn wake(self: Arc<Self>) {
            self.log.lock().unwrap().push(self.id);
        }
    }

    fn tagged(id: u64, log: &Arc<std::sync::Mutex<Vec<u64>>>) -> Waker {
        Waker::from(Arc::new(Tagged {
            id,
            log: log.clone(),
        }))
    }

    /// `n`, or a twentieth of it under Miri, which runs these for its borrow checks.
    const fn scaled(n: u64) -> u64 {
        if cfg!(miri) { n / 20 } else { n }
    }

    fn fire(wheel: &mut Wheel, now: Tick) -> usize {
        let mut fired = Vec::new();
        wheel.advance(now, &mut fired);
        let n = fired.len();
        fired.into_iter().for_each(Waker::wake);
        n
    }

    #[test]
    fn levels_follow_the_highest_differing_group() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(0, 4095), 1);
        assert_eq!(level_for(0, 4096), 2);
        assert_eq!(level_for(60, 70), 1);
        assert_eq!(level_for(0, u64::MAX), 10);
    }

    #[test]
    fn fires_in_deadline_order_and_never_early() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let deadlines = [70_000u64, 3, 64, 4096, 65, 1, 262_144, 5000, 63, 200];
        for &d in &deadlines {
            wheel.insert(d, tagged(d, &log)).unwrap();
        }
        let mut sorted = deadlines.to_vec();
        sorted.sort_unstable();
        // Step one tick at a time around each deadline: nothing may fire before its tick.
        for &d in &sorted {
            assert_eq!(fire(&mut wheel, d - 1), 0, "fired before {d}");
            assert_eq!(fire(&mut wheel, d), 1, "did not fire at {d}");
        }
        assert_eq!(*log.lock().unwrap(), sorted);
    }

    #[test]
    fn big_jumps_fire_everything_in_order() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut deadlines = Vec::new();
        for _ in 0..scaled(2000) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let d = 1 + state % 10_000_000;
            deadlines.push(d);
            wheel.insert(d, tagged(d, &log)).unwrap();
        }
        assert_eq!(fire(&mut wheel, 10_000_000), scaled(2000) as usize);
        let mut sorted = deadlines;
        sorted.sort_unstable();
        assert_eq!(*log.lock().unwrap(), sorted);
    }

    #[test]
    fn next_expiration_never_passes_the_earliest_deadline() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        assert_eq!(wheel.next_expiration(), None);
        wheel.insert(100_000, tagged(1, &log)).unwrap();
        let mut now = 0;
        // Following next_expiration reaches the timer without overshooting it.
        while let Some(next) = wheel.next_expiration() {
            assert!(next <= 100_000);
            now = next;
            fire(&mut wheel, now);
        }
        assert_eq!(now, 100_000);
        assert_eq!(*log.lock().unwrap(), vec![1]);
    }

    #[test]
    fn cancel_leaves_nothing_behind() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let keys: Vec<_> = (1..=scaled(10_000))
            .map(|i| (wheel.insert(i * 37, tagged(i, &log)).unwrap(), i * 37))
            .collect();
        for (key, when) in keys {
            assert!(wheel.remove(key, when).is_some());
        }
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.occupied, [0; LEVELS]);
        assert_eq!(wheel.next_expiration(), None);
        assert_eq!(fire(&mut wheel, u64::MAX), 0);
    }

    #[test]
    fn reset_moves_both_ways_until_the_timer_fires() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let a = wheel.insert(1000, tagged(1, &log)).unwrap();
        wheel.reset(a, 1000, 10).unwrap();
        assert_eq!(fire(&mut wheel, 9), 0);
        assert_eq!(fire(&mut wheel, 10), 1);
        assert!(wheel.has_fired(10));
        assert_eq!(wheel.len(), 0, "firing frees the node");
        // A fired timer has nothing left to move or cancel: its owner arms a new one.
        assert!(matches!(wheel.reset(a, 10, 5000), Err(None)));
        assert!(wheel.remove(a, 10).is_none());
        // Resetting into the past frees the node and hands its waker back to wake.
        let b = wheel.insert(5000, tagged(2, &log)).unwrap();
        let due = wheel.reset(b, 5000, 3).unwrap_err();
        due.expect("the waker of a due timer").wake();
        assert_eq!(wheel.len(), 0);
        assert_eq!(*log.lock().unwrap(), vec![1, 2]);
    }

    #[test]
    fn a_fired_key_reused_by_a_new_timer_is_not_cancelled_by_the_old_owner() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let old = wheel.insert(5, tagged(1, &log)).unwrap();
        assert_eq!(fire(&mut wheel, 5), 1);
        let new = wheel.insert(50, tagged(2, &log)).unwrap();
        assert_eq!(old, new, "the slab reuses the freed slot");
        // The old owner, late, cancels what it holds: its deadline says it fired.
        assert!(wheel.remove(old, 5).is_none());
        assert!(matches!(wheel.reset(old, 5, 500), Err(None)));
        assert_eq!(fire(&mut wheel, 50), 1, "the new timer is untouched");
        assert_eq!(*log.lock().unwrap(), vec![1, 2]);
    }

    #[test]
    fn extreme_deadlines_work() {
        let counter = Arc::new(AtomicU64::new(0));
        struct Count(Arc<AtomicU64>);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let mut wheel = Wheel::new();
        let waker = Waker::from(Arc::new(Count(counter.clone())));
        wheel.insert(u64::MAX, waker.clone()).unwrap();
        wheel.insert(u64::MAX - 1, waker.clone()).unwrap();
        wheel.insert(1 << 63, waker.clone()).unwrap();
        assert!(wheel.next_expiration().unwrap() <= 1 << 63);
        assert_eq!(fire(&mut wheel, u64::MAX - 2), 1);
        assert_eq!(fire(&mut wheel, u64::MAX - 1), 1);
        assert_eq!(fire(&mut wheel, u64::MAX), 1);
        assert_eq!(counter.load(Ordering::SeqCst), 3);
        // Nothing can be scheduled after the end of time.
        assert!(wheel.insert(u64::MAX, waker).is_err());
    }

    #[test]
    fn matches_a_sorted_model_under_random_operations() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        let mut model: std::collections::BTreeMap<TimerKey, Tick> = Default::default();
        let mut state = 12345u64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut now = 0u64;
        // Under Miri 200 steps, not `scaled`'s 1,000: at 1,000 this was Miri's slowest test
        // (~15 s per borrow model), and the wheel's model test covers the same ground.
        let steps = if cfg!(miri) { 200 } else { 20_000 };
        for step in 0..steps {
            match rand() % 4 {
                0 | 1 => {
                    let when = now + 1 + rand() % (1 << (rand() % 24));
                    let key = wheel.insert(when, tagged(step, &log)).unwrap();
                    model.insert(key, when);
                }
                2 if !model.is_empty() => {
                    let nth = (rand() as usize) % model.len();
                    let key = *model.keys().nth(nth).unwrap();
                    let when = model.remove(&key).unwrap();
                    assert!(wheel.remove(key, when).is_some());
                }
                _ => {
                    now += rand() % 5000;
                    let mut fired = Vec::new();
                    wheel.advance(now, &mut fired);
                    let due: Vec<_> = model
                        .iter()
                        .filter(|&(_, &w)| w <= now)
                        .map(|(&k, _)| k)
                        .collect();
                    assert_eq!(fired.len(), due.len());
                    for key in due {
                        let when = model.remove(&key).unwrap();
                        assert!(wheel.has_fired(when));
                    }
                }
            }
            assert_eq!(wheel.len(), model.len());
            if let (Some(next), Some(&min)) = (wheel.next_expiration(), model.values().min()) {
                assert!(
                    next <= min,
                    "next expiration {next} after the earliest deadline {min}"
                );
                assert!(
                    next > now,
                    "next expiration {next} is not in the future of {now}"
                );
            }
        }
    }
}
