//! The direct epoll backend: `epoll_wait` and nothing else on the hot path.
//!
//! * **One syscall per turn.** A timed wait is one `epoll_pwait2` (Linux 5.11), whose timeout
//!   is a `timespec`: the timer wheel's ticks are 10 µs, and `epoll_wait`'s whole
//!   milliseconds, rounded up so as never to end early, made a 1 ms sleep take 2 ms on
//!   average. Where the kernel or a seccomp filter refuses `epoll_pwait2` (`ENOSYS`,
//!   `EPERM`), the backend falls back to `epoll_wait` for good. `polling`'s epoll backend
//!   instead arms a timerfd (`timerfd_settime` plus an `epoll_ctl`) and re-arms its notifier
//!   (an eventfd `read` plus an `epoll_ctl`) around every wait: five syscalls where one does.
//! * **Notify through an edge-triggered eventfd that is never read.** `notify` writes 1 to the
//!   eventfd; every write to an eventfd wakes its waiters, so with `EPOLLET` each write is a
//!   fresh edge whatever the counter holds. The counter is only drained in the (theoretical)
//!   case that a write finds it full (`EAGAIN` after 2^64 − 2 notifies), as mio does.
//!
//! Sources are registered edge-triggered (`EPOLLET`) or, for the oneshot path, with
//! `EPOLLONESHOT` and only the wanted directions.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use crate::poller::{Event, Interest, Mode};

/// The key the eventfd is registered under; never a source's key (the driver skips the
/// all-ones generation, so no source key is `usize::MAX`).
const NOTIFY_KEY: u64 = u64::MAX;

/// Whether `epoll_pwait2` may be tried: cleared for good the first time the kernel (before
/// 5.11) or a seccomp filter refuses it.
static PWAIT2: AtomicBool = AtomicBool::new(true);

/// Events fetched by one `epoll_wait`. 1024, like `polling` and mio: a turn that fills the
/// batch simply returns with a zero-timeout turn to follow, so the number bounds latency per
/// turn, not correctness.
pub(crate) const EVENT_CAPACITY: usize = 1024;

/// An epoll instance and its notify eventfd.
#[derive(Debug)]
pub(crate) struct Epoll {
    epoll: OwnedFd,
    notify: OwnedFd,
}

/// The event buffer of one turn.
#[derive(Debug)]
pub(crate) struct EpollEvents {
    list: Vec<libc::epoll_event>,
}

