//! `read_dir`: a directory's entries as an async stream, fetched in batches.
//!
//! Each trip to the blocking pool reads up to [`BATCH`] entries (the first batch in the same
//! trip that opens the directory), so listing a directory of a few dozen files costs one hop,
//! not one per entry. The std iterator and the batch's queue travel into the job and back,
//! which keeps the queue's allocation and needs no lock. Each entry's file type is read in
//! the job too: on most platforms the directory listing already carries it, so
//! [`DirEntry::file_type`] is then answered without another hop.

use super::{asyncify, job_failed};
use futures_core::Stream;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{Future, poll_fn};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use weft_executor::{Handle, Task};

/// Entries fetched per trip to the blocking pool.
const BATCH: usize = 64;

/// Opens the directory `path` for listing; its entries come from the returned [`ReadDir`]
/// (in no particular order, without `.` and `..`).
///
/// ```
/// weft::run(async {
///     let dir = std::env::temp_dir().join(format!("weft-doc-readdir-{}", std::process::id()));
///     weft::fs::create_dir_all(&dir).await?;
///     weft::fs::write(dir.join("a.txt"), "a").await?;
///     let mut entries = weft::fs::read_dir(&dir).await?;
///     let entry = entries.next_entry().await?.expect("one entry");
///     assert_eq!(entry.file_name(), "a.txt");
///     assert!(entries.next_entry().await?.is_none());
///     weft::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn read_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<ReadDir>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        let batch = asyncify(move || {
            let iter = std::fs::read_dir(path)?;
            Ok(Batch::read(iter, VecDeque::with_capacity(BATCH)))
        })
        .await?;
        Ok(ReadDir {
            handle: Handle::current(),
            state: State::Idle(batch),
        })
    })
}

/// The entries of a directory, from [`read_dir`]: call [`next_entry`](ReadDir::next_entry)
/// or use it as a [`Stream`] of `io::Result<DirEntry>`.
///
/// ```
/// use futures_lite::StreamExt;
///
/// weft::run(async {
///     let dir = std::env::temp_dir().join(format!("weft-doc-readdir-s-{}", std::process::id()));
///     weft::fs::create_dir_all(&dir).await?;
///     for i in 0..3 {
///         weft::fs::write(dir.join(format!("{i}")), "").await?;
///     }
///     let mut names: Vec<_> = weft::fs::read_dir(&dir)
///         .await?
///         .map(|entry| entry.map(|e| e.file_name()))
///         .try_collect::<_, _, Vec<_>>()
///         .await?;
///     names.sort();
///     assert_eq!(names, ["0", "1", "2"]);
///     weft::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
pub struct ReadDir {
    handle: Handle,
    state: State,
}

// On Windows std's `ReadDir` holds a whole `WIN32_FIND_DATAW` (some 600 bytes), which makes
// `Idle` large; there is one `State` per open directory, so boxing it would buy nothing.
#[cfg_attr(windows, allow(clippy::large_enum_variant))]
enum State {
    Idle(Batch),
    Busy(Task<Batch>),
}

/// Entries read by one job, and the iterator to read more from (`None` once exhausted).
struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    rest: Option<std::fs::ReadDir>,
}

impl Batch {
    /// Reads up to [`BATCH`] entries from `iter` into `entries` (blocking).
    fn read(mut iter: std::fs::ReadDir, mut entries: VecDeque<io::Result<DirEntry>>) -> Batch {
        for _ in 0..BATCH {
            match iter.next() {
                Some(entry) => entries.push_back(entry.map(DirEntry::new)),
                None => {
                    return Batch {
                        entries,
                        rest: None,
                    };
                }
            }
        }
        Batch {
            entries,
            rest: Some(iter),
        }
    }
}

