//! [`Queue`]: the first-in, first-out queue (asyncio's `Queue`), backed by a `VecDeque`.

use std::collections::VecDeque;

use crate::loom::Arc;
use crate::queue::core::{Buffer, QueueCore};

queue_handle! {
    /// A first-in, first-out queue (asyncio's `Queue`): thread-safe, cloneable, unbounded or
    /// bounded, with async, non-blocking and blocking operations that share one FIFO of
    /// waiters.
    ///
    /// ```
    #[doc = doc_block_on!()]
    /// use weft_sync::Queue;
    ///
    /// let q = Queue::bounded(2);
    /// // A plain thread feeds the queue; `None` marks the end (asyncio's sentinel pattern).
    /// let feeder = {
    ///     let q = q.clone();
    ///     std::thread::spawn(move || {
    ///         for n in 1..=3 {
    ///             q.put_blocking(Some(n)).unwrap();
    ///         }
    ///         q.put_blocking(None).unwrap();
    ///     })
    /// };
    /// let total = block_on(async {
    ///     let mut total = 0;
    ///     while let Some(n) = q.get().await.unwrap() {
    ///         total += n;
    ///     }
    ///     total
    /// });
    /// assert_eq!(total, 6);
    /// feeder.join().unwrap();
    /// ```
    Queue
}

impl<T> Queue<T> {
    /// Creates an unbounded FIFO queue.
    ///
    /// ```
    /// let q = weft_sync::Queue::new();
    /// q.put_nowait(1).unwrap();
    /// q.put_nowait(2).unwrap();
    /// assert_eq!(q.get_nowait(), Ok(1));
    /// ```
    pub fn new() -> Self {
        Self::bounded(0)
    }

    /// Creates a FIFO queue holding at most `maxsize` items; `0` means unbounded (as in
    /// asyncio).
    ///
    /// ```
    /// let q = weft_sync::Queue::bounded(1);
    /// q.put_nowait(1).unwrap();
    /// assert!(q.put_nowait(2).is_err());
    /// ```
    pub fn bounded(maxsize: usize) -> Self {
        Queue {
            core: Arc::new(QueueCore::new(Buffer::Fifo(VecDeque::new()), maxsize)),
        }
    }
}

impl<T> Default for Queue<T> {
    /// An unbounded FIFO queue.
    ///
    /// ```
    /// let q: weft_sync::Queue<u8> = Default::default();
    /// assert_eq!(q.maxsize(), 0);
    /// ```
    fn default() -> Self {
        Self::new()
    }
}
