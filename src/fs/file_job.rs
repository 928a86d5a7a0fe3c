//! The blocking jobs behind a [`File`]: what travels to the pool, what comes
//! back, and the state machine that starts a job and collects its outcome. See `file.rs` for
//! the design (one job in flight, double-buffered reads, writes never lost silently).

use super::buffer::{
    Buffer, INITIAL_READ_AHEAD, INLINE_READ, MAX_CHUNK, MAX_INLINE_READ, MAX_READ_AHEAD,
    WRITE_CAPACITY,
};
use super::file::File;
use super::nowait::Nowait;
use super::{job_failed, pool_shut_down};
use parking_lot::Mutex;
use std::fs::{File as StdFile, Metadata};
use std::future::poll_fn;
use std::io::{self, Seek, SeekFrom};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};
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
/// runtime shut down), or its output is dropped unclaimed, pending writes are written then,
/// and then whatever is left in the hand-off of a write-out.
pub(super) struct Parked {
    pub(super) inner: Option<Inner>,
    /// A write-out's hand-off (see [`Handoff`]).
    pub(super) handoff: Option<Arc<Mutex<Handoff>>>,
}

/// Where a `File` hands a full buffer of staged writes to the write-out job in flight, so
/// the job writes it as soon as it is done with its own — with no hop, and without waiting
/// for the writer's task to be woken and start the next job. A write-out keeps taking what
/// it finds here until it finds nothing; then it closes the hand-off under the lock, and the
/// `File` waits for the job instead and starts the next. A writer with a buffer waiting here
/// and another full one leaves its waker, woken when the job takes the buffer or closes.
/// A `File` dropped while the job runs
/// leaves its last writes here too: the job writes them, or, if it has closed, its `Parked`
/// does when the job's output is dropped.
#[derive(Debug, Default)]
pub(super) struct Handoff {
    /// A full buffer waiting for the job; after the job takes it, the job's written-out
    /// (empty) buffer, for the `File` to stage into next.
    pub(super) next: Buffer,
    /// The job has stopped looking (the `File` must not hand over until it starts another).
    pub(super) closed: bool,
    /// A writer waiting for `next` to be taken (or for the job to stop looking).
    pub(super) waiter: Option<Waker>,
}

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
// FreeBSD's `stat` makes `Metadata` several times larger than the other variants; one
// `Value` exists per blocking job, so boxing it would cost an allocation for nothing.
#[cfg_attr(target_os = "freebsd", allow(clippy::large_enum_variant))]
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
    /// Runs `op` in the blocking job; a write-out then writes what the `File` hands over.
    fn run(&mut self, op: Op) -> io::Result<Value> {
        // `Parked` holds its `Inner` from creation until `File::poll_idle` takes it back out,
        // after the job.
        let inner = self
            .inner
            .as_mut()
            .expect("a parked file holds its inner state");
        let mut outcome = inner.run(op);
        let Some(handoff) = &self.handoff else {
            return outcome;
        };
        loop {
            let mut handoff = handoff.lock();
            let closing = outcome.is_err() || handoff.next.pending_write() == 0;
            if closing {
                // After an error the handed-over writes go behind the unwritten rest: the
                // `File` gets them back pending, and nothing is lost.
                inner.buf.take_writes(&mut handoff.next);
                handoff.closed = true;
            } else {
                // `inner.buf` is written out and empty: the `File` stages into it next.
                std::mem::swap(&mut inner.buf, &mut handoff.next);
            }
            let waiter = handoff.waiter.take();
            drop(handoff);
            if let Some(waiter) = waiter {
                waiter.wake();
            }
            if closing {
                return outcome;
            }
            outcome = inner
                .buf
                .write_out(&mut inner.file)
                .map(|()| Value::Flushed);
        }
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        if let Some(inner) = &mut self.inner {
            // Best effort: nobody is left to hear about an error. Handed-over writes go behind
            // the job's own (kept pending if those failed), so their order holds.
            if let Some(handoff) = &self.handoff {
                inner.buf.take_writes(&mut handoff.lock().next);
            }
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
                let inner = parked.inner.take();
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
                    self.write_behind = WRITE_CAPACITY;
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
        // Every job writes out what is pending first: staged writes included.
        inner.buf.take_writes(&mut self.staged);
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
        let handoff = (op == Op::Flush).then(|| {
            let handoff = self.handoff.get_or_insert_default();
            handoff.lock().closed = false;
            handoff.clone()
        });
        let mut parked = Parked {
            inner: Some(inner),
            handoff,
        };
        let task = self.handle.spawn_blocking(move || {
            let outcome = parked.run(op);
            (parked, outcome)
        });
        self.state = State::Busy(task, op);
    }

    /// Sends the full staged buffer out: an idle file starts a write-out; a write-out in
    /// flight takes the buffer through its hand-off if it is still looking and has nothing
    /// waiting. False: the caller must wait for the job in flight.
    pub(super) fn write_out_staged(&mut self) -> bool {
        match &self.state {
            State::Idle(_) => self.start(Op::Flush),
            State::Busy(_, Op::Flush) => {
                let Some(handoff) = &self.handoff else {
                    return false;
                };
                let mut handoff = handoff.lock();
                if handoff.closed || handoff.next.pending_write() > 0 {
                    return false;
                }
                // The written-out buffer the job left here becomes the one we stage into.
                std::mem::swap(&mut self.staged, &mut handoff.next);
            }
            _ => return false,
        }
        true
    }

    /// A writer a whole buffer ahead of the write-out in flight waits here until the job
    /// takes the buffer waiting in the hand-off — not until the job ends, so the job keeps
    /// writing meanwhile. `Ready(true)`: there is room to hand over now; `Ready(false)`: the
    /// job has stopped looking (or there is none): wait for it to end instead.
    pub(super) fn poll_handoff_room(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        let (State::Busy(_, Op::Flush), Some(handoff)) = (&self.state, &self.handoff) else {
            return Poll::Ready(false);
        };
        let mut handoff = handoff.lock();
        if handoff.closed {
            return Poll::Ready(false);
        }
        if handoff.next.pending_write() == 0 {
            return Poll::Ready(true);
        }
        handoff.waiter = Some(cx.waker().clone());
        Poll::Pending
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
            if self.idle().buf.unread().is_empty() {
                if let Some(read) = self.read_inline(cx, None) {
                    if ready!(read) == 0 {
                        return Poll::Ready(Ok(false));
                    }
                    continue;
                }
                let want = hint.clamp(self.read_ahead, MAX_CHUNK);
                self.start(Op::Fill(want));
                continue;
            }
            let State::Idle(inner) = &mut self.state else {
                unreachable!("the file is idle after poll_idle")
            };
            // The last fill becomes the front; the drained front goes to fetch the next one.
            std::mem::swap(&mut self.front, &mut inner.buf);
            if self.sequential {
                let want = self.read_ahead;
                self.start(Op::Fill(want));
            }
        }
    }

    /// Reads cached data on this thread, no hop (`nowait.rs`): straight into `dst` when given
    /// (capped at [`MAX_INLINE_READ`]), else into the front buffer. Only on an idle file with
    /// no read-ahead and no pending writes, which the caller has checked for read-ahead and
    /// this checks for the rest. `None`: take the blocking pool (busy file, pending writes, data
    /// not in memory, or a file that cannot read this way); `Some`: the bytes read, 0 at the
    /// end of the file, after spending one unit of the task's budget.
    pub(super) fn read_inline(
        &mut self,
        cx: &mut Context<'_>,
        dst: Option<&mut [u8]>,
    ) -> Option<Poll<usize>> {
        let State::Idle(inner) = &mut self.state else {
            return None;
        };
        if !self.inline_reads
            || self.staged.pending_write() > 0
            || inner.buf.pending_write() > 0
            || !inner.buf.unread().is_empty()
        {
            return None;
        }
        debug_assert!(self.front.unread().is_empty());
        let Poll::Ready(progress) = weft_coop::poll_proceed(cx) else {
            return Some(Poll::Pending);
        };
        let outcome = match dst {
            Some(dst) => {
                let len = dst.len().min(MAX_INLINE_READ);
                let outcome = super::nowait::read(&inner.file, &mut dst[..len]);
                if let Nowait::Read(n) = outcome {
                    // The position moves past data that was never in the front: its window
                    // is stale.
                    self.front.discard();
                    self.advance(n);
                }
                outcome
            }
            None => self.front.fill_nowait(&inner.file, INLINE_READ),
        };
        match outcome {
            Nowait::Read(n) => {
                progress.made_progress();
                Some(Poll::Ready(n))
            }
            Nowait::WouldBlock => None,
            Nowait::Unsupported => {
                self.inline_reads = false;
                None
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
