//! The tree of cancellation nodes behind [`CancellationToken`](super::CancellationToken).
//!
//! Each token points at a [`Node`]; clones share it. A node keeps, under its own mutex, its
//! waiters (the crate's wait list), its live children (a slab of `Arc`s, so a child can
//! leave in O(1) by its slot number), a link to its parent with its slot there, and the
//! number of tokens pointing at it. `cancelled` mirrors the flag outside the mutex so that
//! `is_cancelled` and a wait on a cancelled token take no lock.
//!
//! Rules the code relies on:
//!
//! * **No two node locks are held at once.** Cancelling walks the tree with an explicit
//!   stack (no recursion, however deep the tree): lock a node, mark it, take its waiters'
//!   wakers and its whole child slab, unlock, wake, then push the children. A child
//!   leaving its parent reads its link under its own lock, unlocks, then locks the parent.
//! * **Slots are never reused behind a child's back.** Only the child removes itself from
//!   its parent's slab; cancelling empties the slab for good (a cancelled node adopts no
//!   children: `child_token` on it makes an already-cancelled orphan). So a child that finds
//!   its parent cancelled has nothing to remove, and otherwise its slot is still its own.
//! * **A node leaves its parent when nothing can reach it any more**: no token points at it
//!   and it has no children. That happens when its last token is dropped, or when its last
//!   child leaves (a node whose tokens are gone stays as a relay while its children live,
//!   so cancelling the grandparent still reaches them). Leaving can make the parent
//!   unreachable in turn, so it repeats upward, iteratively. This is what keeps a
//!   long-lived token with many short-lived children from growing.
//! * **Parent links are cleared before a node is freed**, by the leaving step or by the
//!   cancel walk, so freeing a node never drops a chain of ancestors recursively.

use std::fmt;

use crate::loom::{Arc, AtomicBool, Mutex, Ordering};
use crate::waitlist::WaitList;
use crate::wake_batch::WakeBatch;

/// One token's shared state.
pub(super) struct Node {
    /// Set once, under `inner`'s mutex; read without it.
    cancelled: AtomicBool,
    pub(super) inner: Mutex<Inner>,
}

pub(super) struct Inner {
    pub(super) waiters: WaitList<()>,
    children: Children,
    /// The parent and this node's slot in its slab; `None` for a root, an orphan created
    /// already cancelled, or once the node has left its parent.
    parent: Option<(Arc<Node>, usize)>,
    /// Tokens pointing at this node.
    handles: usize,
}

