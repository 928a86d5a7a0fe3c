//! [`DropGuard`]: cancels a token when dropped, unless disarmed.

use std::fmt;

use super::CancellationToken;

/// Cancels its [`CancellationToken`] when dropped, so work tied to a scope is cancelled
/// however the scope is left (return, `?`, panic, or the enclosing future being dropped).
///
/// ```
/// let token = weft_sync::CancellationToken::new();
/// {
///     let _guard = token.clone().drop_guard();
///     // ... the scope's work ...
/// }
/// assert!(token.is_cancelled());
/// ```
#[must_use = "the token is cancelled as soon as the guard is dropped"]
pub struct DropGuard {
    /// `None` once disarmed.
    token: Option<CancellationToken>,
}

impl DropGuard {
    pub(super) fn new(token: CancellationToken) -> Self {
        DropGuard { token: Some(token) }
    }

    /// Gives the token back without cancelling it.
    ///
    /// ```
    /// let token = weft_sync::CancellationToken::new();
    /// let guard = token.clone().drop_guard();
    /// let same = guard.disarm();
    /// assert!(!token.is_cancelled());
    /// same.cancel(); // still the same token
    /// assert!(token.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> CancellationToken {
        match self.token.take() {
            Some(token) => token,
            // Only `disarm` (which consumes the guard) and `Drop` take the token.
            None => unreachable!("DropGuard disarmed twice"),
        }
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            token.cancel();
        }
    }
}

impl fmt::Debug for DropGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropGuard")
            .field("token", &self.token)
            .finish()
    }
}
