//! One-shot file-system calls: each is the `std::fs` function of the same name run on the
//! blocking pool, one hop per call.
//!
//! Paths and contents are copied into owned values first because the job outlives the
//! caller's borrow (a cancelled caller does not stop a job that already started).

use super::asyncify;
use std::fs::Metadata;
use std::future::Future;
use std::io;
use std::path::Path;

/// Reads the whole file at `path` into a vector (`std::fs::read`, sized from the file's
/// length up front).
///
/// ```
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-read-{}", std::process::id()));
///     weft::fs::write(&path, [1u8, 2, 3]).await?;
///     assert_eq!(weft::fs::read(&path).await?, [1, 2, 3]);
///     weft::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn read(path: impl AsRef<Path>) -> impl Future<Output = io::Result<Vec<u8>>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::read(path)).await
    })
}

/// Reads the whole file at `path` into a string; an error of kind `InvalidData` when it is
/// not UTF-8.
///
/// ```
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-rts-{}", std::process::id()));
///     weft::fs::write(&path, "text").await?;
///     assert_eq!(weft::fs::read_to_string(&path).await?, "text");
///     weft::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn read_to_string(path: impl AsRef<Path>) -> impl Future<Output = io::Result<String>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::read_to_string(path)).await
    })
}

/// Creates or truncates the file at `path` and writes `contents` to it.
///
/// ```
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-write-{}", std::process::id()));
///     weft::fs::write(&path, b"bytes").await?;
///     assert_eq!(std::fs::read(&path)?, b"bytes");
///     weft::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn write(
    path: impl AsRef<Path>,
    contents: impl AsRef<[u8]>,
) -> impl Future<Output = io::Result<()>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        let contents = contents.as_ref().to_owned();
        asyncify(move || std::fs::write(path, contents)).await
    })
}

/// Copies the contents and permissions of `from` to `to` (created or truncated) and returns
/// the number of bytes copied. The copy happens inside the kernel where the platform allows.
///
/// ```
/// weft::run(async {
///     let dir = std::env::temp_dir();
///     let (a, b) = (dir.join(format!("weft-doc-cp-a-{}", std::process::id())), dir.join(format!("weft-doc-cp-b-{}", std::process::id())));
///     weft::fs::write(&a, "copy me").await?;
///     assert_eq!(weft::fs::copy(&a, &b).await?, 7);
///     assert_eq!(weft::fs::read_to_string(&b).await?, "copy me");
///     weft::fs::remove_file(&a).await?;
///     weft::fs::remove_file(&b).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> impl Future<Output = io::Result<u64>> {
    super::blocking_wait(async move {
        let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
        asyncify(move || std::fs::copy(from, to)).await
    })
}

/// Renames `from` to `to`, replacing `to` if it is a file.
///
/// ```
/// weft::run(async {
///     let dir = std::env::temp_dir();
///     let (a, b) = (dir.join(format!("weft-doc-mv-a-{}", std::process::id())), dir.join(format!("weft-doc-mv-b-{}", std::process::id())));
///     weft::fs::write(&a, "moved").await?;
///     weft::fs::rename(&a, &b).await?;
///     assert!(!a.exists());
///     assert_eq!(weft::fs::read_to_string(&b).await?, "moved");
///     weft::fs::remove_file(&b).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn rename(
    from: impl AsRef<Path>,
    to: impl AsRef<Path>,
) -> impl Future<Output = io::Result<()>> {
    super::blocking_wait(async move {
        let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
        asyncify(move || std::fs::rename(from, to)).await
    })
}

/// Removes the file at `path`.
///
/// ```
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-rm-{}", std::process::id()));
///     weft::fs::write(&path, "").await?;
///     weft::fs::remove_file(&path).await?;
///     let err = weft::fs::remove_file(&path).await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn remove_file(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::remove_file(path)).await
    })
}

/// Creates the directory `path`; its parent must exist.
///
/// ```
/// weft::run(async {
///     let dir = std::env::temp_dir().join(format!("weft-doc-mkdir-{}", std::process::id()));
///     weft::fs::create_dir(&dir).await?;
///     assert!(dir.is_dir());
///     weft::fs::remove_dir(&dir).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn create_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::create_dir(path)).await
    })
}

/// Creates the directory `path` and every missing parent; succeeds when it already exists.
///
/// ```
/// weft::run(async {
///     let top = std::env::temp_dir().join(format!("weft-doc-mkdirs-{}", std::process::id()));
///     weft::fs::create_dir_all(top.join("a/b/c")).await?;
///     assert!(top.join("a/b/c").is_dir());
///     weft::fs::remove_dir_all(&top).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn create_dir_all(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::create_dir_all(path)).await
    })
}

/// Removes the empty directory `path`.
///
/// ```
/// weft::run(async {
///     let dir = std::env::temp_dir().join(format!("weft-doc-rmdir-{}", std::process::id()));
///     weft::fs::create_dir(&dir).await?;
///     weft::fs::remove_dir(&dir).await?;
///     assert!(!dir.exists());
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn remove_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::remove_dir(path)).await
    })
}

/// Removes the directory `path` and everything in it.
///
/// ```
/// weft::run(async {
///     let top = std::env::temp_dir().join(format!("weft-doc-rmall-{}", std::process::id()));
///     weft::fs::create_dir_all(top.join("inner")).await?;
///     weft::fs::write(top.join("inner/file"), "x").await?;
///     weft::fs::remove_dir_all(&top).await?;
///     assert!(!top.exists());
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn remove_dir_all(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::remove_dir_all(path)).await
    })
}

/// The metadata of `path` (following symbolic links): length, type, permissions, times.
///
/// ```
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-meta-{}", std::process::id()));
///     weft::fs::write(&path, "12345").await?;
///     let meta = weft::fs::metadata(&path).await?;
///     assert!(meta.is_file());
///     assert_eq!(meta.len(), 5);
///     weft::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[track_caller]
pub fn metadata(path: impl AsRef<Path>) -> impl Future<Output = io::Result<Metadata>> {
    super::blocking_wait(async move {
        let path = path.as_ref().to_owned();
        asyncify(move || std::fs::metadata(path)).await
    })
}
