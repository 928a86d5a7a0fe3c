//! [`TaskSlab`]: the registry's store of task references, one pointer per slot.
//!
//! A general slab keeps a free-list link in each vacant slot, which makes every slot an enum
//! of a pointer and an index: 16 bytes. Here a slot is an `Option<TaskRef>` (8 bytes, the
//! null niche) and the vacant slots are listed in a separate stack, which only holds entries
//! for slots that were freed. A parked task costs its slot, nothing more.

use crate::task::TaskRef;

/// Task references under stable keys, reusing the keys of removed ones.
#[derive(Default)]
pub(crate) struct TaskSlab {
    slots: Vec<Option<TaskRef>>,
    /// Keys of empty slots, most recently freed last.
    vacant: Vec<usize>,
}

impl TaskSlab {
    /// Stores `task` and returns its key.
    pub(crate) fn insert(&mut self, task: TaskRef) -> usize {
        match self.vacant.pop() {
            Some(key) => {
                self.slots[key] = Some(task);
                key
            }
            None => {
                self.slots.push(Some(task));
                self.slots.len() - 1
            }
        }
    }

    /// The task under `key`, if any.
    pub(crate) fn get(&self, key: usize) -> Option<TaskRef> {
        self.slots.get(key).copied().flatten()
    }

    /// Removes and returns the task under `key`.
    pub(crate) fn remove(&mut self, key: usize) -> Option<TaskRef> {
        let task = self.slots.get_mut(key)?.take()?;
        self.vacant.push(key);
        Some(task)
    }

    /// Empties the slab, returning every task it held.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = TaskRef> + '_ {
        self.vacant.clear();
        self.slots.drain(..).flatten()
    }

    /// Every task held.
    pub(crate) fn iter(&self) -> impl Iterator<Item = TaskRef> + '_ {
        self.slots.iter().copied().flatten()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::ptr::NonNull;

    fn task(n: usize) -> TaskRef {
        // Never dereferenced: the slab only stores and compares the pointers, so they carry
        // no provenance (no integer-to-pointer cast for Miri to object to).
        TaskRef(NonNull::new(std::ptr::without_provenance_mut(n * 8)).unwrap())
    }

    #[test]
    fn keys_are_stable_and_reused_after_removal() {
        let mut slab = TaskSlab::default();
        let a = slab.insert(task(1));
        let b = slab.insert(task(2));
        assert_eq!(slab.get(a), Some(task(1)));
        assert_eq!(slab.remove(a), Some(task(1)));
        assert_eq!(slab.get(a), None);
        assert_eq!(slab.remove(a), None, "a second removal finds nothing");
        let c = slab.insert(task(3));
        assert_eq!(c, a, "the freed key is reused");
        assert_eq!(slab.get(b), Some(task(2)));
        let mut all: Vec<_> = slab.drain().collect();
        all.sort_by_key(|t| t.0);
        assert_eq!(all, [task(2), task(3)]);
        assert_eq!(slab.iter().count(), 0);
        assert_eq!(slab.get(99), None);
    }

    #[test]
    fn a_slot_is_one_pointer() {
        assert_eq!(
            std::mem::size_of::<Option<TaskRef>>(),
            std::mem::size_of::<usize>()
        );
    }
}
