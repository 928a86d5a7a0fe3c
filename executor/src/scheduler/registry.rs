//! The registry of idle tasks, so shutdown can cancel tasks nobody will ever wake again.
//!
//! A task parked on a waker that was lost (or on a primitive it owns itself) would otherwise
//! live forever. The registry holds one counted reference per task from spawn to completion;
//! shutdown closes it and cancels everything still inside. It is sharded by task id so that
//! spawns and completions on different workers rarely meet on the same lock; each operation
//! is one uncontended lock and a slab insert or remove, with no allocation once warm.

use crate::task::{Header, TaskRef};
use parking_lot::Mutex;
use slab::Slab;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::Relaxed;

pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
    mask: usize,
}

#[derive(Default)]
struct Shard {
    tasks: Slab<TaskRef>,
    closed: bool,
}

impl Registry {
    pub(crate) fn new(workers: usize) -> Registry {
        let shards = (workers * 4).next_power_of_two().min(256);
        Registry {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            mask: shards - 1,
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        // Truncation is fine: only the low bits pick the shard.
        &self.shards[header.id.as_u64() as usize & self.mask]
    }

    /// Adds a task; false once the registry is closed (the runtime is shutting down).
    pub(crate) fn insert(&self, header: &Header) -> bool {
        let mut shard = self.shard(header).lock();
        if shard.closed {
            return false;
        }
        let key = shard.tasks.insert(TaskRef(NonNull::from(header)));
        // Read and written only under this shard's lock.
        header.registry_key.store(key, Relaxed);
        true
    }

    /// Removes a completing task; false when shutdown already took it out.
    pub(crate) fn remove(&self, header: &Header) -> bool {
        let mut shard = self.shard(header).lock();
        let key = header.registry_key.load(Relaxed);
        if shard.tasks.get(key) == Some(&TaskRef(NonNull::from(header))) {
            shard.tasks.remove(key);
            true
        } else {
            false
        }
    }

    /// Refuses further inserts and hands over every task still registered, each with the
    /// reference the registry held.
    pub(crate) fn close_and_take(&self) -> Vec<TaskRef> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.closed = true;
            all.extend(shard.tasks.drain());
        }
        all
    }

    /// Calls `f` on every registered task, shard by shard, under the shard's lock (the
    /// registry's reference keeps each task alive meanwhile).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Header)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            for (_, task) in shard.tasks.iter() {
                // SAFETY: registered tasks hold a reference owned by the registry.
                f(unsafe { task.header() });
            }
        }
    }
}
