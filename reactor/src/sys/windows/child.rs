//! How a child's exit is noticed on Windows without a thread per child: a registered wait.
//!
//! A process handle is signalled when the process exits. `RegisterWaitForSingleObject`
//! hands the handle to the OS thread pool, whose wait threads each watch up to 63 handles
//! at once, and runs a callback there when it is signalled: the callback marks the exit and
//! wakes the task that waits (the twin of a Linux pidfd turning readable). The callback runs
//! on a foreign thread, so it only sets an atomic flag and wakes a waker, which is what a
//! `Waker` is for.
//!
//! The watch owns a duplicate of the process handle, so the handle it waits on cannot be
//! closed under it whatever the caller does with its `Child`. Dropping the watch unregisters
//! the wait with `UnregisterWaitEx(INVALID_HANDLE_VALUE)`, which also waits for a callback
//! that is running right now to return; only then is the state the callback uses released.
//! `kill` is std's `Child::kill` (`TerminateProcess`); Windows has no other signals to send.

use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, OwnedHandle};
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::System::Threading;

/// What the callback and the waiting task share.
#[derive(Debug, Default)]
struct ExitState {
    exited: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

/// A registered wait for one process's exit; see the module docs.
///
/// ```no_run
/// use std::future::poll_fn;
/// use std::os::windows::io::AsHandle;
/// let mut child = std::process::Command::new("cmd").args(["/c", "exit"]).spawn()?;
/// let watch = weft_reactor::sys::child::ExitWatch::new(child.as_handle())?;
/// # weft_reactor::doc_support::block_on(async {
/// poll_fn(|cx| watch.poll_exited(cx)).await; // no thread blocks in the meantime
/// # });
/// assert!(child.try_wait()?.is_some());
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct ExitWatch {
    /// The wait object `RegisterWaitForSingleObject` gave back.
    wait: HANDLE,
    /// One reference is lent to the callback as its context; `Drop` takes it back.
    state: Arc<ExitState>,
    /// Our own duplicate of the process handle: open as long as the wait is registered.
    _process: OwnedHandle,
}

// SAFETY: `wait` is an opaque handle that the OS lets any thread unregister; the rest is
// `Send + Sync` on its own.
unsafe impl Send for ExitWatch {}
// SAFETY: as above; `&ExitWatch` only reads the shared state, never `wait`.
unsafe impl Sync for ExitWatch {}

impl ExitWatch {
    /// Starts watching `process` (a process handle, such as a `Child`'s) for its exit.
    ///
    /// # Errors
    ///
    /// The OS error when the handle cannot be duplicated or the wait cannot be registered.
    pub fn new(process: BorrowedHandle<'_>) -> io::Result<ExitWatch> {
        let process = process.try_clone_to_owned()?;
        let state = Arc::new(ExitState::default());
        let context = Arc::into_raw(state.clone());
        let mut wait: HANDLE = ptr::null_mut();
        // SAFETY: `wait` is a live out-pointer; `process` is an open process handle that this
        // watch owns and keeps open until the wait is unregistered in `Drop`; `context` is a
        // strong reference to `state` that stays valid until `Drop` takes it back, after
        // `UnregisterWaitEx` has waited out every callback, so `on_exit` never sees it freed.
        let registered = unsafe {
            Threading::RegisterWaitForSingleObject(
                &mut wait,
                process.as_raw_handle(),
                Some(on_exit),
                context.cast(),
                Threading::INFINITE,
                Threading::WT_EXECUTEONLYONCE,
            )
        };
        if registered == 0 {
            let err = io::Error::last_os_error();
            // SAFETY: the registration failed, so no callback holds `context`: take it back.
            drop(unsafe { Arc::from_raw(context) });
            return Err(err);
        }
        Ok(ExitWatch {
            wait,
            state,
            _process: process,
        })
    }

    /// `Ready` once the process has exited; otherwise stores `cx`'s waker (replacing the one
    /// stored before) to be woken when it does.
    pub fn poll_exited(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.exited.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        let replaced = self.state.waker.lock().replace(cx.waker().clone());
        drop(replaced);
        // Re-check after storing: the callback may have run between the first check and the
        // store, and then it found no waker to wake.
        if self.state.exited.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Whether the process has exited (the callback has run).
    pub fn exited(&self) -> bool {
        self.state.exited.load(Ordering::Acquire)
    }
}

impl Drop for ExitWatch {
    fn drop(&mut self) {
        // SAFETY: `wait` came from a successful registration and is unregistered only here.
        // `INVALID_HANDLE_VALUE` makes the call wait for a running callback to return, so
        // after it no callback uses the context any more.
        let unregistered = unsafe { Threading::UnregisterWaitEx(self.wait, INVALID_HANDLE_VALUE) };
        if unregistered != 0 {
            // SAFETY: the context is the reference `new` lent the callback; no callback runs
            // or will run now, so taking it back is the last use of that reference.
            drop(unsafe { Arc::from_raw(Arc::as_ptr(&self.state)) });
        }
        // If unregistering failed the wait may still fire: the lent reference is leaked on
        // purpose (a few bytes) rather than freed under a callback that may yet use it.
    }
}

/// The thread-pool callback: marks the exit and wakes the waiting task.
unsafe extern "system" fn on_exit(context: *mut core::ffi::c_void, _timed_out: bool) {
    // SAFETY: `context` is the `Arc<ExitState>` reference `ExitWatch::new` lent, which stays
    // alive until `Drop` has unregistered this wait and waited for this callback to return.
    let state = unsafe { &*context.cast::<ExitState>() };
    state.exited.store(true, Ordering::Release);
    let waker = state.waker.lock().take();
    if let Some(waker) = waker {
        // A waker is foreign code: a panic must not unwind into the OS thread pool.
        weft_coop::catch("waker", || waker.wake());
    }
}
