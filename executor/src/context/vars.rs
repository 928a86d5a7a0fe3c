//! The map behind a context: which value each variable holds, shared and never mutated.
//!
//! A context is an `Arc<Vars>`; setting a variable builds a new `Vars` (copy-on-write), so a
//! copy — what every spawn, callback and blocking job takes when variables are set — is an
//! `Arc` clone of the entries plus a fresh identity, O(1) whatever the context holds.
//!
//! The entries are a sorted slice, not a HAMT: programs set a handful of variables (a
//! request id, a tenant, a deadline), and for a handful a binary search over one contiguous
//! slice beats walking a trie, while a `set` copies a few pointer pairs. A program with
//! thousands of live variables would want the trie; none we know of does.

use std::any::Any;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A variable's value, type-erased (its [`ContextVar`](super::ContextVar) knows the type).
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

/// One context's variables.
pub(crate) struct Vars {
    /// Which context this is: tokens remember it, so a token is only honoured in the context
    /// that made it. Kept across `set`s, new for every copy.
    pub(crate) id: NonZeroU64,
    /// `(variable key, value)`, sorted by key. Shared by every copy of the context.
    entries: Arc<[(u64, Value)]>,
}

/// A fresh context identity (never reused for the life of the process).
pub(crate) fn next_id() -> NonZeroU64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    NonZeroU64::new(id).expect("context id counter wrapped around")
}

impl Vars {
    /// True when no variable is set: such a context is not worth capturing.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many variables hold a value.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The value of variable `key`, if it has one here.
    pub(crate) fn get(&self, key: u64) -> Option<&Value> {
        let at = self.entries.binary_search_by_key(&key, |(k, _)| *k).ok()?;
        Some(&self.entries[at].1)
    }

    /// This context's contents under a new identity (O(1): the entries are shared).
    pub(crate) fn copy(&self) -> Vars {
        Vars {
            id: next_id(),
            entries: self.entries.clone(),
        }
    }

    /// `vars` (or an empty context with identity `id`, when there is none yet) with `key`
    /// set to `value`, or unset for `None`. Keeps the identity.
    pub(crate) fn with(
        vars: Option<&Vars>,
        id: NonZeroU64,
        key: u64,
        value: Option<Value>,
    ) -> Vars {
        let old: &[(u64, Value)] = vars.map_or(&[], |v| &v.entries);
        let mut entries = Vec::with_capacity(old.len() + 1);
        let at = old.partition_point(|(k, _)| *k < key);
        entries.extend_from_slice(&old[..at]);
        if let Some(value) = value {
            entries.push((key, value));
        }
        let rest = match old.get(at) {
            Some((k, _)) if *k == key => &old[at + 1..],
            _ => &old[at..],
        };
        entries.extend_from_slice(rest);
        Vars {
            id,
            entries: entries.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(n: u32) -> Option<Value> {
        Some(Arc::new(n))
    }

    fn read(vars: &Vars, key: u64) -> Option<u32> {
        vars.get(key).and_then(|v| v.downcast_ref::<u32>()).copied()
    }

    #[test]
    fn set_replace_and_unset_keep_the_entries_sorted_and_the_identity() {
        let id = next_id();
        let a = Vars::with(None, id, 5, value(50));
        let b = Vars::with(Some(&a), id, 2, value(20));
        let c = Vars::with(Some(&b), id, 9, value(90));
        let d = Vars::with(Some(&c), id, 5, value(55));
        assert_eq!(
            [read(&d, 2), read(&d, 5), read(&d, 9)],
            [Some(20), Some(55), Some(90)]
        );
        // Copy-on-write: the older maps are untouched.
        assert_eq!((read(&a, 5), read(&a, 2)), (Some(50), None));
        let e = Vars::with(Some(&d), id, 2, None);
        assert_eq!((e.len(), read(&e, 2), read(&e, 9)), (2, None, Some(90)));
        assert_eq!(e.id, id);
    }

    #[test]
    fn a_copy_shares_the_entries_under_a_new_identity() {
        let original = Vars::with(None, next_id(), 1, value(1));
        let copy = original.copy();
        assert_ne!(copy.id, original.id);
        assert!(Arc::ptr_eq(&copy.entries, &original.entries));
    }
}
