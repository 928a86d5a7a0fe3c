//! `File`: an open file whose reads, writes and seeks run on the blocking pool — or, for
//! data the page cache holds, on the reading worker itself.
//!
//! The std file and a [`Buffer`] live in one `Inner` that is either here (`Idle`) or inside
//! the one blocking job in flight (`Busy`), and comes back with the job's outcome. Owning the
//! file outright is what keeps it lock-free and cancel-safe: a caller that stops waiting
//! leaves the job running, and the next call on the file collects its outcome first (an
//! error from it is returned by that next call, never dropped).
//!
//! **Reading** first tries the worker (Linux): on an idle file with nothing buffered, a read
//! asks the kernel for data it has in memory without waiting for the disk (`nowait.rs`),
//! 64 KiB into the *front* buffer, or straight into a caller's buffer of 64 KiB or more. No
//! hop, no thread switch: a loop of 4 KiB reads of a cached file ran faster than std's own
//! loop (one syscall per 64 KiB instead of per 4 KiB), where the pool-only design was 1.2 ×
//! async-fs. Data not in memory (or a platform without such reads) takes the pool, and the
//! pool's reads are double-buffered: the front buffer stays with the `File` and serves
//! reads; when it runs dry, the buffer the last job filled becomes the front, and while the
//! reader drains it the next fill is already running (once the reader has shown it is
//! sequential by draining a full fill). The OS cursor is always ahead of the logical
//! position by the unread bytes of both buffers; jobs that move the cursor first merge the
//! front back into the job's buffer, so they see one buffer as before.
//!
//! **Writing** is staged: writes go into the `staged` buffer, which stays with the `File`,
//! and a full one (64 KiB, doubling up to 1 MiB for a writer that outruns the disk) goes out
//! in a write-out job while the caller stages the next. A write-out in flight takes the next
//! full buffer through a hand-off (`file_job.rs`) as soon as it is done with its own, so a
//! streaming writer keeps one pool thread writing with no hop between chunks. The writer
//! waits only when it is a whole buffer ahead (a full one handed over and not yet taken,
//! and its staged one full too), and then only until the job takes the handed one. A
//! 256 MiB copy through a 64 KiB buffer runs at 0.6-0.9 × async-fs that way
//! (`benches/fs.rs`; the kernel's two copies and one copy into the staged buffer are the
//! profile); with the writer waiting for each 64 KiB write-out before it staged more, it was
//! 1.3-2.2 ×.
//!
//! Every job starts by writing out pending writes (staged ones included), so whatever a job
//! does next (fill, seek, sync, set_len, metadata) sees the file as the user wrote it. The
//! file tracks its logical position when it can (not in append mode, not after `from_std`
//! until the first seek), so a seek that lands inside the front buffer's window, or
//! `stream_position`, costs no hop.
//!
//! Pending writes are never lost silently: a failed write-out keeps the unwritten bytes (and
//! any handed over behind them) for the next flush, and dropping a file with pending writes
//! writes them on the blocking pool (on the dropping thread if the pool is gone; by the
//! write-out in flight, or its `Parked`, if there is one), best effort, since no one is left
//! to hear of an error then.
//!
//! This file holds the public API; the job machinery is in `file_job.rs` and the
//! `futures_io` traits in `file_traits.rs`.

use super::buffer::{Buffer, INITIAL_READ_AHEAD, WRITE_CAPACITY};
use super::file_job::{Handoff, Inner, Op, Parked, State, Value};
use super::open_options::OpenOptions;
use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use std::fmt;
use std::fs::{File as StdFile, Metadata};
use std::future::Future;
use std::future::poll_fn;
use std::io::{self, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};
use weft_executor::Handle;

