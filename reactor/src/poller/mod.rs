//! The poller interface the driver and the sources use, with two implementations behind it:
//! a direct epoll backend on Linux (`sys/linux/epoll.rs`) and the `polling` crate
//! (`portable.rs`: epoll, kqueue, event ports, IOCP) everywhere, which is also Linux's
//! fallback and the path that `WEFT_IO_BACKEND=polling` or [`IoBackend::Polling`] selects.
//!
//! The interface is what the reactor needs and no more: add a descriptor under a key
//! (edge-triggered, or oneshot with the wanted directions), modify, delete, wait with a
//! timeout into an event buffer, and notify a waiting thread. An event says which directions
//! are ready. It is an enum, not a trait object: two variants, matched on a hot path, inline.
//!
//! # Why a direct backend, with the numbers
//!
//! `polling`'s epoll backend (3.11) surrounds every `epoll_wait` with a `timerfd_settime` and
//! an `epoll_ctl` to arm its timeout, and an eventfd `read` and another `epoll_ctl` to re-arm
//! its notifier: five syscalls per turn, even for a zero timeout. `strace -c -f` on `tcp_echo` (16 connections × 2,000 round
//! trips × 64 B, 2 workers; `BENCH_ONCE=weft cargo bench -p weft-benches --bench net`), per round trip:
//!
//! | backend | syscalls | `recvfrom` (`EAGAIN`) | `epoll_ctl` | `timerfd_settime` | eventfd `read` | `futex` |
//! |---|---:|---:|---:|---:|---:|---:|
//! | `polling` | 6.89 | 4.0 (2.0) | 0.29 | 0.14 | 0.14 | 0.15 |
//! | direct epoll | 5.25 | 3.0 (1.0) | 0.00 | 0 | 0 | 0.09 |
//! | tokio, same machine | 5.23 | 3.0 (1.0) | 0.00 | 0 | 0 | 0.08 |
//!
//! (Direct epoll's `EAGAIN` count is that of a short read clearing read readiness. The first
//! such shortcut was dropped as unsound; its successor, for plain TCP only and guarded by the
//! stop events only this backend reports, is in `readiness.rs`. On `polling` every message
//! costs the `EAGAIN` read.) On hyper "hello" under `wrk -t1 -c64`, per request: 3.19
//! syscalls on `polling`, 2.07 on direct epoll, 2.07 on tokio. Time per echo round trip went
//! from 1.07 × tokio to level with it (0.97 – 1.03 × in interleaved runs; what remains is the
//! kernel's loopback TCP, ~82% of the profile for both runtimes).
//!
//! So the direct backend is one wait syscall per turn (`epoll_pwait2` when timed, for its
//! nanosecond timeout; `epoll_wait` otherwise) and
//! notifies through an eventfd it never reads (`sys/linux/epoll.rs`). `polling` stays for
//! kqueue and IOCP, as the portable fallback, and tested on Linux: CI runs the network tests
//! a second time with `WEFT_IO_BACKEND=polling`.

mod portable;

use crate::sys::{BorrowedSource, RawSource};
use std::io;
use std::time::Duration;

#[cfg(target_os = "linux")]
use crate::sys::linux::epoll::{Epoll, EpollEvents};

/// Which OS readiness API a reactor drives.
///
/// The default is [`Epoll`](IoBackend::Epoll) on Linux and [`Polling`](IoBackend::Polling)
/// elsewhere; the environment variable `WEFT_IO_BACKEND` (`epoll` or `polling`) overrides the
/// default for every runtime built without an explicit choice.
///
/// ```
/// use weft_reactor::{IoBackend, Reactor};
///
/// let reactor = Reactor::with_backend(IoBackend::Polling)?;
/// assert_eq!(reactor.io_backend(), IoBackend::Polling);
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoBackend {
    /// Linux's epoll driven directly: one wait syscall per turn, `EPOLLRDHUP` reported.
    /// Linux only; elsewhere choosing it is an `Unsupported` error.
    Epoll,
    /// The `polling` crate: epoll, kqueue, event ports or IOCP, whatever the OS has. The
    /// portable backend.
    Polling,
}

impl IoBackend {
    /// The platform's preferred backend, unless `WEFT_IO_BACKEND` names another.
    ///
    /// Fails with `InvalidInput` when the variable holds anything but `epoll` or `polling`,
    /// so a typo is not silently ignored.
    ///
    /// ```
    /// // Whatever the environment says, it names a backend this platform has.
    /// let backend = weft_reactor::IoBackend::from_env()?;
    /// assert!(weft_reactor::Reactor::with_backend(backend).is_ok());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_env() -> io::Result<IoBackend> {
        match std::env::var("WEFT_IO_BACKEND") {
            Ok(name) => name.parse(),
            Err(_) => Ok(IoBackend::platform_default()),
        }
    }

    /// Epoll on Linux, `polling` elsewhere.
    fn platform_default() -> IoBackend {
        if cfg!(target_os = "linux") {
            IoBackend::Epoll
        } else {
            IoBackend::Polling
        }
    }
}

impl std::str::FromStr for IoBackend {
    type Err = io::Error;

    /// `"epoll"` or `"polling"`.
    ///
    /// ```
    /// use weft_reactor::IoBackend;
    /// assert_eq!("polling".parse::<IoBackend>()?, IoBackend::Polling);
    /// assert!("kqeue".parse::<IoBackend>().is_err());
    /// # std::io::Result::Ok(())
    /// ```
    fn from_str(name: &str) -> io::Result<IoBackend> {
        match name {
            "epoll" => Ok(IoBackend::Epoll),
            "polling" => Ok(IoBackend::Polling),
            other => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "unknown weft I/O backend {other:?} (WEFT_IO_BACKEND): \
                     use \"epoll\" or \"polling\""
                ),
            )),
        }
    }
}

