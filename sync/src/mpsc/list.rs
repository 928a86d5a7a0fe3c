//! The lock-free message queue under every channel: a linked list of fixed-size blocks that
//! any number of senders append to and the one receiver drains in order.
//!
//! # How a message travels
//!
//! The list is an endless row of slots numbered from 0, stored [`BLOCK_CAP`] at a time in
//! blocks chained by `next` pointers. A sender claims the next slot number with one RMW on
//! the shared `tail` word, walks from the `block_tail` hint to the block holding that slot
//! (linking a new block at the end if the list is not that long yet), writes its value and
//! sets the slot's bit in the block's `ready` word (`Release`). The receiver keeps its own
//! cursor (`head` block, `index`): it reads slot `index` once its ready bit is set
//! (`Acquire`), in order, and never takes a lock. A message whose sender is still writing
//! holds up the ones behind it: FIFO is by slot number, so by the order of the claims.
//!
//! # Closing
//!
//! The `tail` word is `position << 1 | CLOSED`. Setting `CLOSED` ([`List::close`]) freezes
//! the position: [`List::push_unless_closed`] claims with a compare-exchange that refuses a
//! closed tail, so every slot below the frozen position is (or will be) written and none at
//! or above it ever is. The receiver reports [`Pop::Closed`] once its index reaches the
//! frozen position. [`List::push`] claims with a plain `fetch_add` (one RMW, no retry under
//! contention) and is only for callers that know the tail is open: a bounded channel closes
//! its tail only when every sender, and so every permit, is gone.
//!
//! # Reclaiming blocks: who may still look at a block
//!
//! A sender walks through blocks before its own, so a drained block cannot simply be freed.
//! The rules, which together make it safe for the receiver to reuse a block:
//!
//! * `block_tail` moves forward only past a block whose every slot is written ("final"):
//!   senders of that block have all found it already, so none needs it as a start.
//! * The sender that moves `block_tail` past a block then reads the tail position with an
//!   RMW (`fetch_add(0)`, `Release`) and stores it in the block as `released_at`, then sets
//!   the block's `RELEASED` bit. Any sender that claims a slot after that RMW synchronises
//!   with it (its own claim is an `Acquire` RMW on the same word) and so loads the new
//!   `block_tail`: it never touches the block. Senders that claimed earlier hold slots below
//!   `released_at` and may still be walking through the block.
//! * The receiver reuses a block only once it is `RELEASED` and the receiver has read every
//!   slot below `released_at`: each of those senders has then written its value, which is
//!   the last thing it does with any block.
//!
//! A reclaimed block is reset and appended at the end of the list for reuse (a few tries,
//! else freed), so a channel in steady state allocates nothing per message.
//!
//! Slot numbers wrap around `usize`; blocks are compared by wrapping distance, which stays
//! small because a block is only ever a few blocks away from `block_tail`.

use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};

use crate::loom::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, UnsafeCell};
use crossbeam_utils::CachePadded;

/// Slots per block. One bit per slot in the block's `ready` word plus `RELEASED` must fit a
/// `usize`; loom gets tiny blocks so its models cross block boundaries within a few sends.
#[cfg(not(loom))]
pub(super) const BLOCK_CAP: usize = if usize::BITS >= 64 { 32 } else { 16 };
#[cfg(loom)]
pub(super) const BLOCK_CAP: usize = 2;

const SLOT_MASK: usize = BLOCK_CAP - 1;
/// Every slot of a block written.
const READY_MASK: usize = (1 << BLOCK_CAP) - 1;
/// Senders no longer start walks at this block (see the module docs).
const RELEASED: usize = 1 << BLOCK_CAP;

/// `tail` flag: the position is frozen.
const CLOSED: usize = 1;
/// One slot in the `tail` word.
const POS_ONE: usize = 2;

const _: () = assert!(BLOCK_CAP.is_power_of_two() && BLOCK_CAP < usize::BITS as usize);

/// Up to [`BLOCK_CAP`] consecutive slots.
struct Block<T> {
    /// The number of slot 0. Written only while no sender can reach the block: when it is
    /// allocated, or by the receiver before it re-links a reclaimed block (the `Release`
    /// compare-exchange that links it publishes the value).
    start: usize,
    next: AtomicPtr<Block<T>>,
    /// Bit `i`: slot `i` holds a value. Plus `RELEASED`.
    ready: AtomicUsize,
    /// The tail position when the block was released; read only after `RELEASED`.
    released_at: AtomicUsize,
    slots: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
}