/// An open file on the blocking pool, implementing [`AsyncRead`], [`AsyncBufRead`](futures_io::AsyncBufRead),
/// [`AsyncWrite`] and [`AsyncSeek`] (aiofiles' file object).
///
/// Reads of data the page cache holds run on the calling worker (Linux); other small reads
/// are served from read-ahead, and small writes are collected in a buffer, so a loop of small
/// calls makes one trip to the blocking pool per 64 KiB or more, not per call.
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
    pub(super) handle: Handle,
    pub(super) state: State,
    /// Read-ahead being handed out (never holds writes); `data[..start]` of it is the part
    /// of the window already read, which seeks may return to.
    pub(super) front: Buffer,
    /// The logical position (where the next read or write lands), when known.
    pub(super) position: Option<u64>,
    /// Writes jump to the end of the file, so they make `position` unknown.
    pub(super) append: bool,
    /// How much the next fill asks for.
    pub(super) read_ahead: usize,
    /// The last fill was full: fetch the next one while the reader drains the front.
    pub(super) sequential: bool,
    /// Reads of cached data may run on the worker (cleared when the file cannot).
    pub(super) inline_reads: bool,
    /// Writes not yet handed to a job: they collect here while the last write-out runs.
    pub(super) staged: Buffer,
    /// How much `staged` holds before it goes out.
    pub(super) write_behind: usize,
    /// Shared with the write-out in flight (made at the first one).
    pub(super) handoff: Option<Arc<parking_lot::Mutex<Handoff>>>,
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
    #[track_caller]
    pub fn open(path: impl AsRef<Path>) -> impl Future<Output = io::Result<File>> {
        super::blocking_wait(async move { OpenOptions::new().read(true).open(path).await })
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
    #[track_caller]
    pub fn create(path: impl AsRef<Path>) -> impl Future<Output = io::Result<File>> {
        super::blocking_wait(async move {
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(path)
                .await
        })
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
            inline_reads: cfg!(target_os = "linux"),
            staged: Buffer::default(),
            write_behind: WRITE_CAPACITY,
            handoff: None,
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
    #[track_caller]
    pub fn into_std(mut self) -> impl Future<Output = io::Result<StdFile>> {
        super::blocking_wait(async move {
            self.flush().await?;
            if self.has_read_ahead() {
                self.run_op(Op::Seek(SeekFrom::Current(0))).await?;
            }
            match std::mem::replace(&mut self.state, State::Gone) {
                State::Idle(inner) => Ok(inner.file),
                // `flush` and `run_op` return only with the file idle.
                _ => unreachable!("the file is idle after a flush"),
            }
        })
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
    #[track_caller]
    pub fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        super::blocking_wait(
            async move { poll_fn(|cx| Pin::new(&mut *self).poll_read(cx, buf)).await },
        )
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
    #[track_caller]
    pub fn read_to_end(&mut self, out: &mut Vec<u8>) -> impl Future<Output = io::Result<usize>> {
        super::blocking_wait(async move {
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
        })
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
    #[track_caller]
    pub fn read_to_string(&mut self, out: &mut String) -> impl Future<Output = io::Result<usize>> {
        super::blocking_wait(async move {
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
        })
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
    #[track_caller]
    pub fn write_all(&mut self, mut src: &[u8]) -> impl Future<Output = io::Result<()>> {
        super::blocking_wait(async move {
            while !src.is_empty() {
                let n = poll_fn(|cx| Pin::new(&mut *self).poll_write(cx, src)).await?;
                src = &src[n..];
            }
            Ok(())
        })
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
    #[track_caller]
    pub fn seek(&mut self, pos: SeekFrom) -> impl Future<Output = io::Result<u64>> {
        super::blocking_wait(
            async move { poll_fn(|cx| Pin::new(&mut *self).poll_seek(cx, pos)).await },
        )
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
    #[track_caller]
    pub fn flush(&mut self) -> impl Future<Output = io::Result<()>> {
        super::blocking_wait(async move { poll_fn(|cx| Pin::new(&mut *self).poll_flush(cx)).await })
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
    #[track_caller]
    pub fn sync_all(&mut self) -> impl Future<Output = io::Result<()>> {
        super::blocking_wait(async move { self.run_op(Op::SyncAll).await.map(drop) })
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
    #[track_caller]
    pub fn sync_data(&mut self) -> impl Future<Output = io::Result<()>> {
        super::blocking_wait(async move { self.run_op(Op::SyncData).await.map(drop) })
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
    #[track_caller]
    pub fn set_len(&mut self, size: u64) -> impl Future<Output = io::Result<()>> {
        super::blocking_wait(async move { self.run_op(Op::SetLen(size)).await.map(drop) })
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
    #[track_caller]
    pub fn metadata(&mut self) -> impl Future<Output = io::Result<Metadata>> {
        super::blocking_wait(async move {
            match self.run_op(Op::Metadata).await? {
                Value::Metadata(metadata) => Ok(metadata),
                // A metadata job succeeds only with metadata.
                _ => unreachable!("a metadata job returned something else"),
            }
        })
    }

    // ---- the state machine ----
}

impl Drop for File {
    fn drop(&mut self) {
        let mut staged = std::mem::take(&mut self.staged);
        let mut inner = match std::mem::replace(&mut self.state, State::Gone) {
            State::Idle(inner) => inner,
            State::Busy(mut task, _) => {
                if staged.pending_write() == 0 {
                    // The job runs on; its `Parked` writes anything left when dropped.
                    return;
                }
                // A job that has finished hands the file back at once: treat it as idle.
                let mut cx = Context::from_waker(Waker::noop());
                match task
                    .is_finished()
                    .then(|| Pin::new(&mut task).poll(&mut cx))
                {
                    Some(Poll::Ready(Ok((mut parked, _)))) => {
                        let mut inner = parked
                            .inner
                            .take()
                            .expect("a finished job returns the file");
                        if let Some(handoff) = &parked.handoff {
                            inner.buf.take_writes(&mut handoff.lock().next);
                        }
                        inner
                    }
                    // The runtime shut down under the job: the file is closed already.
                    Some(Poll::Ready(Err(_))) => return,
                    _ => {
                        // Staged writes exist only beside a write-out, which has a hand-off:
                        // the job writes them after its own, or its `Parked` does once the
                        // job's output is dropped unclaimed (dropping `task` below).
                        debug_assert!(
                            self.handoff.is_some(),
                            "writes staged beside a non-write job"
                        );
                        if let Some(handoff) = &self.handoff {
                            handoff.lock().next.take_writes(&mut staged);
                        }
                        return;
                    }
                }
            }
            State::Gone => return,
        };
        inner.buf.take_writes(&mut staged);
        if inner.buf.pending_write() > 0 {
            // Dropping `Parked` writes the data: on a pool thread, or right here when the
            // pool refuses the job because the runtime has shut down.
            let parked = Parked {
                inner: Some(inner),
                handoff: None,
            };
            drop(self.handle.spawn_blocking(move || drop(parked)));
        }
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
                .field(
                    "pending_write",
                    &(inner.buf.pending_write() + self.staged.pending_write()),
                ),
            State::Busy(_, op) => debug
                .field("busy", op)
                .field("staged", &self.staged.pending_write()),
            State::Gone => debug.field("closed", &true),
        };
        debug.finish()
    }
}
