//! The portable backend: the `polling` crate (epoll, kqueue, event ports, IOCP).

use crate::sys::{BorrowedSource, RawSource};
use std::io;
use std::time::Duration;

use polling::PollMode;

use super::{Event, Interest, Mode};

/// A `polling::Poller`.
#[derive(Debug)]
pub(crate) struct Portable(polling::Poller);

/// The `polling` event for `key` and `interest`.
fn polling_event(key: usize, interest: Interest) -> polling::Event {
    polling::Event::new(key, interest.readable, interest.writable)
}

fn polling_mode(mode: Mode) -> PollMode {
    match mode {
        Mode::Edge => PollMode::Edge,
        Mode::Oneshot => PollMode::Oneshot,
    }
}

/// A weft event from a `polling` one.
pub(crate) fn event_of(event: polling::Event) -> Event {
    Event {
        key: event.key,
        readable: event.readable,
        writable: event.writable,
        // `polling` does not say why a descriptor is readable.
        stops: true,
    }
}

impl Portable {
    pub(crate) fn new() -> io::Result<Portable> {
        Ok(Portable(polling::Poller::new()?))
    }

    pub(crate) fn supports_edge(&self) -> bool {
        self.0.supports_edge()
    }

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
        // SAFETY: our caller promises that `fd` stays open until it is deleted.
        unsafe {
            self.0
                .add_with_mode(fd, polling_event(key, interest), polling_mode(mode))
        }
    }

    pub(crate) fn modify(
        &self,
        fd: BorrowedSource<'_>,
        key: usize,
        interest: Interest,
        mode: Mode,
    ) -> io::Result<()> {
        self.0
            .modify_with_mode(fd, polling_event(key, interest), polling_mode(mode))
    }

    pub(crate) fn delete(&self, fd: BorrowedSource<'_>) -> io::Result<()> {
        self.0.delete(fd)
    }

    pub(crate) fn wait(
        &self,
        events: &mut polling::Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        events.clear();
        self.0.wait(events, timeout).map(drop)
    }

    pub(crate) fn notify(&self) -> io::Result<()> {
        self.0.notify()
    }
}
