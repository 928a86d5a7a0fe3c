//! [`TryLockError`]: why a `try_read`/`try_write` got no guard.

use std::error::Error;
use std::fmt;

/// A `try_read*`/`try_write*` call found the lock unavailable: held in a conflicting way,
/// or others queued for it (who are served first).
///
/// ```
/// let lock = weft_sync::RwLock::new(0);
/// let _write = lock.try_write().unwrap();
/// let err = lock.try_read().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "the RwLock is held in a conflicting way or others are queued for it: `.await` \
///      `read()`/`write()` to wait your turn"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the RwLock is held in a conflicting way or others are queued for it: `.await` \
             `read()`/`write()` to wait your turn",
        )
    }
}

impl Error for TryLockError {}