impl<T> Block<T> {
    fn alloc(start: usize) -> NonNull<Block<T>> {
        let block = Box::new(Block {
            start,
            next: AtomicPtr::new(ptr::null_mut()),
            ready: AtomicUsize::new(0),
            released_at: AtomicUsize::new(0),
            slots: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
        });
        NonNull::from(Box::leak(block))
    }

    /// Whether every slot has been written: no sender will look for this block again.
    fn is_final(&self) -> bool {
        self.ready.load(Ordering::Acquire) & READY_MASK == READY_MASK
    }

    /// Gives `new` the `start` that follows `last`'s and links it after `last`; `Err` with
    /// `last`'s successor if it already has one. The Release half of the compare-exchange
    /// publishes `new` with its `start`; the Acquire half, on failure, the successor.
    ///
    /// # Safety
    ///
    /// `last` is live for the call, and the caller owns `new`, which is not linked.
    unsafe fn link_after(last: *mut Block<T>, new: NonNull<Block<T>>) -> Result<(), *mut Block<T>> {
        // SAFETY: the caller's contract: `last` is live, and nobody else reads or writes
        // `new` until this compare-exchange publishes it.
        unsafe {
            (*new.as_ptr()).start = (*last).start.wrapping_add(BLOCK_CAP);
            (*last)
                .next
                .compare_exchange(
                    ptr::null_mut(),
                    new.as_ptr(),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .map(|_| ())
        }
    }

    /// The block after this one, linking a new one if there is none yet.
    fn next_or_grow(&self) -> NonNull<Block<T>> {
        if let Some(next) = NonNull::new(self.next.load(Ordering::Acquire)) {
            return next;
        }
        let new = Block::alloc(self.start.wrapping_add(BLOCK_CAP));
        // AcqRel: Release publishes the new block; Acquire, on failure, the winner's.
        let winner = match self.next.compare_exchange(
            ptr::null_mut(),
            new.as_ptr(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => return new,
            Err(winner) => winner,
        };
        // Another sender linked a block first. Ours is not wasted: append it further down
        // the list, where a later sender would have had to allocate one.
        let mut last = winner;
        loop {
            // SAFETY: `last` is reachable from a block this sender may walk (see the module
            // docs: nothing at or after the block a walking sender is on is reclaimed while
            // it walks), so it is live. `new` is not linked yet, so this thread owns it.
            match unsafe { Block::link_after(last, new) } {
                Ok(()) => break,
                Err(next) => last = next,
            }
        }
        // SAFETY: `winner` came from a successful link, so it is non-null.
        unsafe { NonNull::new_unchecked(winner) }
    }
}

/// The outcome of [`List::pop`].
pub(super) enum Pop<T> {
    Value(T),
    /// Nothing to read yet (possibly a sender is still writing the next slot).
    Empty,
    /// The tail is closed and every message before it has been read.
    Closed,
}

/// The receiver's cursor.
struct Cursor<T> {
    /// The block holding `index` (or one before it, until the next pop advances).
    head: NonNull<Block<T>>,
    /// The next slot to read.
    index: usize,
    /// The oldest block not yet reclaimed; blocks from here to `head` are drained.
    free_head: NonNull<Block<T>>,
}

/// The queue. Senders call `push*`, `close` and `tail_position`; the receiver calls the
/// `unsafe` methods, whose contract is that only the one receiver calls them, never twice at
/// once.
pub(super) struct List<T> {
    /// Written by every sender: its own lines.
    tx: CachePadded<TxSide<T>>,
    /// The receiver's alone.
    rx: CachePadded<UnsafeCell<Cursor<T>>>,
    /// Set (after `tail`'s `CLOSED`) by `close`: read by the receiver when it finds nothing,
    /// so that an idle receiver does not pull the senders' `tail` line away from them on
    /// every empty poll. Written once, so it shares no line with anything hot.
    closed: CachePadded<AtomicBool>,
}

// SAFETY: the slots and the cursor are `UnsafeCell`s whose access the protocol above
// serialises: each slot is written by the one sender that claimed it and read by the
// receiver after its ready bit; the cursor is the receiver's alone (the `unsafe fn`
// contracts). Values of `T` move between threads, hence `T: Send`; no `&T` is ever shared,
// so `T: Sync` is not needed (the bounds of a mutex over a queue).
unsafe impl<T: Send> Send for List<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for List<T> {}

struct TxSide<T> {
    /// `position << 1 | CLOSED`.
    tail: AtomicUsize,
    /// A block at or before the one holding `tail`: where senders start walking.
    block_tail: AtomicPtr<Block<T>>,
}

impl<T> List<T> {
    pub(super) fn new() -> Self {
        let first = Block::alloc(0);
        List {
            tx: CachePadded::new(TxSide {
                tail: AtomicUsize::new(0),
                block_tail: AtomicPtr::new(first.as_ptr()),
            }),
            rx: CachePadded::new(UnsafeCell::new(Cursor {
                head: first,
                index: 0,
                free_head: first,
            })),
            closed: CachePadded::new(AtomicBool::new(false)),
        }
    }

    // ----- senders ------------------------------------------------------------------------

    /// Appends `value`; the tail must be open (see the module docs).
    pub(super) fn push(&self, value: T) {
        // Acquire: see "Reclaiming blocks" in the module docs.
        let tail = self.tx.tail.fetch_add(POS_ONE, Ordering::Acquire);
        debug_assert_eq!(tail & CLOSED, 0, "push on a closed mpsc list");
        self.write(tail >> 1, value);
    }

    /// Appends `value` unless the tail is closed, in which case it is handed back.
    pub(super) fn push_unless_closed(&self, value: T) -> Result<(), T> {
        let mut tail = self.tx.tail.load(Ordering::Relaxed);
        loop {
            if tail & CLOSED != 0 {
                return Err(value);
            }
            match self.tx.tail.compare_exchange_weak(
                tail,
                tail + POS_ONE,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => tail = actual,
            }
        }
        self.write(tail >> 1, value);
        Ok(())
    }

    /// Freezes the tail; `true` if this call closed it.
    pub(super) fn close(&self) -> bool {
        // AcqRel: the last sender's close publishes every write it saw complete.
        let first = self.tx.tail.fetch_or(CLOSED, Ordering::AcqRel) & CLOSED == 0;
        // Release: a receiver that sees the hint sees the closed tail. Before the caller's
        // wake-up fence, so a receiver that registers and looks again sees it (rx_waker.rs).
        self.closed.store(true, Ordering::Release);
        first
    }

    /// Writes `value` into the claimed slot `index` and marks it ready.
    fn write(&self, index: usize, value: T) {
        let block = self.find_block(index);
        let offset = index & SLOT_MASK;
        // SAFETY: the caller claimed `index` with an RMW on `tail`, so no other sender writes
        // this slot, and the receiver reads it only after the ready bit set below. The
        // block is live: `find_block`'s walk keeps it from reclamation (module docs) until
        // that bit is set, the last access of this sender.
        unsafe {
            let block = block.as_ref();
            block.slots[offset].with_mut(|slot| slot.write(MaybeUninit::new(value)));
            block.ready.fetch_or(1 << offset, Ordering::Release);
        }
    }

    /// The block holding slot `index`, which this sender has claimed.
    fn find_block(&self, index: usize) -> NonNull<Block<T>> {
        let start = index & !SLOT_MASK;
        let offset = index & SLOT_MASK;
        let mut block_ptr = self.tx.block_tail.load(Ordering::Acquire);
        // SAFETY: `block_tail` points at a block that is not released, and every block
        // after it is unreleased or released after this sender's claim (module docs), so no
        // block on this walk is reclaimed before our slot is written.
        let distance = unsafe { start.wrapping_sub((*block_ptr).start) } / BLOCK_CAP;
        // Only a sender well past `block_tail` tries to advance it, so that the first
        // senders of a block do not all race for the same compare-exchange.
        let mut advance = distance > offset;
        loop {
            // SAFETY: see above.
            let block = unsafe { &*block_ptr };
            if block.start == start {
                // SAFETY: derived from a reference.
                return unsafe { NonNull::new_unchecked(block_ptr) };
            }
            let next = block.next_or_grow();
            advance &= block.is_final();
            if advance {
                match self.tx.block_tail.compare_exchange(
                    block_ptr,
                    next.as_ptr(),
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        let tail = self.tx.tail.fetch_add(0, Ordering::Release);
                        block.released_at.store(tail >> 1, Ordering::Relaxed);
                        // This sender's last access to the block.
                        block.ready.fetch_or(RELEASED, Ordering::Release);
                    }
                    // Another sender moved it: leave the rest to it.
                    Err(_) => advance = false,
                }
            }
            block_ptr = next.as_ptr();
        }
    }

    // ----- the receiver -------------------------------------------------------------------

    /// Takes the next message.
    ///
    /// # Safety
    ///
    /// Only the channel's receiver calls this, and never concurrently with another of the
    /// receiver's methods here.
    pub(super) unsafe fn pop(&self) -> Pop<T> {
        // SAFETY: the caller is the only user of the cursor.
        self.rx
            .with_mut(|cursor| unsafe { self.pop_at(&mut *cursor) })
    }

    /// Messages claimed and not yet read (a message being written counts).
    ///
    /// # Safety
    ///
    /// As for [`pop`](Self::pop); concurrent calls of `len` alone are fine (they only read).
    pub(super) unsafe fn len(&self) -> usize {
        // SAFETY: the caller is the receiver; nothing writes the cursor meanwhile.
        let index = self.rx.with(|cursor| unsafe { (*cursor).index });
        let tail = self.tx.tail.load(Ordering::Acquire) >> 1;
        tail.wrapping_sub(index)
    }

    /// # Safety
    ///
    /// `cursor` is the receiver's and every block from `free_head` on is live.
    unsafe fn pop_at(&self, cursor: &mut Cursor<T>) -> Pop<T> {
        let mut rechecked = false;
        loop {
            // SAFETY: per the contract.
            match unsafe { self.take_ready(cursor) } {
                Some(value) => return Pop::Value(value),
                None if rechecked => return Pop::Empty,
                None => {}
            }
            // The slot is not ready: is the list closed right here? Only the hint is read
            // until it is set, so a receiver never reads the senders' `tail` line (and
            // makes their next claim a cache miss) while the channel is open.
            if !self.closed.load(Ordering::Acquire) {
                return Pop::Empty;
            }
            let tail = self.tx.tail.load(Ordering::Acquire);
            if tail & CLOSED == 0 {
                return Pop::Empty;
            }
            if tail >> 1 == cursor.index {
                return Pop::Closed;
            }
            // Closed with messages still owed. If the last sender closed it, the `Acquire`
            // above made every write visible: look once more. Otherwise a sender is still
            // writing and will wake the receiver.
            rechecked = true;
        }
    }

    /// Reads slot `cursor.index` if it is ready, moving the head and reclaiming drained
    /// blocks on the way.
    ///
    /// # Safety
    ///
    /// As for [`pop_at`](Self::pop_at).
    unsafe fn take_ready(&self, cursor: &mut Cursor<T>) -> Option<T> {
        let start = cursor.index & !SLOT_MASK;
        loop {
            // SAFETY: the head block is live (only the receiver reclaims, and never the head).
            let head = unsafe { cursor.head.as_ref() };
            if head.start == start {
                break;
            }
            cursor.head = NonNull::new(head.next.load(Ordering::Acquire))?;
        }
        // SAFETY: per the contract.
        unsafe { self.reclaim(cursor) };
        // SAFETY: as above.
        let head = unsafe { cursor.head.as_ref() };
        let offset = cursor.index & SLOT_MASK;
        if head.ready.load(Ordering::Acquire) & (1 << offset) == 0 {
            return None;
        }
        // SAFETY: the ready bit (Acquire) says the value is written and its sender is done
        // with it; the receiver reads each index once, moving past it below.
        let value = head.slots[offset].with(|slot| unsafe { slot.read().assume_init() });
        cursor.index = cursor.index.wrapping_add(1);
        Some(value)
    }

    /// Recycles the drained blocks before `head` that no sender can reach any more.
    ///
    /// # Safety
    ///
    /// As for [`pop_at`](Self::pop_at).
    unsafe fn reclaim(&self, cursor: &mut Cursor<T>) {
        while cursor.free_head != cursor.head {
            let block = cursor.free_head;
            // SAFETY: blocks from `free_head` to `head` are live until reclaimed here.
            let (ready, released_at, next) = unsafe {
                let b = block.as_ref();
                (
                    b.ready.load(Ordering::Acquire),
                    b.released_at.load(Ordering::Relaxed),
                    b.next.load(Ordering::Relaxed),
                )
            };
            // Until every sender that might be walking through it has written its slot
            // (module docs). Wrapping: "released_at is still ahead of index".
            if ready & RELEASED == 0 || (cursor.index.wrapping_sub(released_at) as isize) < 0 {
                return;
            }
            // A block before `head` has a successor (the walk to `head` went through it).
            let Some(next) = NonNull::new(next) else {
                return;
            };
            cursor.free_head = next;
            // SAFETY: released and past every sender that could reach it: ours alone.
            unsafe { self.recycle(block) };
        }
    }

    /// Resets a block nobody else can reach and appends it to the end of the list.
    ///
    /// # Safety
    ///
    /// The caller owns `block` exclusively and is the receiver.
    unsafe fn recycle(&self, block: NonNull<Block<T>>) {
        // SAFETY: ours alone (caller's contract); its values were all read.
        unsafe {
            let b = block.as_ref();
            b.ready.store(0, Ordering::Relaxed);
            b.next.store(ptr::null_mut(), Ordering::Relaxed);
        }
        let mut last = self.tx.block_tail.load(Ordering::Acquire);
        // A few tries: under heavy sending the end keeps moving, and a fresh allocation
        // later is cheaper than chasing it.
        for _ in 0..3 {
            // SAFETY: `block_tail` and every block after it are unreleased, and only the
            // receiver (this thread) frees blocks, so `last` is live. `block` is ours until
            // the link publishes it.
            match unsafe { Block::link_after(last, block) } {
                Ok(()) => return,
                Err(next) => last = next,
            }
        }
        // SAFETY: allocated by `Block::alloc` (a leaked `Box`) and never linked again.
        drop(unsafe { Box::from_raw(block.as_ptr()) });
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        self.rx.with_mut(|cursor| {
            // SAFETY: `&mut self`: no sender or receiver is left, every claimed slot was
            // written (a claim is always followed by its write), and the cursor is ours.
            let cursor = unsafe { &mut *cursor };
            // SAFETY: as above.
            while let Some(value) = unsafe { self.take_ready(cursor) } {
                drop(value);
            }
            let mut block = Some(cursor.free_head);
            while let Some(current) = block {
                // SAFETY: every block is reachable once from `free_head` (reclaimed ones
                // were re-linked at the end or freed), and was allocated by `Block::alloc`.
                let current = unsafe { Box::from_raw(current.as_ptr()) };
                block = NonNull::new(current.next.load(Ordering::Relaxed));
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Pops everything currently readable.
    fn drain(list: &List<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        // SAFETY: the test thread is the only receiver.
        while let Pop::Value(v) = unsafe { list.pop() } {
            out.push(v);
        }
        out
    }

    #[test]
    fn messages_cross_block_boundaries_in_order_and_blocks_are_recycled() {
        let list = List::new();
        let total = (BLOCK_CAP * 5 + 3) as u32;
        for round in 0..4u32 {
            for n in 0..total {
                list.push(round * 1000 + n);
            }
            let expected: Vec<u32> = (0..total).map(|n| round * 1000 + n).collect();
            assert_eq!(drain(&list), expected);
            // SAFETY: the only receiver.
            assert_eq!(unsafe { list.len() }, 0);
        }
    }

    #[test]
    fn closing_freezes_the_tail_after_the_last_message() {
        let list = List::new();
        for n in 0..(BLOCK_CAP as u32 + 1) {
            list.push_unless_closed(n).ok().unwrap();
        }
        assert!(list.close());
        assert!(!list.close(), "closing twice reports the second as a no-op");
        assert_eq!(list.push_unless_closed(99), Err(99));
        assert_eq!(drain(&list).len(), BLOCK_CAP + 1);
        // SAFETY: the only receiver.
        assert!(matches!(unsafe { list.pop() }, Pop::Closed));
    }

    #[test]
    fn dropping_the_list_drops_every_unread_message_once() {
        let drops = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        struct Counted(Arc<std::sync::atomic::AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let list = List::new();
        for _ in 0..(BLOCK_CAP * 2 + 5) {
            list.push(Counted(drops.clone()));
        }
        // Read a block and a half, so the drop starts mid-block with a reclaimed block.
        for _ in 0..(BLOCK_CAP + BLOCK_CAP / 2) {
            // SAFETY: the only receiver.
            assert!(matches!(unsafe { list.pop() }, Pop::Value(_)));
        }
        drop(list);
        assert_eq!(
            drops.load(std::sync::atomic::Ordering::SeqCst),
            BLOCK_CAP * 2 + 5
        );
    }

    #[test]
    fn many_senders_each_message_once_in_per_sender_order() {
        let list = Arc::new(List::new());
        let senders = 4u32;
        // Miri is a thousand times slower: enough to cross blocks and race the reclaim.
        let per = if cfg!(miri) { 40 } else { 2_000u32 };
        let threads: Vec<_> = (0..senders)
            .map(|s| {
                let list = list.clone();
                std::thread::spawn(move || {
                    for n in 0..per {
                        list.push(s * per + n);
                    }
                })
            })
            .collect();
        let mut last = vec![None::<u32>; senders as usize];
        let mut got = 0;
        while got < senders * per {
            // SAFETY: this thread is the only receiver.
            match unsafe { list.pop() } {
                Pop::Value(v) => {
                    let s = (v / per) as usize;
                    assert!(last[s].is_none_or(|prev| prev < v), "per-sender order kept");
                    last[s] = Some(v);
                    got += 1;
                }
                Pop::Empty => std::thread::yield_now(),
                Pop::Closed => unreachable!("never closed"),
            }
        }
        for thread in threads {
            thread.join().unwrap();
        }
    }
}
