//! [`PriorityQueue`]: the queue that hands out its lowest item first (asyncio's
//! `PriorityQueue`), backed by a binary min-heap.
//!
//! The heap captures `T`'s ordering as a function pointer when the queue is created (where
//! `T: Ord` is known), so the shared queue core stays one non-generic-over-kind type and the
//! rest of the API needs no `Ord` bound. Like asyncio's `heapq`, items that compare equal
//! come out in no particular order; wrap them as `(priority, sequence, item)` for FIFO ties.

use std::fmt;

use crate::loom::Arc;
use crate::queue::core::{Buffer, QueueCore};

/// A binary min-heap ordered by a comparison captured at construction.
pub(crate) struct MinHeap<T> {
    items: Vec<T>,
    less: fn(&T, &T) -> bool,
}

impl<T> MinHeap<T> {
    /// An empty heap ordered by `T`'s `Ord`.
    pub(crate) fn new() -> Self
    where
        T: Ord,
    {
        MinHeap {
            items: Vec::new(),
            less: |a, b| a < b,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn push(&mut self, item: T) {
        self.items.push(item);
        let mut child = self.items.len() - 1;
        while child > 0 {
            let parent = (child - 1) / 2;
            if !(self.less)(&self.items[child], &self.items[parent]) {
                break;
            }
            self.items.swap(child, parent);
            child = parent;
        }
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.items.is_empty() {
            return None;
        }
        let lowest = self.items.swap_remove(0);
        let len = self.items.len();
        let mut parent = 0;
        loop {
            let left = 2 * parent + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && (self.less)(&self.items[right], &self.items[left]) {
                right
            } else {
                left
            };
            if !(self.less)(&self.items[child], &self.items[parent]) {
                break;
            }
            self.items.swap(child, parent);
            parent = child;
        }
        Some(lowest)
    }

    /// Moves every item out into a new heap with the same ordering.
    pub(crate) fn take_all(&mut self) -> Self {
        MinHeap {
            items: std::mem::take(&mut self.items),
            less: self.less,
        }
    }
}

queue_handle! {
    /// A queue that hands out its lowest item first (asyncio's `PriorityQueue`): thread-safe,
    /// cloneable, unbounded or bounded, with async, non-blocking and blocking operations.
    ///
    /// ```
    /// use weft_sync::PriorityQueue;
    ///
    /// let jobs = PriorityQueue::new();
    /// jobs.put_nowait((2, "normal")).unwrap();
    /// jobs.put_nowait((1, "urgent")).unwrap();
    /// assert_eq!(jobs.get_nowait(), Ok((1, "urgent")));
    /// assert_eq!(jobs.get_nowait(), Ok((2, "normal")));
    /// ```
    PriorityQueue
}

impl<T: Ord> PriorityQueue<T> {
    /// Creates an unbounded priority queue.
    ///
    /// ```
    /// let q = weft_sync::PriorityQueue::new();
    /// q.put_nowait(3).unwrap();
    /// q.put_nowait(1).unwrap();
    /// assert_eq!(q.get_nowait(), Ok(1));
    /// ```
    pub fn new() -> Self {
        Self::bounded(0)
    }

    /// Creates a priority queue holding at most `maxsize` items; `0` means unbounded (as in
    /// asyncio).
    ///
    /// ```
    /// let q = weft_sync::PriorityQueue::bounded(1);
    /// q.put_nowait(1).unwrap();
    /// assert!(q.full());
    /// ```
    pub fn bounded(maxsize: usize) -> Self {
        PriorityQueue {
            core: Arc::new(QueueCore::new(Buffer::Priority(MinHeap::new()), maxsize)),
        }
    }
}

impl<T: Ord> Default for PriorityQueue<T> {
    /// An unbounded priority queue.
    ///
    /// ```
    /// let q: weft_sync::PriorityQueue<u8> = Default::default();
    /// assert_eq!(q.maxsize(), 0);
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for MinHeap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MinHeap")
            .field("len", &self.items.len())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::MinHeap;

    #[test]
    fn pops_in_ascending_order() {
        let mut heap = MinHeap::new();
        let input = [5, 3, 9, 1, 1, 7, 0, 8, 2, 6, 4];
        for n in input {
            heap.push(n);
        }
        let mut out = Vec::new();
        while let Some(n) = heap.pop() {
            out.push(n);
        }
        let mut sorted = input.to_vec();
        sorted.sort();
        assert_eq!(out, sorted);
    }
}
