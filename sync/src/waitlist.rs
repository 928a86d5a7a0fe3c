//! The one FIFO wait list every primitive in this crate is built on.
//!
//! A waiter is a future that could not complete yet: it parks a [`Waker`] in the list and is
//! woken when a primitive *grants* it something (a lock, a permit, an event, a queue item's
//! reservation, a barrier's release). The list is a plain data structure with no lock of its
//! own: each primitive keeps it inside its own mutex next to its own state, so checking the
//! state and enqueueing happen in one short critical section and a wake-up cannot be lost
//! between them.
//!
//! Nodes live in a slab (a `Vec` of slots threaded by a free list) and are chained into a
//! doubly linked FIFO by index. Slots are reused, so once a list has grown to its high-water
//! mark, waiting allocates nothing; a future holds a plain [`WaiterKey`], stays `Unpin`, and no
//! `unsafe` is needed. The slab is emptied (capacity kept, or trimmed after a large spike)
//! whenever the last node leaves, which keeps the live nodes packed together.
//!
//! # Waiter states: the hand-off protocol
//!
//! * **Waiting**: linked into the FIFO, waker stored. Only Waiting nodes are visible to
//!   [`notify_front`](WaitList::notify_front) and [`notify_all`](WaitList::notify_all).
//! * **Notified**: a granter unlinked the node, wrote the grant into its payload and took the
//!   waker out (to wake it *after* the primitive's mutex is released). The slot stays occupied:
//!   the grant now belongs to the waiter.
//! * **Done**: the slot is freed. Only the waiter's own future frees its slot
//!   ([`remove`](WaitList::remove), on the poll that completes it or in its `Drop`), so a key
//!   can never dangle or be recycled under its owner.
//!
//! The cancel-versus-grant race is decided by the primitive's mutex: whichever of the grant
//! and the waiter's `Drop` takes it first wins. If the drop wins, the granter never sees the
//! waiter. If the grant wins, the drop finds the node Notified and must hand the grant on
//! (next waiter, or back to the primitive); [`Removed::notified`] tells it which case it is
//! in. Every primitive's `Drop` follows this rule, and the loom models check it.
//!
//! Wakers are never woken under the list's mutex: granters return them (or collect them in a
//! [`WakeBatch`]) and the primitive wakes them after unlocking.
//! Stored wakers may be *dropped* under the mutex; dropping a waker only releases a reference.

use std::fmt;
use std::task::Waker;

use crate::wake_batch::WakeBatch;

/// Marks the end of a chain (FIFO links and the free list).
const NIL: usize = usize::MAX;

/// Once empty, a slab that grew beyond this many slots is trimmed back to it.
const RETAINED_SLOTS: usize = 256;

/// A waiter's handle on its slot.
///
/// Deliberately neither `Clone` nor `Copy`: [`WaitList::remove`] consumes it, so a slot is
/// freed at most once and only by its owner.
#[derive(Debug)]
pub(crate) struct WaiterKey(usize);

/// A FIFO of waiters, each carrying a payload `P` that describes what it was granted.
pub(crate) struct WaitList<P> {
    slots: Vec<Slot<P>>,
    /// Head of the chain of vacant slots.
    free: usize,
    /// Oldest Waiting node.
    head: usize,
    /// Newest Waiting node.
    tail: usize,
    /// Number of Waiting nodes (linked into the FIFO).
    waiting: usize,
    /// Number of Waiting plus Notified nodes (occupied slots).
    occupied: usize,
}

enum Slot<P> {
    Vacant { next_free: usize },
    Occupied(Node<P>),
}

struct Node<P> {
    state: WaiterState,
    /// `Some` while Waiting (the invariant `notify_front` relies on); taken when Notified.
    waker: Option<Waker>,
    prev: usize,
    next: usize,
    payload: P,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WaiterState {
    Waiting,
    Notified,
}

/// What a freed slot held.
#[derive(Debug)]
pub(crate) struct Removed<P> {
    /// The payload, including any grant written by the notifier.
    pub(crate) payload: P,
    /// Whether the waiter had been Notified (granted) before it was removed.
    pub(crate) notified: bool,
}

impl<P> WaitList<P> {
    /// An empty list; allocates nothing until the first waiter arrives.
    pub(crate) const fn new() -> Self {
        WaitList {
            slots: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            waiting: 0,
            occupied: 0,
        }
    }

