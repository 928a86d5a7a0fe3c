//! Unix signals as async events (asyncio's `loop.add_signal_handler`, and `ctrl_c`).
//!
//! A signal handler may do almost nothing safely, so weft's handler only bumps a per-signal
//! counter and writes one byte to a self-pipe. One dispatcher thread (started on first use)
//! blocks on that pipe and wakes every listener of the signals whose counters moved. A
//! [`Signal`] remembers the last count it saw, so deliveries that arrive while nobody is
//! polling are not lost — several deliveries in a row may coalesce into one wake-up, as with
//! any signal API. Listening works from any runtime, or none.
//!
//! Installing a listener replaces the signal's default action (for SIGINT: killing the
//! process) for the rest of the process, as in asyncio; a handler installed earlier by other
//! code is not chained.
//!
//! ```no_run
//! # weft::run(async {
//! weft::signal::ctrl_c().await?;
//! println!("bye");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::task::{Poll, Waker};

/// The signals below this number can be listened to (covers every standard Linux signal).
const MAX_SIGNAL: usize = 65;

/// A signal to listen for.
///
/// ```
/// let k = weft::signal::SignalKind::interrupt();
/// assert_eq!(k.as_raw(), libc::SIGINT);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// SIGINT (Ctrl-C).
    ///
    /// ```
    /// let _ = weft::signal::SignalKind::interrupt();
    /// ```
    pub fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }
    /// SIGTERM (polite termination request).
    ///
    /// ```
    /// let _ = weft::signal::SignalKind::terminate();
    /// ```
    pub fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }
    /// SIGHUP.
    ///
    /// ```
    /// let _ = weft::signal::SignalKind::hangup();
    /// ```
    pub fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }
    /// SIGUSR1.
    ///
    /// ```
    /// let _ = weft::signal::SignalKind::user_defined1();
    /// ```
    pub fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }
    /// SIGUSR2.
    ///
    /// ```
    /// let _ = weft::signal::SignalKind::user_defined2();
    /// ```
    pub fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }
    /// Any signal by number (checked by [`signal`]).
    ///
    /// ```
    /// let _ = weft::signal::SignalKind::from_raw(libc::SIGWINCH);
    /// ```
    pub fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }
    /// The signal number.
    ///
    /// ```
    /// assert_eq!(weft::signal::SignalKind::terminate().as_raw(), libc::SIGTERM);
    /// ```
    pub fn as_raw(self) -> i32 {
        self.0
    }
}

/// A stream of deliveries of one signal; see [`signal`].
///
/// ```no_run
/// # weft::run(async {
/// let mut hup = weft::signal::signal(weft::signal::SignalKind::hangup())?;
/// while hup.recv().await.is_some() {
///     println!("reloading configuration");
/// }
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Signal {
    signum: usize,
    seen: u64,
    /// This listener's key in the registry's waker table.
    id: u64,
}

struct Registry {
    counts: [AtomicU64; MAX_SIGNAL],
    installed: Mutex<[bool; MAX_SIGNAL]>,
    /// One waker per pending listener, keyed by its id: a `recv` polled again replaces its
    /// own entry, so the table never holds more entries than there are listeners.
    wakers: Mutex<HashMap<u64, Waker>>,
    /// The self-pipe's write end, for the handler (`-1` until set up).
    write_fd: AtomicI32,
}

static REGISTRY: OnceLock<Registry> = OnceLock::new();

fn registry() -> io::Result<&'static Registry> {
    if let Some(r) = REGISTRY.get() {
        return Ok(r);
    }
    let (read, write) = self_pipe()?;
    let registry = Registry {
        counts: [const { AtomicU64::new(0) }; MAX_SIGNAL],
        installed: Mutex::new([false; MAX_SIGNAL]),
        wakers: Mutex::new(HashMap::new()),
        write_fd: AtomicI32::new(-1),
    };
    let mut fresh = false;
    let registry = REGISTRY.get_or_init(|| {
        fresh = true;
        registry
    });
    if fresh {
        // The write end lives as long as the process: the handler may fire at any time.
        registry
            .write_fd
            .store(write.as_raw_fd(), Ordering::Release);
        std::mem::forget(write);
        std::thread::Builder::new()
            .name("weft-signal".into())
            .spawn(move || dispatch(read, registry))?;
    }
    Ok(registry)
}

fn self_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid two-element out-array; pipe2 writes two new descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The dispatcher thread: sleeps on the self-pipe, wakes listeners after each delivery.
fn dispatch(read: OwnedFd, registry: &'static Registry) {
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: `buf` is valid for `buf.len()` bytes and `read` is an open descriptor.
        let n = unsafe { libc::read(read.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            return;
        }
        let wakers = std::mem::take(&mut *registry.wakers.lock());
        for (_, waker) in wakers {
            weft_coop::catch("waker", || waker.wake());
        }
    }
}

