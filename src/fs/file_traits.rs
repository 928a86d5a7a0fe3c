//! The `futures_io` traits of [`File`](super::File), over its inherent buffered operations.

use super::file::File;
use super::file_job::{Op, Value};
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
        loop {
            ready!(this.poll_idle(cx))?;
            if src.is_empty() {
                return Poll::Ready(Ok(0));
            }
            if this.has_read_ahead() {
                // Writing lands at the logical position: drop read-ahead, moving the cursor back.
                this.start(Op::Seek(SeekFrom::Current(0)));
                continue;
            }
            // What the front's window holds may be about to change.
            this.front.discard();
            let inner = this.idle();
            if inner.buf.write_full() {
                this.start(Op::Flush);
                continue;
            }
            let n = inner.buf.push_write(src);
            let full = inner.buf.write_full();
            if this.append {
                this.position = None;
            } else {
                this.advance(n);
            }
            if full {
                // Write behind: the caller goes on while the buffer is written out.
                this.start(Op::Flush);
            }
            return Poll::Ready(Ok(n));
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.poll_idle(cx))?;
            if this.idle().buf.pending_write() == 0 {
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