impl EpollEvents {
    pub(crate) fn new() -> EpollEvents {
        EpollEvents {
            list: Vec::with_capacity(EVENT_CAPACITY),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    /// Where the kernel writes a wait's events, and how many fit: the whole buffer from its
    /// start, so only for a cleared list (`wait` clears it first).
    fn spare(&mut self) -> (*mut libc::epoll_event, libc::c_int) {
        let capacity = libc::c_int::try_from(self.list.capacity()).unwrap_or(libc::c_int::MAX);
        (self.list.as_mut_ptr(), capacity)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The source events of the last wait (the notify eventfd's own events are skipped).
    pub(crate) fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.list.iter().filter_map(|e| {
            // Copies, not references: the struct is packed on x86_64.
            let (bits, key) = (e.events, e.u64);
            (key != NOTIFY_KEY).then(|| event_of(key as usize, bits))
        })
    }
}

/// Translates epoll bits into a weft event. An error or hang-up makes both directions ready
/// (the next operation reports it); it, urgent data and the peer's shutdown are stops
/// (`readiness.rs`: a read may end short of the queued bytes at them).
fn event_of(key: usize, bits: u32) -> Event {
    const ERR_HUP: u32 = (libc::EPOLLERR | libc::EPOLLHUP) as u32;
    const STOPS: u32 = (libc::EPOLLPRI | libc::EPOLLRDHUP) as u32 | ERR_HUP;
    const READ: u32 = libc::EPOLLIN as u32 | STOPS;
    const WRITE: u32 = libc::EPOLLOUT as u32 | ERR_HUP;
    Event {
        key,
        readable: bits & READ != 0,
        writable: bits & WRITE != 0,
        stops: bits & STOPS != 0,
    }
}

/// Makes `-1` an `io::Error`.
fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// The epoll bits for `interest` in `mode`.
fn bits(interest: Interest, mode: Mode) -> u32 {
    let mut bits = 0;
    if interest.readable {
        // The stops too: without them a TCP stream's short read could not clear readiness.
        bits |= (libc::EPOLLIN | libc::EPOLLPRI | libc::EPOLLRDHUP) as u32;
    }
    if interest.writable {
        bits |= libc::EPOLLOUT as u32;
    }
    bits | match mode {
        Mode::Edge => libc::EPOLLET as u32,
        Mode::Oneshot => libc::EPOLLONESHOT as u32,
    }
}

/// The longest wait one syscall asks for: an `int` of milliseconds (24.8 days). A longer
/// timeout is cut to this; the reactor's caller loops, so a far timer still fires on time.
const MAX_WAIT: Duration = Duration::from_millis(libc::c_int::MAX as u64);

/// The `epoll_wait` timeout for `timeout`: whole milliseconds rounded up (never early), `-1`
/// for no limit, and a wait too long for an `int` of milliseconds clamped to [`MAX_WAIT`] —
/// never `-1`, which would turn a timer 25 days away into a wait with no limit at all.
pub(crate) fn timeout_ms(timeout: Option<Duration>) -> libc::c_int {
    match timeout {
        None => -1,
        Some(t) => {
            let ms = t.as_nanos().div_ceil(1_000_000);
            libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
        }
    }
}

impl Epoll {
    pub(crate) fn new() -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes a flags word and returns a new descriptor or -1.
        let epoll = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: the call succeeded: `epoll` is a fresh descriptor nothing else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(epoll) };
        // SAFETY: eventfd takes an initial count and flags, returns a new descriptor or -1.
        let notify = check(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: as above, a fresh descriptor.
        let notify = unsafe { OwnedFd::from_raw_fd(notify) };
        let poller = Epoll { epoll, notify };
        let mut event = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: NOTIFY_KEY,
        };
        // SAFETY: both descriptors are open and owned by `poller`; `event` is a valid
        // epoll_event that the kernel only reads during the call.
        check(unsafe {
            libc::epoll_ctl(
                poller.epoll.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                poller.notify.as_raw_fd(),
                &mut event,
            )
        })?;
        Ok(poller)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, key: usize, bits: u32) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: bits,
            u64: key as u64,
        };
        // SAFETY: `self.epoll` is open; `fd` is open (every caller holds it open: `add`'s
        // contract, or a `BorrowedFd`); `event` is valid for reads during the call.
        check(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) })?;
        Ok(())
    }

    /// Adds `fd` under `key`.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until [`delete`](Self::delete) is called for it.
    pub(crate) unsafe fn add(
        &self,
        fd: RawFd,
        key: usize,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, key, bits(interest, mode))
    }

    /// Changes the interest of a registered `fd` (re-arms a oneshot registration).
    pub(crate) fn modify(
        &self,
        fd: BorrowedFd<'_>,
        key: usize,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        self.ctl(
            libc::EPOLL_CTL_MOD,
            fd.as_raw_fd(),
            key,
            bits(interest, mode),
        )
    }

    /// Removes `fd`; no event for it is reported by later waits.
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        // SAFETY: both descriptors are open; a null event is accepted for EPOLL_CTL_DEL
        // since Linux 2.6.9.
        check(unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd.as_raw_fd(),
                std::ptr::null_mut(),
            )
        })?;
        Ok(())
    }

    /// Waits for events for at most `timeout` (`None`: until an event or a notify). An
    /// interrupted wait (`EINTR`) returns with no events, like a spurious wake-up.
    pub(crate) fn wait(
        &self,
        events: &mut EpollEvents,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        events.list.clear();
        let n = self.wait_into(events, timeout);
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::Interrupted => Ok(()),
                _ => Err(err),
            };
        }
        // SAFETY: the kernel initialised the first `n` (≤ capacity) entries.
        unsafe { events.list.set_len(n as usize) };
        Ok(())
    }

    /// One wait into `events`' (empty) buffer: `epoll_pwait2` with the exact timeout where
    /// the kernel has it, else `epoll_wait` with the timeout rounded up to whole
    /// milliseconds. Returns the syscall's result (`-1` with `errno` set on failure).
    fn wait_into(&self, events: &mut EpollEvents, timeout: Option<Duration>) -> libc::c_int {
        let ms = timeout_ms(timeout);
        // Only finite, non-zero waits gain from nanoseconds; the rest stay `epoll_wait`.
        if ms > 0
            && let Some(t) = timeout
            && PWAIT2.load(Relaxed)
        {
            match self.pwait2(events, t.min(MAX_WAIT)) {
                Some(rc) => return rc,
                None => PWAIT2.store(false, Relaxed),
            }
        }
        self.wait_ms(events, ms)
    }

    /// `epoll_pwait2` for at most `timeout` (which fits an `int` of milliseconds); `None` when
    /// the kernel or a seccomp filter refuses the syscall.
    fn pwait2(&self, events: &mut EpollEvents, timeout: Duration) -> Option<libc::c_int> {
        let ts = libc::timespec {
            // Under 2^31 milliseconds, so the seconds fit any `time_t`.
            tv_sec: timeout.as_secs() as libc::time_t,
            // Below 10^9: fits `tv_nsec` (a `long`, or an `i64`) everywhere.
            tv_nsec: timeout.subsec_nanos() as _,
        };
        let (buffer, capacity) = events.spare();
        // SAFETY: `epoll_pwait2(epfd, events, maxevents, timeout, sigmask, sigsetsize)`: the
        // buffer has room for `capacity` events and the kernel writes at most that many;
        // `ts` lives across the call and is a valid timespec; a null sigmask leaves the signal
        // mask alone (its size is then not read).
        let rc = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                self.epoll.as_raw_fd(),
                buffer,
                capacity,
                &raw const ts,
                std::ptr::null::<libc::sigset_t>(),
                0usize,
            )
        };
        let refused = rc < 0
            && matches!(
                io::Error::last_os_error().raw_os_error(),
                Some(libc::ENOSYS | libc::EPERM)
            );
        // A count of at most `capacity` (an `int`), or -1.
        (!refused).then_some(rc as libc::c_int)
    }

    /// `epoll_wait` for `ms` milliseconds (`-1`: no limit).
    fn wait_ms(&self, events: &mut EpollEvents, ms: libc::c_int) -> libc::c_int {
        let (buffer, capacity) = events.spare();
        // SAFETY: the buffer has room for `capacity` events and the kernel writes at most
        // that many; `self.epoll` is open.
        unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), buffer, capacity, ms) }
    }

    /// Wakes a thread blocked in [`wait`](Self::wait), or the next wait.
    pub(crate) fn notify(&self) -> io::Result<()> {
        let one: u64 = 1;
        loop {
            // SAFETY: writes 8 bytes from a live `u64` to the open eventfd.
            let rc = unsafe {
                libc::write(
                    self.notify.as_raw_fd(),
                    (&raw const one).cast(),
                    std::mem::size_of::<u64>(),
                )
            };
            if rc >= 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => {}
                // The counter is full: drain it and write again.
                io::ErrorKind::WouldBlock => {
                    let mut drained: u64 = 0;
                    // SAFETY: reads 8 bytes into a live `u64` from the open eventfd.
                    let _ = unsafe {
                        libc::read(
                            self.notify.as_raw_fd(),
                            (&raw mut drained).cast(),
                            std::mem::size_of::<u64>(),
                        )
                    };
                }
                _ => return Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_round_up_to_whole_milliseconds() {
        assert_eq!(timeout_ms(None), -1);
        assert_eq!(timeout_ms(Some(Duration::ZERO)), 0);
        assert_eq!(timeout_ms(Some(Duration::from_nanos(1))), 1);
        assert_eq!(timeout_ms(Some(Duration::from_micros(1_001))), 2);
        assert_eq!(timeout_ms(Some(Duration::from_millis(7))), 7);
    }

    #[test]
    fn a_timer_25_days_away_bounds_the_wait_instead_of_lifting_the_limit() {
        // 2^31 ms is 24.8 days: anything past it once became -1, "wait forever".
        let far = Duration::from_secs(25 * 24 * 3600);
        assert_eq!(timeout_ms(Some(far)), libc::c_int::MAX);
        assert_eq!(timeout_ms(Some(Duration::MAX)), libc::c_int::MAX);
        assert_eq!(far.min(MAX_WAIT), MAX_WAIT);
    }

    #[test]
    fn timed_waits_never_end_early_on_either_syscall() {
        let epoll = Epoll::new().unwrap();
        let mut events = EpollEvents::new();
        for asked in [Duration::from_micros(300), Duration::from_micros(1_700)] {
            let ms = timeout_ms(Some(asked));
            let start = std::time::Instant::now();
            let rc = match epoll.pwait2(&mut events, asked) {
                Some(rc) => rc,
                // A kernel without `epoll_pwait2`: only the fallback is left to check.
                None => epoll.wait_ms(&mut events, ms),
            };
            assert_eq!(rc, 0, "nothing is registered, so the wait times out");
            assert!(start.elapsed() >= asked, "pwait2 ended before {asked:?}");
            let start = std::time::Instant::now();
            assert_eq!(epoll.wait_ms(&mut events, ms), 0);
            assert!(
                start.elapsed() >= asked,
                "epoll_wait ended before {asked:?}"
            );
        }
    }

    #[test]
    fn hang_ups_and_errors_make_both_directions_ready() {
        let e = event_of(3, libc::EPOLLIN as u32);
        assert!(e.readable && !e.writable && !e.stops);
        let e = event_of(3, libc::EPOLLPRI as u32);
        assert!(e.readable && !e.writable && e.stops);
        let e = event_of(3, (libc::EPOLLIN | libc::EPOLLRDHUP) as u32);
        assert!(e.readable && !e.writable && e.stops);
        let e = event_of(3, libc::EPOLLHUP as u32);
        assert!(e.readable && e.writable && e.stops);
        let e = event_of(3, libc::EPOLLERR as u32);
        assert!(e.readable && e.writable && e.stops);
        let e = event_of(3, libc::EPOLLOUT as u32);
        assert!(!e.readable && e.writable && !e.stops);
    }

    #[test]
    fn many_notifies_wake_one_wait_each_time_without_reads() {
        let epoll = Epoll::new().unwrap();
        let mut events = EpollEvents::new();
        for _ in 0..3 {
            epoll.notify().unwrap();
            epoll.notify().unwrap();
            // A pending notify ends an unbounded wait; its event is not a source event.
            epoll.wait(&mut events, None).unwrap();
            assert_eq!(events.list.len(), 1);
            assert_eq!(events.iter().count(), 0);
            // Edge-triggered: without a new write, nothing is pending.
            epoll.wait(&mut events, Some(Duration::ZERO)).unwrap();
            assert!(events.is_empty());
        }
    }

    #[test]
    fn oneshot_registrations_fire_once_until_modified() {
        use std::io::Write;
        use std::os::fd::AsFd;
        let epoll = Epoll::new().unwrap();
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let readable = Interest {
            readable: true,
            writable: false,
        };
        // SAFETY: `b` outlives the registration (deleted below).
        unsafe {
            epoll
                .add(b.as_raw_fd(), 7, readable, Mode::Oneshot)
                .unwrap()
        };
        a.write_all(b"x").unwrap();
        let mut events = EpollEvents::new();
        let zero = Some(Duration::ZERO);
        epoll.wait(&mut events, zero).unwrap();
        let got: Vec<Event> = events.iter().collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].key == 7 && got[0].readable && !got[0].writable);
        // Disarmed: the unread byte is not reported again until the registration is re-armed.
        epoll.wait(&mut events, zero).unwrap();
        assert!(events.is_empty());
        epoll.modify(b.as_fd(), 7, readable, Mode::Oneshot).unwrap();
        epoll.wait(&mut events, zero).unwrap();
        assert_eq!(events.iter().count(), 1);
        epoll.delete(b.as_fd()).unwrap();
    }
}
