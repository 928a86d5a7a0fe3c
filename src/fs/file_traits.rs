//! The `futures_io` traits of [`File`], over its inherent buffered operations.

use super::buffer::{INLINE_READ, MAX_CHUNK, MAX_WRITE_BEHIND};
use super::file::File;
use super::file_job::{Op, State, Value};
use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if dst.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // A large read of cached data goes straight into `dst`, with no copy through the
        // front buffer (nor a hop).
        if dst.len() >= INLINE_READ
            && this.front.unread().is_empty()
            && let Some(read) = this.read_inline(cx, Some(&mut *dst))
        {
            return read.map(Ok);
        }
        if !ready!(this.poll_front(cx, dst.len()))? {
            return Poll::Ready(Ok(0)); // end of file
        }
        let n = this.front.read_into(dst);
        this.advance(n);
        Poll::Ready(Ok(n))
    }
}

impl AsyncBufRead for File {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        ready!(this.poll_front(cx, 0))?;
        Poll::Ready(Ok(this.front.unread()))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        let n = amt.min(this.front.unread().len());
        this.front.consume(n);
        this.advance(n);
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if src.is_empty() {
            ready!(this.poll_idle(cx))?;
            return Poll::Ready(Ok(0));
        }
        loop {
            // Writes are staged beside a write-out in flight; any other job is waited for.
            let writing_out = matches!(this.state, State::Busy(_, Op::Flush));
            if !writing_out {
                ready!(this.poll_idle(cx))?;
                if this.has_read_ahead() {
                    // Writing lands at the logical position: drop read-ahead, moving the
                    // cursor back.
                    this.start(Op::Seek(SeekFrom::Current(0)));
                    continue;
                }
            }
            // What the front's window holds may be about to change.
            this.front.discard();
            // A write-out goes when `soft` is staged; a writer waits only at `hard`, when
            // the write-out in flight still cannot take what it staged.
            let soft = this.write_behind;
            let hard = (4 * soft).min(MAX_CHUNK);
            if this.staged.pending_write() >= hard && !this.write_out_staged() {
                // The one wait a steady writer has, when it outruns the disk: until the
                // write-out takes the buffer handed to it (or ends). Such a writer is
                // streaming: bigger write-outs cost it fewer waits and hops (a writer the
                // disk keeps up with keeps small buffers, which a short file never pays to
                // fault in).
                this.write_behind = (soft * 2).min(MAX_WRITE_BEHIND);
                if !ready!(this.poll_handoff_room(cx)) {
                    ready!(this.poll_idle(cx))?;
                }
                continue;
            }
            let before = this.staged.pending_write();
            let n = this.staged.push_write(src, hard);
            if this.append {
                this.position = None;
            } else {
                this.advance(n);
            }
            // Write behind: the caller goes on staging while this goes out. If the write-out
            // in flight cannot take it yet, staging goes on up to `hard`, trying again each
            // eighth of `soft` (not each small write: a try takes the hand-off's lock).
            let (after, step) = (before + n, (soft / 8).max(1));
            if after >= soft && (before < soft || before / step != after / step) {
                this.write_out_staged();
            }
            return Poll::Ready(Ok(n));
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.poll_idle(cx))?;
            if this.idle().buf.pending_write() == 0 && this.staged.pending_write() == 0 {
                return Poll::Ready(Ok(()));
            }
            this.start(Op::Flush);
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        loop {
            // Tried first: a seek inside the front's window need not wait for a fill in flight.
            if let Some(at) = this.seek_without_hop(pos) {
                return Poll::Ready(Ok(at));
            }
            if let Some((Op::Seek(done), Value::Sought(at))) = ready!(this.poll_idle(cx))?
                && done == pos
            {
                return Poll::Ready(Ok(at));
            }
            this.start(Op::Seek(pos));
        }
    }
}
