//! [`LifoQueue`]: the last-in, first-out queue (asyncio's `LifoQueue`), backed by a `Vec`.

use crate::loom::Arc;
use crate::queue::core::{Buffer, QueueCore};

queue_handle! {
    /// A last-in, first-out queue (asyncio's `LifoQueue`): thread-safe, cloneable, unbounded
    /// or bounded, with async, non-blocking and blocking operations.
    ///
    /// ```
    /// let stack = weft_sync::LifoQueue::new();
    /// stack.put_nowait(1).unwrap();
    /// stack.put_nowait(2).unwrap();
    /// assert_eq!(stack.get_nowait(), Ok(2)); // newest first
    /// assert_eq!(stack.get_nowait(), Ok(1));
    /// ```
    LifoQueue
}

impl<T> LifoQueue<T> {
    /// Creates an unbounded LIFO queue.
    ///
    /// ```
    /// let q = weft_sync::LifoQueue::new();
    /// q.put_nowait("a").unwrap();
    /// q.put_nowait("b").unwrap();
    /// assert_eq!(q.get_nowait(), Ok("b"));
    /// ```
    pub fn new() -> Self {
        Self::bounded(0)
    }

    /// Creates a LIFO queue holding at most `maxsize` items; `0` means unbounded (as in
    /// asyncio).
    ///
    /// ```
    /// let q = weft_sync::LifoQueue::<u8>::bounded(2);
    /// assert_eq!(q.maxsize(), 2);
    /// ```
    pub fn bounded(maxsize: usize) -> Self {
        LifoQueue {
            core: Arc::new(QueueCore::new(Buffer::Lifo(Vec::new()), maxsize)),
        }
    }
}

impl<T> Default for LifoQueue<T> {
    /// An unbounded LIFO queue.
    ///
    /// ```
    /// let q: weft_sync::LifoQueue<u8> = Default::default();
    /// assert!(q.empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}