    /// Whether any waiter is still Waiting (not yet granted).
    #[inline]
    pub(crate) fn has_waiting(&self) -> bool {
        self.waiting != 0
    }

    /// Number of Waiting waiters.
    #[inline]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// The payload of the oldest Waiting waiter: what the next
    /// [`notify_front`](Self::notify_front) would grant, for primitives whose grant depends
    /// on what the head asks for (a reader or a writer, a number of permits).
    #[inline]
    pub(crate) fn front(&self) -> Option<&P> {
        if self.head == NIL {
            None
        } else {
            Some(&self.node(self.head).payload)
        }
    }

    /// Appends a Waiting node at the back of the FIFO.
    pub(crate) fn push_back(&mut self, payload: P, waker: &Waker) -> WaiterKey {
        let node = Node {
            state: WaiterState::Waiting,
            waker: Some(waker.clone()),
            prev: self.tail,
            next: NIL,
            payload,
        };
        let index = if self.free == NIL {
            self.slots.push(Slot::Occupied(node));
            self.slots.len() - 1
        } else {
            let index = self.free;
            match std::mem::replace(&mut self.slots[index], Slot::Occupied(node)) {
                Slot::Vacant { next_free } => self.free = next_free,
                // The free chain only ever links vacant slots (see `remove` and `reset`).
                Slot::Occupied(_) => unreachable!("wait list free chain points at a live node"),
            }
            index
        };
        if self.tail == NIL {
            self.head = index;
        } else {
            self.node_mut(self.tail).next = index;
        }
        self.tail = index;
        self.waiting += 1;
        self.occupied += 1;
        WaiterKey(index)
    }

    /// Whether the waiter behind `key` has been Notified.
    #[inline]
    pub(crate) fn is_notified(&self, key: &WaiterKey) -> bool {
        self.node(key.0).state == WaiterState::Notified
    }

    /// Stores `waker` for a Waiting node, cloning only if it would wake a different task.
    pub(crate) fn register_waker(&mut self, key: &WaiterKey, waker: &Waker) {
        let node = self.node_mut(key.0);
        debug_assert_eq!(node.state, WaiterState::Waiting);
        match &mut node.waker {
            Some(stored) if stored.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
    }

    /// Frees the waiter's slot (state Done), unlinking it if it was still Waiting.
    pub(crate) fn remove(&mut self, key: WaiterKey) -> Removed<P> {
        let index = key.0;
        let slot = std::mem::replace(
            &mut self.slots[index],
            Slot::Vacant {
                next_free: self.free,
            },
        );
        let Slot::Occupied(node) = slot else {
            // A key is created for an occupied slot and consumed here, so it cannot be vacant.
            unreachable!("wait list key points at a vacant slot")
        };
        self.free = index;
        self.occupied -= 1;
        let notified = node.state == WaiterState::Notified;
        if !notified {
            self.unlink(node.prev, node.next);
            self.waiting -= 1;
        }
        if self.occupied == 0 {
            self.reset();
        }
        Removed {
            payload: node.payload,
            notified,
        }
    }

    /// Grants the oldest Waiting waiter: `grant` writes into its payload, the node becomes
    /// Notified, and its waker is returned for the caller to wake after unlocking.
    ///
    /// Returns `None` when nobody is waiting.
    pub(crate) fn notify_front(&mut self, grant: impl FnOnce(&mut P)) -> Option<Waker> {
        let index = self.head;
        if index == NIL {
            return None;
        }
        let node = self.node_mut(index);
        node.state = WaiterState::Notified;
        grant(&mut node.payload);
        let next = node.next;
        // Every Waiting node holds a waker (set by `push_back`, replaced by
        // `register_waker`); the noop fallback only keeps this path free of panics.
        let waker = node.waker.take().unwrap_or_else(|| Waker::noop().clone());
        self.head = next;
        if next == NIL {
            self.tail = NIL;
        } else {
            self.node_mut(next).prev = NIL;
        }
        self.waiting -= 1;
        Some(waker)
    }

    /// Grants every Waiting waiter in FIFO order, collecting their wakers in `wakers`.
    pub(crate) fn notify_all(&mut self, wakers: &mut WakeBatch, mut grant: impl FnMut(&mut P)) {
        while let Some(waker) = self.notify_front(&mut grant) {
            wakers.push(waker);
        }
    }

    fn unlink(&mut self, prev: usize, next: usize) {
        if prev == NIL {
            self.head = next;
        } else {
            self.node_mut(prev).next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.node_mut(next).prev = prev;
        }
    }

    /// Forgets every vacant slot once no node is left, so the next waiters are packed from
    /// index 0; trims the slab if a spike left it large.
    fn reset(&mut self) {
        self.slots.clear();
        if self.slots.capacity() > RETAINED_SLOTS {
            self.slots.shrink_to(RETAINED_SLOTS);
        }
        self.free = NIL;
        self.head = NIL;
        self.tail = NIL;
    }

    fn node(&self, index: usize) -> &Node<P> {
        match &self.slots[index] {
            Slot::Occupied(node) => node,
            // Keys and links only ever name occupied slots (see `push_back` and `remove`).
            Slot::Vacant { .. } => unreachable!("wait list link points at a vacant slot"),
        }
    }

    fn node_mut(&mut self, index: usize) -> &mut Node<P> {
        match &mut self.slots[index] {
            Slot::Occupied(node) => node,
            // Keys and links only ever name occupied slots (see `push_back` and `remove`).
            Slot::Vacant { .. } => unreachable!("wait list link points at a vacant slot"),
        }
    }
}

impl<P> fmt::Debug for WaitList<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitList")
            .field("waiting", &self.waiting)
            .field("notified", &(self.occupied - self.waiting))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn waker() -> &'static Waker {
        Waker::noop()
    }

