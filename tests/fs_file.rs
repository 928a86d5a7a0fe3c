//! `weft::fs::File`: reads, writes, seeks, flushes and their buffering, checked against std
//! and against an in-memory model.
//!
//! Every test works in its own fresh directory under the system temp dir, removed at the
//! end. Randomness comes from a seeded xorshift generator, so every run does the same thing.

mod fs_support;

use fs_support::*;
use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, StreamExt};
use std::io::{ErrorKind, SeekFrom};
use std::path::Path;
use weft::fs::File;

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
        // Wine 8 reports it with an error code std leaves uncategorised.
        if cfg!(unix) {
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
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
                        // Wine 8's error code for it is one std leaves uncategorised.
                        None if cfg!(windows) => assert!(result.is_err(), "step {step}"),
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

/// A runtime whose blocking pool has one thread.
fn one_pool_thread() -> weft::Runtime {
    weft::Builder::new()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap()
}

/// Holds `rt`'s only pool thread with a job until the returned sender sends or drops: the
/// file calls made meanwhile cannot run on the pool.
fn hold_the_pool(rt: &weft::Runtime) -> std::sync::mpsc::Sender<()> {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started_tx, started) = std::sync::mpsc::channel();
    drop(rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = released.recv();
    }));
    started.recv().unwrap();
    release
}

/// Whether this file system reads cached data without waiting (Linux's `RWF_NOWAIT`).
#[cfg(target_os = "linux")]
fn reads_without_waiting(path: &Path) -> bool {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path).unwrap();
    let mut byte = [0u8; 1];
    let iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: `iov` describes `byte`, alive for the call; the descriptor is `file`'s.
    unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, 0, libc::RWF_NOWAIT) == 1 }
}

/// Reads of data the page cache holds run on the worker: with the pool's only thread held,
/// small reads, large reads and the end of the file all still come back.
#[cfg(target_os = "linux")]
#[test]
fn reads_of_cached_data_need_no_pool_thread() {
    let dir = TempDir::new("nowait");
    let path = dir.join("cached");
    let data = patterned_file(&path, 300_000); // just written: in the page cache
    if !reads_without_waiting(&path) {
        eprintln!("skipped: the temp dir's file system has no RWF_NOWAIT reads");
        return;
    }
    let rt = one_pool_thread();
    let mut file = rt.block_on(File::open(&path)).unwrap();
    let release = hold_the_pool(&rt);
    let got = rt.block_on(async {
        let (mut got, mut small, mut large) = (Vec::new(), [0; 4096], vec![0; 100_000]);
        let mut large_next = false;
        loop {
            // Alternate small reads (through the front buffer) and large ones (straight in).
            let buf = if large_next {
                &mut large[..]
            } else {
                &mut small[..]
            };
            large_next = !large_next;
            let n = weft::timeout(std::time::Duration::from_secs(30), file.read(buf))
                .await
                .expect("a read of cached data waited for the held pool")
                .unwrap();
            if n == 0 {
                break got;
            }
            got.extend_from_slice(&buf[..n]);
        }
    });
    assert!(got == data);
    drop(release);
}

/// A file dropped while its write-out waits for the pool hands the writes it staged since to
/// that write-out: when the job runs it writes them after its own chunk, and when shutdown
/// cancels it instead, its `Parked` does. Nothing is lost or reordered either way.
#[test]
fn a_file_dropped_beside_its_write_out_hands_it_the_rest() {
    let dir = TempDir::new("drop-busy");
    for cancelled in [false, true] {
        let path = dir.join(&format!("cancelled-{cancelled}"));
        let rt = one_pool_thread();
        let mut file = rt.block_on(File::create(&path)).unwrap();
        let release = hold_the_pool(&rt);
        let head = vec![b'h'; 64 * 1024];
        rt.block_on(async {
            // A full buffer starts a write-out (queued behind the held thread)...
            file.write_all(&head).await.unwrap();
            // ...and these are staged beside it.
            file.write_all(b"tail").await.unwrap();
        });
        drop(file);
        if cancelled {
            // Shutdown cancels the queued write-out (its `Parked` writes, right here) and
            // gives up on the held job at once.
            rt.shutdown_timeout(std::time::Duration::ZERO);
            drop(release);
        } else {
            drop(release);
            drop(rt); // waits for the write-out
        }
        let written = std::fs::read(&path).unwrap();
        assert_eq!(written.len(), head.len() + 4, "cancelled: {cancelled}");
        assert!(written.starts_with(&head) && written.ends_with(b"tail"));
    }
}

/// A write-out that fails (a full device) keeps its bytes and the ones handed to it: the
/// error comes back from a later call, and every flush after it fails again rather than
/// pretending the data went out.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_out_is_reported_and_not_forgotten() {
    weft::run(async {
        let mut full = weft::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .await
            .unwrap();
        let chunk = vec![0u8; 64 * 1024];
        let mut first_error = None;
        for _ in 0..8 {
            if let Err(err) = full.write_all(&chunk).await {
                first_error = Some(err);
                break;
            }
        }
        let err = match first_error {
            Some(err) => err,
            None => full.flush().await.unwrap_err(),
        };
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
        for _ in 0..2 {
            let again = full.flush().await.unwrap_err();
            assert_eq!(again.raw_os_error(), Some(libc::ENOSPC));
        }
    });
}
