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
//! Ordering: an entry is inserted (spawn, or the end of a poll that left a context) before
//! the task can next be polled, and whatever schedules that poll (a queue push, a wake)
//! orders the insert before it, so the poll's relaxed look at the count sees it. A task's
//! entry is removed when its future is dropped.

use super::Vars;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

const SHARDS: usize = 32;

/// Entries in all shards.
static ENTRIES: AtomicUsize = AtomicUsize::new(0);

static MAP: [Mutex<BTreeMap<u64, Arc<Vars>>>; SHARDS] =
    [const { Mutex::new(BTreeMap::new()) }; SHARDS];

fn shard(task: u64) -> &'static Mutex<BTreeMap<u64, Arc<Vars>>> {
    &MAP[task as usize % SHARDS]
}

/// Stores `context` as task `task`'s.
pub(crate) fn put(task: u64, context: Arc<Vars>) {
    if shard(task).lock().insert(task, context).is_none() {
        ENTRIES.fetch_add(1, Relaxed);
    }
}

/// Takes task `task`'s context out, if it has one.
#[inline]
pub(crate) fn take(task: u64) -> Option<Arc<Vars>> {
    if ENTRIES.load(Relaxed) == 0 {
        return None;
    }
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
