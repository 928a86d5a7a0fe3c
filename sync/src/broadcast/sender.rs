//! The sending half of a broadcast channel: fills the slot at the tail and wakes every
//! waiting receiver.

use std::fmt;

use super::Shared;
use super::error::SendError;
use super::receiver::Receiver;
use crate::loom::{Arc, Ordering};
use crate::wake_batch::WakeBatch;

/// The sending half of a [`broadcast`](super) channel. Clone it for more senders; the
/// channel closes when the last one is dropped.
///
/// ```
/// let (tx, mut rx) = weft_sync::broadcast::channel(8);
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send("from a thread").unwrap()).join().unwrap();
/// assert_eq!(rx.try_recv(), Ok("from a thread"));
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    pub(super) fn new(shared: Arc<Shared<T>>) -> Self {
        Sender { shared }
    }

    /// Sends `value` to every current receiver and returns how many there are. Never
    /// waits: when the ring is full the oldest value is overwritten, and receivers that had
    /// not read it get [`Lagged`](super::error::RecvError::Lagged).
    ///
    /// # Errors
    ///
    /// [`SendError`], with the value, when there is no receiver.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::broadcast::channel(4);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send(1).unwrap(), 2);
    /// drop(rx);
    /// drop(_rx2);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let shared = &*self.shared;
        let mut wakers = WakeBatch::new();
        let (receivers, replaced) = {
            let mut tail = shared.tail.lock();
            if tail.receivers == 0 {
                return Err(SendError(value));
            }
            let pos = tail.pos;
            tail.pos = pos.wrapping_add(1);
            let replaced = {
                let mut slot = shared.slot(pos).write();
                slot.pos = pos;
                slot.remaining.store(tail.receivers, Ordering::Release);
                slot.value.replace(value)
            };
            tail.waiters.notify_all(&mut wakers, |()| {});
            (tail.receivers, replaced)
        };
        wakers.wake_all();
        // An overwritten value nobody read is dropped here, after every lock is released.
        drop(replaced);
        Ok(receivers)
    }

    /// A new receiver that will see every value sent from now on.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::broadcast::channel(4);
    /// tx.send("before").unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send("after").unwrap();
    /// assert_eq!(late.try_recv(), Ok("after"));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        subscribe(&self.shared)
    }

    /// How many receivers are alive.
    ///
    /// ```
    /// let (tx, rx) = weft_sync::broadcast::channel::<()>(4);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.tail.lock().receivers
    }

    /// How many values the channel holds: sent, and not yet read by every receiver that was
    /// alive when they were sent, nor overwritten. Takes time proportional to the capacity.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// let mut rx2 = tx.subscribe();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 2); // rx2 has not read 1 yet
    /// rx2.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1); // 1 was read by everyone, and dropped
    /// ```
    pub fn len(&self) -> usize {
        let _tail = self.shared.tail.lock();
        self.shared
            .slots
            .iter()
            .filter(|slot| slot.read().value.is_some())
            .count()
    }

    /// Whether the channel holds no value (see [`len`](Sender::len)).
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// assert!(tx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A receiver starting at the tail: it sees what is sent from now on.
pub(super) fn subscribe<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let next = {
        let mut tail = shared.tail.lock();
        tail.receivers += 1;
        tail.pos
    };
    Receiver::new(shared.clone(), next)
}

impl<T> Clone for Sender<T> {
    /// Another sender on the same channel.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::broadcast::channel(4);
    /// let tx2 = tx.clone();
    /// drop(tx);
    /// tx2.send(5).unwrap(); // still open: tx2 is alive
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender::new(self.shared.clone())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let mut wakers = WakeBatch::new();
        {
            let mut tail = self.shared.tail.lock();
            tail.closed = true;
            tail.waiters.notify_all(&mut wakers, |()| {});
        }
        wakers.wake_all();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = self.shared.tail.lock();
        f.debug_struct("Sender")
            .field("capacity", &self.shared.capacity())
            .field("receivers", &tail.receivers)
            .field("sent", &tail.pos)
            .finish()
    }
}
