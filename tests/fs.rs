//! `weft::fs`: files and directories on the blocking pool.
//!
//! Every test works in its own fresh directory under the system temp dir, removed at the
//! end. Randomness comes from a seeded xorshift generator, so every run does the same thing.

use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, StreamExt};
use std::collections::BTreeSet;
use std::io::{ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use weft::fs::{self, File};

/// A directory of its own for one test, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("weft-test-fs-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// xorshift64*: deterministic, good enough to vary chunk sizes and contents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    /// A chunk size mixing tiny, buffer-sized and larger-than-buffer calls.
    fn chunk_size(&mut self) -> usize {
        match self.next() % 10 {
            0..=4 => self.range(1, 4096),
            5..=8 => self.range(4097, 128 * 1024),
            _ => self.range(128 * 1024, 3 * 1024 * 1024),
        }
    }
}

/// A byte stream that can be regenerated: the same seed gives the same bytes, in whatever
/// chunk sizes they are asked for.
struct Stream {
    rng: Rng,
    carry: Vec<u8>,
}

impl Stream {
    fn new(seed: u64) -> Stream {
        Stream {
            rng: Rng(seed),
            carry: Vec::new(),
        }
    }

    fn take(&mut self, n: usize, out: &mut Vec<u8>) {
        out.clear();
        let from_carry = n.min(self.carry.len());
        out.extend(self.carry.drain(..from_carry));
        while out.len() < n {
            let word = self.rng.next().to_le_bytes();
            let need = (n - out.len()).min(8);
            out.extend_from_slice(&word[..need]);
            self.carry.extend_from_slice(&word[need..]);
        }
    }
}

#[test]
fn write_then_read_back_100_mib_in_random_chunks() {
    const TOTAL: usize = 100 * 1024 * 1024;
    let dir = TempDir::new("100mib");
    let path = dir.join("big.bin");
    weft::run(async {
        let mut file = File::create(&path).await.unwrap();
        let (mut data, mut sizes, mut chunk) = (Stream::new(0x5eed), Rng(7), Vec::new());
        let mut written = 0;
        while written < TOTAL {
            let n = sizes.chunk_size().min(TOTAL - written);
            data.take(n, &mut chunk);
            file.write_all(&chunk).await.unwrap();
            written += n;
        }
        file.flush().await.unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), TOTAL as u64);
        drop(file);

        let mut file = File::open(&path).await.unwrap();
        let (mut expected, mut sizes) = (Stream::new(0x5eed), Rng(11));
        let (mut buf, mut want) = (vec![0; 3 * 1024 * 1024], Vec::new());
        let mut read = 0;
        loop {
            let n = file.read(&mut buf[..sizes.chunk_size()]).await.unwrap();
            if n == 0 {
                break;
            }
            expected.take(n, &mut want);
            assert!(
                buf[..n] == want[..],
                "bytes differ in the {n} bytes at offset {read}"
            );
            read += n;
        }
        assert_eq!(read, TOTAL);
    });
}

/// Writes `len` bytes of `byte(i)` to `path` with std.
fn patterned_file(path: &Path, len: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(path, &data).unwrap();
    data
}

async fn read_n(file: &mut File, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    file.read_exact(&mut buf).await.unwrap();
    buf
}

