//! The process-wide signal hub: the one handler weft installs, a delivery counter per signal,
//! and the self-pipe that turns a delivery into readiness that any reactor can wait for.
//!
//! A handler may only do async-signal-safe work, so `on_signal` bumps its signal's counter
//! (a lock-free atomic) and writes one byte to the self-pipe with `write(2)`, saving and
//! restoring `errno` around the call. The pipe's write end is non-blocking: when nobody has
//! drained the pipe for a while and it is full, the write fails with `EAGAIN` and the byte is
//! simply dropped. Nothing is lost by that: the counter already holds the delivery, and a full
//! pipe is readable, so a drain — and the wake-ups that follow it — is still to come.
//!
//! A listener registers a [`pipe_reader`] with its reactor (or waits on it some other way),
//! and on readiness [`drain`]s the pipe and compares [`deliveries`] with the count it saw last
//! (several deliveries in a row may coalesce into one wake-up, as with any signal API). One
//! pipe serves every signal and every reactor: the counters say which signal moved. Because a
//! drain empties the pipe for everyone, it also wakes every listener parked with
//! [`wait_with`] (see `waiters.rs`), wherever it waits. Which signals may be listened to is
//! [`SignalKind`]'s policy (`kind.rs`).
//!
//! Counters and the handler live in statics, set up on the first [`listen`] and kept for the
//! life of the process (a handler may fire at any moment, so its pipe is never closed).

mod kind;
mod waiters;

pub use kind::SignalKind;
pub use waiters::{listener_id, stop_waiting, wait_with, waiting};

use std::io::{self, PipeReader, Read};
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Signal numbers below this can be listened to: every standard signal of Linux, macOS and
/// the BSDs, and Linux's real-time ones.
///
/// ```
/// assert!(weft_reactor::sys::signal::MAX_SIGNAL > libc::SIGUSR2 as usize);
/// ```
pub const MAX_SIGNAL: usize = 65;

/// Bytes one [`drain`] reads at most: a storm of signals must not keep one task reading.
const DRAIN_LIMIT: usize = 64 * 1024;

/// Deliveries per signal number, bumped by the handler.
static DELIVERIES: [AtomicUsize; MAX_SIGNAL] = [const { AtomicUsize::new(0) }; MAX_SIGNAL];

/// The self-pipe's write end, for the handler (`-1` until the hub is set up).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The self-pipe's read end; [`pipe_reader`] hands out duplicates of it.
static READ_END: OnceLock<PipeReader> = OnceLock::new();

/// Which signals have the handler installed. Also serialises setting the hub up.
static INSTALLED: Mutex<[bool; MAX_SIGNAL]> = Mutex::new([false; MAX_SIGNAL]);

/// Installs weft's handler for `signum` (once per signal; later calls do nothing) and sets up
/// the self-pipe on first use. From then on every delivery of `signum` bumps
/// [`deliveries`]`(signum)` and makes the pipe readable.
///
/// The handler replaces the signal's previous disposition for the rest of the process (for
/// SIGINT: killing it); a handler installed earlier by other code is not chained.
///
/// # Errors
///
/// `InvalidInput` for SIGKILL, SIGSTOP, the synchronous fault signals (SIGSEGV, SIGBUS,
/// SIGILL, SIGFPE) and numbers that are not signals; the OS error when the pipe cannot be
/// created or `sigaction` refuses the signal.
///
/// ```
/// use weft_reactor::sys::signal::{self, SignalKind};
/// signal::listen(SignalKind::user_defined1())?;
/// let before = signal::deliveries(libc::SIGUSR1);
/// // SAFETY: SIGUSR1 now has weft's handler, so raising it cannot kill the process.
/// unsafe { libc::raise(libc::SIGUSR1) };
/// assert_eq!(signal::deliveries(libc::SIGUSR1), before + 1);
/// # std::io::Result::Ok(())
/// ```
pub fn listen(kind: SignalKind) -> io::Result<()> {
    kind.check()?;
    let signum = kind.as_raw();
    // `check` keeps the number within `1..MAX_SIGNAL`.
    let index = signum as usize;
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    set_up_pipe()?;
    if !installed[index] {
        install_handler(signum)?;
        installed[index] = true;
    }
    Ok(())
}

