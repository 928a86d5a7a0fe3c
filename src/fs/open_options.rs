//! `OpenOptions`: how to open a [`File`] — the std builder, plus the one fact the async file
//! needs to know about it.
//!
//! The [`File`] tracks its position to answer seeks inside its buffer without a hop; in
//! append mode every write jumps to the end of the file, so the builder remembers whether
//! `append` was asked for and the file stops trusting its tracked position after writes.

use super::asyncify;
use super::file::File;
use std::future::Future;
use std::io;
use std::path::Path;

/// Options and flags to open a [`File`] with (`std::fs::OpenOptions`, opened on the blocking
/// pool). Get one from [`OpenOptions::new`] or [`File::options`].
///
/// ```
/// use weft::fs::OpenOptions;
///
/// weft::run(async {
///     let path = std::env::temp_dir().join(format!("weft-doc-oo-{}", std::process::id()));
///     let mut file = OpenOptions::new().create(true).append(true).open(&path).await?;
///     file.write_all(b"line\n").await?;
///     file.flush().await?;
///     assert_eq!(std::fs::read(&path)?, b"line\n");
///     weft::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct OpenOptions {
    std: std::fs::OpenOptions,
    append: bool,
}

impl OpenOptions {
    /// All options off: set at least `read`, `write` or `append` before opening.
    ///
    /// ```
    /// let options = weft::fs::OpenOptions::new().read(true).clone();
    /// # drop(options);
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions {
            std: std::fs::OpenOptions::new(),
            append: false,
        }
    }

    /// Open for reading.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-oo-r-{}", std::process::id()));
    ///     std::fs::write(&path, "r")?;
    ///     let mut file = weft::fs::OpenOptions::new().read(true).open(&path).await?;
    ///     let mut text = String::new();
    ///     file.read_to_string(&mut text).await?;
    ///     assert_eq!(text, "r");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.std.read(read);
        self
    }

    /// Open for writing (at the start of the file unless `append` or `truncate` say
    /// otherwise).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-oo-w-{}", std::process::id()));
    ///     std::fs::write(&path, "xxxx")?;
    ///     let mut file = weft::fs::OpenOptions::new().write(true).open(&path).await?;
    ///     file.write_all(b"ab").await?;
    ///     file.flush().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"abxx");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.std.write(write);
        self
    }

    /// Every write goes to the current end of the file (implies `write`).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-oo-a-{}", std::process::id()));
    ///     std::fs::write(&path, "old ")?;
    ///     let mut file = weft::fs::OpenOptions::new().append(true).open(&path).await?;
    ///     file.write_all(b"new").await?;
    ///     file.flush().await?;
    ///     assert_eq!(std::fs::read(&path)?, b"old new");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.std.append(append);
        self.append = append;
        self
    }

    /// Cut the file to length zero when it is opened (needs `write`).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-oo-t-{}", std::process::id()));
    ///     std::fs::write(&path, "old")?;
    ///     let file = weft::fs::OpenOptions::new().write(true).truncate(true).open(&path).await?;
    ///     drop(file);
    ///     assert_eq!(std::fs::read(&path)?, b"");
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.std.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-oo-c-{}", std::process::id()));
    ///     weft::fs::OpenOptions::new().write(true).create(true).open(&path).await?;
    ///     assert!(path.exists());
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.std.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it is there (needs `write` or
    /// `append`); atomic, unlike checking first.
    ///
    /// ```
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-oo-cn-{}", std::process::id()));
    ///     std::fs::write(&path, "")?;
    ///     let err = weft::fs::OpenOptions::new().write(true).create_new(true).open(&path).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    ///     weft::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.std.create_new(create_new);
        self
    }

    /// Opens `path` with these options on the blocking pool.
    ///
    /// ```
    /// weft::run(async {
    ///     let err = weft::fs::OpenOptions::new().read(true).open("/no/such/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    #[track_caller]
    pub fn open(&self, path: impl AsRef<Path>) -> impl Future<Output = io::Result<File>> {
        super::blocking_wait(async move {
            let path = path.as_ref().to_owned();
            let std = self.std.clone();
            let file = asyncify(move || std.open(path)).await?;
            Ok(File::from_opened(file, self.append))
        })
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}