impl Node {
    /// A root node with one token.
    pub(super) fn new_root() -> Arc<Node> {
        Arc::new(Node {
            cancelled: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                waiters: WaitList::new(),
                children: Children::new(),
                parent: None,
                handles: 1,
            }),
        })
    }

    /// A new child of `parent` with one token; already cancelled (and unlinked) if the
    /// parent is.
    pub(super) fn new_child(parent: &Arc<Node>) -> Arc<Node> {
        let mut inner = parent.inner.lock();
        if parent.is_cancelled() {
            drop(inner);
            let orphan = Node::new_root();
            orphan.cancelled.store(true, Ordering::Release);
            return orphan;
        }
        let slot = inner.children.vacant_slot();
        let child = Arc::new(Node {
            cancelled: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                waiters: WaitList::new(),
                children: Children::new(),
                parent: Some((parent.clone(), slot)),
                handles: 1,
            }),
        });
        inner.children.fill(slot, child.clone());
        child
    }

    #[inline]
    pub(super) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// One more token points at this node.
    pub(super) fn add_handle(&self) {
        self.inner.lock().handles += 1;
    }

    /// One token fewer; the last one gone may let the node leave its parent.
    pub(super) fn drop_handle(this: &Arc<Node>) {
        let last = {
            let mut inner = this.inner.lock();
            inner.handles -= 1;
            inner.handles == 0
        };
        if last {
            Node::leave_parent_if_unreachable(this.clone());
        }
    }

    /// Children currently linked under this node (for `Debug` and the leak tests).
    pub(super) fn child_count(&self) -> usize {
        self.inner.lock().children.len()
    }

    /// Cancels `this` and every descendant, waking all their waiters: one node locked at a
    /// time, and each node's waiters woken after its lock is released.
    pub(super) fn cancel(this: &Arc<Node>) {
        if this.is_cancelled() {
            return;
        }
        // (node, whether it was taken out of its parent's slab by this walk)
        let mut stack: Vec<(Arc<Node>, bool)> = vec![(this.clone(), false)];
        while let Some((node, unlinked)) = stack.pop() {
            let mut wakers = WakeBatch::new();
            let (children, parent) = {
                let mut inner = node.inner.lock();
                // The link of a node taken out of its parent's slab is dead: clear it now
                // (dropped below, outside the lock). The starting node stays linked: it
                // leaves its parent the usual way, when nothing can reach it.
                let parent = if unlinked { inner.parent.take() } else { None };
                if node.is_cancelled() {
                    (Vec::new(), parent)
                } else {
                    node.cancelled.store(true, Ordering::Release);
                    inner.waiters.notify_all(&mut wakers, |()| {});
                    (inner.children.take_all(), parent)
                }
            };
            wakers.wake_all();
            drop(parent);
            stack.extend(children.into_iter().map(|child| (child, true)));
        }
    }

    /// Unlinks `node` from its parent if no token points at it and it has no children, and
    /// repeats for the parent, which that may have left unreachable too.
    fn leave_parent_if_unreachable(mut node: Arc<Node>) {
        loop {
            let (parent, slot) = {
                let mut inner = node.inner.lock();
                if inner.handles != 0 || inner.children.len() != 0 {
                    return;
                }
                match inner.parent.take() {
                    Some(link) => link,
                    None => return,
                }
            };
            let removed = {
                let mut siblings = parent.inner.lock();
                // `None` if the parent was cancelled meanwhile: its walk took the slab.
                siblings.children.remove(slot)
            };
            // Dropped outside the parent's lock; `node` still holds its own reference.
            drop(removed);
            node = parent;
        }
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

/// A node's live children: a slab of `Arc`s threaded by a free list, so a child removes
/// itself by slot number. Emptied (capacity trimmed) when the last child leaves.
struct Children {
    slots: Vec<Option<Arc<Node>>>,
    free: Vec<usize>,
    len: usize,
}

/// Once empty, a slab that grew beyond this many slots is trimmed back to it.
const RETAINED_SLOTS: usize = 64;

impl Children {
    const fn new() -> Self {
        Children {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// A slot for a new child, to [`fill`](Self::fill) under the same lock.
    fn vacant_slot(&mut self) -> usize {
        match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        }
    }

    fn fill(&mut self, slot: usize, child: Arc<Node>) {
        debug_assert!(self.slots[slot].is_none());
        self.slots[slot] = Some(child);
        self.len += 1;
    }

    /// Takes the child out of `slot`, if it is still there.
    fn remove(&mut self, slot: usize) -> Option<Arc<Node>> {
        let child = self.slots.get_mut(slot)?.take()?;
        self.len -= 1;
        if self.len == 0 {
            self.reset();
        } else {
            self.free.push(slot);
        }
        Some(child)
    }

    /// Takes every child, leaving the slab empty.
    fn take_all(&mut self) -> Vec<Arc<Node>> {
        let children = self.slots.drain(..).flatten().collect();
        self.reset();
        children
    }

    fn reset(&mut self) {
        self.slots.clear();
        self.free.clear();
        if self.slots.capacity() > RETAINED_SLOTS {
            self.slots.shrink_to(RETAINED_SLOTS);
            self.free.shrink_to(RETAINED_SLOTS);
        }
        self.len = 0;
    }
}
