//! The blocking jobs behind a [`File`](super::File): what travels to the pool, what comes
//! back, and the state machine that starts a job and collects its outcome. See `file.rs` for
//! the design (one job in flight, double-buffered reads, writes never lost silently).

use super::buffer::{Buffer, INITIAL_READ_AHEAD, MAX_CHUNK, MAX_READ_AHEAD};
use super::file::File;
use super::{job_failed, pool_shut_down};
use std::fs::{File as StdFile, Metadata};
use std::future::poll_fn;
use std::io::{self, Seek, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use weft_executor::Task;

pub(super) enum State {
    Idle(Inner),
    Busy(Task<(Parked, io::Result<Value>)>, Op),
    /// A job was refused or dropped: the runtime shut down and the std file is closed.
    Gone,
}

/// What travels into a blocking job.
pub(super) struct Inner {
    pub(super) file: StdFile,
    pub(super) buf: Buffer,
}

/// `Inner` on its way through a blocking job: if the job is dropped instead of run (the
/// runtime shut down), or its output is dropped unclaimed, pending writes are written then.
pub(super) struct Parked(pub(super) Option<Inner>);

/// A blocking job on the file. Each first writes out pending writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// Read up to this many bytes into the buffer.
    Fill(usize),
    /// Read the rest of the file into the buffer.
    FillToEnd,
    Flush,
    /// Seek relative to the logical position; `Current(0)` drops read-ahead.
    Seek(SeekFrom),
    SetLen(u64),
    SyncAll,
    SyncData,
    Metadata,
}

/// A job's result when it succeeded.
pub(super) enum Value {
    Read(usize),
    Flushed,
    Sought(u64),
    Done,
    Metadata(Metadata),
}

impl Inner {
    pub(super) fn run(&mut self, op: Op) -> io::Result<Value> {
        self.buf.write_out(&mut self.file)?;
        match op {
            Op::Fill(want) => self.buf.fill(&mut self.file, want).map(Value::Read),
            Op::FillToEnd => self.buf.fill_to_end(&mut self.file).map(Value::Read),
            Op::Flush => Ok(Value::Flushed),
            Op::Seek(pos) => self.seek(pos).map(Value::Sought),
            Op::SetLen(len) => {
                self.seek(SeekFrom::Current(0))?;
                self.file.set_len(len).map(|()| Value::Done)
            }
            Op::SyncAll => self.file.sync_all().map(|()| Value::Done),
            Op::SyncData => self.file.sync_data().map(|()| Value::Done),
            Op::Metadata => self.file.metadata().map(Value::Metadata),
        }
    }

    /// Seeks from the logical position (the OS cursor is ahead of it by the unread
    /// read-ahead). On an error neither the cursor nor the buffer changed.
    pub(super) fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let ahead = self.buf.unread().len() as i64;
        let pos = match pos {
            SeekFrom::Current(delta) => {
                SeekFrom::Current(delta.checked_sub(ahead).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek offset overflows an i64")
                })?)
            }
            absolute => absolute,
        };
        let at = self.file.seek(pos)?;
        self.buf.discard();
        Ok(at)
    }
}

impl Parked {
    pub(super) fn inner(&mut self) -> &mut Inner {
        // `Parked` holds its `Inner` from creation until `File::poll_idle` takes it back out,
        // after which nothing calls this.
        self.0
            .as_mut()
            .expect("a parked file holds its inner state")
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        if let Some(inner) = &mut self.0 {
            // Best effort: nobody is left to hear about an error.
            let _ = inner.buf.write_out(&mut inner.file);
        }
    }
}

