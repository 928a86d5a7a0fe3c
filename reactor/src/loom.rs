//! One place that decides whether the reactor's cross-thread handshakes run on std and
//! parking_lot or on loom's model-checked twins (`RUSTFLAGS="--cfg loom"`), so the loom
//! models in `loom_model.rs` check the code that ships.

#[cfg(not(loom))]
pub(crate) use parking_lot::Mutex;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, fence};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, fence};

/// A thread-local that is loom's under `--cfg loom`, so models that run several loom threads
/// on one OS thread give each its own copy (std's would be shared by all of them).
#[cfg(not(loom))]
macro_rules! local {
    ($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        std::thread_local! { $(#[$meta])* static $name: $ty = const { $init }; }
    };
}

#[cfg(loom)]
macro_rules! local {
    ($(#[$meta:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        loom::thread_local! { $(#[$meta])* static $name: $ty = $init; }
    };
}

pub(crate) use local;
#[cfg(loom)]
pub(crate) use loom_mutex::Mutex;

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
