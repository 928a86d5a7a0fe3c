//! Where task cells come from: a per-thread cache in front of the global allocator, so that
//! one worker's spawns do not queue behind another worker's frees.
//!
//! A task is usually allocated on one thread and freed on another: a worker spawns, its
//! neighbour steals and runs the task, and the last reference goes there. glibc hands such a
//! block back to the arena it came from under that arena's lock, so on two workers the
//! spawner's `malloc` and the stealer's `free` meet on one futex (a quarter of
//! `spawn_many_local`'s profile was `__lll_lock_wait_private` and its wake-ups). This is the
//! magazine layer of Bonwick's slab allocator, for task cells:
//!
//! - Cells of up to `MAX_CACHED` bytes fall into size classes `GRANULE` bytes apart. For
//!   each class a thread keeps a *loaded* magazine (a free list of up to `MAGAZINE` cells,
//!   linked through their first word) and a *spare* that is empty or full. Frees push onto the
//!   loaded magazine and allocations pop from it: no atomics, no locks.
//! - When both are full, a free hands the spare to the process-wide *depot*; when both are
//!   empty, an allocation takes a full magazine from it. The depot is one mutex per class,
//!   taken at most once per `MAGAZINE` operations, so the stealer's frees flow back to the
//!   spawner a magazine at a time.
//! - Nothing is hoarded without bound: the depot keeps at most `DEPOT_BYTES` over all classes
//!   and gives the rest back to the global allocator, and a thread's magazines go to the
//!   depot (or back) when the thread exits. A thread holds at most two magazines per class.
//!
//! Larger cells, cells aligned to more than `GRANULE`, and every cell under `--cfg loom` or
//! `--cfg weft_no_task_cache` go straight to the global allocator. CI's workspace-wide
//! AddressSanitizer run sets the latter, so that a use of a freed task still lands on
//! poisoned memory; a second run, of the executor alone, keeps the cache on to check it.

use std::alloc::Layout;
use std::ptr::NonNull;

/// Allocates memory for a task cell of `layout` (never zero-sized).
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    debug_assert!(layout.size() > 0, "task cells are never zero-sized");
    #[cfg(not(any(loom, weft_no_task_cache)))]
    if let Some(class) = magazines::class_of(layout) {
        return magazines::allocate(class);
    }
    system_allocate(layout)
}

/// Frees a task cell.
///
/// # Safety
/// `ptr` came from [`allocate`] with this same `layout`, on any thread, and nothing uses the
/// memory any more.
pub(crate) unsafe fn deallocate(ptr: NonNull<u8>, layout: Layout) {
    #[cfg(not(any(loom, weft_no_task_cache)))]
    if let Some(class) = magazines::class_of(layout) {
        // SAFETY: `allocate` took the same class for the same layout, and the caller gives
        // the memory up.
        return unsafe { magazines::deallocate(ptr, class) };
    }
    // SAFETY: `allocate` got this block from the global allocator with this layout.
    unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
}

fn system_allocate(layout: Layout) -> NonNull<u8> {
    // SAFETY: `layout` is not zero-sized (task cells hold at least a header).
    let ptr = unsafe { std::alloc::alloc(layout) };
    NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
}

#[cfg(not(any(loom, weft_no_task_cache)))]
mod magazines {
    use super::system_allocate;
    use std::alloc::Layout;
    use std::cell::RefCell;
    use std::mem;
    use std::ptr::NonNull;
    use std::sync::atomic::AtomicUsize;
    use std::sync::atomic::Ordering::Relaxed;
    use std::sync::{Mutex, PoisonError};

