//! The registry of idle tasks, so shutdown can cancel tasks nobody will ever wake again.
//!
//! A task parked on a waker that was lost (or on a primitive it owns itself) would otherwise
//! live forever. The registry holds one counted reference per task from the first time it
//! goes idle (or from spawn, in debug mode) to completion; shutdown closes it and cancels
//! everything still inside. It is sharded by task id so that
//! spawns and completions on different workers rarely meet on the same lock; each operation
//! is one uncontended lock and a slab insert or remove, with no allocation once warm.

use super::task_slab::TaskSlab;
use crate::loom::Mutex;
use crate::task::{Header, TaskRef, UNREGISTERED};
use std::sync::atomic::Ordering::Relaxed;

pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
    mask: usize,
}

#[derive(Default)]
struct Shard {
    tasks: TaskSlab,
    closed: bool,
}

impl Registry {
    pub(crate) fn new(workers: usize) -> Registry {
        // One shard under loom: the shard is picked by task id, a process-wide counter that
        // differs between model iterations, and loom needs each iteration to touch the same
        // objects.
        let shards = if cfg!(loom) {
            1
        } else {
            (workers * 4).next_power_of_two().min(256)
        };
        Registry {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            mask: shards - 1,
        }
    }

    fn shard(&self, header: &Header) -> &Mutex<Shard> {
        // Truncation is fine: only the low bits pick the shard.
        &self.shards[header.id.as_u64() as usize & self.mask]
    }

    /// Puts a task in the registry, which takes a reference of its own; false (and no
    /// reference taken) once the registry is closed for shutdown. The caller holds a
    /// reference to the task.
    pub(crate) fn register(&self, task: TaskRef) -> bool {
        // SAFETY: the caller holds a reference.
        let header = unsafe { task.header() };
        header.state.ref_inc();
        if self.insert(task) {
            true
        } else {
            // Not the last reference: the caller (runner or spawner) still holds one.
            header.state.ref_dec(1);
            false
        }
    }

    /// Adds a task; false once the registry is closed (the runtime is shutting down). The
    /// caller holds a reference to the task.
    fn insert(&self, task: TaskRef) -> bool {
        // SAFETY: the caller holds a reference.
        let header = unsafe { task.header() };
        let mut shard = self.shard(header).lock();
        if shard.closed {
            return false;
        }
        let key = shard.tasks.insert(task);
        // A shard holding `u32::MAX` tasks would hold hundreds of gigabytes of task cells
        // (each over 64 bytes): the key always fits, and never equals `UNREGISTERED`.
        let key = u32::try_from(key)
            .ok()
            .filter(|&key| key != UNREGISTERED)
            .expect("a registry shard holds fewer than 2^32 - 1 tasks");
        // Written only under this shard's lock.
        header.registry_key.store(key, Relaxed);
        true
    }

    /// Removes a completing task; true when the registry held it (its reference is then the
    /// caller's to release), false when it never registered or shutdown already took it
    /// out. The caller holds a reference to the task.
    pub(crate) fn release(&self, task: TaskRef) -> bool {
        // SAFETY: the caller holds a reference.
        let header = unsafe { task.header() };
        // Written only by the task's runner, which is the caller: no lock needed to see
        // that it never registered (the common case of a task that finished in one poll).
        let key = header.registry_key.load(Relaxed);
        if key == UNREGISTERED {
            return false;
        }
        let mut shard = self.shard(header).lock();
        let key = key as usize; // widening
        if shard.tasks.get(key) == Some(task) {
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
            for task in shard.tasks.iter() {
                // SAFETY: registered tasks hold a reference owned by the registry.
                f(unsafe { task.header() });
            }
        }
    }
}
