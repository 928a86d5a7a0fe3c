//! Seed 004, item 10 (GeeksforGeeks, aiofiles): write a file asynchronously, then read it
//! back and print it.
//!
//! ```python
//! import aiofiles, asyncio
//! async def main():
//!     async with aiofiles.open("example.txt", mode="w") as f:
//!         await f.write("Hello, World!")
//!     async with aiofiles.open("example.txt", mode="r") as f:
//!         contents = await f.read()
//!     print(contents)
//! asyncio.run(main())
//! ```
//!
//! `weft::fs::File` is aiofiles' file object: every call runs on the runtime's blocking
//! pool, so the worker threads never wait on the disk. Rust has no `async with`: the file
//! closes when it is dropped, and `flush().await` is the explicit point where the written
//! data is in the file (aiofiles flushes when its block closes). Small reads and writes are
//! buffered, so a loop of them costs one trip to the pool per 64 KiB, not one per call.
//! For one-shot work, `weft::fs::write` and `weft::fs::read_to_string` do it in one call.

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing); this pattern has
/// none, so the scale is unused.
pub fn demo(_scale: f64) {
    weft::run(async {
        let path =
            std::env::temp_dir().join(format!("weft-example-aiofiles-{}.txt", std::process::id()));

        // async with aiofiles.open(path, mode="w") as f: await f.write(...)
        let mut file = weft::fs::File::create(&path)
            .await
            .expect("create the file");
        file.write_all(b"Hello, World!")
            .await
            .expect("write to the file");
        file.flush().await.expect("flush the file");
        drop(file);

        // async with aiofiles.open(path, mode="r") as f: contents = await f.read()
        let mut file = weft::fs::File::open(&path).await.expect("open the file");
        let mut contents = String::new();
        file.read_to_string(&mut contents)
            .await
            .expect("read the file");
        drop(file);
        println!("{contents}");

        weft::fs::remove_file(&path).await.expect("remove the file");
        assert_eq!(
            contents, "Hello, World!",
            "the file did not read back what was written"
        );
    });
}

#[allow(dead_code)]
fn main() {
    demo(
        std::env::var("WEFT_TIME_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.1),
    )
}
