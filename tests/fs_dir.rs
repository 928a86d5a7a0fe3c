//! `weft::fs`: directories, the one-shot functions, errors, and many files at once.
//!
//! Every test works in its own fresh directory under the system temp dir, removed at the
//! end.

mod fs_support;

use fs_support::*;
use futures_lite::StreamExt;
use std::collections::BTreeSet;
use std::io::ErrorKind;
use weft::fs::{self, File};

#[test]
fn read_dir_lists_every_file() {
    let dir = TempDir::new("read-dir");
    let mut expected = BTreeSet::new();
    for i in 0..300 {
        let name = format!("file-{i:03}");
        std::fs::write(dir.join(&name), i.to_string()).unwrap();
        expected.insert(name);
    }
    std::fs::create_dir(dir.join("subdir")).unwrap();
    weft::run(async {
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        let mut files = BTreeSet::new();
        let mut dirs = Vec::new();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            assert_eq!(entry.path(), dir.0.join(entry.file_name()));
            let name = entry.file_name().into_string().unwrap();
            if entry.file_type().await.unwrap().is_dir() {
                dirs.push(name);
            } else {
                assert!(entry.metadata().await.unwrap().len() >= 1);
                assert!(files.insert(name), "listed twice");
            }
        }
        assert_eq!(files, expected);
        assert_eq!(dirs, ["subdir"]);
        assert!(entries.next_entry().await.unwrap().is_none());

        // The same through `Stream`.
        let names: BTreeSet<_> = fs::read_dir(&dir.0)
            .await
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect()
            .await;
        assert_eq!(names.len(), 301);
        assert!(names.is_superset(&expected));
    });
}

#[test]
fn errors_are_the_operating_systems() {
    let dir = TempDir::new("errors");
    let missing = dir.join("missing");
    weft::run(async {
        assert_eq!(
            File::open(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::read(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::read_to_string(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::metadata(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::remove_file(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::read_dir(&missing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::copy(&missing, dir.join("to")).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::rename(&missing, dir.join("to"))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            fs::create_dir(&dir.0).await.unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        let exists = dir.join("exists");
        fs::write(&exists, "x").await.unwrap();
        let err = File::options()
            .write(true)
            .create_new(true)
            .open(&exists)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        // Writing to a file opened read-only is refused when the data goes out.
        let mut read_only = File::open(&exists).await.unwrap();
        read_only.write_all(b"no").await.unwrap();
        assert!(read_only.flush().await.is_err());
        // The refused bytes are kept, not dropped: every flush reports them again.
        assert!(read_only.flush().await.is_err());
    });
}

#[test]
fn one_shot_functions_round_trip() {
    let dir = TempDir::new("one-shot");
    weft::run(async {
        let nested = dir.join("a/b/c");
        fs::create_dir_all(&nested).await.unwrap();
        fs::create_dir_all(&nested).await.unwrap();
        let a = nested.join("a.txt");
        fs::write(&a, "contents").await.unwrap();
        assert_eq!(fs::read(&a).await.unwrap(), b"contents");
        let copied = fs::copy(&a, nested.join("b.txt")).await.unwrap();
        // Wine 8's CopyFileExW never calls the progress routine std counts bytes with.
        if cfg!(unix) {
            assert_eq!(copied, 8);
        }
        fs::rename(nested.join("b.txt"), nested.join("c.txt"))
            .await
            .unwrap();
        assert_eq!(
            fs::read_to_string(nested.join("c.txt")).await.unwrap(),
            "contents"
        );
        assert!(fs::metadata(&nested).await.unwrap().is_dir());
        fs::remove_file(&a).await.unwrap();
        assert!(!a.exists());
        fs::remove_dir_all(dir.join("a")).await.unwrap();
        assert!(!dir.join("a").exists());
    });
}

#[test]
fn many_tasks_use_many_files_at_once() {
    const TASKS: u64 = 64;
    let dir = TempDir::new("concurrent");
    let base = dir.0.clone();
    let sums = weft::run(async move {
        weft::gather((0..TASKS).map(|t| {
            let path = base.join(format!("task-{t}"));
            async move {
                let mut rng = Rng(t + 1);
                let len = rng.range(1, 400_000);
                let mut data = vec![0; len];
                rng.fill(&mut data);
                let mut file = File::create(&path).await.unwrap();
                let mut at = 0;
                while at < len {
                    let n = rng.range(1, 20_000).min(len - at);
                    file.write_all(&data[at..at + n]).await.unwrap();
                    at += n;
                }
                file.flush().await.unwrap();
                let mut file = File::open(&path).await.unwrap();
                let mut back = Vec::with_capacity(len);
                let mut buf = [0; 3000];
                loop {
                    let n = file.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    back.extend_from_slice(&buf[..n]);
                }
                assert!(back == data, "task {t} read back different bytes");
                len
            }
        }))
        .await
    });
    assert_eq!(sums.len(), TASKS as usize);
    for (t, len) in sums.into_iter().enumerate() {
        assert_eq!(
            std::fs::metadata(dir.join(&format!("task-{t}")))
                .unwrap()
                .len(),
            len as u64
        );
    }
}