/// How many times `signum` has been delivered since weft first listened to it (`0` for a
/// number weft cannot listen to). Only differences between two readings mean anything; the
/// count wraps around.
///
/// ```
/// let count = weft_reactor::sys::signal::deliveries(libc::SIGUSR2);
/// let _ = count; // compare with a later reading
/// ```
pub fn deliveries(signum: i32) -> usize {
    usize::try_from(signum)
        .ok()
        .and_then(|i| DELIVERIES.get(i))
        .map_or(0, |count| count.load(Ordering::SeqCst))
}

/// A new descriptor for the self-pipe's read end (non-blocking, close-on-exec), to register
/// with a reactor. Every duplicate reads the same pipe: a [`drain`] through one empties it for
/// all.
///
/// # Errors
///
/// The OS error when the pipe or the duplicate cannot be created (`EMFILE`, ...).
///
/// ```
/// let reader = weft_reactor::sys::signal::pipe_reader()?;
/// // Nothing delivered since the last drain: nothing to read.
/// # let _ = weft_reactor::sys::signal::drain(&reader);
/// let err = weft_reactor::sys::signal::drain(&reader).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
/// # std::io::Result::Ok(())
/// ```
pub fn pipe_reader() -> io::Result<PipeReader> {
    let read_end = match READ_END.get() {
        Some(read_end) => read_end,
        None => {
            let _setup = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
            set_up_pipe()?
        }
    };
    read_end.try_clone()
}

/// Empties the self-pipe (up to a bound, so that a storm of signals cannot keep the caller
/// here), wakes every listener parked with [`wait_with`] when it read anything, and returns
/// how many bytes it read.
///
/// # Errors
///
/// `WouldBlock` when the pipe was already empty — the readiness that led here was stale, so
/// wait for the next one; any other error the OS reports.
///
/// ```
/// use weft_reactor::sys::signal;
/// let reader = signal::pipe_reader()?;
/// signal::listen(signal::SignalKind::user_defined2())?;
/// // SAFETY: SIGUSR2 has weft's handler now.
/// unsafe { libc::raise(libc::SIGUSR2) };
/// assert!(signal::drain(&reader)? >= 1);
/// # std::io::Result::Ok(())
/// ```
pub fn drain(reader: &PipeReader) -> io::Result<usize> {
    let drained = read_pipe(reader)?;
    waiters::wake_all();
    Ok(drained)
}