extern "C" fn on_signal(signum: libc::c_int) {
    // Only async-signal-safe work here: atomics and write(2); errno is preserved.
    let Some(registry) = REGISTRY.get() else {
        return;
    };
    if let Some(count) = usize::try_from(signum)
        .ok()
        .and_then(|i| registry.counts.get(i))
    {
        count.fetch_add(1, Ordering::SeqCst);
    }
    let fd: RawFd = registry.write_fd.load(Ordering::Acquire);
    if fd >= 0 {
        // SAFETY: errno is thread-local and valid in a handler; it is saved and restored
        // around write(2) so the interrupted code sees its own value.
        unsafe {
            let errno = *libc::__errno_location();
            let byte = 1u8;
            libc::write(fd, (&raw const byte).cast(), 1);
            *libc::__errno_location() = errno;
        }
    }
}

/// Listens for `kind` from now on (asyncio's `add_signal_handler`). Each listener sees every
/// delivery that happens after it was created (bursts may coalesce).
///
/// # Errors
///
/// `InvalidInput` for SIGKILL, SIGSTOP, the synchronous fault signals (SIGSEGV, SIGBUS,
/// SIGILL, SIGFPE) and numbers that are not signals; the OS error if the handler cannot be
/// installed.
///
/// ```
/// # weft::run(async {
/// let mut usr1 = weft::signal::signal(weft::signal::SignalKind::user_defined1())?;
/// // Raising a signal that has a listener is harmless.
/// unsafe { libc::raise(libc::SIGUSR1) };
/// assert!(usr1.recv().await.is_some());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.0;
    let forbidden = [
        libc::SIGKILL,
        libc::SIGSTOP,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
    ];
    let index = usize::try_from(signum)
        .ok()
        .filter(|&i| i > 0 && i < MAX_SIGNAL && !forbidden.contains(&signum));
    let Some(index) = index else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "signal {signum} cannot be listened to (it is not a signal, or it cannot be caught safely)"
            ),
        ));
    };
    let registry = registry()?;
    let mut installed = registry.installed.lock();
    if !installed[index] {
        // SAFETY: `action` is zero-initialised and then filled in; `on_signal` only does
        // async-signal-safe work; the old action is not needed.
        let rc = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signum, &action, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        installed[index] = true;
    }
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    Ok(Signal {
        signum: index,
        seen: registry.counts[index].load(Ordering::SeqCst),
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
    })
}

impl Signal {
    /// Waits for the next delivery. Always `Some` (the stream never ends); an `Option` so it
    /// reads like other streams in a `while let`.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut usr2 = weft::signal::signal(weft::signal::SignalKind::user_defined2())?;
    /// unsafe { libc::raise(libc::SIGUSR2) };
    /// usr2.recv().await;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        let Ok(registry) = registry() else {
            return None;
        };
        poll_fn(|cx| {
            let count = registry.counts[self.signum].load(Ordering::SeqCst);
            if count != self.seen {
                self.seen = count;
                return Poll::Ready(Some(()));
            }
            {
                let mut wakers = registry.wakers.lock();
                match wakers.get(&self.id) {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => {
                        wakers.insert(self.id, cx.waker().clone());
                    }
                }
            }
            // Re-check after registering: a delivery in between must not be missed.
            let count = registry.counts[self.signum].load(Ordering::SeqCst);
            if count != self.seen {
                self.seen = count;
                return Poll::Ready(Some(()));
            }
            Poll::Pending
        })
        .await
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some(registry) = REGISTRY.get() {
            let waker = registry.wakers.lock().remove(&self.id);
            drop(waker);
        }
    }
}

/// The number of wakers the signal registry holds: at most one per listener, whatever
/// polled it. For tests of that bound.
///
/// ```
/// let _listener = weft::signal::signal(weft::signal::SignalKind::user_defined2())?;
/// assert_eq!(weft::signal::registered_wakers(), 0); // nobody is waiting yet
/// # std::io::Result::Ok(())
/// ```
#[doc(hidden)]
pub fn registered_wakers() -> usize {
    REGISTRY.get().map_or(0, |r| r.wakers.lock().len())
}

/// Waits for Ctrl-C (SIGINT). The first call stops SIGINT from killing the process.
///
/// ```no_run
/// # weft::run(async {
/// weft::signal::ctrl_c().await?;
/// println!("interrupted: shutting down");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    signal(SignalKind::interrupt())?.recv().await;
    Ok(())
}