/// Which directions a registration waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interest {
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// How a registration reports readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every change to ready is reported once; the registration stays.
    Edge,
    /// One event, then the registration is disarmed until modified again.
    Oneshot,
}

/// One readiness event for the source registered under `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// The event may mean a read stops short of the queued bytes: urgent data, end of
    /// stream, an error or a hang-up (`readiness.rs`). Always true where the backend cannot
    /// tell ([`Poller::reports_stops`]).
    pub(crate) stops: bool,
}

/// The OS poller behind a reactor (see the module docs).
#[derive(Debug)]
pub(crate) enum Poller {
    #[cfg(target_os = "linux")]
    Epoll(Epoll),
    Polling(portable::Portable),
}

/// The event buffer a turn waits into, matching its poller.
#[derive(Debug)]
pub(crate) enum Events {
    #[cfg(target_os = "linux")]
    Epoll(EpollEvents),
    Polling(polling::Events),
}

impl Poller {
    /// A poller of the chosen backend.
    pub(crate) fn new(backend: IoBackend) -> io::Result<Poller> {
        match backend {
            #[cfg(target_os = "linux")]
            IoBackend::Epoll => Ok(Poller::Epoll(Epoll::new()?)),
            #[cfg(not(target_os = "linux"))]
            IoBackend::Epoll => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the direct epoll backend exists on Linux only; use IoBackend::Polling",
            )),
            IoBackend::Polling => Ok(Poller::Polling(portable::Portable::new()?)),
        }
    }

    /// Which backend this is.
    pub(crate) fn backend(&self) -> IoBackend {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll(_) => IoBackend::Epoll,
            Poller::Polling(_) => IoBackend::Polling,
        }
    }

    /// Whether events tell a stop (urgent data, end of stream, an error) from plain data, so
    /// that a TCP stream's short read may clear readiness (`readiness.rs`): direct epoll only,
    /// which subscribes to `EPOLLPRI` and `EPOLLRDHUP`.
    pub(crate) fn reports_stops(&self) -> bool {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll(_) => true,
            Poller::Polling(_) => false,
        }
    }

    /// An empty event buffer for this poller's waits.
    pub(crate) fn events(&self) -> Events {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll(_) => Events::Epoll(EpollEvents::new()),
            Poller::Polling(_) => Events::Polling(polling::Events::new()),
        }
    }

    /// Whether edge-triggered registration exists here.
    pub(crate) fn supports_edge(&self) -> bool {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll(_) => true,
            Poller::Polling(p) => p.supports_edge(),
        }
    }

    /// Adds `fd` under `key`.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until [`delete`](Self::delete) is called for it.
    pub(crate) unsafe fn add(
        &self,
        fd: RawSource,
        key: usize,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        match self {
            // SAFETY: our caller's promise, passed on.
            #[cfg(target_os = "linux")]
            Poller::Epoll(p) => unsafe { p.add(fd, key, interest, mode) },
            // SAFETY: our caller's promise, passed on.
            Poller::Polling(p) => unsafe { p.add(fd, key, interest, mode) },
        }
    }

    /// Changes a registration (re-arms a oneshot one).
    pub(crate) fn modify(
        &self,
        fd: BorrowedSource<'_>,
        key: usize,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll(p) => p.modify(fd, key, interest, mode),
            Poller::Polling(p) => p.modify(fd, key, interest, mode),
        }
    }

    /// Removes `fd` from the poller.
    pub(crate) fn delete(&self, fd: BorrowedSource<'_>) -> io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll(p) => p.delete(fd),
            Poller::Polling(p) => p.delete(fd),
        }
    }

    /// Waits for events for at most `timeout` (`None`: no limit) into `events` (cleared
    /// first; made by this poller's [`events`](Self::events)). Never returns early on its
    /// own: a timeout is rounded up to the backend's resolution.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        match (self, events) {
            #[cfg(target_os = "linux")]
            (Poller::Epoll(p), Events::Epoll(events)) => p.wait(events, timeout),
            (Poller::Polling(p), Events::Polling(events)) => p.wait(events, timeout),
            #[cfg(target_os = "linux")]
            _ => Err(io::Error::other(
                "weft reactor: event buffer of another backend",
            )),
        }
    }

    /// Wakes the thread blocked in [`wait`](Self::wait), or makes the next wait return.
    pub(crate) fn notify(&self) -> io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Poller::Epoll(p) => p.notify(),
            Poller::Polling(p) => p.notify(),
        }
    }
}

impl Events {
    /// Whether the last wait returned no source event.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            #[cfg(target_os = "linux")]
            Events::Epoll(e) => e.is_empty(),
            Events::Polling(e) => e.is_empty(),
        }
    }

    /// Forgets the last wait's events.
    pub(crate) fn clear(&mut self) {
        match self {
            #[cfg(target_os = "linux")]
            Events::Epoll(e) => e.clear(),
            Events::Polling(e) => e.clear(),
        }
    }

    /// The events of the last wait.
    pub(crate) fn for_each(&self, mut f: impl FnMut(Event)) {
        match self {
            #[cfg(target_os = "linux")]
            Events::Epoll(e) => e.iter().for_each(f),
            Events::Polling(e) => e.iter().for_each(|e| f(portable::event_of(e))),
        }
    }
}
