//! One place that decides whether the concurrency primitives are std/parking_lot or loom's.
//!
//! The task state machine and the parking protocol are compiled against these names, so the
//! same code is model-checked under `RUSTFLAGS="--cfg loom"` and runs at full speed otherwise.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, fence};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, fence};

/// An `UnsafeCell` with loom's closure-based access API, so loom can track every access.
pub(crate) use weft_coop::loom_shim::UnsafeCell;

/// Offers the CPU to another thread in a spin-wait: loom's under `--cfg loom`, which must see
/// every spin loop yield to explore it. (Only the paused clock's handshake spins.)
#[cfg(all(not(loom), feature = "test-util"))]
pub(crate) use std::thread::yield_now;

#[cfg(all(loom, feature = "test-util"))]
pub(crate) use loom::thread::yield_now;

/// A thread-local that is loom's under `--cfg loom` (see `weft_coop::loom_local`).
pub(crate) use weft_coop::loom_local as local;

/// A mutex whose `lock` cannot fail, over parking_lot normally and loom's under `cfg(loom)`.
#[cfg(not(loom))]
pub(crate) use parking_lot::{Condvar, Mutex};

#[cfg(loom)]
pub(crate) use self::loom_mutex::{Condvar, Mutex};

#[cfg(loom)]
mod loom_mutex {
    pub(crate) use weft_coop::loom_shim::Mutex;
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    /// loom's condvar with parking_lot's `&mut guard` API. loom has no clock, so the timed
    /// waits are plain waits that report no timeout: a model must end them with a notify.
    #[derive(Debug, Default)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    /// parking_lot's `WaitTimeoutResult`, for the timed waits.
    pub(crate) struct WaitTimeoutResult;

    impl WaitTimeoutResult {
        pub(crate) fn timed_out(&self) -> bool {
            false
        }
    }

    impl Condvar {
        pub(crate) fn new() -> Self {
            Self(loom::sync::Condvar::new())
        }
        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            replace_guard(guard, |g| self.0.wait(g).unwrap());
        }
        pub(crate) fn wait_until<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            _deadline: std::time::Instant,
        ) -> WaitTimeoutResult {
            self.wait(guard);
            WaitTimeoutResult
        }
        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }
        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    fn replace_guard<'a, T>(
        slot: &mut MutexGuard<'a, T>,
        f: impl FnOnce(MutexGuard<'a, T>) -> MutexGuard<'a, T>,
    ) {
        // SAFETY: the guard is read out and a new one written back before anything else can
        // observe `slot`; `f` (a condvar wait) does not panic except on poisoning, which loom
        // reports as a failed model anyway, and we abort in that case rather than double-drop.
        unsafe {
            let old = std::ptr::read(slot);
            let abort = AbortOnUnwind;
            let new = f(old);
            std::mem::forget(abort);
            std::ptr::write(slot, new);
        }
    }

    struct AbortOnUnwind;
    impl Drop for AbortOnUnwind {
        fn drop(&mut self) {
            std::process::abort();
        }
    }
}

/// Starting and joining threads: std's, or loom's model threads under `--cfg loom`.
pub(crate) mod thread {
    use std::io;

    /// A started thread, joinable.
    #[derive(Debug)]
    pub(crate) struct JoinHandle {
        #[cfg(not(loom))]
        inner: std::thread::JoinHandle<()>,
        #[cfg(loom)]
        inner: loom::thread::JoinHandle<()>,
        #[cfg(loom)]
        id: loom::thread::ThreadId,
    }

    /// Starts a thread named `name` running `f`, with a stack of `stack_size` bytes if given.
    pub(crate) fn spawn(
        name: String,
        stack_size: Option<usize>,
        f: impl FnOnce() + Send + 'static,
    ) -> io::Result<JoinHandle> {
        #[cfg(not(loom))]
        {
            let mut builder = std::thread::Builder::new().name(name);
            if let Some(bytes) = stack_size {
                builder = builder.stack_size(bytes);
            }
            let inner = builder.spawn(f)?;
            Ok(JoinHandle { inner })
        }
        #[cfg(loom)]
        {
            let _ = (name, stack_size);
            let inner = loom::thread::spawn(f);
            let id = inner.thread().id();
            Ok(JoinHandle { inner, id })
        }
    }

    impl JoinHandle {
        /// Whether the thread has ended (loom: never known, so never pruned early).
        pub(crate) fn is_finished(&self) -> bool {
            #[cfg(not(loom))]
            return self.inner.is_finished();
            #[cfg(loom)]
            return false;
        }

        /// Whether this is the calling thread (which must not join itself).
        pub(crate) fn is_current(&self) -> bool {
            #[cfg(not(loom))]
            return self.inner.thread().id() == std::thread::current().id();
            #[cfg(loom)]
            return self.id == loom::thread::current().id();
        }

        /// Waits for the thread to end; its panic, if any, is discarded.
        pub(crate) fn join(self) {
            let _ = self.inner.join();
        }
    }
}
