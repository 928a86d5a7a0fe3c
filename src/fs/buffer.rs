//! The buffer a [`File`](super::File) carries into each blocking job and back.
//!
//! It is in one of two modes. Reading: `data[start..end]` is read-ahead not yet handed to
//! the user, and `data[..start]` what was handed out of the same fill (kept, so a seek
//! backwards inside the window is free). Writing: `data[start..end]` is what the user wrote
//! and the file has not seen yet. One buffer serves both because a file is either read or
//! written between two hops, and switching settles the other mode first.
//!
//! `data` only grows (zeroed once when it does, never per fill; writes append without
//! zeroing) up to the largest chunk one hop moves, and is released when a whole-file read
//! left it larger than that.
//!
//! Fills run in blocking jobs, except [`fill_nowait`](Buffer::fill_nowait), which the worker
//! runs itself for data the page cache holds (`nowait.rs`).

use super::nowait::Nowait;
use std::fs::File as StdFile;
use std::io::{self, Read, Write};

/// First read-ahead of a file: a small read costs one hop per this many bytes.
pub(super) const INITIAL_READ_AHEAD: usize = 64 * 1024;
/// Read-ahead doubles while a reader stays sequential, up to this.
pub(super) const MAX_READ_AHEAD: usize = 1024 * 1024;
/// Buffered writes are written out once this many are pending, at first...
pub(super) const WRITE_CAPACITY: usize = 64 * 1024;
/// ...and the threshold doubles each time a full buffer goes out, up to this.
pub(super) const MAX_WRITE_BEHIND: usize = 1024 * 1024;
/// The most one hop moves for one large read or write call.
pub(super) const MAX_CHUNK: usize = 2 * 1024 * 1024;
/// What a read on the worker (of cached data, no hop) fetches into the buffer: a kernel copy
/// of a few microseconds, short enough to run on a worker, and small enough to stay in the
/// core's cache for the small reads that copy it out.
pub(super) const INLINE_READ: usize = 64 * 1024;
/// The most a read on the worker copies straight into a large caller buffer.
pub(super) const MAX_INLINE_READ: usize = 256 * 1024;

/// Read-ahead or pending writes; see the module docs.
#[derive(Debug, Default)]
pub(super) struct Buffer {
    data: Vec<u8>,
    start: usize,
    end: usize,
    writing: bool,
}

impl Buffer {
    /// Read-ahead not yet handed out (empty while writing).
    pub(super) fn unread(&self) -> &[u8] {
        if self.writing {
            &[]
        } else {
            &self.data[self.start..self.end]
        }
    }

    /// Bytes the user wrote that the file has not seen yet.
    pub(super) fn pending_write(&self) -> usize {
        if self.writing {
            self.end - self.start
        } else {
            0
        }
    }

    /// The read window as (bytes handed out, bytes filled), or `None` while writing.
    pub(super) fn read_window(&self) -> Option<(usize, usize)> {
        (!self.writing).then_some((self.start, self.end))
    }

    /// Moves the read cursor to `offset` bytes into the window (`offset <= end`).
    pub(super) fn set_read_offset(&mut self, offset: usize) {
        debug_assert!(!self.writing && offset <= self.end);
        self.start = offset;
    }

