//! Helpers shared by the `weft::fs` tests: a fresh directory per test, a seeded generator
//! and a regenerable byte stream.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of its own for one test, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("weft-test-fs-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// xorshift64*: deterministic, good enough to vary chunk sizes and contents.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    /// A chunk size mixing tiny, buffer-sized and larger-than-buffer calls.
    pub fn chunk_size(&mut self) -> usize {
        match self.next() % 10 {
            0..=4 => self.range(1, 4096),
            5..=8 => self.range(4097, 128 * 1024),
            _ => self.range(128 * 1024, 3 * 1024 * 1024),
        }
    }
}

/// A byte stream that can be regenerated: the same seed gives the same bytes, in whatever
/// chunk sizes they are asked for.
pub struct Stream {
    rng: Rng,
    carry: Vec<u8>,
}

impl Stream {
    pub fn new(seed: u64) -> Stream {
        Stream {
            rng: Rng(seed),
            carry: Vec::new(),
        }
    }

    pub fn take(&mut self, n: usize, out: &mut Vec<u8>) {
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