    /// Size classes are this many bytes apart, and cached cells are aligned to it (what
    /// glibc's `malloc` gives every block anyway).
    pub(super) const GRANULE: usize = 16;
    /// The largest cell kept in the cache. Spawn-heavy code spawns small futures; a large
    /// one is usually long-lived, and its allocation costs little beside its life.
    const MAX_CACHED: usize = 1024;
    const CLASSES: usize = MAX_CACHED / GRANULE;
    /// Cells per magazine: what moves between a thread and the depot in one lock.
    pub(super) const MAGAZINE: usize = 32;
    /// The most the depot keeps over all classes; frees beyond it go to the global
    /// allocator. Enough for 10,000 small tasks in flight between two workers. (Smaller
    /// under Miri, whose test of the bound would otherwise allocate for minutes.)
    pub(super) const DEPOT_BYTES: usize = if cfg!(miri) {
        64 * 1024
    } else {
        2 * 1024 * 1024
    };

    /// The class of a cell of `layout`, if it is cached.
    #[inline]
    pub(super) fn class_of(layout: Layout) -> Option<usize> {
        (layout.align() <= GRANULE && layout.size() <= MAX_CACHED)
            .then(|| (layout.size() - 1) / GRANULE)
    }

    /// The layout every cell of `class` is allocated with: the class's largest size.
    fn class_layout(class: usize) -> Layout {
        // Cannot fail: a multiple of a power of two no larger than `MAX_CACHED`.
        Layout::from_size_align((class + 1) * GRANULE, GRANULE).expect("a valid class layout")
    }

    /// A free cell: its first word links the next one.
    struct FreeCell {
        next: Option<NonNull<FreeCell>>,
    }

    /// A stack of free cells of one class, linked through the cells.
    struct Magazine {
        head: Option<NonNull<FreeCell>>,
        len: usize,
    }

    // SAFETY: a magazine owns its cells outright (nothing else points at free memory), so it
    // may move to another thread, as the depot's do.
    unsafe impl Send for Magazine {}

    impl Magazine {
        const EMPTY: Magazine = Magazine { head: None, len: 0 };

        fn is_full(&self) -> bool {
            self.len == MAGAZINE
        }

        /// # Safety
        /// `cell` is an unused block of this magazine's class layout, given to the magazine.
        unsafe fn push(&mut self, cell: NonNull<u8>) {
            let cell = cell.cast::<FreeCell>();
            // SAFETY: the block is ours, at least `GRANULE` bytes and aligned to it, so it
            // holds a `FreeCell`; writing one does not read the old contents.
            unsafe { cell.write(FreeCell { next: self.head }) };
            self.head = Some(cell);
            self.len += 1;
        }

        fn pop(&mut self) -> Option<NonNull<u8>> {
            let cell = self.head?;
            // SAFETY: every listed cell holds the `FreeCell` `push` wrote, and nothing else
            // touches a listed cell.
            self.head = unsafe { cell.as_ref() }.next;
            self.len -= 1;
            Some(cell.cast())
        }

        /// Gives every cell back to the global allocator.
        fn release(mut self, class: usize) {
            while let Some(cell) = self.pop() {
                // SAFETY: cached cells come from the global allocator with the class layout.
                unsafe { std::alloc::dealloc(cell.as_ptr(), class_layout(class)) };
            }
        }
    }

    /// One class's magazines on one thread. The spare is always empty or full.
    struct Class {
        loaded: Magazine,
        spare: Magazine,
    }

    impl Class {
        fn pop(&mut self, class: usize) -> Option<NonNull<u8>> {
            if self.loaded.len == 0 {
                if self.spare.is_full() {
                    mem::swap(&mut self.loaded, &mut self.spare);
                } else {
                    self.loaded = depot_take(class)?;
                }
            }
            self.loaded.pop()
        }

        /// # Safety
        /// As for [`Magazine::push`].
        unsafe fn push(&mut self, cell: NonNull<u8>, class: usize) {
            if self.loaded.is_full() {
                if self.spare.is_full() {
                    depot_give(class, mem::replace(&mut self.spare, Magazine::EMPTY));
                }
                mem::swap(&mut self.loaded, &mut self.spare);
            }
            // SAFETY: passed on from the caller.
            unsafe { self.loaded.push(cell) };
        }
    }