/// Reads the pipe empty (up to the bound); `WouldBlock` when it was empty already.
fn read_pipe(reader: &PipeReader) -> io::Result<usize> {
    let mut buf = [0u8; 512];
    let mut total = 0;
    loop {
        match (&*reader).read(&mut buf) {
            // The write end is never closed, so end of file cannot happen; if it somehow
            // did, there would be nothing more to drain.
            Ok(0) => return Ok(total),
            Ok(n) => {
                total += n;
                if total >= DRAIN_LIMIT {
                    return Ok(total);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock && total > 0 => return Ok(total),
            Err(err) => return Err(err),
        }
    }
}

/// Creates the self-pipe once (the caller holds `INSTALLED`, so only one thread gets here at
/// a time) and returns its read end.
fn set_up_pipe() -> io::Result<&'static PipeReader> {
    if let Some(read_end) = READ_END.get() {
        return Ok(read_end);
    }
    let (read_end, write_end) = std::io::pipe()?;
    // A full pipe must make the handler's write fail, never block it (that would hang the
    // thread the signal interrupted); the read end is drained until `WouldBlock`.
    super::fd::set_nonblocking(write_end.as_raw_fd())?;
    super::fd::set_nonblocking(read_end.as_raw_fd())?;
    // The handler may run at any moment from now on, so the write end is never closed.
    let write_fd: RawFd = write_end.into_raw_fd();
    WRITE_FD.store(write_fd, Ordering::Release);
    Ok(READ_END.get_or_init(|| read_end))
}

/// Points `signum` at `on_signal`.
fn install_handler(signum: i32) -> io::Result<()> {
    // SAFETY: `action` is zero-initialised (a valid `sigaction`: no handler, no flags) and then
    // filled in; `on_signal` only does async-signal-safe work; the old action is not asked
    // for (null pointer), which sigaction allows.
    let rc = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SA_RESTART: a system call the signal interrupts is resumed, not failed with EINTR,
        // so code elsewhere in the process does not start seeing EINTR because weft listens.
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signum, &action, std::ptr::null_mut())
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

extern "C" fn on_signal(signum: libc::c_int) {
    // Only async-signal-safe work here: atomics, write(2), and errno (thread-local, read and
    // written through its location) saved and restored so the interrupted code sees its own.
    let saved = errno::errno();
    if let Some(count) = usize::try_from(signum).ok().and_then(|i| DELIVERIES.get(i)) {
        count.fetch_add(1, Ordering::SeqCst);
    }
    let fd = WRITE_FD.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `fd` is the pipe's write end, which is never closed once published; `byte`
        // is valid for one byte. The result is ignored on purpose: `EAGAIN` (a full pipe)
        // loses nothing, see the module docs.
        let _ = unsafe { libc::write(fd, (&raw const byte).cast(), 1) };
    }
    errno::set_errno(saved);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn flags(fd: RawFd) -> libc::c_int {
        // SAFETY: F_GETFL takes no pointer; a bad fd is an error, checked below.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        assert!(flags >= 0, "{}", io::Error::last_os_error());
        flags
    }

    #[test]
    fn both_ends_of_the_self_pipe_are_non_blocking() {
        let reader = pipe_reader().unwrap();
        let write_fd = WRITE_FD.load(Ordering::Acquire);
        assert!(write_fd >= 0, "the pipe is set up by pipe_reader");
        assert_ne!(flags(write_fd) & libc::O_NONBLOCK, 0, "write end");
        assert_ne!(flags(reader.as_raw_fd()) & libc::O_NONBLOCK, 0, "read end");
    }

    /// A full pipe must make the handler drop its byte, not block: nobody reads here while far
    /// more signals are raised than the pipe holds, and every one is still counted. With the
    /// pipe full, the handler's `write` fails with `EAGAIN`, which must not leak into the
    /// interrupted code's `errno`.
    #[test]
    fn a_full_pipe_neither_blocks_the_handler_nor_changes_errno() {
        const RAISES: usize = 200_000; // a Linux pipe holds 64 KiB, a macOS one 16-64 KiB
        listen(SignalKind::from_raw(libc::SIGWINCH)).unwrap();
        let before = deliveries(libc::SIGWINCH);
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            for _ in 0..RAISES {
                // SAFETY: SIGWINCH has weft's handler; raise has no other precondition.
                unsafe { libc::raise(libc::SIGWINCH) };
            }
            errno::set_errno(errno::Errno(libc::EDOM));
            // SAFETY: as above.
            unsafe { libc::raise(libc::SIGWINCH) };
            done.send(errno::errno().0).unwrap();
        });
        // A hang guard, not a timing assumption: a blocked handler never finishes.
        let errno_after = finished
            .recv_timeout(Duration::from_secs(120))
            .expect("the signal handler blocked on a full pipe");
        assert_eq!(errno_after, libc::EDOM, "the handler changed errno");
        // raise(3) runs the handler before it returns, so every delivery is counted.
        assert_eq!(deliveries(libc::SIGWINCH).wrapping_sub(before), RAISES + 1);
        let reader = pipe_reader().unwrap();
        assert!(drain(&reader).unwrap() > 0);
    }

    #[test]
    fn out_of_range_numbers_are_refused() {
        for bad in [0, -1, MAX_SIGNAL as i32, 1000] {
            let err = listen(SignalKind::from_raw(bad)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(deliveries(-1), 0);
    }
}