impl ReadDir {
    /// The next entry, or `None` when the directory has no more.
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-next-{}", std::process::id()));
    ///     weft::fs::create_dir_all(&dir).await?;
    ///     let mut entries = weft::fs::read_dir(&dir).await?;
    ///     assert!(entries.next_entry().await?.is_none());
    ///     weft::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn next_entry(&mut self) -> impl Future<Output = io::Result<Option<DirEntry>>> {
        super::blocking_wait(async move { poll_fn(|cx| self.poll_next_entry(cx)).await })
    }

    fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(batch) => {
                    if let Some(entry) = batch.entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    let Some(iter) = batch.rest.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    let entries = std::mem::take(&mut batch.entries);
                    self.state = State::Busy(
                        self.handle
                            .spawn_blocking(move || Batch::read(iter, entries)),
                    );
                }
                State::Busy(task) => match ready!(Pin::new(task).poll(cx)) {
                    Ok(batch) => self.state = State::Idle(batch),
                    Err(err) => {
                        self.state = State::Idle(Batch {
                            entries: VecDeque::new(),
                            rest: None,
                        });
                        return Poll::Ready(Err(job_failed(err)));
                    }
                },
            }
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(ready!(self.get_mut().poll_next_entry(cx)).transpose())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.state {
            State::Idle(batch) if batch.rest.is_none() => {
                (batch.entries.len(), Some(batch.entries.len()))
            }
            State::Idle(batch) => (batch.entries.len(), None),
            State::Busy(_) => (0, None),
        }
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ReadDir");
        match &self.state {
            State::Idle(batch) => debug
                .field("buffered", &batch.entries.len())
                .field("exhausted", &batch.rest.is_none()),
            State::Busy(_) => debug.field("busy", &true),
        };
        debug.finish()
    }
}

/// One entry of a directory listed by [`read_dir`].
///
/// ```
/// weft::run(async {
///     let dir = std::env::temp_dir().join(format!("weft-doc-entry-{}", std::process::id()));
///     weft::fs::create_dir_all(dir.join("sub")).await?;
///     let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
///     assert_eq!(entry.path(), dir.join("sub"));
///     assert!(entry.file_type().await?.is_dir());
///     weft::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read in the listing job; `None` when that needed a system call and failed.
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        let file_type = std.file_type().ok();
        DirEntry {
            std: Arc::new(std),
            file_type,
        }
    }

    /// The full path: the listed directory joined with [`file_name`](DirEntry::file_name).
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-path-{}", std::process::id()));
    ///     weft::fs::create_dir_all(&dir).await?;
    ///     weft::fs::write(dir.join("f"), "").await?;
    ///     let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    ///     assert_eq!(entry.path(), dir.join("f"));
    ///     weft::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The bare name of the entry, without the directory.
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-name-{}", std::process::id()));
    ///     weft::fs::create_dir_all(&dir).await?;
    ///     weft::fs::write(dir.join("name.txt"), "").await?;
    ///     let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    ///     assert_eq!(entry.file_name(), "name.txt");
    ///     weft::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's type (file, directory, symlink — not followed), usually known from the
    /// listing itself so it costs no trip to the blocking pool.
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-ftype-{}", std::process::id()));
    ///     weft::fs::create_dir_all(&dir).await?;
    ///     weft::fs::write(dir.join("f"), "").await?;
    ///     let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    ///     assert!(entry.file_type().await?.is_file());
    ///     weft::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn file_type(&self) -> impl Future<Output = io::Result<FileType>> {
        super::blocking_wait(async move {
            if let Some(file_type) = self.file_type {
                return Ok(file_type);
            }
            let std = self.std.clone();
            asyncify(move || std.file_type()).await
        })
    }

    /// The entry's metadata (symlinks not followed), read on the blocking pool.
    ///
    /// ```
    /// weft::run(async {
    ///     let dir = std::env::temp_dir().join(format!("weft-doc-emeta-{}", std::process::id()));
    ///     weft::fs::create_dir_all(&dir).await?;
    ///     weft::fs::write(dir.join("f"), "abc").await?;
    ///     let entry = weft::fs::read_dir(&dir).await?.next_entry().await?.unwrap();
    ///     assert_eq!(entry.metadata().await?.len(), 3);
    ///     weft::fs::remove_dir_all(&dir).await
    /// })
    /// .unwrap();
    /// ```
    #[track_caller]
    pub fn metadata(&self) -> impl Future<Output = io::Result<Metadata>> {
        super::blocking_wait(async move {
            let std = self.std.clone();
            asyncify(move || std.metadata()).await
        })
    }
}
