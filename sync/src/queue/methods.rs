//! The public queue handle, stamped out once per queue kind.
//!
//! `Queue`, `LifoQueue` and `PriorityQueue` are distinct types (as in asyncio) with the same
//! methods over the same [`QueueCore`](super::core::QueueCore); only their constructors
//! differ. A macro writes the shared part once, documentation and examples included, so the
//! three cannot drift apart. Examples use a single item (or order-independent checks) so the
//! same text holds for every kind.

/// Defines a queue handle type named `$name` with every method the queue kinds share.
macro_rules! queue_handle {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name<T> {
            core: $crate::loom::Arc<$crate::queue::core::QueueCore<T>>,
        }

        impl<T> $name<T> {
            /// Adds `item`, waiting for room if the queue is bounded and full.
            ///
            /// Putters are served in FIFO order. Cancel-safe: a dropped `put` never adds its
            /// item. After [`shutdown`](Self::shutdown) the item is refused and comes back in
            /// [`QueueShutDown`](crate::QueueShutDown).
            ///
            /// ```
            #[doc = doc_block_on!()]
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::bounded(1);")]
            /// block_on(async {
            ///     q.put(7).await.unwrap();
            ///     assert_eq!(q.get().await, Ok(7));
            /// });
            /// ```
            #[track_caller]
            pub fn put(&self, item: T) -> $crate::queue::Put<'_, T> {
                $crate::queue::Put::new(&self.core, item)
            }

            /// Removes and returns an item, waiting for one if the queue is empty.
            ///
            /// Getters are served in FIFO order. Cancel-safe: a dropped `get` never loses an
            /// item. After [`shutdown`](Self::shutdown), gets keep draining the remaining
            /// items, then fail with [`QueueShutDown`](crate::QueueShutDown).
            ///
            /// ```
            #[doc = doc_block_on!()]
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// let producer = {
            ///     let q = q.clone();
            ///     std::thread::spawn(move || q.put_nowait(1).unwrap())
            /// };
            /// assert_eq!(block_on(q.get()), Ok(1));
            /// producer.join().unwrap();
            /// ```
            #[track_caller]
            pub fn get(&self) -> $crate::queue::Get<'_, T> {
                $crate::queue::Get::new(&self.core)
            }

            /// The items as a `futures_core::Stream`, in the order `get` would return them;
            /// it ends once the queue is shut down and its items are drained.
            ///
            /// ```
            #[doc = doc_block_on!()]
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// q.put_nowait(7).unwrap();
            /// q.shutdown(false);
            /// let mut items = q.stream();
            /// let first = block_on(std::future::poll_fn(|cx| {
            ///     futures_core::Stream::poll_next(std::pin::Pin::new(&mut items), cx)
            /// }));
            /// assert_eq!(first, Some(7));
            /// ```
            #[track_caller]
            pub fn stream(&self) -> $crate::queue::QueueStream<'_, T> {
                $crate::queue::QueueStream::new(&self.core)
            }

            /// Adds `item` without waiting; refused (with the item back) if the queue is full
            /// or shut down.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::bounded(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.put_nowait(2).unwrap_err().into_inner(), 2);
            /// ```
            pub fn put_nowait(&self, item: T) -> Result<(), $crate::PutNowaitError<T>> {
                self.core.put_nowait(item)
            }

            /// Removes and returns an item without waiting.
            ///
            /// Fails with [`QueueEmpty`](crate::QueueEmpty) when no item is available (items
            /// already promised to waiting `get`s are not available), or with
            /// [`QueueShutDown`](crate::QueueShutDown) once the queue is shut down and empty.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// assert!(q.get_nowait().is_err());
            /// q.put_nowait('a').unwrap();
            /// assert_eq!(q.get_nowait(), Ok('a'));
            /// ```
            pub fn get_nowait(&self) -> Result<T, $crate::GetNowaitError> {
                self.core.get_nowait()
            }

            /// Adds `item` from a plain (non-async) thread, blocking it while the queue is
            /// full.
            ///
            /// The thread waits in the same FIFO as async putters.
            ///
            /// # Panics
            ///
            /// On a weft worker thread (inside an async task), where blocking would stall
            /// every task queued behind it: `put(item).await` there instead.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::bounded(4);")]
            /// let feeder = {
            ///     let q = q.clone();
            ///     std::thread::spawn(move || (0..8).for_each(|n| q.put_blocking(n).unwrap()))
            /// };
            /// let mut got: Vec<i32> = (0..8).map(|_| q.get_blocking().unwrap()).collect();
            /// got.sort();
            /// assert_eq!(got, (0..8).collect::<Vec<_>>());
            /// feeder.join().unwrap();
            /// ```
            #[track_caller]
            pub fn put_blocking(&self, item: T) -> Result<(), $crate::QueueShutDown<T>> {
                $crate::block_on::block_on("put_blocking", self.put(item))
            }

            /// Removes and returns an item from a plain (non-async) thread, blocking it while
            /// the queue is empty.
            ///
            /// The thread waits in the same FIFO as async getters.
            ///
            /// # Panics
            ///
            /// On a weft worker thread (inside an async task), where blocking would stall
            /// every task queued behind it: `get().await` there instead.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// q.put_nowait(5).unwrap();
            /// assert_eq!(q.get_blocking(), Ok(5));
            /// q.shutdown(false);
            /// assert!(q.get_blocking().is_err()); // shut down and empty: no blocking
            /// ```
            #[track_caller]
            pub fn get_blocking(&self) -> Result<T, $crate::QueueShutDown> {
                $crate::block_on::block_on("get_blocking", self.get())
            }

            /// [`put_blocking`](Self::put_blocking) that gives up after `timeout`, handing the
            /// item back.
            ///
            /// If room was promised to this call just as the timeout expired, the item is
            /// added and the call succeeds: a timeout never wastes a grant.
            ///
            /// # Panics
            ///
            /// On a weft worker thread, like [`put_blocking`](Self::put_blocking).
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::bounded(1);")]
            /// assert!(q.put_blocking_timeout(1, Duration::from_secs(5)).is_ok());
            /// let err = q.put_blocking_timeout(2, Duration::from_millis(1)).unwrap_err();
            /// assert_eq!(err.into_inner(), 2);
            /// ```
            #[track_caller]
            pub fn put_blocking_timeout(
                &self,
                item: T,
                timeout: std::time::Duration,
            ) -> Result<(), $crate::PutTimeoutError<T>> {
                let deadline = std::time::Instant::now().checked_add(timeout);
                let mut put = self.put(item);
                let outcome = match $crate::block_on::block_until("put_blocking_timeout", &mut put, deadline) {
                    Some(outcome) => outcome,
                    None => match put.abandon() {
                        Ok(outcome) => outcome,
                        Err(item) => return Err($crate::PutTimeoutError::Timeout(item)),
                    },
                };
                outcome.map_err($crate::PutTimeoutError::ShutDown)
            }

            /// [`get_blocking`](Self::get_blocking) that gives up after `timeout`.
            ///
            /// If an item was promised to this call just as the timeout expired, it is
            /// returned: a timeout never strands an item.
            ///
            /// # Panics
            ///
            /// On a weft worker thread, like [`get_blocking`](Self::get_blocking).
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::<u8>::new();")]
            /// assert!(q.get_blocking_timeout(Duration::from_millis(1)).unwrap_err().is_timeout());
            /// q.put_nowait(3).unwrap();
            /// assert_eq!(q.get_blocking_timeout(Duration::from_secs(5)), Ok(3));
            /// ```
            #[track_caller]
            pub fn get_blocking_timeout(
                &self,
                timeout: std::time::Duration,
            ) -> Result<T, $crate::GetTimeoutError> {
                let deadline = std::time::Instant::now().checked_add(timeout);
                let mut get = self.get();
                let outcome = match $crate::block_on::block_until("get_blocking_timeout", &mut get, deadline) {
                    Some(outcome) => outcome,
                    None => match get.abandon() {
                        Some(outcome) => outcome,
                        None => return Err($crate::GetTimeoutError::Timeout),
                    },
                };
                outcome.map_err($crate::GetTimeoutError::ShutDown)
            }

            /// Marks one previously taken item as processed, for [`join`](Self::join).
            ///
            /// Fails with [`TaskDoneError`](crate::TaskDoneError) if called more times than
            /// items were put.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// q.put_nowait(1).unwrap();
            /// q.get_nowait().unwrap();
            /// assert!(q.task_done().is_ok());
            /// assert!(q.task_done().is_err()); // more calls than items
            /// ```
            pub fn task_done(&self) -> Result<(), $crate::TaskDoneError> {
                self.core.task_done()
            }

            /// Waits until every item put has been marked done with
            /// [`task_done`](Self::task_done) (or discarded by an immediate shutdown).
            ///
            /// ```
            #[doc = doc_block_on!()]
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// q.put_nowait("work").unwrap();
            /// let worker = {
            ///     let q = q.clone();
            ///     std::thread::spawn(move || {
            ///         let _work = q.get_blocking().unwrap();
            ///         q.task_done().unwrap();
            ///     })
            /// };
            /// block_on(q.join()); // returns once the worker called task_done
            /// worker.join().unwrap();
            /// ```
            #[track_caller]
            pub fn join(&self) -> $crate::queue::Join<'_, T> {
                $crate::queue::Join::new(&self.core)
            }

            /// Number of items in the queue.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.qsize(), 1);
            /// ```
            pub fn qsize(&self) -> usize {
                self.core.qsize()
            }

            /// Whether the queue holds no items.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::<u8>::new();")]
            /// assert!(q.empty());
            /// ```
            pub fn empty(&self) -> bool {
                self.qsize() == 0
            }

            /// Whether a `put_nowait` would be refused for lack of room: the queue is bounded
            /// and its items plus the room already promised to waiting `put`s reach
            /// `maxsize`. Always `false` for an unbounded queue.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::bounded(1);")]
            /// assert!(!q.full());
            /// q.put_nowait(1).unwrap();
            /// assert!(q.full());
            /// ```
            pub fn full(&self) -> bool {
                self.core.full()
            }

            /// The bound given to `bounded`; `0` for an unbounded queue (as in asyncio).
            ///
            /// ```
            #[doc = concat!("assert_eq!(weft_sync::", stringify!($name), "::<u8>::bounded(16).maxsize(), 16);")]
            #[doc = concat!("assert_eq!(weft_sync::", stringify!($name), "::<u8>::new().maxsize(), 0);")]
            /// ```
            pub fn maxsize(&self) -> usize {
                self.core.maxsize()
            }

            /// Shuts the queue down: later puts are refused with their item, gets fail once
            /// the queue is empty, and every blocked caller wakes.
            ///
            /// With `immediate`, the remaining items are discarded too and counted as done,
            /// which can release [`join`](Self::join); items already taken still need their
            /// `task_done`.
            ///
            /// ```
            #[doc = concat!("let q = weft_sync::", stringify!($name), "::new();")]
            /// q.put_nowait(1).unwrap();
            /// q.shutdown(false);
            /// assert_eq!(q.get_nowait(), Ok(1)); // remaining items can still be read
            /// assert!(q.put_nowait(2).unwrap_err().is_shut_down());
            /// assert!(q.get_nowait().unwrap_err().is_shut_down());
            /// ```
            pub fn shutdown(&self, immediate: bool) {
                self.core.shutdown(immediate)
            }
        }

        impl<T> Clone for $name<T> {
            /// Another handle to the same queue.
            ///
            /// ```
            #[doc = concat!("let a = weft_sync::", stringify!($name), "::new();")]
            /// let b = a.clone();
            /// b.put_nowait(1).unwrap();
            /// assert_eq!(a.get_nowait(), Ok(1));
            /// ```
            fn clone(&self) -> Self {
                $name {
                    core: self.core.clone(),
                }
            }
        }

        impl<T> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("qsize", &self.core.qsize())
                    .field("maxsize", &self.core.maxsize())
                    .field("unfinished", &self.core.unfinished())
                    .finish()
            }
        }
    };
}
