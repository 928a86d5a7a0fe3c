//! `File`: an open file whose reads, writes and seeks run on the blocking pool.
//!
//! The std file and a [`Buffer`] live in one `Inner` that is either here (`Idle`) or inside
//! the one blocking job in flight (`Busy`), and comes back with the job's outcome. Owning the
//! file outright is what keeps it lock-free and cancel-safe: a caller that stops waiting
//! leaves the job running, and the next call on the file collects its outcome first (an
//! error from it is returned by that next call, never dropped).
//!
//! Reading is double-buffered. The *front* buffer stays with the `File` and serves reads;
//! when it runs dry, the buffer the last job filled becomes the front, and while the reader
//! drains it the next fill is already running (once the reader has shown it is sequential
//! by draining a full fill). The kernel's copy into one buffer thus overlaps the user's copy
//! out of the other, and a reader rarely waits for a hop. The OS cursor is always ahead of
//! the logical position by the unread bytes of both buffers; jobs that move the cursor
//! first merge the front back into the job's buffer, so they see one buffer as before.
//!
//! Every job starts by writing out pending writes, so whatever a job does next (fill, seek,
//! sync, set_len, metadata) sees the file as the user wrote it. The file tracks its logical
//! position when it can (not in append mode, not after `from_std` until the first seek), so
//! a seek that lands inside the front buffer's window, or `stream_position`, costs no hop.
//!
//! Pending writes are never lost silently: a failed write-out keeps the unwritten bytes for
//! the next flush, and dropping a file with pending writes writes them on the blocking pool
//! (on the dropping thread if the pool is gone), best effort, since no one is left to hear
//! of an error then.

use super::buffer::{Buffer, INITIAL_READ_AHEAD, MAX_CHUNK, MAX_READ_AHEAD};
use super::open_options::OpenOptions;
use super::{job_failed, pool_shut_down};
use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
use std::fmt;
use std::fs::{File as StdFile, Metadata};
use std::future::{Future, poll_fn};
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use weft_executor::{Handle, Task};

/// An open file on the blocking pool, implementing [`AsyncRead`], [`AsyncBufRead`],
/// [`AsyncWrite`] and [`AsyncSeek`] (aiofiles' file object).
///
/// Small reads are served from read-ahead and small writes are collected in a buffer, so a
/// loop of small calls makes one trip to the blocking pool per 64 KiB or more, not per call.
/// The inherent async methods ([`read`](File::read), [`write_all`](File::write_all),
/// [`read_to_end`](File::read_to_end), [`seek`](File::seek), [`flush`](File::flush), ...)
/// need no extension trait.
///
/// Written data reaches the file when the buffer fills, on [`flush`](File::flush), on a
/// seek that moves, and on [`sync_all`](File::sync_all) / [`sync_data`](File::sync_data);
/// after `flush().await` other readers of the file see it. A `File` dropped with unflushed
/// data writes it in the background, best effort: flush first when you need to know it
/// worked.
///
/// A call abandoned half-way (its future dropped) leaves its blocking job running; the next
/// call waits for it first and returns its error, if it had one.
///
/// ```
/// use std::io::SeekFrom;
/// use weft::fs::File;
///
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-file-{}", std::process::id()));
///     let mut file = File::options().read(true).write(true).create(true).truncate(true).open(&path).await?;
///     file.write_all(b"hello, world").await?;
///     file.seek(SeekFrom::Start(7)).await?;
///     let mut word = [0; 5];
///     assert_eq!(file.read(&mut word).await?, 5);
///     assert_eq!(&word, b"world");
///     drop(file);
///     weft::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub struct File {
    handle: Handle,
    state: State,
    /// Read-ahead being handed out (never holds writes); `data[..start]` of it is the part
    /// of the window already read, which seeks may return to.
    front: Buffer,
    /// The logical position (where the next read or write lands), when known.
    position: Option<u64>,
    /// Writes jump to the end of the file, so they make `position` unknown.
    append: bool,
    /// How much the next fill asks for.
    read_ahead: usize,
    /// The last fill was full: fetch the next one while the reader drains the front.
    sequential: bool,
}