    #[test]
    fn notifies_in_fifo_order_and_skips_removed_waiters() {
        let mut list = WaitList::new();
        let a = list.push_back(1, waker());
        let b = list.push_back(2, waker());
        let c = list.push_back(3, waker());
        assert_eq!(list.waiting(), 3);

        // A Waiting waiter that leaves is simply unlinked.
        let removed = list.remove(b);
        assert!(!removed.notified);
        assert_eq!(removed.payload, 2);

        let mut granted = Vec::new();
        assert!(list.notify_front(|p| granted.push(*p)).is_some());
        assert!(list.notify_front(|p| granted.push(*p)).is_some());
        assert!(list.notify_front(|p| granted.push(*p)).is_none());
        assert_eq!(granted, [1, 3]);
        assert!(list.is_notified(&a) && list.is_notified(&c));
        assert!(!list.has_waiting());

        // A Notified waiter keeps its slot until its owner frees it.
        assert!(list.remove(a).notified);
        assert!(list.remove(c).notified);
        assert_eq!(list.occupied, 0);
    }

    #[test]
    fn grant_is_written_into_the_payload() {
        let mut list = WaitList::new();
        let key = list.push_back(None, waker());
        list.notify_front(|p| *p = Some("granted"));
        assert_eq!(list.remove(key).payload, Some("granted"));
    }

    #[test]
    fn slots_are_reused_without_growing() {
        let mut list = WaitList::new();
        let keep = list.push_back((), waker());
        for _ in 0..1000 {
            let key = list.push_back((), waker());
            list.remove(key);
        }
        assert_eq!(list.slots.len(), 2);
        list.remove(keep);
        assert_eq!(list.slots.len(), 0);
    }

    #[test]
    fn removing_from_the_middle_keeps_links_consistent() {
        let mut list = WaitList::new();
        let keys: Vec<_> = (0..6).map(|i| list.push_back(i, waker())).collect();
        let mut keys = keys.into_iter();
        let k0 = keys.next().unwrap();
        let k1 = keys.next().unwrap();
        let k2 = keys.next().unwrap();
        let k3 = keys.next().unwrap();
        let k4 = keys.next().unwrap();
        let k5 = keys.next().unwrap();
        list.remove(k5); // tail
        list.remove(k0); // head
        list.remove(k3); // middle
        let again = list.push_back(9, waker()); // reuses a freed slot, goes to the back
        let mut order = Vec::new();
        let mut wakers = WakeBatch::new();
        list.notify_all(&mut wakers, |p| order.push(*p));
        assert_eq!(order, [1, 2, 4, 9]);
        for key in [k1, k2, k4, again] {
            assert!(list.remove(key).notified);
        }
    }
}
