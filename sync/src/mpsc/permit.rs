//! [`Permit`] and [`OwnedPermit`]: a reserved slot in a bounded channel.
//!
//! The slot was taken from the channel's room when the permit was made, so sending through
//! it needs no room check and cannot fail: it is a lock-free push. A closed receiver keeps
//! waiting until every slot is back or granted to a sender that will give it back, so the
//! messages live permits still owe it arrive. A permit dropped unused gives its slot back,
//! to the oldest waiting sender first, and wakes a closed receiver that may be waiting for
//! it.

use std::fmt;

use super::sender::Sender;

/// One reserved slot, from [`Sender::reserve`] or [`Sender::try_reserve`]: sends one message
/// without waiting and without failing.
///
/// ```
#[doc = doc_block_on!()]
/// let (tx, mut rx) = weft_sync::mpsc::channel(1);
/// block_on(async {
///     let permit = tx.reserve().await.unwrap(); // wait for room first...
///     let value = 6 * 7; // ...then produce the value
///     permit.send(value);
///     assert_eq!(rx.recv().await, Some(42));
/// });
/// ```
#[must_use = "an unused permit gives its slot back as soon as it is dropped"]
pub struct Permit<'a, T> {
    sender: &'a Sender<T>,
}

impl<'a, T> Permit<'a, T> {
    pub(super) fn new(sender: &'a Sender<T>) -> Self {
        Permit { sender }
    }

    /// Sends `value` into the reserved slot. Never fails and never loses the value: if the
    /// receiver was closed meanwhile it still receives it; if the receiver was dropped, the
    /// value is dropped as every queued message is.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// rx.close(); // no new sends...
    /// permit.send("still delivered"); // ...but the permit was granted before the close
    /// assert_eq!(rx.try_recv(), Ok("still delivered"));
    /// ```
    pub fn send(self, value: T) {
        self.sender.chan.send_permitted(value);
        // The slot is now the message's: skip `Drop`, which would give it back. A `Permit`
        // holds only a reference, so forgetting it leaks nothing.
        std::mem::forget(self);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.sender.chan.release_permit();
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// A reserved slot that owns its [`Sender`], from [`Sender::reserve_owned`] or
/// [`Sender::try_reserve_owned`]: `'static`, so it can move into another task.
///
/// ```
/// let (tx, mut rx) = weft_sync::mpsc::channel(1);
/// let permit = tx.try_reserve_owned().unwrap();
/// let worker = std::thread::spawn(move || {
///     permit.send("from the worker"); // gives the sender back, dropped here
/// });
/// worker.join().unwrap();
/// assert_eq!(rx.try_recv(), Ok("from the worker"));
/// ```
#[must_use = "an unused permit gives its slot back as soon as it is dropped"]
pub struct OwnedPermit<T> {
    /// `None` once sent or released.
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    pub(super) fn new(sender: Sender<T>) -> Self {
        OwnedPermit {
            sender: Some(sender),
        }
    }

    /// Sends `value` into the reserved slot (never fails, like [`Permit::send`]) and hands
    /// the sender back.
    ///
    /// ```
    /// let (tx, mut rx) = weft_sync::mpsc::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// tx.try_send(2).unwrap();
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let Some(sender) = self.sender.take() else {
            // Only `send` and `release` take the sender, and both consume the permit.
            unreachable!("OwnedPermit used after it was consumed")
        };
        sender.chan.send_permitted(value);
        sender
    }

    /// Gives the slot back unused and hands the sender back.
    ///
    /// ```
    /// let (tx, _rx) = weft_sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let Some(sender) = self.sender.take() else {
            unreachable!("OwnedPermit used after it was consumed")
        };
        sender.chan.release_permit();
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            sender.chan.release_permit();
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