#[test]
fn seeks_inside_and_outside_read_ahead_in_both_directions() {
    let dir = TempDir::new("seek-read");
    let path = dir.join("pattern");
    let data = patterned_file(&path, 600_000);
    weft::run(async {
        let mut file = File::open(&path).await.unwrap();
        assert_eq!(read_n(&mut file, 10).await, data[..10]);
        // Forward inside the read-ahead window.
        assert_eq!(file.seek(SeekFrom::Current(1000)).await.unwrap(), 1010);
        assert_eq!(read_n(&mut file, 20).await, data[1010..1030]);
        // Backward inside the window.
        assert_eq!(file.seek(SeekFrom::Current(-500)).await.unwrap(), 530);
        assert_eq!(read_n(&mut file, 5).await, data[530..535]);
        assert_eq!(file.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        assert_eq!(read_n(&mut file, 4).await, data[3..7]);
        // Forward past the window, then backward past it.
        assert_eq!(file.seek(SeekFrom::Start(400_000)).await.unwrap(), 400_000);
        assert_eq!(read_n(&mut file, 100).await, data[400_000..400_100]);
        assert_eq!(
            file.seek(SeekFrom::Current(-300_000)).await.unwrap(),
            100_100
        );
        assert_eq!(read_n(&mut file, 100).await, data[100_100..100_200]);
        assert_eq!(file.seek(SeekFrom::End(-10)).await.unwrap(), 599_990);
        assert_eq!(read_n(&mut file, 10).await, data[599_990..]);
        assert_eq!(file.read(&mut [0; 4]).await.unwrap(), 0);
        // The position is reported right after reads served from the buffer.
        file.seek(SeekFrom::Start(42)).await.unwrap();
        read_n(&mut file, 8).await;
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 50);
        // A seek before the start is the OS's error and moves nothing.
        let err = file.seek(SeekFrom::Current(-51)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(read_n(&mut file, 3).await, data[50..53]);
    });
}

#[test]
fn seeks_write_out_buffered_data_in_both_directions() {
    let dir = TempDir::new("seek-write");
    let path = dir.join("rw");
    weft::run(async {
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        file.write_all(b"0123456789").await.unwrap();
        // Backward over buffered writes: they land first, then the overwrite.
        file.seek(SeekFrom::Current(-4)).await.unwrap();
        file.write_all(b"ab").await.unwrap();
        assert_eq!(read_n(&mut file, 2).await, b"89");
        // Forward past the end: the gap reads as zeros.
        assert_eq!(file.seek(SeekFrom::Start(12)).await.unwrap(), 12);
        file.write_all(b"Z").await.unwrap();
        file.seek(SeekFrom::Start(0)).await.unwrap();
        let mut all = Vec::new();
        file.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"012345ab89\0\0Z");
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"012345ab89\0\0Z");
}

#[test]
fn a_write_after_reading_lands_at_the_read_position_not_after_the_read_ahead() {
    let dir = TempDir::new("write-after-read");
    let path = dir.join("f");
    let mut data = patterned_file(&path, 200_000);
    weft::run(async {
        let mut file = File::options()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(read_n(&mut file, 10).await, data[..10]);
        file.write_all(b"ABC").await.unwrap();
        assert_eq!(read_n(&mut file, 4).await, data[13..17]);
        file.flush().await.unwrap();
    });
    data[10..13].copy_from_slice(b"ABC");
    assert!(std::fs::read(&path).unwrap() == data);
}

/// Random reads, writes, seeks, flushes and truncations against an in-memory model.
#[test]
fn random_operations_match_an_in_memory_model() {
    let dir = TempDir::new("model");
    let path = dir.join("model");
    weft::run(async {
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        let (mut model, mut pos) = (Vec::<u8>::new(), 0usize);
        let mut rng = Rng(0xfeed);
        let mut buf = vec![0; 300_000];
        for step in 0..3000 {
            let size = match rng.next() % 4 {
                0 => rng.range(1, 16),
                1 | 2 => rng.range(1, 5000),
                _ => rng.range(5000, 300_000),
            };
            match rng.next() % 12 {
                0..=3 => {
                    let n = file.read(&mut buf[..size]).await.unwrap();
                    let available = model.len().saturating_sub(pos);
                    assert!(
                        n <= size.min(available),
                        "step {step}: read {n} of {available}"
                    );
                    assert!(n > 0 || available == 0, "step {step}: early end of file");
                    assert!(
                        n == 0 || buf[..n] == model[pos..pos + n],
                        "step {step}: read wrong bytes"
                    );
                    pos += n;
                }
                4..=6 => {
                    rng.fill(&mut buf[..size]);
                    file.write_all(&buf[..size]).await.unwrap();
                    if model.len() < pos + size {
                        model.resize(pos + size, 0);
                    }
                    model[pos..pos + size].copy_from_slice(&buf[..size]);
                    pos += size;
                }
                7 => {
                    let to = rng.range(0, model.len() + 100);
                    assert_eq!(
                        file.seek(SeekFrom::Start(to as u64)).await.unwrap(),
                        to as u64
                    );
                    pos = to;
                }
                8 => {
                    let delta = rng.range(0, 10_000) as i64 - 5000;
                    let result = file.seek(SeekFrom::Current(delta)).await;
                    match pos.checked_add_signed(delta as isize) {
                        Some(to) => {
                            assert_eq!(result.unwrap(), to as u64, "step {step}");
                            pos = to;
                        }
                        None => assert_eq!(result.unwrap_err().kind(), ErrorKind::InvalidInput),
                    }
                }
                9 => {
                    let back = rng.range(0, model.len().min(70_000));
                    let to = file.seek(SeekFrom::End(-(back as i64))).await.unwrap();
                    pos = model.len() - back;
                    assert_eq!(to, pos as u64, "step {step}");
                }
                10 if rng.next().is_multiple_of(8) => {
                    let mut rest = Vec::new();
                    let n = file.read_to_end(&mut rest).await.unwrap();
                    assert_eq!(n, model.len().saturating_sub(pos), "step {step}");
                    assert!(
                        n == 0 || rest == model[pos..],
                        "step {step}: read_to_end differs"
                    );
                    pos += n;
                }
                10 => {
                    file.flush().await.unwrap();
                    assert!(
                        std::fs::read(&path).unwrap() == model,
                        "step {step}: flushed file differs"
                    );
                }
                _ => {
                    let len = rng.range(0, model.len() + 1000);
                    file.set_len(len as u64).await.unwrap();
                    model.resize(len, 0);
                    assert_eq!(
                        file.seek(SeekFrom::Current(0)).await.unwrap(),
                        pos as u64,
                        "step {step}"
                    );
                }
            }
        }
        file.sync_all().await.unwrap();
        assert!(std::fs::read(&path).unwrap() == model);
    });
}

#[test]
fn flush_makes_writes_visible_to_other_readers() {
    let dir = TempDir::new("flush");
    let path = dir.join("f");
    weft::run(async {
        let mut file = File::create(&path).await.unwrap();
        for i in 0..10u8 {
            file.write_all(&[i; 100]).await.unwrap();
            file.flush().await.unwrap();
            let on_disk = std::fs::read(&path).unwrap();
            assert_eq!(on_disk.len(), 100 * (i as usize + 1));
            assert!(on_disk.ends_with(&[i; 100]));
        }
        // `metadata` and `sync_data` count pending writes too.
        file.write_all(b"tail").await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 1004);
        file.write_all(b"more").await.unwrap();
        file.sync_data().await.unwrap();
        assert!(std::fs::read(&path).unwrap().ends_with(b"tailmore"));
        // The futures-io path flushes as well.
        file.write_all(b"!").await.unwrap();
        AsyncWriteExt::flush(&mut file).await.unwrap();
        assert!(std::fs::read(&path).unwrap().ends_with(b"tailmore!"));
    });
}