    /// One thread's classes.
    struct ThreadCache([Class; CLASSES]);

    impl Drop for ThreadCache {
        fn drop(&mut self) {
            for (class, magazines) in self.0.iter_mut().enumerate() {
                let loaded = mem::replace(&mut magazines.loaded, Magazine::EMPTY);
                let spare = mem::replace(&mut magazines.spare, Magazine::EMPTY);
                for magazine in [loaded, spare] {
                    if magazine.is_full() {
                        depot_give(class, magazine);
                    } else {
                        magazine.release(class);
                    }
                }
            }
        }
    }

    thread_local! {
        static CACHE: RefCell<ThreadCache> = const {
            RefCell::new(ThreadCache(
                [const { Class { loaded: Magazine::EMPTY, spare: Magazine::EMPTY } }; CLASSES],
            ))
        };
    }

    /// Full magazines, shared by all threads.
    static DEPOT: [Mutex<Vec<Magazine>>; CLASSES] = [const { Mutex::new(Vec::new()) }; CLASSES];

    /// Bytes of cells the depot holds, over all classes. Only a budget (nothing is published
    /// through it), so `Relaxed` will do; the class locks order the magazines themselves.
    static DEPOT_HELD: AtomicUsize = AtomicUsize::new(0);

    /// The bytes of one full magazine of `class`.
    fn magazine_bytes(class: usize) -> usize {
        class_layout(class).size() * MAGAZINE
    }

    fn depot_take(class: usize) -> Option<Magazine> {
        let magazine = DEPOT[class]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()?;
        DEPOT_HELD.fetch_sub(magazine_bytes(class), Relaxed);
        Some(magazine)
    }

    fn depot_give(class: usize, magazine: Magazine) {
        // Reserve before pushing, so the budget holds across classes without a global lock.
        let bytes = magazine_bytes(class);
        if DEPOT_HELD.fetch_add(bytes, Relaxed) + bytes > DEPOT_BYTES {
            DEPOT_HELD.fetch_sub(bytes, Relaxed);
            magazine.release(class);
        } else {
            DEPOT[class]
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(magazine);
        }
    }

    pub(super) fn allocate(class: usize) -> NonNull<u8> {
        // A thread whose cache is gone (its exit has begun) or in use (an allocator that
        // spawns a task from inside this code) uses the global allocator.
        let cached = CACHE.try_with(|cache| cache.try_borrow_mut().ok()?.0[class].pop(class));
        match cached {
            Ok(Some(cell)) => cell,
            _ => system_allocate(class_layout(class)),
        }
    }

    /// # Safety
    /// `cell` came from [`allocate`] for `class`, and nothing uses it any more.
    pub(super) unsafe fn deallocate(cell: NonNull<u8>, class: usize) {
        let cached = CACHE.try_with(|cache| {
            let mut cache = cache.try_borrow_mut().ok()?;
            // SAFETY: a block of the class layout (from `allocate`), given up by the caller.
            unsafe { cache.0[class].push(cell, class) };
            Some(())
        });
        if !matches!(cached, Ok(Some(()))) {
            // SAFETY: as above; every cached-class block comes from the global allocator.
            unsafe { std::alloc::dealloc(cell.as_ptr(), class_layout(class)) };
        }
    }

    #[cfg(test)]
    pub(super) fn depot_len(class: usize) -> usize {
        DEPOT[class]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    #[cfg(test)]
    pub(super) fn depot_held() -> usize {
        DEPOT_HELD.load(Relaxed)
    }
}

#[cfg(all(test, not(any(loom, weft_no_task_cache))))]
mod tests {
    //! Each test uses a size class of its own that no task cell falls in (cells are larger
    //! than 64 bytes), so tests running beside it cannot move its magazines.

