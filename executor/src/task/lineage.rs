//! [`Lineage`]: a task's parent and given name, in one word of its header.
//!
//! Both are read only by dumps, reports and errors, and most tasks have a parent and no name.
//! Two fields (`Option<TaskId>` and `Option<Arc<String>>`) cost 16 bytes in every task; one
//! word costs 8. With the stage's tag moved beside the registry key (`stage.rs`), that took
//! the cell of a small parked task from 128 bytes to 112, down one allocator size class
//! (`benches/NOTES.md`, "Memory per pending task"). The word holds:
//!
//! - null: no parent, no name (a task spawned from outside any task);
//! - an odd value: no name, and the parent's id shifted left by one — no allocation, the
//!   common case;
//! - an even, non-null pointer: a boxed [`Named`] holding both. Named tasks are rare and their
//!   name is an allocation already; a parent id too large to shift (only possible where
//!   `usize` has 32 bits) goes here too.
//!
//! The id is stored as an address without provenance and never dereferenced; the box keeps
//! its provenance from `Box::into_raw`, so Miri's strict provenance accepts both.

use super::header::{TaskId, TaskName};
use std::ptr;

/// A task's parent and name; see the module docs for the encoding.
pub(crate) struct Lineage(*mut Named);

/// The boxed form, for named tasks.
struct Named {
    name: Option<TaskName>,
    parent: Option<TaskId>,
}

// SAFETY: a `Lineage` owns its `Named` box outright (nothing else points at it) and never
// changes it after `new`; `Named` itself is `Send` and `Sync` (an `Arc<String>` and an id), so
// moving or sharing the owner is as safe as moving or sharing a `Box<Named>`.
unsafe impl Send for Lineage {}
// SAFETY: as above; `&Lineage` only reads.
unsafe impl Sync for Lineage {}

/// The largest parent id kept in the word itself.
const INLINE_MAX: u64 = (usize::MAX >> 1) as u64;

impl Lineage {
    pub(crate) fn new(name: Option<TaskName>, parent: Option<TaskId>) -> Lineage {
        match (name, parent) {
            (None, None) => Lineage(ptr::null_mut()),
            (None, Some(parent)) if parent.as_u64() <= INLINE_MAX => {
                // Cannot truncate: the id is at most `usize::MAX >> 1`.
                let word = (parent.as_u64() as usize) << 1 | 1;
                Lineage(ptr::without_provenance_mut(word))
            }
            (name, parent) => Lineage(Box::into_raw(Box::new(Named { name, parent }))),
        }
    }

    fn named(&self) -> Option<&Named> {
        if self.0.addr() & 1 == 1 {
            return None;
        }
        // SAFETY: an even word is null or the `Box::into_raw` pointer `new` stored, which
        // this `Lineage` owns and frees only in `drop`; `Named` is never written after `new`.
        unsafe { self.0.as_ref() }
    }

    /// The task that spawned this one, if any.
    pub(crate) fn parent(&self) -> Option<TaskId> {
        let word = self.0.addr();
        if word & 1 == 1 {
            Some(TaskId::from_u64((word >> 1) as u64))
        } else {
            self.named().and_then(|named| named.parent)
        }
    }

    /// The name the task was given, if any.
    pub(crate) fn name(&self) -> Option<&TaskName> {
        self.named().and_then(|named| named.name.as_ref())
    }
}

impl Drop for Lineage {
    fn drop(&mut self) {
        if !self.0.is_null() && self.0.addr() & 1 == 0 {
            // SAFETY: an even, non-null word is the box `new` leaked; we own it, and this is
            // the only place it is freed (drop runs once).
            drop(unsafe { Box::from_raw(self.0) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_lineage_is_one_word() {
        assert_eq!(std::mem::size_of::<Lineage>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn every_combination_reads_back() {
        let name: TaskName = Arc::new("fetcher".to_owned());
        let parent = TaskId::from_u64(42);
        let root = Lineage::new(None, None);
        assert_eq!((root.parent(), root.name()), (None, None));
        let child = Lineage::new(None, Some(parent));
        assert_eq!((child.parent(), child.name()), (Some(parent), None));
        let named = Lineage::new(Some(name.clone()), None);
        assert_eq!((named.parent(), named.name()), (None, Some(&name)));
        let both = Lineage::new(Some(name.clone()), Some(parent));
        assert_eq!((both.parent(), both.name()), (Some(parent), Some(&name)));
        drop((root, child, named, both));
        assert_eq!(
            Arc::strong_count(&name),
            1,
            "the boxed forms free their name"
        );
    }

    #[test]
    fn a_parent_id_too_large_for_the_word_is_boxed() {
        let parent = TaskId::from_u64(u64::MAX);
        let child = Lineage::new(None, Some(parent));
        assert_eq!(child.parent(), Some(parent));
        assert_eq!(child.name(), None);
        let edge = TaskId::from_u64(INLINE_MAX);
        assert_eq!(Lineage::new(None, Some(edge)).parent(), Some(edge));
    }
}