enum State {
    Idle(Inner),
    Busy(Task<(Parked, io::Result<Value>)>, Op),
    /// A job was refused or dropped: the runtime shut down and the std file is closed.
    Gone,
}

/// What travels into a blocking job.
struct Inner {
    file: StdFile,
    buf: Buffer,
}

/// `Inner` on its way through a blocking job: if the job is dropped instead of run (the
/// runtime shut down), or its output is dropped unclaimed, pending writes are written then.
struct Parked(Option<Inner>);

/// A blocking job on the file. Each first writes out pending writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
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
enum Value {
    Read(usize),
    Flushed,
    Sought(u64),
    Done,
    Metadata(Metadata),
}

impl Inner {
    fn run(&mut self, op: Op) -> io::Result<Value> {
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
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
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
    fn inner(&mut self) -> &mut Inner {
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
    /// Opens `path` for reading.
    ///
    /// ```
    /// weft::run(async {
    ///     let err = weft::fs::File::open("/no/such/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens `path` for writing, creating it or cutting it to length zero.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-create-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await?;
    ///     file.write_all(b"new").await?;
    ///     file.flush().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"new");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// A builder for other ways to open a file (aiofiles' `mode` string).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-options-{}", std::process::id()));
    ///     let file = weft::fs::File::options().write(true).create_new(true).open(&path).await?;
    ///     drop(file);
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file. Its position is taken as unknown until the first seek, and it
    /// uses the blocking pool of the runtime current at this call.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-from-std-{}", std::process::id()));
    ///     std::fs::write(&path, "std")?;
    ///     let mut file = weft::fs::File::from_std(std::fs::File::open(&path)?);
    ///     let mut text = String::new();
    ///     file.read_to_string(&mut text).await?;
    ///     assert_eq!(text, "std");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn from_std(file: StdFile) -> File {
        // The std file may be in append mode, so writes make the position unknown.
        File::new(file, None, true)
    }

    pub(super) fn from_opened(file: StdFile, append: bool) -> File {
        File::new(file, if append { None } else { Some(0) }, append)
    }

    #[track_caller]
    fn new(file: StdFile, position: Option<u64>, append: bool) -> File {
        File {
            handle: Handle::current(),
            state: State::Idle(Inner {
                file,
                buf: Buffer::default(),
            }),
            front: Buffer::default(),
            position,
            append,
            read_ahead: INITIAL_READ_AHEAD,
            sequential: false,
        }
    }

    /// Flushes pending writes, then gives back the std file, its cursor at the logical
    /// position.
    ///
    /// ```
    /// use std::io::Read;
    ///
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-into-std-{}", std::process::id()));
    ///     std::fs::write(&path, "abcdef")?;
    ///     let mut file = weft::fs::File::open(&path).await?;
    ///     let mut two = [0; 2];
    ///     file.read(&mut two).await?; // the file read ahead, but into_std rewinds
    ///     let mut rest = String::new();
    ///     file.into_std().await?.read_to_string(&mut rest)?;
    ///     assert_eq!(rest, "cdef");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn into_std(mut self) -> io::Result<StdFile> {
        self.flush().await?;
        if self.has_read_ahead() {
            self.run_op(Op::Seek(SeekFrom::Current(0))).await?;
        }
        match std::mem::replace(&mut self.state, State::Gone) {
            State::Idle(inner) => Ok(inner.file),
            // `flush` and `run_op` return only with the file idle.
            _ => unreachable!("the file is idle after a flush"),
        }
    }