    use super::magazines::{DEPOT_BYTES, GRANULE, MAGAZINE, class_of, depot_held, depot_len};
    use super::*;
    use std::collections::HashSet;

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    /// A cell pointer that may move to another thread to be freed there.
    struct SendPtr(NonNull<u8>);

    // SAFETY: the pointee is plain memory from `allocate`, owned by whoever holds the
    // pointer; the receiving thread only passes it to `deallocate`.
    unsafe impl Send for SendPtr {}

    #[test]
    fn sizes_share_a_class_up_to_the_granule_and_big_or_overaligned_cells_are_not_cached() {
        assert_eq!(class_of(layout(1)), Some(0));
        assert_eq!(class_of(layout(GRANULE)), Some(0));
        assert_eq!(class_of(layout(GRANULE + 1)), Some(1));
        assert_eq!(class_of(layout(4096)), None);
        assert_eq!(class_of(Layout::from_size_align(64, 64).unwrap()), None);
    }

    #[test]
    fn a_thread_reuses_the_cells_it_freed() {
        let layout = layout(17);
        let cells: Vec<_> = (0..MAGAZINE).map(|_| allocate(layout)).collect();
        let freed: HashSet<_> = cells.iter().copied().collect();
        for &cell in &cells {
            // SAFETY: from `allocate` with this layout, unused.
            unsafe { deallocate(cell, layout) };
        }
        for _ in 0..MAGAZINE {
            let cell = allocate(layout);
            assert!(freed.contains(&cell), "a freed cell was not reused");
            // SAFETY: as above. It goes back to this thread's cache, which `allocate` pops
            // from first, so the next allocation reuses it again.
            unsafe { deallocate(cell, layout) };
        }
    }

    #[test]
    fn cells_freed_on_another_thread_come_back_to_the_allocating_one() {
        let layout = layout(40);
        // Two magazines' worth, so the freeing thread fills its loaded and spare magazines and
        // hands the spare to the depot; its exit hands the other one over too.
        // Pointers with their provenance, in a `Send` wrapper (not addresses cast to
        // `usize`, which Miri's strict provenance rejects).
        let cells: Vec<SendPtr> = (0..2 * MAGAZINE)
            .map(|_| SendPtr(allocate(layout)))
            .collect();
        let freed: HashSet<*mut u8> = cells.iter().map(|c| c.0.as_ptr()).collect();
        std::thread::spawn(move || {
            for cell in cells {
                // SAFETY: from `allocate` with this layout on the main thread, unused.
                unsafe { deallocate(cell.0, layout) };
            }
        })
        .join()
        .unwrap();
        let class = class_of(layout).unwrap();
        assert_eq!(depot_len(class), 2, "both magazines reach the depot");
        let again: Vec<_> = (0..2 * MAGAZINE).map(|_| allocate(layout)).collect();
        for cell in &again {
            assert!(freed.contains(&cell.as_ptr()));
        }
        assert_eq!(depot_len(class), 0);
        for cell in again {
            // SAFETY: from `allocate` with this layout, unused.
            unsafe { deallocate(cell, layout) };
        }
    }

    #[test]
    fn the_depot_keeps_a_bounded_number_of_bytes() {
        let layout = layout(64);
        let class = class_of(layout).unwrap();
        // Twice the whole budget in this class alone.
        let cells = 2 * DEPOT_BYTES / 64;
        std::thread::spawn(move || {
            let all: Vec<_> = (0..cells).map(|_| allocate(layout)).collect();
            for cell in all {
                // SAFETY: from `allocate` with this layout, unused.
                unsafe { deallocate(cell, layout) };
            }
        })
        .join()
        .unwrap();
        let kept = depot_len(class) * 64 * MAGAZINE;
        assert!(kept > 0, "the depot kept nothing");
        assert!(
            kept <= DEPOT_BYTES,
            "the depot kept {kept} bytes of one class"
        );
        assert!(depot_held() <= DEPOT_BYTES);
    }
}
