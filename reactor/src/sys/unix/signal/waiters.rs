//! The listeners waiting for a delivery, one waker each, keyed by listener id.
//!
//! The pipe is shared by every listener in every runtime, and once one of them drains it the
//! others' reactors may never see it readable: so whoever drains wakes everyone waiting here
//! ([`super::drain`] does it), and each woken listener checks its own counter. A listener
//! polled again replaces its own entry, so the table never holds more entries than there are
//! waiting listeners.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

static WAITING: LazyLock<Mutex<HashMap<u64, Waker>>> = LazyLock::new(Default::default);

/// A fresh listener id for [`wait_with`].
///
/// ```
/// use weft_reactor::sys::signal;
/// assert_ne!(signal::listener_id(), signal::listener_id());
/// ```
pub fn listener_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Parks `waker` as listener `id`'s until the next drain of the pipe (replacing the one it
/// parked before, unless that one would wake the same task anyway).
///
/// ```
/// use weft_reactor::sys::signal;
/// let id = signal::listener_id();
/// signal::wait_with(id, std::task::Waker::noop());
/// signal::stop_waiting(id);
/// ```
pub fn wait_with(id: u64, waker: &Waker) {
    let mut waiting = WAITING.lock();
    match waiting.get(&id) {
        Some(parked) if parked.will_wake(waker) => {}
        _ => {
            let replaced = waiting.insert(id, waker.clone());
            drop(waiting);
            // A waker's `Drop` is foreign code: never run it under the table's lock.
            drop(replaced);
        }
    }
}

/// Removes listener `id`'s waker (the listener is dropped).
///
/// ```
/// weft_reactor::sys::signal::stop_waiting(u64::MAX); // unknown ids are ignored
/// ```
pub fn stop_waiting(id: u64) {
    let removed = WAITING.lock().remove(&id);
    drop(removed);
}

/// How many listeners have a waker parked: at most one each, whatever polled them.
///
/// ```
/// let _ = weft_reactor::sys::signal::waiting();
/// ```
pub fn waiting() -> usize {
    WAITING.lock().len()
}

/// Wakes every parked listener. Wakers are user code: a panicking one is reported, and the
/// rest are still woken.
pub(super) fn wake_all() {
    let wakers = std::mem::take(&mut *WAITING.lock());
    for (_, waker) in wakers {
        weft_coop::catch("waker", || waker.wake());
    }
}