    /// Reads into `buf`; returns how many bytes were read, 0 at the end of the file. Served
    /// from read-ahead when there is some.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-read-m-{}", std::process::id()));
    ///     std::fs::write(&path, "abc")?;
    ///     let mut file = weft::fs::File::open(&path).await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(file.read(&mut buf).await?, 3);
    ///     assert_eq!(file.read(&mut buf).await?, 0);
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| Pin::new(&mut *self).poll_read(cx, buf)).await
    }

    /// Reads the rest of the file, appending to `out`; returns how many bytes. One trip to
    /// the blocking pool for all of it, and no copy when `out` is empty. Cancel-safe: if
    /// the future is dropped, what was read is in `out` or still buffered for the next read.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-rte-{}", std::process::id()));
    ///     std::fs::write(&path, vec![7u8; 100_000])?;
    ///     let mut file = weft::fs::File::open(&path).await?;
    ///     let mut all = Vec::new();
    ///     assert_eq!(file.read_to_end(&mut all).await?, 100_000);
    ///     assert!(all.iter().all(|&b| b == 7));
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn read_to_end(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut total = 0;
        poll_fn(|cx| {
            loop {
                total += self.take_read_ahead(out, false);
                let finished = ready!(self.poll_idle(cx))?;
                total += self.take_read_ahead(out, true);
                if let Some((Op::FillToEnd, _)) = finished {
                    return Poll::Ready(Ok(total));
                }
                self.start(Op::FillToEnd);
            }
        })
        .await
    }

    /// Reads the rest of the file as UTF-8, appending to `out`; returns how many bytes. An
    /// error of kind `InvalidData` (and `out` unchanged) when it is not UTF-8.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-rts-m-{}", std::process::id()));
    ///     std::fs::write(&path, "text")?;
    ///     let mut file = weft::fs::File::open(&path).await?;
    ///     let mut text = String::new();
    ///     file.read_to_string(&mut text).await?;
    ///     assert_eq!(text, "text");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn read_to_string(&mut self, out: &mut String) -> io::Result<usize> {
        let mut bytes = Vec::new();
        let n = self.read_to_end(&mut bytes).await?;
        let text = String::from_utf8(bytes)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.utf8_error()))?;
        if out.is_empty() {
            *out = text;
        } else {
            out.push_str(&text);
        }
        Ok(n)
    }

    /// Writes all of `src` into the file's buffer, which is written out in the background
    /// whenever it fills; [`flush`](File::flush) to be sure it reached the file.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-wa-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await?;
    ///     for _ in 0..1000 {
    ///         file.write_all(b"0123456789").await?; // coalesced, not 1000 hops
    ///     }
    ///     file.flush().await?;
    ///     assert_eq!(std::fs::metadata(&path)?.len(), 10_000);
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn write_all(&mut self, mut src: &[u8]) -> io::Result<()> {
        while !src.is_empty() {
            let n = poll_fn(|cx| Pin::new(&mut *self).poll_write(cx, src)).await?;
            src = &src[n..];
        }
        Ok(())
    }

    /// Moves the position; returns the new one, counted from the start of the file. A seek
    /// inside the read-ahead window, or to where the file already is, costs no trip to the
    /// blocking pool; any other seek writes out pending writes first.
    ///
    /// ```
    /// use std::io::SeekFrom;
    ///
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-seek-{}", std::process::id()));
    ///     std::fs::write(&path, "0123456789")?;
    ///     let mut file = weft::fs::File::open(&path).await?;
    ///     assert_eq!(file.seek(SeekFrom::End(-3)).await?, 7);
    ///     let mut tail = String::new();
    ///     file.read_to_string(&mut tail).await?;
    ///     assert_eq!(tail, "789");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        poll_fn(|cx| Pin::new(&mut *self).poll_seek(cx, pos)).await
    }

    /// Writes pending writes to the file. After it returns `Ok`, the data is in the file and
    /// visible to other readers (not necessarily on disk: see [`sync_all`](File::sync_all)).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-flush-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await?;
    ///     file.write_all(b"seen").await?;
    ///     file.flush().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"seen");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn flush(&mut self) -> io::Result<()> {
        poll_fn(|cx| Pin::new(&mut *self).poll_flush(cx)).await
    }

    /// Writes pending writes, then waits until the data and metadata are on the storage
    /// device (`fsync`).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-sync-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await?;
    ///     file.write_all(b"durable").await?;
    ///     file.sync_all().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"durable");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.run_op(Op::SyncAll).await.map(drop)
    }

    /// Like [`sync_all`](File::sync_all) but may skip metadata not needed to read the data
    /// back (`fdatasync`).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-sdata-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await?;
    ///     file.write_all(b"data").await?;
    ///     file.sync_data().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"data");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.run_op(Op::SyncData).await.map(drop)
    }

    /// Truncates or extends the file to `size` bytes (zeros when extending). Pending writes
    /// go out first; the position does not move.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-setlen-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await?;
    ///     file.write_all(b"0123456789").await?;
    ///     file.set_len(4).await?;
    ///     assert_eq!(std::fs::read(&path)?, b"0123");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.run_op(Op::SetLen(size)).await.map(drop)
    }

    /// The file's metadata, after pending writes went out (so the length counts them).
    /// Takes `&mut self` because the file is owned by at most one blocking job at a time.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-fmeta-{}", std::process::id()));
    ///     let mut file = weft::fs::File::create(&path).await?;
    ///     file.write_all(b"12345").await?;
    ///     assert_eq!(file.metadata().await?.len(), 5);
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn metadata(&mut self) -> io::Result<Metadata> {
        match self.run_op(Op::Metadata).await? {
            Value::Metadata(metadata) => Ok(metadata),
            // A metadata job succeeds only with metadata.
            _ => unreachable!("a metadata job returned something else"),
        }
    }

    // ---- the state machine ----

    /// Waits for the job in flight, if any, and applies its outcome. `Ok(None)`: the file
    /// was idle; `Ok(Some(..))`: the job that just finished; `Err`: its error.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<(Op, Value)>>> {
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
    fn after(&mut self, op: Op, value: &Value) {
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
    fn idle(&mut self) -> &mut Inner {
        match &mut self.state {
            State::Idle(inner) => inner,
            // Callers reach this only after `poll_idle` succeeded, which leaves `Idle`.
            _ => unreachable!("the file is idle after poll_idle"),
        }
    }

    /// Sends the idle file into a blocking job running `op`.
    fn start(&mut self, op: Op) {
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
    async fn run_op(&mut self, op: Op) -> io::Result<Value> {
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

    fn advance(&mut self, n: usize) {
        self.position = self.position.map(|pos| pos + n as u64);
    }

    /// Moves read-ahead into `out`: the front's, or (`back`, the file idle) the last fill's.
    fn take_read_ahead(&mut self, out: &mut Vec<u8>, back: bool) -> usize {
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
    fn has_read_ahead(&mut self) -> bool {
        !self.front.unread().is_empty() || !self.idle().buf.unread().is_empty()
    }

    /// Makes the front buffer hold unread data: `Ok(false)` at the end of the file. `hint`
    /// is how much the caller would like (it sizes a fill that has to be waited for).
    fn poll_front(&mut self, cx: &mut Context<'_>, hint: usize) -> Poll<io::Result<bool>> {
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
    fn seek_without_hop(&mut self, pos: SeekFrom) -> Option<u64> {
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

impl Drop for File {
    fn drop(&mut self) {
        if let State::Idle(inner) = std::mem::replace(&mut self.state, State::Gone)
            && inner.buf.pending_write() > 0
        {
            // Dropping `Parked` writes the data: on a pool thread, or right here when the
            // pool refuses the job because the runtime has shut down.
            let parked = Parked(Some(inner));
            drop(self.handle.spawn_blocking(move || drop(parked)));
        }
        // A busy file's job runs on; its `Parked` writes anything left when dropped.
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("File");
        debug.field("position", &self.position);
        match &self.state {
            State::Idle(inner) => debug
                .field("file", &inner.file)
                .field(
                    "read_ahead",
                    &(self.front.unread().len() + inner.buf.unread().len()),
                )
                .field("pending_write", &inner.buf.pending_write()),
            State::Busy(_, op) => debug.field("busy", op),
            State::Gone => debug.field("closed", &true),
        };
        debug.finish()
    }
}
