//! One place that decides whether the reactor's cross-thread handshakes run on std and
//! parking_lot or on loom's model-checked twins (`RUSTFLAGS="--cfg loom"`), so the loom
//! models in `loom_model.rs` check the code that ships.

#[cfg(not(loom))]
pub(crate) use parking_lot::Mutex;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, fence};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, fence};

#[cfg(loom)]
pub(crate) use loom_mutex::Mutex;
/// A thread-local that is loom's under `--cfg loom` (see `weft_coop::loom_local`).
pub(crate) use weft_coop::loom_local as local;

#[cfg(loom)]
mod loom_mutex {
    /// loom's mutex with parking_lot's infallible `lock`.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            self.0.lock().unwrap()
        }
    }
}