impl File {
    /// Waits for the job in flight, if any, and applies its outcome. `Ok(None)`: the file
    /// was idle; `Ok(Some(..))`: the job that just finished; `Err`: its error.
    pub(super) fn poll_idle(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<(Op, Value)>>> {
        let (task, op) = match &mut self.state {
            State::Idle(_) => return Poll::Ready(Ok(None)),
            State::Gone => return Poll::Ready(Err(pool_shut_down())),
            State::Busy(task, op) => (task, *op),
        };
        match ready!(Pin::new(task).poll(cx)) {
            Ok((mut parked, outcome)) => {
                let inner = parked.0.take();
                // A job always hands its `Parked` back with the inner state still inside.
                self.state = State::Idle(inner.expect("a finished job returns the file"));
                if let Ok(value) = &outcome {
                    self.after(op, value);
                }
                Poll::Ready(outcome.map(|value| Some((op, value))))
            }
            Err(err) => {
                self.state = State::Gone;
                Poll::Ready(Err(job_failed(err)))
            }
        }
    }

    /// Bookkeeping after a successful job.
    pub(super) fn after(&mut self, op: Op, value: &Value) {
        match (op, value) {
            (Op::Fill(want), Value::Read(n)) => {
                self.sequential = *n == want;
                if self.sequential {
                    // A fill is only asked for once the last one was drained: the reader is
                    // sequential, so fetch more per hop.
                    self.read_ahead = (self.read_ahead * 2).min(MAX_READ_AHEAD);
                }
            }
            (Op::Seek(pos), Value::Sought(at)) => {
                self.position = Some(*at);
                if pos != SeekFrom::Current(0) {
                    self.read_ahead = INITIAL_READ_AHEAD;
                }
            }
            _ => {}
        }
    }

    /// The idle inner state; only called right after `poll_idle` returned `Ok`.
    pub(super) fn idle(&mut self) -> &mut Inner {
        match &mut self.state {
            State::Idle(inner) => inner,
            // Callers reach this only after `poll_idle` succeeded, which leaves `Idle`.
            _ => unreachable!("the file is idle after poll_idle"),
        }
    }

    /// Sends the idle file into a blocking job running `op`.
    pub(super) fn start(&mut self, op: Op) {
        let State::Idle(mut inner) = std::mem::replace(&mut self.state, State::Gone) else {
            // Callers start a job only right after `poll_idle` succeeded.
            unreachable!("a blocking job starts only on an idle file")
        };
        self.sequential = false;
        if let Op::Seek(_) | Op::SetLen(_) = op {
            // These move the cursor relative to the logical position: give the job all the
            // read-ahead, front first, so it knows how far ahead the cursor is.
            if !self.front.unread().is_empty() {
                self.front.extend_unread(inner.buf.unread());
                std::mem::swap(&mut self.front, &mut inner.buf);
            }
            self.front.discard();
        }
        if let Op::Seek(_) = op {
            // Unknown until the seek returns, so no seek is answered from stale state.
            self.position = None;
        }
        let mut parked = Parked(Some(inner));
        let task = self.handle.spawn_blocking(move || {
            let outcome = parked.inner().run(op);
            (parked, outcome)
        });
        self.state = State::Busy(task, op);
    }

    /// Runs `op` once the file is idle and returns its value.
    pub(super) async fn run_op(&mut self, op: Op) -> io::Result<Value> {
        let mut started = false;
        poll_fn(|cx| {
            loop {
                let finished = ready!(self.poll_idle(cx))?;
                if let (true, Some((_, value))) = (started, finished) {
                    return Poll::Ready(Ok(value));
                }
                self.start(op);
                started = true;
            }
        })
        .await
    }

    pub(super) fn advance(&mut self, n: usize) {
        self.position = self.position.map(|pos| pos + n as u64);
    }

    /// Moves read-ahead into `out`: the front's, or (`back`, the file idle) the last fill's.
    pub(super) fn take_read_ahead(&mut self, out: &mut Vec<u8>, back: bool) -> usize {
        let n = if back {
            self.idle().buf.drain_into(out)
        } else {
            self.front.drain_into(out)
        };
        // The position moves past data that was never in the front: its window is stale.
        self.front.discard();
        self.advance(n);
        n
    }

    /// True when either buffer holds unread read-ahead (the file is idle).
    pub(super) fn has_read_ahead(&mut self) -> bool {
        !self.front.unread().is_empty() || !self.idle().buf.unread().is_empty()
    }

    /// Makes the front buffer hold unread data: `Ok(false)` at the end of the file. `hint`
    /// is how much the caller would like (it sizes a fill that has to be waited for).
    pub(super) fn poll_front(
        &mut self,
        cx: &mut Context<'_>,
        hint: usize,
    ) -> Poll<io::Result<bool>> {
        loop {
            if !self.front.unread().is_empty() {
                return Poll::Ready(Ok(true));
            }
            if let Some((Op::Fill(_) | Op::FillToEnd, Value::Read(0))) = ready!(self.poll_idle(cx))?
            {
                return Poll::Ready(Ok(false));
            }
            let State::Idle(inner) = &mut self.state else {
                unreachable!("the file is idle after poll_idle")
            };
            if inner.buf.unread().is_empty() {
                let want = hint.clamp(self.read_ahead, MAX_CHUNK);
                self.start(Op::Fill(want));
                continue;
            }
            // The last fill becomes the front; the drained front goes to fetch the next one.
            std::mem::swap(&mut self.front, &mut inner.buf);
            if self.sequential {
                let want = self.read_ahead;
                self.start(Op::Fill(want));
            }
        }
    }

    /// Answers a seek without a hop when it stays where the file is or lands inside the
    /// read window.
    pub(super) fn seek_without_hop(&mut self, pos: SeekFrom) -> Option<u64> {
        let current = self.position?;
        let target = match pos {
            SeekFrom::Start(offset) => offset,
            SeekFrom::Current(delta) => current.checked_add_signed(delta)?,
            SeekFrom::End(_) => return None,
        };
        if target == current {
            return Some(current);
        }
        // The back buffer (or the fill running into it) follows the front's window in the
        // file, so moving inside the window keeps the cursor arithmetic right.
        let (handed_out, filled) = self.front.read_window()?;
        let window_start = current - handed_out as u64;
        let offset = usize::try_from(target.checked_sub(window_start)?).ok()?;
        if offset > filled {
            return None;
        }
        self.front.set_read_offset(offset);
        self.position = Some(target);
        Some(target)
    }
}
