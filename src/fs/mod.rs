//! Files and directories on the blocking pool (Python's `aiofiles`, asyncio's advice to push
//! file I/O to threads).
//!
//! Operating systems offer no readiness notification for regular files, so every call here
//! runs the matching `std::fs` call on the runtime's blocking pool ([`spawn_blocking`]) and
//! awaits it. A trip to the pool and back (a *hop*) costs microseconds, far more than a small
//! read from the page cache, so the design is about taking as few hops as possible:
//!
//! - The one-shot functions ([`read`], [`write()`], [`copy`], ...) are one hop each.
//! - A [`File`] owns a buffer that travels with it into each blocking job. A small read is
//!   served from read-ahead that one hop fetched (64 KiB at first, growing while the reader
//!   stays sequential); small writes are coalesced and written out in one hop when the buffer
//!   fills (in the background: the write call returns at once), on `flush`, on a seek and on
//!   `sync_all`. [`File::read_to_end`] reads the whole rest of the file in one hop.
//! - At most one blocking job per file is in flight: the std file and its buffer move into
//!   the job and come back with its outcome, so no lock guards them and an abandoned future
//!   (a cancelled task, a timeout) never leaves the file half-updated.
//! - [`read_dir`] fetches directory entries in batches of 64 per hop, the first batch in the
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
