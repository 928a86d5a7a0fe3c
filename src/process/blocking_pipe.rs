//! A child's stdio pipe on Windows: its reads and writes run on the blocking pool.
//!
//! Windows's anonymous pipes (what std's `Stdio::piped()` creates) are not overlapped and
//! are not sockets, so IOCP through `polling` cannot report their readiness. Each operation
//! is therefore one blocking job, with at most one in flight per pipe; the pipe end and its
//! buffer live either here (`Idle`) or inside that job (`Busy`) and come back with its
//! outcome, as in `weft::fs::File`. Measured under Wine: see the README's Platforms section.
//!
//! * **Reading** hands the job an empty buffer of up to [`CHUNK`] bytes and serves the
//!   caller from what comes back; bytes the caller had no room for wait for its next read.
//! * **Writing** is write-behind: `poll_write` copies the caller's bytes into the buffer,
//!   starts the job and reports them written at once; the next write or flush waits for the
//!   job and returns its error, if any. That keeps a write cancel-safe (a dropped write
//!   future has either handed its bytes over or not) at the price of one buffered chunk.
//!
//! A job still in flight when the pipe is dropped finishes on the pool and closes the pipe
//! end there; a write job thus still delivers its bytes.

use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use weft_executor::{Handle, Task};

/// The most one job reads or writes.
const CHUNK: usize = 64 * 1024;

/// One end of a child's pipe, driven through the blocking pool.
#[derive(Debug)]
pub(super) struct BlockingPipe {
    state: State,
}

#[derive(Debug)]
enum State {
    /// The pipe is here; `buf[pos..]` is read data not yet handed out.
    Idle {
        pipe: File,
        buf: Vec<u8>,
        pos: usize,
    },
    /// A job owns the pipe and the buffer.
    Busy(Task<(File, Vec<u8>, io::Result<usize>)>),
    /// A job panicked or was lost with the pipe inside: the pipe is gone.
    Lost,
}

/// The error for a pipe whose job did not come back.
fn lost() -> io::Error {
    io::Error::other("the child's pipe was lost: its blocking-pool job panicked or was cancelled")
}

impl BlockingPipe {
    /// Wraps one end of a pipe.
    pub(super) fn new(pipe: File) -> BlockingPipe {
        BlockingPipe {
            state: State::Idle {
                pipe,
                buf: Vec::new(),
                pos: 0,
            },
        }
    }

    /// Waits for the job in flight, if any; returns its outcome (for a write job, whether
    /// its bytes went out).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let State::Busy(task) = &mut self.state else {
            return Poll::Ready(match self.state {
                State::Lost => Err(lost()),
                _ => Ok(0),
            });
        };
        let finished = ready!(Pin::new(task).poll(cx));
        let (outcome, state) = match finished {
            Ok((pipe, buf, outcome)) => (outcome, State::Idle { pipe, buf, pos: 0 }),
            Err(_) => (Err(lost()), State::Lost),
        };
        self.state = state;
        Poll::Ready(outcome)
    }

    /// Starts `job` on the pipe and `buf` on the blocking pool.
    fn start(
        &mut self,
        job: impl FnOnce(&mut File, &mut Vec<u8>) -> io::Result<usize> + Send + 'static,
    ) -> io::Result<()> {
        let handle = Handle::try_current().ok_or_else(|| {
            io::Error::other(
                "a child's pipe on Windows needs a running weft runtime (its reads and \
                 writes run on the blocking pool)",
            )
        })?;
        let State::Idle {
            mut pipe, mut buf, ..
        } = std::mem::replace(&mut self.state, State::Lost)
        else {
            return Err(lost());
        };
        self.state = State::Busy(handle.spawn_blocking(move || {
            let outcome = job(&mut pipe, &mut buf);
            (pipe, buf, outcome)
        }));
        Ok(())
    }

    /// Reads into `out`; `Ok(0)` at end of stream.
    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            // A finished write job's error is reported by the next write, not by a read.
            let _ = ready!(self.poll_idle(cx));
            if let State::Idle { buf, pos, .. } = &mut self.state
                && *pos < buf.len()
            {
                let n = out.len().min(buf.len() - *pos);
                out[..n].copy_from_slice(&buf[*pos..*pos + n]);
                *pos += n;
                return Poll::Ready(Ok(n));
            }
            if out.is_empty() {
                return Poll::Ready(Ok(0));
            }
            let want = out.len().min(CHUNK);
            self.start(move |pipe, buf| {
                buf.clear();
                buf.resize(want, 0);
                let read = loop {
                    match pipe.read(buf) {
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        // The child closed its end: Windows reports end of stream that way.
                        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => break Ok(0),
                        other => break other,
                    }
                };
                buf.truncate(*read.as_ref().unwrap_or(&0));
                read
            })?;
            // The read's own outcome comes back through `poll_idle` above.
            match ready!(self.poll_idle(cx)) {
                Ok(0) => return Poll::Ready(Ok(0)),
                Ok(_) => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    /// Hands `data` to a write job (write-behind; see the module docs).
    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_idle(cx))?;
        let n = data.len().min(CHUNK);
        if let State::Idle { buf, .. } = &mut self.state {
            buf.clear();
            buf.extend_from_slice(&data[..n]);
        }
        self.start(|pipe, buf| pipe.write_all(buf).map(|()| buf.len()))?;
        Poll::Ready(Ok(n))
    }

    /// Waits until every byte handed to a write job is in the pipe.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_idle(cx)).map(drop).into()
    }
}
