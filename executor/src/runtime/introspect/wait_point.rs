//! What an idle task waits on: the kind and `#[track_caller]` site its last `Pending` leaf
//! recorded (see [`weft_coop::record`] for how leaves record and what it costs).

use std::fmt;
use std::panic::Location;
use std::time::Instant;

pub use weft_coop::{IoOp, IoResource, WaitKind};

/// Where an idle task waits: what it waits on, the source line that created the wait, and
/// since when ([`TaskInfo::waiting_on`](super::TaskInfo::waiting_on)).
///
/// Its [`Display`](fmt::Display) is the text [`dump_tasks`](super::super::Handle::dump_tasks)
/// shows: `waiting on sleep(1.5s) at src/server.rs:42`. For a join (`Task-7 (join)`) the
/// location is where the awaited task was spawned: `.await` itself has no caller location to
/// record.
///
/// ```
/// use std::time::Duration;
/// use weft_executor::runtime::{WaitKind, TaskState};
///
/// let rt = weft_executor::Builder::new().debug(true).build().unwrap();
/// let napper = rt.spawn(async {
///     weft_reactor::time::sleep(Duration::from_secs(3600)).await; let line = line!();
///     line
/// });
/// let info = loop {
///     let info = rt.handle().tasks().into_iter().find(|t| t.id() == napper.id()).unwrap();
///     if let Some(wait) = info.waiting_on() {
///         break wait;
///     }
///     std::thread::yield_now();
/// };
/// assert_eq!(info.kind(), WaitKind::Sleep(Duration::from_secs(3600)));
/// assert!(info.to_string().starts_with("waiting on sleep(3600s) at "));
/// # napper.cancel();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitPoint {
    kind: WaitKind,
    location: &'static Location<'static>,
    since: Instant,
}

impl WaitPoint {
    pub(crate) fn of(cell: &weft_coop::WaitCell) -> Option<WaitPoint> {
        cell.load().map(|(waited, since)| WaitPoint {
            kind: waited.kind(),
            location: waited.location(),
            since,
        })
    }

    /// What the task waits on.
    ///
    /// ```
    /// # fn show(wait: weft_executor::runtime::WaitPoint) {
    /// if let weft_executor::runtime::WaitKind::Join(id) = wait.kind() {
    ///     println!("waiting for task {id}");
    /// }
    /// # }
    /// ```
    pub fn kind(&self) -> WaitKind {
        self.kind
    }

    /// The source line that created the wait (for a join: where the awaited task was
    /// spawned).
    ///
    /// ```
    /// # fn show(wait: weft_executor::runtime::WaitPoint) {
    /// println!("{}:{}", wait.location().file(), wait.location().line());
    /// # }
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// When the task last returned `Pending` here — how long it has been stuck is
    /// `since().elapsed()`. Read from a coarse clock: it may lag by a few milliseconds.
    ///
    /// ```
    /// # fn show(wait: weft_executor::runtime::WaitPoint) {
    /// println!("idle for {:?}", wait.since().elapsed());
    /// # }
    /// ```
    pub fn since(&self) -> Instant {
        self.since
    }
}

impl fmt::Display for WaitPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "waiting on {} at {}:{}",
            self.kind,
            self.location.file(),
            self.location.line()
        )
    }
}