#[test]
fn dropping_a_file_with_unflushed_writes_still_writes_them() {
    let dir = TempDir::new("drop");
    let (dropped, cancelled) = (dir.join("dropped"), dir.join("cancelled"));
    weft::run(async {
        let mut file = File::create(&dropped).await.unwrap();
        file.write_all(b"written on drop").await.unwrap();
        drop(file);

        // A task cancelled by the runtime's shutdown drops its file then.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = cancelled.clone();
        weft::spawn(async move {
            let mut file = File::create(&path).await.unwrap();
            file.write_all(b"written at shutdown").await.unwrap();
            tx.send(()).unwrap();
            std::future::pending::<()>().await;
        });
        weft::to_thread(move || rx.recv().unwrap()).await.unwrap();
    });
    // `run` returns after the blocking pool finished its jobs.
    assert_eq!(std::fs::read(&dropped).unwrap(), b"written on drop");
    assert_eq!(std::fs::read(&cancelled).unwrap(), b"written at shutdown");
}

#[test]
fn an_abandoned_read_loses_no_data() {
    let dir = TempDir::new("abandon");
    let path = dir.join("f");
    let data = patterned_file(&path, 300_000);
    weft::run(async {
        let mut file = File::open(&path).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0; 1000];
        while got.len() < data.len() {
            // Poll each read once and drop it if it is not done: its job runs on.
            if let Some(n) = futures_lite::future::poll_once(file.read(&mut buf)).await {
                got.extend_from_slice(&buf[..n.unwrap()]);
            }
        }
        assert!(got == data);
        assert_eq!(file.read(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn read_to_end_and_read_to_string_take_the_rest() {
    let dir = TempDir::new("to-end");
    let path = dir.join("f");
    let data = patterned_file(&path, 1_000_000);
    weft::run(async {
        let mut file = File::open(&path).await.unwrap();
        let head = read_n(&mut file, 100).await;
        let mut rest = Vec::new();
        assert_eq!(file.read_to_end(&mut rest).await.unwrap(), 999_900);
        assert_eq!(head, data[..100]);
        assert!(rest == data[100..]);
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 1_000_000);
        // A seek back into the last stretch reads the file, not stale buffer contents.
        assert_eq!(file.seek(SeekFrom::Current(-100)).await.unwrap(), 999_900);
        assert_eq!(read_n(&mut file, 100).await, data[999_900..]);
        // Read again from the start, into a vector that is not empty.
        file.seek(SeekFrom::Start(0)).await.unwrap();
        let mut all = b"prefix".to_vec();
        file.read_to_end(&mut all).await.unwrap();
        assert!(all[..6] == *b"prefix" && all[6..] == data[..]);

        std::fs::write(&path, "héllo\nwörld\n").unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "héllo\nwörld\n");

        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        let mut file = File::open(&path).await.unwrap();
        let err = file.read_to_string(&mut text).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(text, "héllo\nwörld\n");
    });
}

#[test]
fn buffered_lines_through_async_buf_read() {
    let dir = TempDir::new("lines");
    let path = dir.join("f");
    let expected: Vec<String> = (0..20_000).map(|i| format!("line number {i}")).collect();
    std::fs::write(&path, expected.join("\n")).unwrap();
    weft::run(async {
        let file = File::open(&path).await.unwrap();
        let lines: Vec<String> = file.lines().try_collect().await.unwrap();
        assert_eq!(lines, expected);
    });
}

#[test]
fn append_mode_writes_at_the_end_whatever_the_position() {
    let dir = TempDir::new("append");
    let path = dir.join("log");
    std::fs::write(&path, "one\n").unwrap();
    weft::run(async {
        let mut file = File::options()
            .read(true)
            .append(true)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(read_n(&mut file, 2).await, b"on");
        file.write_all(b"two\n").await.unwrap();
        file.seek(SeekFrom::Start(0)).await.unwrap();
        file.write_all(b"three\n").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 14);
    });
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\nthree\n");
}

#[test]
fn into_std_hands_back_the_file_at_the_logical_position() {
    use std::io::Read;
    let dir = TempDir::new("into-std");
    let path = dir.join("f");
    let data = patterned_file(&path, 100_000);
    let mut std_file = weft::run(async {
        let mut file = File::options()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        read_n(&mut file, 10).await;
        file.write_all(b"xy").await.unwrap();
        file.into_std().await.unwrap()
    });
    let mut rest = Vec::new();
    std_file.read_to_end(&mut rest).unwrap();
    assert!(rest == data[12..]);
    assert_eq!(&std::fs::read(&path).unwrap()[10..12], b"xy");
}

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
        assert_eq!(fs::copy(&a, nested.join("b.txt")).await.unwrap(), 8);
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
