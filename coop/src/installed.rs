//! What a thread has installed for the reporter and the offload: a value of its own, or a
//! lookup to ask when it is needed.
//!
//! The lookup form is what entering a runtime installs: a function pointer, copied in and
//! out of the thread-local, so entering clones nothing and the runtime that answers is the
//! one current on the thread when the value is needed.

/// A thread's own value, or a lookup for one.
#[derive(Clone)]
pub(crate) enum Installed<T> {
    /// Set on the thread by a guard.
    Own(T),
    /// Asked each time the value is needed.
    Lookup(fn() -> Option<T>),
}

impl<T> Installed<T> {
    /// The value, asking the lookup if that is what is installed.
    pub(crate) fn resolve(self) -> Option<T> {
        match self {
            Installed::Own(value) => Some(value),
            Installed::Lookup(lookup) => lookup(),
        }
    }
}
