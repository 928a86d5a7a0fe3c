//! Ctrl-C on Windows: a console control handler, a delivery counter, and the listeners'
//! waker table shared with the Unix hub.
//!
//! Windows has no signals to speak of; what a console program gets instead is a control
//! event (Ctrl-C, Ctrl-Break, the console closing), delivered by calling the routines
//! registered with `SetConsoleCtrlHandler` on a thread the system creates for the purpose.
//! That thread is an ordinary one, not an interrupted one, so unlike a Unix signal handler
//! `on_control` may take locks and wake wakers itself: it bumps the Ctrl-C counter and wakes
//! every parked listener directly, and no self-pipe is needed. Listeners use the same
//! counter-and-waker-table scheme as on Unix (a listener compares the counter with the count
//! it saw last; several events in a row may coalesce into one wake-up).
//!
//! Only Ctrl-C is handled (asyncio's `add_signal_handler` is Unix-only too): the routine
//! returns `TRUE` for it, which stops the default action (ending the process) for the rest of
//! the process, and `FALSE` for every other event, which passes it on to the next routine
//! and finally to the default one. Ctrl-Break thus still ends the process;
//! `dump_on_signal` has no Windows meaning and is Unix-only.

#[path = "../unix/signal/waiters.rs"]
mod waiters;

pub use waiters::{listener_id, stop_waiting, wait_with, waiting};

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use windows_sys::Win32::System::Console;
use windows_sys::core::BOOL;

/// Ctrl-C events since the handler was installed.
static CTRL_C: AtomicUsize = AtomicUsize::new(0);

/// Whether the routine is registered. Also serialises registering it.
static INSTALLED: Mutex<bool> = Mutex::new(false);

/// Registers weft's console control routine (once; later calls do nothing). From then on
/// every Ctrl-C bumps [`ctrl_c_deliveries`] and wakes every parked listener, and no longer
/// ends the process.
///
/// # Errors
///
/// The OS error when `SetConsoleCtrlHandler` refuses the routine.
///
/// ```
/// weft_reactor::sys::signal::listen_ctrl_c()?;
/// let before = weft_reactor::sys::signal::ctrl_c_deliveries();
/// let _ = before; // compare with a later reading
/// # std::io::Result::Ok(())
/// ```
pub fn listen_ctrl_c() -> io::Result<()> {
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if !*installed {
        // SAFETY: `on_control` has the `PHANDLER_ROUTINE` signature, stays valid for the life
        // of the process (it is a function), and is never removed.
        if unsafe { Console::SetConsoleCtrlHandler(Some(on_control), 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        *installed = true;
    }
    Ok(())
}

/// How many Ctrl-C events arrived since weft first listened. Only differences between two
/// readings mean anything; the count wraps around.
///
/// ```
/// let count = weft_reactor::sys::signal::ctrl_c_deliveries();
/// let _ = count;
/// ```
pub fn ctrl_c_deliveries() -> usize {
    CTRL_C.load(Ordering::SeqCst)
}

/// Delivers a control event to weft's routine as the console would: how the tests raise a
/// Ctrl-C without a console to press it in (Wine gives a test process none).
///
/// Returns whether the routine handled the event (`TRUE` for Ctrl-C).
#[doc(hidden)]
pub fn deliver(event: u32) -> bool {
    // SAFETY: `on_control` takes any event number and touches only atomics and the table.
    unsafe { on_control(event) != 0 }
}

/// The console control routine; see the module docs.
unsafe extern "system" fn on_control(event: u32) -> BOOL {
    if event != Console::CTRL_C_EVENT {
        return 0;
    }
    CTRL_C.fetch_add(1, Ordering::SeqCst);
    // The routine runs on a thread of its own, so it wakes the listeners itself: there is no
    // interrupted code whose locks it could deadlock on.
    waiters::wake_all();
    1
}
