//! [`SignalKind`]: which signal to listen for, and which ones may be listened to at all.

use std::io;

/// A signal to listen for.
///
/// ```
/// use weft_reactor::sys::signal::SignalKind;
/// assert_eq!(SignalKind::interrupt().as_raw(), libc::SIGINT);
/// assert_eq!(SignalKind::interrupt().to_string(), "SIGINT");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// SIGINT (Ctrl-C).
    ///
    /// ```
    /// let _ = weft_reactor::sys::signal::SignalKind::interrupt();
    /// ```
    pub fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }
    /// SIGTERM (polite termination request).
    ///
    /// ```
    /// let _ = weft_reactor::sys::signal::SignalKind::terminate();
    /// ```
    pub fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }
    /// SIGHUP.
    ///
    /// ```
    /// let _ = weft_reactor::sys::signal::SignalKind::hangup();
    /// ```
    pub fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }
    /// SIGQUIT (Ctrl-\\), the usual "dump your state" signal.
    ///
    /// ```
    /// let _ = weft_reactor::sys::signal::SignalKind::quit();
    /// ```
    pub fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }
    /// SIGUSR1.
    ///
    /// ```
    /// let _ = weft_reactor::sys::signal::SignalKind::user_defined1();
    /// ```
    pub fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }
    /// SIGUSR2.
    ///
    /// ```
    /// let _ = weft_reactor::sys::signal::SignalKind::user_defined2();
    /// ```
    pub fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }
    /// Any signal by number (checked when listened to).
    ///
    /// ```
    /// let _ = weft_reactor::sys::signal::SignalKind::from_raw(libc::SIGWINCH);
    /// ```
    pub fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }
    /// The signal number.
    ///
    /// ```
    /// use weft_reactor::sys::signal::SignalKind;
    /// assert_eq!(SignalKind::terminate().as_raw(), libc::SIGTERM);
    /// ```
    pub fn as_raw(self) -> i32 {
        self.0
    }

    /// Refuses what must not be listened to: numbers that are not signals weft can handle,
    /// SIGKILL and SIGSTOP (which cannot be caught), and the synchronous fault signals
    /// (SIGSEGV, SIGBUS, SIGILL, SIGFPE: returning from their handler re-runs the fault).
    pub(super) fn check(self) -> io::Result<()> {
        const FORBIDDEN: [i32; 6] = [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGFPE,
        ];
        let valid = usize::try_from(self.0).is_ok_and(|i| i > 0 && i < super::MAX_SIGNAL);
        if !valid || FORBIDDEN.contains(&self.0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "signal {} cannot be listened to (it is not a signal, or it cannot be caught safely)",
                    self.0
                ),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for SignalKind {
    /// The signal's name (`SIGUSR1`) when it is a common one, else `signal <number>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match weft_coop::signal_name(self.0) {
            Some(name) => f.write_str(name),
            None => write!(f, "signal {}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncatchable_and_fault_signals_are_refused() {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1, 1000] {
            let err = SignalKind::from_raw(signum).check().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
        assert!(SignalKind::user_defined1().check().is_ok());
    }
}