    /// Marks `n` unread bytes as handed out.
    pub(super) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.unread().len());
        self.start += n;
    }

    /// Copies read-ahead into `dst`; returns how much.
    pub(super) fn read_into(&mut self, dst: &mut [u8]) -> usize {
        let unread = self.unread();
        let n = unread.len().min(dst.len());
        dst[..n].copy_from_slice(&unread[..n]);
        self.start += n;
        n
    }

    /// Hands all read-ahead to `out`: by swapping storage when `out` is empty and the
    /// window is whole (a whole-file read costs no copy), else by copying.
    pub(super) fn drain_into(&mut self, out: &mut Vec<u8>) -> usize {
        let n = self.unread().len();
        if n == 0 {
            return 0;
        }
        if out.is_empty() && self.start == 0 {
            std::mem::swap(out, &mut self.data);
            out.truncate(n);
            self.data.clear();
            self.start = 0;
            self.end = 0;
        } else {
            out.extend_from_slice(self.unread());
            self.start = self.end;
            self.release_if_oversized();
        }
        n
    }

    /// Appends `more` to the unread read-ahead (used to merge two read buffers into one).
    pub(super) fn extend_unread(&mut self, more: &[u8]) {
        debug_assert!(!self.writing);
        self.data.truncate(self.end);
        self.data.extend_from_slice(more);
        self.end = self.data.len();
    }

    /// Takes bytes the user writes; returns how many it took (up to `capacity` pending, or
    /// one large chunk when nothing is pending). Any read-ahead must be gone first.
    pub(super) fn push_write(&mut self, src: &[u8], capacity: usize) -> usize {
        debug_assert!(self.unread().is_empty());
        if !self.writing {
            self.writing = true;
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 {
            // Only after a failed partial write-out: move the rest to the front.
            self.data.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let limit = if self.end == 0 {
            src.len().clamp(capacity, MAX_CHUNK)
        } else {
            capacity
        };
        let n = limit.saturating_sub(self.end).min(src.len());
        // Appended, not copied over zeroes: a run of small writes would otherwise zero the
        // buffer ahead of itself in every call. Room for the whole limit is made once.
        self.data.truncate(self.end);
        self.data.reserve(limit.saturating_sub(self.end));
        self.data.extend_from_slice(&src[..n]);
        self.end += n;
        n
    }

    /// Moves the pending writes of `staged` behind this buffer's own (by swapping storage
    /// when this one has none, so the usual hand-over copies nothing); `staged` is left
    /// empty. This buffer must hold no read-ahead.
    pub(super) fn take_writes(&mut self, staged: &mut Buffer) {
        if staged.pending_write() == 0 {
            return;
        }
        debug_assert!(self.unread().is_empty());
        if self.pending_write() == 0 {
            std::mem::swap(self, staged);
        } else {
            // Only after a failed write-out: the newer writes go behind the older.
            self.data.truncate(self.end);
            self.data
                .extend_from_slice(&staged.data[staged.start..staged.end]);
            self.end = self.data.len();
        }
        staged.discard();
    }

    /// Forgets the contents (the caller has moved the file cursor to match).
    pub(super) fn discard(&mut self) {
        self.writing = false;
        self.start = 0;
        self.end = 0;
        self.release_if_oversized();
    }

    fn release_if_oversized(&mut self) {
        if self.data.len() > MAX_CHUNK {
            self.data = Vec::new();
        }
    }

    // ---- the blocking side: called inside blocking jobs ----

    /// Writes every pending byte to `file`. On an error the unwritten rest stays pending, so
    /// a later flush retries it and nothing is dropped silently.
    pub(super) fn write_out(&mut self, file: &mut StdFile) -> io::Result<()> {
        if !self.writing {
            return Ok(()); // read-ahead stays
        }
        while self.pending_write() > 0 {
            match file.write(&self.data[self.start..self.end]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.start += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        self.discard();
        Ok(())
    }

    /// Replaces the (settled) contents with up to `want` bytes from one read of `file`;
    /// returns how many (0 at the end of the file).
    pub(super) fn fill(&mut self, file: &mut StdFile, want: usize) -> io::Result<usize> {
        debug_assert_eq!(self.pending_write(), 0);
        self.discard();
        if self.data.len() < want {
            self.data.resize(want, 0);
        }
        loop {
            match file.read(&mut self.data[..want]) {
                Ok(n) => {
                    self.end = n;
                    return Ok(n);
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// Replaces the (settled) contents with up to `want` bytes of `file` that are in memory
    /// already, read on the calling thread (`nowait.rs`).
    pub(super) fn fill_nowait(&mut self, file: &StdFile, want: usize) -> Nowait {
        debug_assert_eq!(self.pending_write(), 0);
        self.discard();
        if self.data.len() < want {
            self.data.resize(want, 0);
        }
        let outcome = super::nowait::read(file, &mut self.data[..want]);
        if let Nowait::Read(n) = outcome {
            self.end = n;
        }
        outcome
    }

    /// Replaces the (settled) contents with the rest of `file`; returns how many bytes.
    /// What was read before an error stays buffered.
    pub(super) fn fill_to_end(&mut self, file: &mut StdFile) -> io::Result<usize> {
        debug_assert_eq!(self.pending_write(), 0);
        self.discard();
        self.data.clear();
        let result = file.read_to_end(&mut self.data);
        self.end = self.data.len();
        result
    }
}
