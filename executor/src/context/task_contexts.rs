//! The context variables of the tasks that have any, kept beside the tasks rather than in
//! them.
//!
//! A slot in every task cell cost 8 bytes a task (a small task went from 128 to 136 bytes, a
//! 144-byte cache cell), for programs that never set a variable; moving it out took
//! `yield_many` from 8.1–8.7 ms to 8.0–8.1 ms on 2 workers (within noise of each other, so
//! the bytes are the reason, not the time). So a task's context lives here, in a sharded map keyed
//! by task id, and a count of entries lets every poll of every task in a program without
//! context variables skip the map with one relaxed load of a line nobody writes.
//!
//! Each shard is a hash map keyed by the id itself (ids are unique and sequential, so a
//! multiply spreads them; no SipHash). A B-tree here cost an allocation per insert or
//! remove once a shard held more than a node's worth of tasks.
//!
//! Ordering: an entry is inserted (spawn, or the end of a poll that left a context) before
//! the task can next be polled, and whatever schedules that poll (a queue push, a wake)
//! orders the insert before it, so the poll's relaxed look at the count sees it. A task's
//! entry is removed when its future is dropped.

use super::Vars;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

const SHARDS: usize = 32;

/// Entries in all shards.
static ENTRIES: AtomicUsize = AtomicUsize::new(0);

type Shard = Mutex<HashMap<u64, Arc<Vars>, BuildHasherDefault<IdHasher>>>;

static MAP: [Shard; SHARDS] =
    [const { Mutex::new(HashMap::with_hasher(BuildHasherDefault::new())) }; SHARDS];

fn shard(task: u64) -> &'static Shard {
    &MAP[task as usize % SHARDS]
}

/// Hashes a task id: a Fibonacci multiply, folded so the low bits (the bucket) come from the
/// well-mixed high ones; a shard's ids are all equal mod `SHARDS`, and a plain multiply would
/// keep their low bits equal too.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0 << 8 | u64::from(b);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id;
    }
    fn finish(&self) -> u64 {
        let mixed = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        mixed ^ (mixed >> 32)
    }
}

/// Stores `context` as task `task`'s.
pub(crate) fn put(task: u64, context: Arc<Vars>) {
    if shard(task).lock().insert(task, context).is_none() {
        ENTRIES.fetch_add(1, Relaxed);
    }
}

/// Whether any task has a stored context: when none has (a program that never sets a
/// variable), a poll need not look up its own.
#[inline(always)]
pub(crate) fn any() -> bool {
    ENTRIES.load(Relaxed) != 0
}

/// Takes task `task`'s context out, if it has one.
#[inline(always)]
pub(crate) fn take(task: u64) -> Option<Arc<Vars>> {
    if !any() {
        return None;
    }
    take_entry(task)
}

/// The map lookup, out of line: the callers in programs without variables inline only the
/// count's load above.
#[inline(never)]
fn take_entry(task: u64) -> Option<Arc<Vars>> {
    let taken = shard(task).lock().remove(&task);
    if taken.is_some() {
        ENTRIES.fetch_sub(1, Relaxed);
    }
    taken
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_context_put_is_taken_once() {
        let vars = Arc::new(Vars::with(None, super::super::vars::next_id(), 1, None));
        // Ids far above any real task's, so tests running beside this one never collide.
        put(u64::MAX - 7, vars.clone());
        assert!(Arc::ptr_eq(&take(u64::MAX - 7).unwrap(), &vars));
        assert!(take(u64::MAX - 7).is_none());
    }
}
