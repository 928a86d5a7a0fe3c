//! Files and directories on the blocking pool (Python's `aiofiles`, asyncio's advice to push
//! file I/O to threads).
//!
//! Operating systems offer no readiness notification for regular files, so the calls here run
//! the matching `std::fs` call on the runtime's blocking pool ([`spawn_blocking`]) and await
//! it — all but a [`File`]'s reads of data already in memory, which need no waiting. A trip to the pool and back (a *hop*) costs microseconds, far more than a small
//! read from the page cache, so the design is about taking as few hops as possible:
//!
//! - The one-shot functions ([`read`], [`write()`], [`copy`], ...) are one hop each.
//! - A [`File`] reads data the page cache already holds on the calling worker, with no hop
//!   at all (Linux: `preadv2` with `RWF_NOWAIT`, which refuses rather than waits for the
//!   disk). Other reads are served from read-ahead that one hop fetched (64 KiB at first,
//!   growing while the reader stays sequential). Small writes are staged and written out in
//!   the background in chunks of 64 KiB and up: the write call returns at once, and a
//!   write-out in flight takes the next chunk without a hop. A flush, a seek and `sync_all`
//!   write out what is staged. [`File::read_to_end`] reads the whole rest of the file in one
//!   hop.
//! - At most one blocking job per file is in flight: the std file and its buffer move into
//!   the job and come back with its outcome, so no lock guards them (only the write-out's
//!   hand-off of the next chunk takes one) and an abandoned future (a cancelled task, a
//!   timeout) never leaves the file half-updated.
//! - [`read_dir`](fn@read_dir) fetches directory entries in batches of 64 per hop, the first batch in the
//!   same hop that opens the directory.
//!
//! Errors are the operating system's [`std::io::Error`]s. The one error of weft's own is the
//! runtime shutting down before a job ran (`ErrorKind::Other`, saying so).
//!
//! Everything here must run inside a weft runtime (it panics otherwise, like
//! [`spawn_blocking`]).
//!
//! ```
//! weft::run(async {
//!     let path = std::env::temp_dir().join(format!("weft-fs-mod-{}.txt", std::process::id()));
//!     weft::fs::write(&path, "hello").await?;
//!     assert_eq!(weft::fs::read_to_string(&path).await?, "hello");
//!     weft::fs::remove_file(&path).await
//! })
//! .unwrap();
//! ```
//!
//! [`spawn_blocking`]: crate::spawn_blocking

mod buffer;
mod file;
mod file_job;
mod file_traits;
mod nowait;
mod open_options;
mod ops;
mod read_dir;

pub use file::File;
pub use open_options::OpenOptions;
pub use ops::{
    copy, create_dir, create_dir_all, metadata, read, read_to_string, remove_dir, remove_dir_all,
    remove_file, rename, write,
};
pub use read_dir::{DirEntry, ReadDir, read_dir};

use std::io;
use weft_executor::JoinError;

/// Marks `op` (a file operation) as a blocking-pool wait at the line that called it, for
/// task dumps: every public operation here is `#[track_caller]` and goes through this.
#[track_caller]
fn blocking_wait<F: std::future::Future>(op: F) -> weft_coop::WaitingAs<F> {
    weft_coop::waiting_as(
        weft_coop::WaitKind::Blocking,
        std::panic::Location::caller(),
        op,
    )
}

/// Runs `f` on the blocking pool and returns its result.
async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::spawn_blocking(f).await {
        Ok(result) => result,
        Err(err) => Err(job_failed(err)),
    }
}

/// Turns the failure of a blocking job into the caller's outcome: a panic goes on unwinding
/// in the caller (it is a bug, not an I/O error); a cancellation means the runtime shut down
/// before the job ran.
fn job_failed(err: JoinError) -> io::Error {
    match err.try_into_panic() {
        Ok(payload) => std::panic::resume_unwind(payload),
        Err(_) => pool_shut_down(),
    }
}

/// The error of a job the blocking pool refused or dropped because its runtime shut down.
fn pool_shut_down() -> io::Error {
    io::Error::other("the runtime's blocking pool has shut down, so the file operation did not run")
}
